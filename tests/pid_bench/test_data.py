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


# ---------------------------------------------------------------------------- sequences, 3+ modalities, multi-label
def _rich(n: int = 12, **overrides) -> MultimodalDataset:
    """Three modalities (a front-padded sequence), a multi-label task, grouped ground truth."""
    rng = np.random.default_rng(1)
    lengths = 1 + np.arange(n) % 4
    mask = np.arange(4)[None, :] >= 4 - lengths[:, None]
    fields = dict(
        modalities={"text": rng.normal(size=(n, 4, 3)) * mask[..., None],
                    "audio": rng.normal(size=(n, 5)), "vision": rng.normal(size=(n, 2))},
        tasks={"genres": (rng.random((n, 3)) < 0.5).astype(np.int64), "y": np.arange(n) % 2},
        split_of=np.array(["train", "test"] * (n // 2)),
        ground_truth=_truth(["y"], [[0.5, 0.1, 0.2, 0.1, 0.9]]),
        n_classes={"genres": 3, "y": 2}, name="rich", masks={"text": mask},
        multilabel=("genres",), ground_truth_sources=(("text",), ("audio", "vision")))
    fields.update(overrides)
    return MultimodalDataset(**fields)


def test_rich_dataset_round_trips_with_masks_multilabel_and_sources(tmp_path):
    data = _rich()
    assert data.task_kind("genres") == "multilabel" and data.task_kind("y") == "classification"
    data.save(tmp_path / "rich.npz")
    back = MultimodalDataset.load(tmp_path / "rich.npz")
    _assert_same(data, back)
    np.testing.assert_array_equal(back.masks["text"], data.masks["text"])
    assert back.masks["text"].dtype == bool
    assert back.multilabel == ("genres",)
    assert back.ground_truth_sources == (("text",), ("audio", "vision"))
    part = back.split("test")
    np.testing.assert_array_equal(part.masks["text"], data.masks["text"][data.split_of == "test"])
    assert part.multilabel == ("genres",) and part.tasks["genres"].shape == (6, 3)


def test_two_modalities_default_their_ground_truth_sources():
    assert _dataset().ground_truth_sources == (("a",), ("b",))
    assert _rich(ground_truth_sources=["text", ["audio", "vision"]]).ground_truth_sources == (
        ("text",), ("audio", "vision"))


def test_more_modalities_with_a_known_ground_truth_must_name_its_sources():
    with pytest.raises(ValueError, match="must say which two groups of modalities its sources"):
        _rich(ground_truth_sources=None)
    assert _rich(ground_truth_sources=None, ground_truth=_truth(["y"])).ground_truth_sources is None


@pytest.mark.parametrize("sources, message", [
    ((("text",),), "two non-empty groups"),
    ((("text",), ()), "two non-empty groups"),
    ((("text",), ("depth",)), r"unknown modalities \['depth'\]"),
    ((("text",), ("text", "audio")), "must be disjoint"),
])
def test_bad_ground_truth_sources(sources, message):
    with pytest.raises(ValueError, match=message):
        _rich(ground_truth_sources=sources)


def test_bad_masks_are_refused():
    data = _rich()
    mask = data.masks["text"]
    with pytest.raises(ValueError, match=r"mask of modality 'text' must have shape \(n, T\) = "
                                         r"\(12, 4\); received shape \(12, 3\)"):
        _rich(masks={"text": mask[:, :3]})
    empty = mask.copy()
    empty[2] = False
    with pytest.raises(ValueError, match=r"at least one step \(lengths in 1..4\); samples \[2\]"):
        _rich(masks={"text": empty})
    with pytest.raises(ValueError, match="must be boolean"):
        _rich(masks={"text": mask * 2})
    with pytest.raises(ValueError, match="which is not a sequence"):
        _rich(masks={"audio": np.ones((12, 5), bool)})
    with pytest.raises(ValueError, match=r"unknown modalities \['depth'\]"):
        _rich(masks={"depth": mask})


def test_from_arrays_lengths_become_back_padded_masks_and_bad_lengths_are_refused():
    rng = np.random.default_rng(0)
    seq, vec = rng.normal(size=(6, 4, 2)), rng.normal(size=(6, 3))
    y = np.arange(6) % 2
    data = MultimodalDataset.from_arrays(seq, vec, tasks={"y": y},
                                         lengths={"x1": np.array([1, 2, 3, 4, 4, 1])})
    assert data.masks["x1"].sum(axis=1).tolist() == [1, 2, 3, 4, 4, 1]
    assert data.masks["x1"][1].tolist() == [True, True, False, False]
    for bad, message in ((np.array([0, 1, 1, 1, 1, 1]), r"must lie in 1..T = 1..4; received range 0..1"),
                         (np.array([5, 1, 1, 1, 1, 1]), r"must lie in 1..T = 1..4; received range 1..5"),
                         (np.ones(6), "must be integers of shape")):
        with pytest.raises(ValueError, match=message):
            MultimodalDataset.from_arrays(seq, vec, tasks={"y": y}, lengths={"x1": bad})
    with pytest.raises(ValueError, match="'x2', which is not a sequence"):
        MultimodalDataset.from_arrays(seq, vec, tasks={"y": y}, lengths={"x2": np.ones(6, int)})


def test_multilabel_tasks_hold_only_zero_and_one():
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    labels = np.eye(3, dtype=int)[np.arange(6) % 3]
    data = MultimodalDataset.from_arrays(x1, x2, tasks={"g": labels}, multilabel=["g"])
    assert data.n_classes == {"g": 3} and data.tasks["g"].shape == (6, 3)
    bad = labels.copy()
    bad[0, 0] = 2
    with pytest.raises(ValueError, match=r"multi-label task 'g' must hold only 0 and 1; received "
                                         r"array\(\[2\]\)"):
        MultimodalDataset.from_arrays(x1, x2, tasks={"g": bad}, multilabel=["g"])
    with pytest.raises(ValueError, match=r"must have shape \(6, K\)"):
        MultimodalDataset.from_arrays(x1, x2, tasks={"g": labels[:, 0]}, multilabel=["g"])
    with pytest.raises(ValueError, match=r"multilabel names tasks that are not in tasks: \['h'\]"):
        MultimodalDataset.from_arrays(x1, x2, tasks={"g": labels}, multilabel=["h"])
    with pytest.raises(ValueError, match=r"shape \(12, 3\); received shape \(12, 4\)"):
        _rich(n_classes={"genres": 3, "y": 2},
              tasks={"genres": np.zeros((12, 4), int), "y": np.arange(12) % 2})


def test_select_modalities_orders_and_keeps_the_ground_truth_of_its_sources(tmp_path):
    data = _rich()
    picked = data.select_modalities(["vision", "audio", "text"])
    assert picked.modality_names == ("vision", "audio", "text")
    np.testing.assert_array_equal(picked.masks["text"], data.masks["text"])
    pd.testing.assert_frame_equal(picked.ground_truth, data.ground_truth)
    assert picked.ground_truth_sources == data.ground_truth_sources
    pair = data.select_modalities(["audio", "text"])
    assert pair.ground_truth_sources == (("audio",), ("text",))  # resolved for the pair ...
    assert bool(pair.ground_truth.isna().to_numpy().all())        # ... with the truth unknown
    data.save(tmp_path / "rich.npz")
    loaded = MultimodalDataset.load(tmp_path / "rich.npz", modalities=["text", "vision"])
    assert loaded.modality_names == ("text", "vision") and list(loaded.masks) == ["text"]
    swapped = _dataset().select_modalities(["b", "a"])
    assert swapped.source_latents == (("w",), ("z",))
    assert swapped.ground_truth_sources == (("a",), ("b",))
    pd.testing.assert_frame_equal(swapped.ground_truth, _dataset().ground_truth)


@pytest.mark.parametrize("names, message", [
    (["text", "depth"], r"has no modalities \['depth'\]; its modalities are \['text', 'audio', "
                        r"'vision'\]"),
    (["text", "text"], "must be distinct"),
    (["text"], "at least 2 modalities"),
    ("text", "must be a list of modality names"),
])
def test_select_modalities_rejects_bad_names(names, message):
    with pytest.raises(ValueError, match=message):
        _rich().select_modalities(names)
