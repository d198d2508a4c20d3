"""Tests of pid_bench.data: MultimodalDataset construction, validation, splits and .npz I/O."""

import os

import numpy as np
import pandas as pd
import pytest

from pid_bench.data import GROUND_TRUTH_COLUMNS, MultimodalDataset


def _truth(tasks, values=None) -> pd.DataFrame:
    data = np.nan if values is None else values
    return pd.DataFrame(data, index=pd.Index(list(tasks), name="task"),
                        columns=list(GROUND_TRUTH_COLUMNS))


def _dataset(n: int = 12, **overrides) -> MultimodalDataset:
    rng = np.random.default_rng(0)
    fields = dict(
        modalities={"a": rng.normal(size=(n, 3)).astype(np.float32),
                    "b": rng.normal(size=(n, 2, 2))},
        tasks={"cls": np.arange(n) % 3, "reg": rng.normal(size=n)},
        split_of=np.array(["pretrain", "train", "test"] * (n // 3)),
        ground_truth=_truth(["cls"], [[1.0, 0.25, 0.0, 0.5, 1.75]]),
        n_classes={"cls": 3, "reg": 0},
        name="toy",
        latents={"z": np.arange(n) % 2, "w": np.arange(n) % 3},
        source_latents=(("z",), ("w",)),
        metadata={"generator": "test", "arguments": {"k": 3, "noise": 0.5, "names": ["x"]}},
    )
    fields.update(overrides)
    return MultimodalDataset(**fields)


def _assert_same(a: MultimodalDataset, b: MultimodalDataset) -> None:
    assert a.modality_names == b.modality_names and a.name == b.name
    for k in a.modalities:
        np.testing.assert_array_equal(a.modalities[k], b.modalities[k])
        assert a.modalities[k].dtype == b.modalities[k].dtype
    assert list(a.tasks) == list(b.tasks)
    for k in a.tasks:
        np.testing.assert_array_equal(a.tasks[k], b.tasks[k])
        assert a.tasks[k].dtype == b.tasks[k].dtype
    np.testing.assert_array_equal(a.split_of, b.split_of)
    pd.testing.assert_frame_equal(a.ground_truth, b.ground_truth)
    assert dict(a.n_classes) == dict(b.n_classes)
    assert list(a.latents) == list(b.latents)
    for k in a.latents:
        np.testing.assert_array_equal(a.latents[k], b.latents[k])
    assert a.source_latents == b.source_latents
    assert dict(a.metadata) == dict(b.metadata)


# ---------------------------------------------------------------- from_arrays
def test_from_arrays_recodes_labels_in_sorted_order_and_splits():
    x1, x2 = np.zeros((10, 2)), np.ones((10, 4))
    ds = MultimodalDataset.from_arrays(x1, x2, tasks={"colour": ["red", "blue"] * 5,
                                                      "size": [10, 30, 20, 10, 30] * 2},
                                       test_fraction=0.3, seed=1)
    assert ds.modality_names == ("x1", "x2") and ds.name == "custom"
    np.testing.assert_array_equal(ds.tasks["colour"], [1, 0] * 5)
    np.testing.assert_array_equal(ds.tasks["size"], [0, 2, 1, 0, 2] * 2)
    assert ds.n_classes == {"colour": 2, "size": 3}
    assert int(np.sum(ds.split_of == "test")) == 3 and int(np.sum(ds.split_of == "train")) == 7
    assert ds.ground_truth.isna().all().all() and list(ds.ground_truth.index) == ["colour", "size"]
    again = MultimodalDataset.from_arrays(x1, x2, tasks={"colour": ["red", "blue"] * 5},
                                          test_fraction=0.3, seed=1)
    np.testing.assert_array_equal(again.split_of, ds.split_of)


def test_from_arrays_more_modalities_names_split_and_continuous_task():
    rng = np.random.default_rng(2)
    y = rng.normal(size=6)
    split = np.array(["train", "train", "test", "pretrain", "train", "test"])
    ds = MultimodalDataset.from_arrays(rng.normal(size=(6, 2)), rng.normal(size=(6, 3)),
                                       rng.normal(size=(6, 1)), names=("img", "txt", "aud"),
                                       tasks={"y": y, "label": [0, 1, 0, 1, 0, 1]},
                                       split_of=split, continuous=["y"], name="mine")
    assert ds.modality_names == ("img", "txt", "aud") and ds.name == "mine"
    np.testing.assert_array_equal(ds.tasks["y"], y)
    assert ds.n_classes == {"y": 0, "label": 2}
    np.testing.assert_array_equal(ds.split_of, split)


@pytest.mark.parametrize("kwargs,message", [
    ({"tasks": {}}, "tasks must name at least one task"),
    ({"tasks": {"y": [0, 1, 0]}}, r"task 'y' must have shape \(4,\); received \(3,\)"),
    ({"tasks": {"y": [0.0, np.nan, 1.0, 1.0]}}, "contains NaN or inf labels"),
    ({"tasks": {"y": [0, 1, 0, 1]}, "names": ("a",)}, "one entry per modality"),
    ({"tasks": {"y": [0, 1, 0, 1]}, "test_fraction": 1.0}, r"test_fraction must be in \(0, 1\)"),
    ({"tasks": {"y": [0, 1, 0, 1]}, "continuous": ["z"]}, "continuous names tasks that are not"),
    ({"tasks": {"y": ["a", "b", "c", "d"]}, "continuous": ["y"]}, "must hold numbers"),
    ({"tasks": {"y": [0.0, np.inf, 1.0, 1.0]}, "continuous": ["y"]}, "finite numbers"),
    ({"tasks": {"y": [0, 1, 0, 1]}, "split_of": np.array(["train", "dev", "test", "train"])},
     "split names must be among"),
])
def test_from_arrays_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MultimodalDataset.from_arrays(np.zeros((4, 2)), np.zeros((4, 2)), **kwargs)


def test_from_arrays_rejects_mismatched_and_non_finite_modalities():
    with pytest.raises(ValueError, match="same number of samples"):
        MultimodalDataset.from_arrays(np.zeros((4, 2)), np.zeros((5, 2)), tasks={"y": [0, 1, 0, 1]})
    with pytest.raises(ValueError, match="contains NaN or inf"):
        MultimodalDataset.from_arrays(np.full((4, 2), np.nan), np.zeros((4, 2)),
                                      tasks={"y": [0, 1, 0, 1]})
    with pytest.raises(ValueError, match="at least 2 axes"):
        MultimodalDataset.from_arrays(np.zeros(4), np.zeros((4, 2)), tasks={"y": [0, 1, 0, 1]})


def test_from_arrays_rejects_non_numeric_modalities_and_unusable_tasks_and_splits():
    x = np.zeros((200, 2))
    y = np.arange(200) % 2
    with pytest.raises(ValueError, match="must be a real numeric array; received dtype object"):
        MultimodalDataset.from_arrays(x.astype(object), x, tasks={"y": y})
    with pytest.raises(ValueError, match="split names must be among"):
        MultimodalDataset.from_arrays(x, x, tasks={"y": y}, split_of=np.array(["pretrain_x"] * 200))
    with pytest.raises(ValueError, match="leaves 0 test and 200 train samples"):
        MultimodalDataset.from_arrays(x, x, tasks={"y": y}, test_fraction=0.001)
    with pytest.raises(ValueError, match="comparable values without None"):
        MultimodalDataset.from_arrays(x, x, tasks={"y": np.array([None] + [1] * 199, dtype=object)})
    with pytest.raises(ValueError, match="at least 2 classes"):
        MultimodalDataset.from_arrays(x, x, tasks={"y": np.ones(200, dtype=int)})


# ---------------------------------------------------------------- constructor validation
@pytest.mark.parametrize("overrides,message", [
    ({"modalities": {"a": np.zeros((12, 3))}}, "needs at least 2 modalities"),
    ({"tasks": {}}, "needs at least one task"),
    ({"tasks": {"cls": np.arange(12) % 4}}, r"labels must lie in 0..2"),
    ({"tasks": {"cls": -(np.arange(12) % 3)}}, r"labels must lie in 0..2"),
    ({"tasks": {"cls": np.arange(12) % 3 + 0.5}}, "must hold integer class labels"),
    ({"n_classes": {"cls": 3}}, r"n_classes is missing tasks \['reg'\]"),
    ({"split_of": np.array(["train"] * 11)}, r"split_of must have shape \(12,\)"),
    ({"ground_truth": _truth(["cls"]).iloc[:, :4]}, "ground_truth columns must be"),
    ({"ground_truth": _truth(["other"])}, r"rows for unknown tasks \['other'\]"),
    ({"latents": {"z": np.zeros(5)}}, r"latent 'z' must have shape \(12,\)"),
    ({"source_latents": (("z",), ("q",))}, r"unknown latents \['q'\]"),
])
def test_constructor_rejects_inconsistent_fields(overrides, message):
    if "tasks" in overrides and overrides["tasks"]:
        overrides = {"n_classes": {"cls": 3}, **overrides}
    with pytest.raises(ValueError, match=message):
        _dataset(**overrides)


def test_continuous_task_must_be_finite():
    with pytest.raises(ValueError, match="continuous task 'reg'"):
        _dataset(tasks={"cls": np.arange(12) % 3, "reg": np.full(12, np.nan)})


# ---------------------------------------------------------------- splits and subsets
def test_split_subset_and_pretrain_fallback():
    ds = _dataset()
    test = ds.split("test")
    assert len(test) == 4 and set(test.split_of) == {"test"}
    np.testing.assert_array_equal(test.modalities["a"], ds.modalities["a"][2::3])
    np.testing.assert_array_equal(test.tasks["reg"], ds.tasks["reg"][2::3])
    np.testing.assert_array_equal(test.latents["w"], ds.latents["w"][2::3])
    assert test.ground_truth is ds.ground_truth and test.source_latents == ds.source_latents
    assert len(ds.split("pretrain")) == 4
    no_pretrain = _dataset(split_of=np.array(["train", "test"] * 6))
    assert not no_pretrain.has_split("pretrain")
    fallback = no_pretrain.split("pretrain")
    assert set(fallback.split_of) == {"train"} and len(fallback) == 6
    picked = ds.subset(np.array([5, 0]))
    np.testing.assert_array_equal(picked.tasks["cls"], ds.tasks["cls"][[5, 0]])
    with pytest.raises(ValueError, match="unknown split 'dev'"):
        ds.split("dev")


def test_len_names_and_repr():
    ds = _dataset()
    assert len(ds) == ds.n_samples == 12 and ds.modality_names == ("a", "b")
    text = repr(ds)
    assert "name='toy'" in text and "a: (12, 3)" in text and "'pretrain': 4" in text


# ---------------------------------------------------------------- .npz I/O
def test_save_load_round_trip_keeps_every_field(tmp_path):
    ds = _dataset()
    path = tmp_path / "sub" / "toy.npz"
    ds.save(path)
    loaded = MultimodalDataset.load(path)
    _assert_same(ds, loaded)
    assert loaded.ground_truth.loc["cls", "synergy"] == 0.5
    plain = MultimodalDataset.from_arrays(np.eye(4), np.eye(4), tasks={"y": [0, 1, 1, 0]})
    plain.save(tmp_path / "plain.npz")
    back = MultimodalDataset.load(tmp_path / "plain.npz")
    _assert_same(plain, back)
    assert back.source_latents is None and back.ground_truth.isna().all().all()


def test_save_load_keeps_the_ground_truth_to_float_precision(tmp_path):
    ds = _dataset()
    ds.ground_truth.loc["cls", "synergy"] = 2 - 0.75 * np.log2(3)  # AND's 0.8112781244591328
    ds.save(tmp_path / "toy.npz")
    loaded = MultimodalDataset.load(tmp_path / "toy.npz")
    assert abs(loaded.ground_truth.loc["cls", "synergy"] - (2 - 0.75 * np.log2(3))) < 1e-15


def test_save_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "data.npz"
    first = _dataset()
    first.save(path)
    before = path.read_bytes()

    def broken_savez(fh, **arrays):
        fh.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        _dataset(name="second").save(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["data.npz"]
    monkeypatch.undo()
    assert MultimodalDataset.load(path).name == "toy"


def test_load_rejects_files_that_are_not_datasets(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, x=np.zeros(3))
    with pytest.raises(ValueError, match="is not a pid-bench dataset"):
        MultimodalDataset.load(path)
