import pickle
import random

import numpy as np
import pytest

from pid_bench.realdata.mimic import convert_mimic, mimic_split


def official(raw):
    """MultiBench's get_dataloader on the arrays, loop for loop (task -1 and task k)."""
    x_t, x_s = raw["ep_tdata"].copy(), raw["adm_features_all"].copy()
    x_t[np.isinf(x_t)] = 0
    x_t[np.isnan(x_t)] = 0
    x_s[np.isinf(x_s)] = 0
    x_s[np.isnan(x_s)] = 0
    s_avg, s_std = np.average(x_s, axis=0), np.std(x_s, axis=0)
    t_avg, t_std = np.average(x_t, axis=(0, 1)), np.std(x_t, axis=(0, 1))
    for i in range(len(x_s)):
        x_s[i] = (x_s[i] - s_avg) / s_std
        for j in range(len(x_t[0])):
            x_t[i][j] = (x_t[i][j] - t_avg) / t_std
    adm = raw["adm_labels_all"].copy()
    y = adm[:, 1]
    for i in range(len(y)):
        if adm[i][1] > 0:
            y[i] = 1
        elif adm[i][2] > 0:
            y[i] = 2
        elif adm[i][3] > 0:
            y[i] = 3
        elif adm[i][4] > 0:
            y[i] = 4
        elif adm[i][5] > 0:
            y[i] = 5
        else:
            y[i] = 0
    datasets = [(x_s[i], x_t[i], y[i], raw["y_icd9"][i], i) for i in range(len(y))]
    state = random.getstate()   # the loader seeds the global RNG; leave it as it was
    try:
        random.seed(10)
        random.shuffle(datasets)
    finally:
        random.setstate(state)
    le = len(datasets)
    return datasets[le // 5:], datasets[0:le // 10], datasets[le // 10:le // 5]


def test_follows_the_official_loader(mimic_file):
    path, raw = mimic_file
    data = convert_mimic(path)
    train, valid, test = official(raw)
    assert data.metadata["official_split_sizes"] == {"train": len(train), "valid": len(valid),
                                                     "test": len(test)}
    assert data.modality_names == ("tabular", "timeseries")
    for split, rows in (("train", train), ("test", test)):
        part = data.split(split)
        order = np.argsort([r[4] for r in rows])   # the converter keeps the file's order
        rows = [rows[k] for k in order]
        np.testing.assert_allclose(part.modalities["tabular"], [r[0] for r in rows], atol=1e-5)
        np.testing.assert_allclose(part.modalities["timeseries"], [r[1] for r in rows],
                                   atol=1e-5)
        np.testing.assert_array_equal(part.tasks["mortality"], [r[2] for r in rows])
        for k in (0, 7, 19):
            np.testing.assert_array_equal(part.tasks[f"icd9_{k}"], [r[3][k] for r in rows])
    assert data.n_classes["mortality"] == 6 and data.n_classes["icd9_7"] == 2


def test_split_needs_no_global_seed():
    state = random.getstate()
    split = mimic_split(100)
    assert random.getstate() == state
    assert (split == "valid").sum() == 10 and (split == "test").sum() == 10


def test_valid_as_train_keeps_every_sample(mimic_file):
    path, raw = mimic_file
    data = convert_mimic(path, valid_as="train")
    n = raw["y_icd9"].shape[0]
    assert data.n_samples == n and (data.split_of == "test").sum() == n // 5 - n // 10
    assert data.tasks["mortality"][5] == 2   # columns 2 and 4 positive: the first one counts
    assert np.isfinite(data.modalities["timeseries"]).all()


def test_missing_and_malformed_files_say_what_and_where(tmp_path, mimic_file):
    with pytest.raises(FileNotFoundError, match=r"im.pk at .*found nothing.*mimic.mit.edu"):
        convert_mimic(tmp_path / "missing" / "im.pk")
    path, raw = mimic_file
    del raw["y_icd9"]
    with open(path, "wb") as fh:
        pickle.dump(raw, fh)
    with pytest.raises(ValueError, match=r"im.pk is not MultiBench's preprocessed MIMIC-III "
                                         r"file.*\['y_icd9'\] are missing"):
        convert_mimic(path)
    raw["y_icd9"] = np.zeros((3, 20))
    with open(path, "wb") as fh:
        pickle.dump(raw, fh)
    with pytest.raises(ValueError, match=r"with one N; received"):
        convert_mimic(path)
