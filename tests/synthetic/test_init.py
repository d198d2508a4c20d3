"""The package's entry points: generators eagerly, augmentations lazily (torch on first use)."""

import pytest

import synthetic
from synthetic import augment


@pytest.mark.parametrize("name", ["Compose", "dataset_augment", "default_augment",
                                  "default_image_augment", "default_vector_augment"])
def test_augmentation_entry_points_are_those_of_synthetic_augment(name):
    assert getattr(synthetic, name) is getattr(augment, name)
    assert name in synthetic.__all__


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        synthetic.nope  # noqa: B018
