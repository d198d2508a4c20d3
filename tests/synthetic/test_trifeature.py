"""Bimodal Trifeature: exact ground truth, planted structure, seeds, cache and rendering."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import pid_bench
from pid_bench.data import GROUND_TRUTH_COLUMNS
from pid_bench.info.samples import joint_from_samples
from synthetic import trifeature as tf
from synthetic.trifeature import (
    COLOUR_TASKS,
    TASKS,
    draw_attributes,
    make_trifeature,
    task_joint,
    trifeature_bijection,
    trifeature_ground_truth,
)

LOG2_10 = np.log2(10)
HB_01 = -(0.1 * np.log2(0.1) + 0.9 * np.log2(0.9))   # H_b(0.1) = 0.468996 bits

#: Closed forms (bits): task -> (R, U1, U2, S).
CLOSED_FORM = {
    "redundancy": (LOG2_10, 0.0, 0.0, 0.0),
    "unique1": (0.0, LOG2_10, 0.0, 0.0),
    "unique2": (0.0, 0.0, LOG2_10, 0.0),
    "synergy": (0.0, 0.0, 0.0, HB_01),
    "colour1": (0.0, LOG2_10, 0.0, 0.0),
    "colour2": (0.0, 0.0, LOG2_10, 0.0),
}

SMALL = dict(n_pretrain=60, n_train=30, n_test=30, resolution=32, cache_dir=False)


@pytest.fixture(scope="module")
def small() -> pid_bench.MultimodalDataset:
    return make_trifeature(**SMALL, seed=3)


# ---------------------------------------------------------------------------- ground truth
def test_ground_truth_matches_closed_forms() -> None:
    assert list(trifeature_ground_truth().index) == list(TASKS)
    gt = trifeature_ground_truth(colour_tasks=True)
    assert list(gt.index) == [*TASKS, *COLOUR_TASKS]
    assert list(gt.columns) == list(GROUND_TRUTH_COLUMNS)
    assert HB_01 == pytest.approx(0.468996, abs=1e-6)
    for task, atoms in CLOSED_FORM.items():
        np.testing.assert_allclose(gt.loc[task, ["redundancy", "unique1", "unique2", "synergy"]],
                                   atoms, atol=1e-6, err_msg=task)
        assert gt.loc[task, "total"] == pytest.approx(sum(atoms), abs=1e-6)


@pytest.mark.parametrize("task", TASKS + COLOUR_TASKS)
def test_ground_truth_agrees_with_independent_broja_and_mmi(task: str) -> None:
    from pid_bench.testing.cvxpy_broja import broja_cvxpy

    ref = broja_cvxpy(task_joint(task))
    mmi = pid_bench.pid(task_joint(task), "mmi")
    ours = trifeature_ground_truth(colour_tasks=True).loc[task]
    for atom in ("redundancy", "unique1", "unique2", "synergy"):
        assert ours[atom] == pytest.approx(getattr(ref, atom), abs=1e-4), atom
        assert ours[atom] == pytest.approx(getattr(mmi, atom), abs=1e-6), atom


def test_task_joints_match_sampled_attributes_and_plug_in_decomposition() -> None:
    """The exact joints are the distributions the sampler draws (unbiased pairs)."""
    rng = np.random.default_rng(0)
    bij = trifeature_bijection(11)
    a = draw_attributes(200_000, bijection=bij, biased=False, rng=rng)
    tasks = {**tf._tasks(a, bij), "colour1": a["colour1"], "colour2": a["colour2"]}
    # The exact synergy joint uses the identity bijection: relabel colour 2 by its texture.
    colour_as_texture = np.argsort(bij)[a["colour2"]]
    sources = {"redundancy": (a["shape"], a["shape"]), "unique1": (a["texture1"], a["texture2"]),
               "unique2": (a["texture1"], a["texture2"]),
               "synergy": (a["texture1"], colour_as_texture),
               "colour1": (a["colour1"], a["colour2"]), "colour2": (a["colour1"], a["colour2"])}
    for task in TASKS + COLOUR_TASKS:
        empirical = joint_from_samples(*sources[task], tasks[task])
        exact = task_joint(task)
        assert empirical.shape == exact.shape
        # total variation of 200,000 draws over <= 1000 cells: about 0.02 at most
        assert 0.5 * np.abs(empirical - exact).sum() < 0.03, task
    plug_in = pid_bench.pid_from_samples(sources["synergy"][0], sources["synergy"][1],
                                         tasks["synergy"])
    assert plug_in.synergy == pytest.approx(HB_01, abs=0.005)
    assert max(plug_in.redundancy, plug_in.unique1, plug_in.unique2) < 0.005


def test_task_joint_rejects_unknown_task() -> None:
    with pytest.raises(ValueError, match="unknown Trifeature task 'colour'.*redundancy"):
        task_joint("colour")


# ---------------------------------------------------------------------------- structure
def test_dataset_layout(small: pid_bench.MultimodalDataset) -> None:
    n = 120
    for name in ("image1", "image2"):
        x = small.modalities[name]
        assert x.shape == (n, 3, 32, 32) and x.dtype == np.float32
        assert x.min() >= 0 and x.max() <= 1
        assert np.all(np.isin(np.round(x * 255), np.arange(256)))      # 8-bit levels
        assert np.isclose(x, 0.5, atol=1 / 255).mean() > 0.4           # grey background
    assert [str(s) for s in np.unique(small.split_of)] == ["pretrain", "test", "train"]
    assert list(small.split_of[:60]) == ["pretrain"] * 60
    assert list(small.split_of[60:90]) == ["train"] * 30
    assert dict(small.n_classes) == {"redundancy": 10, "unique1": 10, "unique2": 10, "synergy": 2}
    pd.testing.assert_frame_equal(small.ground_truth, trifeature_ground_truth())
    assert small.source_latents == (("shape", "texture1", "colour1"),
                                    ("shape", "texture2", "colour2"))


def test_tasks_are_the_planted_functions_of_the_latents(small: pid_bench.MultimodalDataset) -> None:
    lat, t = small.latents, small.tasks
    bij = np.asarray(small.metadata["bijection"])
    np.testing.assert_array_equal(t["redundancy"], lat["shape"])
    np.testing.assert_array_equal(t["unique1"], lat["texture1"])
    np.testing.assert_array_equal(t["unique2"], lat["texture2"])
    np.testing.assert_array_equal(t["synergy"], lat["colour2"] == bij[lat["texture1"]])


def test_colour_tasks_are_the_colour_latents_of_the_same_cached_images(tmp_path) -> None:
    plain = make_trifeature(**{**SMALL, "cache_dir": tmp_path}, seed=3)
    coloured = make_trifeature(**{**SMALL, "cache_dir": tmp_path}, seed=3, colour_tasks=True)
    assert len(list(tmp_path.glob("*.npz"))) == 1
    assert list(coloured.tasks) == [*TASKS, *COLOUR_TASKS]
    for k in plain.modalities:
        np.testing.assert_array_equal(plain.modalities[k], coloured.modalities[k])
    for task in TASKS:
        np.testing.assert_array_equal(plain.tasks[task], coloured.tasks[task])
    for task in COLOUR_TASKS:
        np.testing.assert_array_equal(coloured.tasks[task], coloured.latents[task])
        assert not np.shares_memory(coloured.tasks[task], coloured.latents[task])
        assert coloured.n_classes[task] == 10 and coloured.task_kind(task) == "classification"
    pd.testing.assert_frame_equal(coloured.ground_truth,
                                  trifeature_ground_truth(colour_tasks=True))
    assert list(plain.tasks) == list(TASKS) and "colour_tasks" not in plain.metadata
    assert coloured.metadata["colour_tasks"] is True


def test_biased_pretraining_follows_the_bijection_and_probe_splits_do_not() -> None:
    small = dict(resolution=16, supersample=1, seed=5, cache_dir=False, dtype="uint8")
    data = make_trifeature(n_pretrain=100, n_train=1500, n_test=1, **small)
    syn = data.tasks["synergy"]
    assert np.all(syn[data.split_of == "pretrain"] == 1)
    # unbiased: 1500 pairs, P(y=1) = 0.1, standard deviation 0.0077
    assert syn[data.split_of == "train"].mean() == pytest.approx(0.1, abs=0.03)
    unbiased = make_trifeature(n_pretrain=1500, n_train=1, n_test=1, biased=False, **small)
    assert unbiased.tasks["synergy"][:1500].mean() == pytest.approx(0.1, abs=0.03)


def test_unbiased_attributes_are_uniform_and_independent() -> None:
    a = draw_attributes(100_000, bijection=np.arange(10), biased=False,
                        rng=np.random.default_rng(1))
    for name, v in a.items():
        np.testing.assert_allclose(np.bincount(v, minlength=10) / v.size, 0.1, atol=0.005,
                                   err_msg=name)
    joint = joint_from_samples(a["texture1"], a["colour2"], a["shape"])
    assert pid_bench.mutual_information(joint, 0, 1) < 0.002
    biased = draw_attributes(1000, bijection=np.roll(np.arange(10), 3), biased=True,
                             rng=np.random.default_rng(1))
    np.testing.assert_array_equal(biased["colour2"], (biased["texture1"] - 3) % 10)


def test_images_of_a_pair_share_their_shape() -> None:
    """A shape covers the same area in both images (rotation and position keep it)."""
    data = make_trifeature(n_pretrain=0, n_train=300, n_test=1, seed=2, cache_dir=False,
                           dtype="uint8")

    def area(x: np.ndarray) -> np.ndarray:
        return (x != 128).any(axis=1).sum(axis=(1, 2))              # non-grey pixels

    a1, a2 = area(data.modalities["image1"]), area(data.modalities["image2"])
    within = np.abs(a1 - a2) / np.maximum(a1, a2)
    assert np.percentile(within, 95) < 0.04
    shape = data.latents["shape"]
    other = np.roll(np.arange(a2.size), 1)
    differ = shape != shape[other]
    across = np.abs(a1 - a2[other]) / np.maximum(a1, a2[other])
    assert np.mean(across[differ] < 0.04) < 0.5


# ---------------------------------------------------------------------------- seeds
def test_same_seed_same_arrays_and_other_seed_other_arrays() -> None:
    a = make_trifeature(**SMALL, seed=9)
    b = make_trifeature(**SMALL, seed=9)
    c = make_trifeature(**SMALL, seed=10)
    for k in a.modalities:
        np.testing.assert_array_equal(a.modalities[k], b.modalities[k])
        assert not np.array_equal(a.modalities[k], c.modalities[k])
    for k in a.latents:
        np.testing.assert_array_equal(a.latents[k], b.latents[k])
    g1 = make_trifeature(**SMALL, seed=np.random.default_rng(4))
    g2 = make_trifeature(**SMALL, seed=np.random.default_rng(4))
    np.testing.assert_array_equal(g1.modalities["image2"], g2.modalities["image2"])


def test_bijection_depends_on_the_seed_alone() -> None:
    bij = trifeature_bijection(7)
    assert sorted(bij.tolist()) == list(range(10))
    for counts in ((10, 5, 5), (0, 40, 3)):
        data = make_trifeature(n_pretrain=counts[0], n_train=counts[1], n_test=counts[2],
                               seed=7, cache_dir=False, dtype="uint8")
        assert data.metadata["bijection"] == bij.tolist()
    assert any(trifeature_bijection(s).tolist() != bij.tolist() for s in (0, 1, 2))
    code = ("from synthetic.trifeature import trifeature_bijection; "
            "print(trifeature_bijection(7).tolist())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(bij.tolist())


def test_splits_have_their_own_streams() -> None:
    """Changing the number of pretraining pairs leaves the probe splits unchanged."""
    a = make_trifeature(n_pretrain=20, n_train=15, n_test=5, seed=1, cache_dir=False)
    b = make_trifeature(n_pretrain=0, n_train=15, n_test=5, seed=1, cache_dir=False)
    np.testing.assert_array_equal(a.split("train").modalities["image1"],
                                  b.split("train").modalities["image1"])
    np.testing.assert_array_equal(a.split("test").tasks["synergy"],
                                  b.split("test").tasks["synergy"])


# ---------------------------------------------------------------------------- cache
def test_cache_hits_returns_same_arrays_and_other_arguments_miss(tmp_path, monkeypatch) -> None:
    first = make_trifeature(**{**SMALL, "cache_dir": tmp_path}, seed=4)
    files = sorted(tmp_path.glob("*.npz"))
    assert len(files) == 1

    def no_render(*args, **kwargs):
        raise AssertionError("rendered again instead of reading the cache")

    with monkeypatch.context() as m:
        m.setattr(tf, "_generate", no_render)
        again = make_trifeature(**{**SMALL, "cache_dir": tmp_path}, seed=4)
        as_bytes = make_trifeature(**{**SMALL, "cache_dir": tmp_path}, seed=4, dtype="uint8")
    for k in first.modalities:
        np.testing.assert_array_equal(first.modalities[k], again.modalities[k])
        np.testing.assert_array_equal(np.round(first.modalities[k] * 255), as_bytes.modalities[k])
    for k in first.tasks:
        np.testing.assert_array_equal(first.tasks[k], again.tasks[k])
    pd.testing.assert_frame_equal(first.ground_truth, again.ground_truth)
    make_trifeature(**{**SMALL, "cache_dir": tmp_path}, seed=5)
    make_trifeature(**{**SMALL, "cache_dir": tmp_path, "resolution": 16}, seed=4)
    assert len(list(tmp_path.glob("*.npz"))) == 3


def test_cache_location_from_environment_and_disabled(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PID_BENCH_CACHE", str(tmp_path / "env"))
    assert tf.default_cache_dir() == tmp_path / "env"
    make_trifeature(**{**SMALL, "cache_dir": None}, seed=1)
    assert len(list((tmp_path / "env").glob("trifeature-*.npz"))) == 1
    make_trifeature(**SMALL, seed=2)
    assert len(list((tmp_path / "env").glob("*.npz"))) == 1


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, message", [
    ({"n_pretrain": -1}, "n_pretrain must be an integer >= 0; received -1"),
    ({"n_train": 0}, "n_train must be an integer >= 1; received 0"),
    ({"n_test": 2.5}, "n_test must be an integer >= 1; received 2.5"),
    ({"n_train": True}, "n_train must be an integer"),
    ({"resolution": 8}, "resolution must be an integer >= 16; received 8"),
    ({"resolution": 1024}, "resolution must be at most 512"),
    ({"supersample": 0}, "supersample must be an integer >= 1"),
    ({"supersample": 5}, "supersample must be in 1..4; received 5"),
    ({"dtype": "float64"}, "dtype must be 'float32' or 'uint8'; received 'float64'"),
    ({"biased": "yes"}, "biased must be True or False; received 'yes'"),
    ({"colour_tasks": 1}, "colour_tasks must be True or False; received 1"),
    ({"seed": -3}, "seed must be an integer >= 0; received -3"),
    ({"seed": "a"}, "seed must be an integer >= 0; received 'a'"),
])
def test_bad_arguments_raise(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace(".", r"\.").replace("(", r"\(")):
        make_trifeature(**{**SMALL, **kwargs})


def test_render_images_rejects_bad_codes_and_geometry() -> None:
    geometry = tf.draw_geometry(3, resolution=16, rng=np.random.default_rng(0))
    ok = np.array([0, 1, 2])
    with pytest.raises(ValueError, match=r"texture must be integer codes 0..9 .* shape \(3,\)"):
        tf.render_images(ok, np.array([0, 1, 10]), ok, geometry, resolution=16)
    with pytest.raises(ValueError, match="colour must be integer codes 0..9"):
        tf.render_images(ok, ok, ok[:2], geometry, resolution=16)
    short = {k: v[:2] for k, v in geometry.items()}
    with pytest.raises(ValueError, match="geometry must hold centre, angle, phase and noise for 3"):
        tf.render_images(ok, ok, ok, short, resolution=16)


def test_draw_attributes_rejects_a_non_bijection() -> None:
    with pytest.raises(ValueError, match="bijection must be a permutation of 0..9"):
        draw_attributes(5, bijection=np.zeros(10, dtype=int), biased=True,
                        rng=np.random.default_rng(0))


# ---------------------------------------------------------------------------- textures
def texture_probe_accuracy(resolution: int = 32, n_train: int = 6000,
                           n_test: int = 2000) -> list[float]:
    """Held-out accuracy per texture of a small CNN trained on rendered texture labels."""
    import torch
    from torch import nn

    rng = np.random.default_rng(12)
    shape, texture, colour = rng.integers(0, 10, size=(3, n_train + n_test))
    geometry = tf.draw_geometry(n_train + n_test, resolution=resolution, rng=rng)
    images = tf.render_images(shape, texture, colour, geometry, resolution=resolution)
    x = torch.from_numpy(images.astype(np.float32) / 255)
    y = torch.from_numpy(texture)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        net = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 10))
        epochs, batch = 8, 128
        opt = torch.optim.AdamW(net.parameters(), lr=3e-3)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, epochs=epochs,
                                                    steps_per_epoch=-(-n_train // batch))
        for _ in range(epochs):
            net.train()
            for idx in torch.randperm(n_train).split(batch):
                loss = nn.functional.cross_entropy(net(x[idx]), y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
    net.eval()
    with torch.no_grad():
        pred = net(x[n_train:]).argmax(1)
    return [(pred[y[n_train:] == k] == k).float().mean().item() for k in range(10)]


@pytest.mark.slow
def test_textures_are_distinguishable_at_the_default_resolution() -> None:
    """A small CNN trained on texture labels classifies held-out images (chance: 10 %)."""
    per_texture = texture_probe_accuracy()
    assert np.mean(per_texture) > 0.9, per_texture
    assert min(per_texture) > 0.75, per_texture
