"""Tests of pid_bench.experiment.building: datasets, augmentations and methods from specs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from pid_bench.data import MultimodalDataset
from pid_bench.experiment.building import (
    DATASET_KINDS,
    build_augmentations,
    build_dataset,
    build_method,
    check_config,
)
from pid_bench.experiment.config import load_config
from pid_bench.models import ConvEncoder
from experiment_stand_in import LATENT_ARGS, STAND_IN, tiny_config

CONFIGS = Path(__file__).resolve().parents[3] / "configs"


def test_build_dataset_names_it_by_its_label_and_refuses_unknown_kinds():
    config = load_config(tiny_config(datasets=[{"name": "latent", "label": "small",
                                                "args": LATENT_ARGS}]))
    data = build_dataset(config.datasets[0])
    assert isinstance(data, MultimodalDataset) and data.name == "small"
    assert "latent" in DATASET_KINDS
    bad = dataclasses.replace(config.datasets[0], name="mnist")
    with pytest.raises(ValueError, match="unknown dataset 'mnist'; known datasets: latent, "
                                         "trifeature, file"):
        build_dataset(bad)


def test_build_method_uses_the_seed_for_its_weights():
    config = load_config(tiny_config())
    spec, method = config.datasets[0], config.methods[0]
    data = build_dataset(spec)
    first, again, other = (build_method(method, spec, data, seed=s) for s in (3, 3, 4))
    torch.testing.assert_close(first.maps[0].weight, again.maps[0].weight)
    assert not torch.equal(first.maps[0].weight, other.maps[0].weight)


def test_check_config_returns_the_built_datasets():
    datasets = check_config(load_config(tiny_config()))
    assert list(datasets) == ["latent"] and datasets["latent"].n_samples == 128 + 160 + 160


def test_augment_options_reach_the_default_augmentations():
    config = load_config(tiny_config(datasets=[{"name": "latent", "augment": {
        "vector": {"noise_std": 0.7, "mask_fraction": 0.0}}}]))
    spec = config.datasets[0]
    assert spec.augment == {"vector": {"noise_std": 0.7, "mask_fraction": 0.0}}
    x = torch.zeros(4000, 2)
    first, _ = build_augmentations(spec, build_dataset(spec))
    assert abs(float(first(x, 0).std()) - 0.7) < 0.02


def test_the_generator_asks_for_its_rotation_and_the_config_overrides_the_rest():
    args = {**LATENT_ARGS, "unique_code": "rotation", "rotation_dim": 3}
    config = load_config(tiny_config(datasets=[{"name": "latent", "args": args, "augment": {
        "vector": {"noise_std": 0.0, "mask_fraction": 0.0, "scale": [1, 1]}}}]))
    spec = config.datasets[0]
    first, second = build_augmentations(spec, build_dataset(spec))
    assert type(first.augmentations[0]).__name__ == "RandomRotation"
    assert first.augmentations[0].dim == 3 and first.augmentations[-1].std == 0.0
    x = torch.randn(8, 12)
    y = second(x, 0)
    torch.testing.assert_close(y[:, :6], x[:, :6])        # only the two 3-blocks turn
    torch.testing.assert_close(y[:, 6:].norm(dim=1), x[:, 6:].norm(dim=1))
    none = load_config(tiny_config(datasets=[{"name": "latent", "args": args, "augment": "none"}]))
    assert build_augmentations(none.datasets[0], build_dataset(none.datasets[0])) == (None, None)


@pytest.mark.parametrize("keep_colour,expected", [(None, False), (False, True), (True, False)])
def test_trifeature_keeps_colour_unless_asked(keep_colour, expected):
    image = {"crop_scale": [0.5, 1.0]} if keep_colour is None else {"keep_colour": keep_colour}
    config = load_config(tiny_config(datasets=[{"name": "trifeature", "args": {
        "n_pretrain": 4, "n_train": 20, "n_test": 20, "resolution": 16},
        "augment": {"image": image}}]))
    spec = config.datasets[0]
    first, _ = build_augmentations(spec, build_dataset(spec))
    assert ("ColourJitter" in repr(first)) is expected


@pytest.mark.parametrize("target_task,auxiliary,refused,colour_tasks", [
    ("synergy", [], "synergy", False), ("redundancy", ["synergy"], "synergy", False),
    ("redundancy", ["unique1"], None, False), ("synergy", [], "synergy", True),
    ("unique1", ["colour2"], "colour2", True), ("colour1", ["unique2"], "colour1", True)])
def test_supervised_on_trifeature_colour_labels_is_refused_with_colour_augmentations(
        target_task, auxiliary, refused, colour_tasks):
    args = {"n_pretrain": 8, "n_train": 20, "n_test": 20, "resolution": 16,
            "colour_tasks": colour_tasks}
    jitter = {"name": "trifeature", "args": args, "augment": {"image": {"keep_colour": False}}}
    supervised = {"name": "supervised", "target_task": target_task,
                  "hparams": {"auxiliary_tasks": auxiliary}}
    config = load_config(tiny_config(datasets=[jitter], methods=[supervised], tasks=None))
    if refused:
        with pytest.raises(ValueError, match=f"'{refused}' task, which depend on colour, but "
                                             "dataset 'trifeature' has image.keep_colour: false"):
            check_config(config)
    else:
        assert list(check_config(config)) == ["trifeature"]
    kept = load_config(tiny_config(datasets=[{**jitter, "augment": "default"}],
                                   methods=[supervised], tasks=None))
    assert list(check_config(kept)) == ["trifeature"]


def test_the_check_builds_supervised_class_weight_from_the_config():
    args = {"n_pretrain": 8, "n_train": 20, "n_test": 20, "resolution": 16}
    dataset = {"name": "trifeature", "args": args}
    for class_weight in ("balanced", "auto"):
        supervised = {"name": "supervised", "target_task": "synergy",
                      "hparams": {"class_weight": class_weight}}
        config = load_config(tiny_config(datasets=[dataset], methods=[supervised], tasks=None))
        if class_weight == "balanced":
            assert list(check_config(config)) == ["trifeature"]
        else:
            with pytest.raises(ValueError, match="class_weight must be None or 'balanced'"):
                check_config(config)


def _three_modalities(path: Path) -> Path:
    rng = np.random.default_rng(0)
    data = MultimodalDataset.from_arrays(*(rng.normal(size=(40, 3)) for _ in range(3)),
                                         tasks={"y": rng.integers(0, 2, 40)}, name="three")
    data.save(path / "three.npz")
    return path / "three.npz"


def test_wrong_modality_count_is_found_by_the_check(tmp_path):
    config = load_config(tiny_config(datasets=[{"name": "file", "augment": "none",
                                                "args": {"path": str(_three_modalities(tmp_path))}}],
                                     tasks=None))
    assert config.datasets[0].label == "three"
    with pytest.raises(ValueError, match="expects 2 modalities; received 3"):
        check_config(config)


def _trifeature_config_models():
    """(label, name, built method) of every method of the shipped Trifeature config, on 4 pairs."""
    config = load_config(CONFIGS / "trifeature.yaml")
    dataset = dataclasses.replace(config.datasets[0], args={
        **config.datasets[0].args, "n_pretrain": 4, "n_train": 4, "n_test": 4, "cache_dir": False})
    data = build_dataset(dataset)
    return [(m.label, m.name, build_method(m, dataset, data, seed=0)) for m in config.methods]


def test_trifeature_config_builds_every_method_with_a_four_block_cnn():
    for label, _, model in _trifeature_config_models():
        encoders = [m for m in model.modules() if isinstance(m, ConvEncoder)]
        assert len(encoders) >= 2, label
        blocks = {sum(isinstance(layer, nn.Conv2d) for layer in e.net) for e in encoders}
        assert blocks == {4}, label


def test_trifeature_config_gives_the_clip_methods_a_batch_normalised_head():
    clip_like = [(label, model) for label, name, model in _trifeature_config_models()
                 if name in ("cross", "cross_self")]
    assert len(clip_like) == 2
    for label, model in clip_like:
        assert model.projection == "mlp", label
        assert all(isinstance(p.net[1], nn.BatchNorm1d) for p in model.projections), label


def test_trifeature_config_gives_comm_a_batch_normalised_head():
    (model,) = [model for _, name, model in _trifeature_config_models() if name == "comm"]
    assert [type(layer).__name__ for layer in model.head.net] == [
        "Linear", "BatchNorm1d", "ReLU", "Linear"]


def test_the_stand_in_is_named_by_its_class():
    assert load_config(tiny_config(methods=[STAND_IN])).methods[0].label == "linear"


def test_check_config_skips_the_datasets_a_method_leaves_out(tmp_path):
    three = {"name": "file", "augment": "none", "args": {"path": str(_three_modalities(tmp_path))}}
    latent = {"name": "latent", "augment": "none", "args": LATENT_ARGS}
    bimodal = {"name": STAND_IN, "datasets": ["latent"]}
    config = load_config(tiny_config(datasets=[latent, three], methods=[bimodal, "random"],
                                     tasks=None))
    assert sorted(check_config(config)) == ["latent", "three"]
    everywhere = load_config(tiny_config(datasets=[latent, three], methods=[STAND_IN, "random"],
                                         tasks=None))
    with pytest.raises(ValueError, match="expects 2 modalities; received 3"):
        check_config(everywhere)
