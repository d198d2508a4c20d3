"""Generators of multimodal data with known interaction structure."""

from synthetic.gaussian import make_gaussian
from synthetic.latent import make_latent
from synthetic.trifeature import make_trifeature

#: Augmentation entry points; synthetic.augment imports torch, so it loads on first access.
_AUGMENT = ("Compose", "dataset_augment", "default_augment", "default_image_augment",
            "default_vector_augment")

__all__: list[str] = ["make_gaussian", "make_latent", "make_trifeature", *_AUGMENT]


def __getattr__(name: str) -> object:
    if name in _AUGMENT:
        from synthetic import augment

        return getattr(augment, name)
    raise AttributeError(f"module 'synthetic' has no attribute {name!r}")
