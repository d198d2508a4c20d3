"""Writers of tiny files in the exact formats of MultiBench and MM-IMDb.

They are the "script that is not the project's own convert": they import nothing from
pid_bench.realdata and write what the official loaders read (MultiBench
datasets/affect/get_data.py, datasets/mimic/get_data.py, datasets/imdb/get_data.py; CoMM
dataset/robotics/multimodal_manipulation.py).
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

#: Feature sizes of MOSI (vision 20, audio 5, text 300 GloVe), shrunk text for speed.
AFFECT_DIMS = {"vision": 20, "audio": 5, "text": 12}


def write_affect_pickle(path, *, dataset="mosi", sizes=(12, 5, 6), steps=50, seed=0):
    """A MultiBench affect pickle: {split: {vision, audio, text, labels, id}}.

    Text is front-padded with zero rows (each sample has a random number of words); the second
    sample of every split has no word at all (dropped by the loader); audio holds -inf values.
    """
    rng = np.random.default_rng(seed)
    data = {}
    for split, n in zip(("train", "valid", "test"), sizes):
        words = rng.integers(1, steps + 1, n)
        words[0] = steps           # a full-length sample
        words[1] = 0               # no text: dropped
        arrays = {m: np.zeros((n, steps, d), dtype=np.float32) for m, d in AFFECT_DIMS.items()}
        for i, w in enumerate(words):
            for m, d in AFFECT_DIMS.items():
                arrays[m][i, steps - w:] = rng.standard_normal((w, d)) + 0.5
            # vision also has values before the text starts, which alignment removes
            arrays["vision"][i, : steps - w] = 7.0
        arrays["audio"][rng.random(arrays["audio"].shape) < 0.05] = -np.inf
        if dataset == "humor":
            labels = rng.integers(0, 2, (n, 1)).astype(np.float32)
        else:
            labels = rng.uniform(-3, 3, (n, 1, 1)).astype(np.float32)
            labels[2] = 0.0        # sentiment 0 is negative (label > 0 is positive)
        arrays["labels"] = labels
        arrays["id"] = np.array([f"{split}_{i}" for i in range(n)])
        data[split] = arrays
    with open(path, "wb") as fh:
        pickle.dump(data, fh)
    return data


def write_mimic_pickle(path, *, n=60, seed=0):
    """MultiBench's im.pk: ep_tdata (N, 24, 12), adm_features_all (N, 5), adm_labels_all,
    y_icd9 (N, 20), with NaN and inf entries."""
    rng = np.random.default_rng(seed)
    ep = rng.standard_normal((n, 24, 12)) * 3 + 1
    ep[rng.random(ep.shape) < 0.02] = np.nan
    ep[0, 0, 0] = np.inf
    adm = rng.standard_normal((n, 5)) * 2
    adm[3, 1] = np.nan
    labels = np.zeros((n, 6))
    labels[np.arange(n), rng.integers(0, 6, n)] = 1     # column 0: alive
    labels[5, 2] = labels[5, 4] = 1                     # two positives: the first one counts
    icd = (rng.random((n, 20)) < 0.3).astype(np.int64)
    data = {"ep_tdata": ep, "adm_features_all": adm, "adm_labels_all": labels, "y_icd9": icd}
    with open(path, "wb") as fh:
        pickle.dump(data, fh)
    return data


def write_episodes(folder, *, n_files=5, steps=6, forces=40, seed=0, channels_first=False):
    """Vision&Touch episodes: one .h5 per episode with image, depth_data, proprio,
    ee_forces_continuous, contact, action, optical_flow."""
    import h5py

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for k in range(n_files):
        name = f"triangle_{k}_1000.h5"
        with h5py.File(folder / name, "w") as fh:
            shape = (steps, 3, 128, 128) if channels_first else (steps, 128, 128, 3)
            fh["image"] = rng.integers(0, 256, shape, dtype=np.uint8)
            fh["depth_data"] = rng.random((steps, 128, 128)).astype(np.float32)
            fh["proprio"] = rng.standard_normal((steps, 8))
            fh["ee_forces_continuous"] = rng.standard_normal((steps, forces, 6)) * 3
            fh["contact"] = (rng.random((steps, 50)) < 0.02).astype(np.int64)
            fh["action"] = rng.standard_normal((steps, 4))
            fh["optical_flow"] = rng.standard_normal((steps, 128, 128, 2)).astype(np.float32)
        names.append(name)
    (folder / "README.txt").write_text("not an episode")
    return names


def write_mmimdb(path, *, bounds=(8, 11, 15), seed=0, image_shape=(3, 16, 10)):
    """multimodal_imdb.hdf5: features (N, 300), vgg_features (N, 4096), images, genres
    (N, 23), imdb_ids."""
    import h5py

    rng = np.random.default_rng(seed)
    n = bounds[-1] + 2          # rows past the test split are not read
    with h5py.File(path, "w") as fh:
        fh["features"] = rng.standard_normal((n, 300)).astype(np.float32)
        fh["vgg_features"] = rng.random((n, 4096)).astype(np.float32)
        fh["images"] = rng.integers(0, 256, (n, *image_shape), dtype=np.uint8)
        fh["genres"] = (rng.random((n, 23)) < 0.2).astype(np.int8)
        fh["imdb_ids"] = np.array([f"tt{i:07d}".encode() for i in range(n)])


@pytest.fixture
def affect_file(tmp_path):
    path = tmp_path / "mosi_raw.pkl"
    return path, write_affect_pickle(path)


@pytest.fixture
def mimic_file(tmp_path):
    path = tmp_path / "im.pk"
    return path, write_mimic_pickle(path)


@pytest.fixture
def episodes(tmp_path):
    folder = tmp_path / "triangle_real_data"
    return folder, write_episodes(folder)


@pytest.fixture
def mmimdb_file(tmp_path):
    path = tmp_path / "multimodal_imdb.hdf5"
    write_mmimdb(path)
    return path


@pytest.fixture
def writers():
    """The writers, for tests that write files of their own."""
    from types import SimpleNamespace

    return SimpleNamespace(affect=write_affect_pickle, mimic=write_mimic_pickle,
                           episodes=write_episodes, mmimdb=write_mmimdb)
