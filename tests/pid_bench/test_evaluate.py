"""Tests of pid_bench.evaluate: linear probes, captured bits and the result-table schema."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from pid_bench.data import GROUND_TRUTH_COLUMNS, MultimodalDataset
from pid_bench.evaluate import (
    RESULT_COLUMNS,
    ProbeSettings,
    measure,
    probe_callback,
    probe_classification,
    probe_embeddings,
    probe_regression,
)


def _dataset(tasks: dict[str, np.ndarray], n_classes: dict[str, int], *, test_fraction=0.5,
             seed=0, truth: pd.DataFrame | None = None) -> MultimodalDataset:
    n = next(iter(tasks.values())).shape[0]
    rng = np.random.default_rng(seed)
    split_of = np.where(rng.random(n) < test_fraction, "test", "train").astype("<U8")
    if truth is None:
        truth = pd.DataFrame(np.nan, index=pd.Index(list(tasks), name="task"),
                             columns=list(GROUND_TRUTH_COLUMNS))
    return MultimodalDataset(modalities={"x1": rng.normal(size=(n, 2)), "x2": rng.normal(size=(n, 2))},
                             tasks=tasks, split_of=split_of, ground_truth=truth,
                             n_classes=n_classes, name="toy")


def _value(table: pd.DataFrame, task: str, metric: str) -> float:
    row = table[(table.task == task) & (table.metric == metric)]
    assert len(row) == 1
    return float(row.value.iloc[0])


@pytest.fixture(scope="module")
def four_way():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 4, size=4000)
    truth = pd.DataFrame([[0.5, 0.5, 0.5, 0.5, 2.0]], index=pd.Index(["label"], name="task"),
                         columns=list(GROUND_TRUTH_COLUMNS))
    return _dataset({"label": y}, {"label": 4}, truth=truth), y, rng


def test_embeddings_holding_the_label_capture_its_entropy(four_way):
    data, y, rng = four_way
    z = np.eye(4)[y] * 3.0 + 0.1 * rng.normal(size=(y.size, 4))
    z = np.hstack([z, rng.normal(size=(y.size, 4))])
    table = probe_embeddings(z, data, seed=0)
    h = stats.entropy(np.bincount(y[data.split_of == "test"]), base=2)
    assert _value(table, "label", "balanced_accuracy") > 99.5
    assert _value(table, "label", "captured_bits") == pytest.approx(h, abs=0.05)
    assert _value(table, "label", "captured_fraction") == pytest.approx(h / 2.0, abs=0.03)
    assert _value(table, "label", "cross_entropy_bits") < 0.05


def test_noise_embeddings_stay_at_chance(four_way):
    data, y, rng = four_way
    z = rng.normal(size=(y.size, 16))
    table = probe_embeddings(z, data, seed=0)
    # 2000 test samples, 4 balanced classes: the sd of balanced accuracy at chance is ~1 point.
    assert abs(_value(table, "label", "balanced_accuracy") - 25.0) < 4.0
    assert _value(table, "label", "captured_bits") < 0.02
    h = stats.entropy(np.bincount(y[data.split_of == "test"]), base=2)
    assert _value(table, "label", "cross_entropy_bits") == pytest.approx(h, abs=0.03)


def _gaussian_channel_information(prior: float, sigma: float) -> float:
    """Exact I(Z; Y) in bits for Y ~ Bernoulli(prior), Z = Y + N(0, sigma^2)."""
    def integrand(z):
        p0 = (1 - prior) * stats.norm.pdf(z, 0, sigma)
        p1 = prior * stats.norm.pdf(z, 1, sigma)
        pz = p0 + p1
        return sum(p * np.log2(p / (pz * w)) for p, w in ((p0, 1 - prior), (p1, prior)) if p > 0)
    return integrate.quad(integrand, -8, 9, limit=200)[0]


def test_imbalanced_binary_task_matches_bayes_balanced_accuracy_and_information():
    # Y ~ Bernoulli(0.1), Z = Y + N(0, 0.5^2): the posterior is exactly logistic in Z; the rule
    # that maximises balanced accuracy thresholds Z at 1/2, so each recall is Phi(1).
    rng = np.random.default_rng(3)
    n, prior, sigma = 40000, 0.1, 0.5
    y = (rng.random(n) < prior).astype(np.int64)
    z = (y + sigma * rng.normal(size=n))[:, None]
    half = n // 2
    scores = probe_classification(z[:half], y[:half], z[half:], y[half:], n_classes=2, seed=0)
    assert scores["balanced_accuracy"] == pytest.approx(100 * stats.norm.cdf(0.5 / sigma), abs=1.5)
    exact = _gaussian_channel_information(prior, sigma)
    # H(Y) - CE estimates the information from 20,000 test pairs; its sd here is ~0.005 bits.
    assert scores["captured_bits"] == pytest.approx(exact, abs=0.02)


def test_continuous_task_gaussian_bound_is_exact_for_gaussian_targets():
    rng = np.random.default_rng(4)
    n = 6000
    z = rng.normal(size=(n, 3))
    y = z @ np.array([1.0, -0.5, 0.25]) + 0.5 * rng.normal(size=n)
    exact = 0.5 * np.log2((1 + 0.25 + 0.0625 + 0.25) / 0.25)
    data = _dataset({"target": y}, {"target": 0})
    table = probe_embeddings(z, data, seed=0)
    assert set(table.metric) == {"captured_bits", "captured_fraction", "r2"}
    assert _value(table, "target", "captured_bits") == pytest.approx(exact, abs=0.05)
    assert _value(table, "target", "r2") == pytest.approx(1 - 0.25 / 1.5625, abs=0.02)
    noise = probe_regression(rng.normal(size=(3000, 3)), y[:3000], rng.normal(size=(3000, 3)),
                             y[3000:], seed=0)
    assert noise["captured_bits"] < 0.01


def test_schema_ground_truth_and_labels(four_way):
    data, y, rng = four_way
    z = np.eye(4)[y] + rng.normal(size=(y.size, 4))
    table = probe_embeddings(z, data, seed=7, method="mine", epoch=3)
    assert tuple(table.columns) == RESULT_COLUMNS
    assert set(table.metric) == {"balanced_accuracy", "captured_bits", "captured_fraction",
                                 "cross_entropy_bits"}
    assert (table.dataset == "toy").all() and (table.method == "mine").all()
    assert (table.seed == 7).all() and (table.epoch == 3).all()
    units = dict(zip(table.metric, table.unit))
    assert units == {"balanced_accuracy": "%", "captured_bits": "bits",
                     "captured_fraction": "fraction", "cross_entropy_bits": "bits"}
    assert _value(table.assign(value=table.chance), "label", "balanced_accuracy") == 25.0
    for c in GROUND_TRUTH_COLUMNS:
        assert (table[f"gt_{c}"] == data.ground_truth.loc["label", c]).all()
    assert probe_embeddings(z, data, seed=0).epoch.isna().all()


def test_split_mapping_equals_whole_array_and_seed_is_deterministic(four_way):
    data, y, rng = four_way
    z = np.eye(4)[y] + 1.5 * rng.normal(size=(y.size, 4))
    whole = probe_embeddings(z, data, seed=5)
    by_split = probe_embeddings({s: z[data.split_of == s] for s in ("train", "test")}, data, seed=5)
    pd.testing.assert_frame_equal(whole, by_split)
    pd.testing.assert_frame_equal(whole, probe_embeddings(z, data, seed=5))


def test_probe_callback_probes_every_k_epochs_and_skips(four_way):
    data, y, _ = four_way
    calls = []

    def embed(model, part):
        calls.append(part.n_samples)
        return np.eye(4)[np.asarray(part.tasks["label"])] * model

    cb = probe_callback(data, every=2, embed=embed, method="m", seed=1, skip=[4])
    assert cb(1, 1.0) is None and cb(4, 1.0) is None and not calls
    table = cb(2, 1.0)
    assert (table.epoch == 2).all() and (table.method == "m").all()
    assert sorted(calls) == sorted([int((data.split_of == s).sum()) for s in ("train", "test")])
    with pytest.raises(ValueError, match="every must be a positive"):
        probe_callback(data, every=0, embed=embed, method="m")


@pytest.mark.parametrize("bad, message", [
    (lambda z, d: z[:-1], "one row per sample"),
    (lambda z, d: np.where(np.arange(z.shape[0])[:, None] == 3, np.nan, z), "NaN or inf"),
    (lambda z, d: z[:, 0], r"shape \(n, d\)"),
    (lambda z, d: {"train": z[d.split_of == "train"], "validation": z[:5]}, "unknown"),
    (lambda z, d: {"train": z[d.split_of == "train"]}, "missing"),
    (lambda z, d: {"train": z[d.split_of == "train"], "test": z[:5]}, "rows"),
    (lambda z, d: "abc", "numeric array"),
])
def test_bad_embeddings_are_rejected(four_way, bad, message):
    data, y, rng = four_way
    z = rng.normal(size=(y.size, 3))
    with pytest.raises(ValueError, match=message):
        probe_embeddings(bad(z, data), data)


def test_bad_arguments_are_rejected(four_way):
    data, y, rng = four_way
    z = rng.normal(size=(y.size, 3))
    with pytest.raises(ValueError, match="unknown tasks"):
        probe_embeddings(z, data, tasks=["nope"])
    with pytest.raises(ValueError, match="MultimodalDataset"):
        probe_embeddings(z, {"label": y})
    with pytest.raises(ValueError, match="seed must be"):
        probe_embeddings(z, data, seed=1.5)
    with pytest.raises(ValueError, match="seed must be an int >= 0"):
        probe_embeddings(z, data, seed=-1)
    with pytest.raises(ValueError, match="epoch must be None or an int >= 0"):
        probe_embeddings(z, data, epoch="x")
    with pytest.raises(ValueError, match="c_grid"):
        ProbeSettings(c_grid=(1.0, -1.0))
    with pytest.raises(ValueError, match="validation_fraction"):
        ProbeSettings(validation_fraction=1.0)
    with pytest.raises(ValueError, match="never in the training"):
        probe_classification(z[:10], np.array([0, 1] * 5), z[:4], np.array([0, 1, 2, 2]), n_classes=3)
    with pytest.raises(ValueError, match=r"labels in 0\.\.1"):
        probe_classification(z[:10], np.array([0, 1] * 5), z[:4], np.array([0, 1, 2, 2]), n_classes=2)
    with pytest.raises(ValueError, match="one row per sample"):
        probe_classification(z[:9], np.array([0, 1] * 5), z[:4], np.array([0, 1, 1, 0]), n_classes=2)
    with pytest.raises(ValueError, match="same width"):
        probe_regression(z[:10], np.arange(10.0), z[:4, :2], np.arange(4.0))
    with pytest.raises(ValueError, match="finite"):
        probe_regression(z[:10], np.r_[np.nan, np.arange(9.0)], z[:4], np.arange(4.0))


def test_measure_is_a_deprecated_alias_of_probe_embeddings():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    data = _dataset({"label": y}, {"label": 3})
    z = np.column_stack([y + 0.3 * rng.normal(size=300), rng.normal(size=300)])
    with pytest.warns(FutureWarning, match="probe_embeddings"):
        old = measure(z, data, seed=2, method="m")
    pd.testing.assert_frame_equal(old, probe_embeddings(z, data, seed=2, method="m"))


def test_top_namespace_exposes_probe_embeddings_and_the_alias():
    import pid_bench

    assert pid_bench.probe_embeddings is probe_embeddings
    assert pid_bench.measure is measure


def test_a_class_missing_from_the_training_split_names_the_task_and_the_remedy():
    data = _dataset({"rare": np.array([0, 1] * 20 + [2])}, {"rare": 3})
    data = MultimodalDataset(**{**vars(data), "split_of": np.array(["train"] * 40 + ["test"])})
    z = np.random.default_rng(0).normal(size=(41, 3))
    with pytest.raises(ValueError, match=r"probing task 'rare' of dataset 'toy': classes \[2\] "
                                         r"occur in the test split but never in the training "
                                         r"split, .*give the dataset more training samples"):
        probe_embeddings(z, data)


# ---------------------------------------------------------------------------- multi-label
def test_multilabel_f1_scores_match_sklearn_on_a_hand_made_case():
    from sklearn.metrics import f1_score

    from pid_bench.evaluate import _f1_scores

    y = np.array([[1, 0, 1], [0, 0, 1], [1, 1, 0], [1, 0, 0], [0, 0, 0]])
    predicted = np.array([[1, 0, 0], [1, 0, 1], [1, 0, 0], [0, 0, 0], [0, 0, 1]])
    macro, weighted = _f1_scores(predicted, y)
    # label F1s: 2*2/(4+1+1) = 2/3, 0 (one miss), 2*1/(2+1+1) = 1/2
    assert macro == pytest.approx(100 * (2 / 3 + 0 + 1 / 2) / 3)
    assert weighted == pytest.approx(100 * (3 * 2 / 3 + 1 * 0 + 2 * 1 / 2) / 6)
    assert macro == pytest.approx(100 * f1_score(y, predicted, average="macro", zero_division=0))
    assert weighted == pytest.approx(100 * f1_score(y, predicted, average="weighted",
                                                    zero_division=0))


def test_multilabel_probe_reads_each_label_and_reports_chance_levels():
    from sklearn.metrics import f1_score
    from sklearn.multioutput import MultiOutputClassifier
    from sklearn.linear_model import LogisticRegression

    from pid_bench.evaluate import probe_multilabel

    rng = np.random.default_rng(0)
    z = rng.normal(size=(600, 3))
    y = np.stack([z[:, 0] > 0, z[:, 1] > 0.5, rng.random(600) < 0.3], axis=1).astype(int)
    scores = probe_multilabel(z[:400], y[:400], z[400:], y[400:], seed=0)
    # the first two labels are linear in z, the third is noise
    reference = MultiOutputClassifier(LogisticRegression(C=scores["c"], max_iter=300))
    mean, std = z[:400].mean(0), z[:400].std(0)
    predicted = reference.fit((z[:400] - mean) / std, y[:400]).predict((z[400:] - mean) / std)
    assert scores["f1_macro"] == pytest.approx(100 * f1_score(y[400:], predicted, average="macro",
                                                              zero_division=0), abs=1.0)
    assert scores["f1_weighted"] == pytest.approx(
        100 * f1_score(y[400:], predicted, average="weighted", zero_division=0), abs=1.0)
    prevalence = y[400:].mean(0)
    chance = 2 * prevalence / (1 + prevalence)
    assert scores["f1_macro_chance"] == pytest.approx(100 * chance.mean())
    assert scores["f1_weighted_chance"] == pytest.approx(
        100 * np.sum(chance * y[400:].sum(0)) / y[400:].sum())
    h = -(prevalence * np.log2(prevalence) + (1 - prevalence) * np.log2(1 - prevalence))
    assert scores["entropy_bits"] == pytest.approx(h.sum())
    assert scores["cross_entropy_bits"] < scores["entropy_bits"] - 1.0  # two labels are read


def test_multilabel_probe_rows_and_bad_labels():
    from pid_bench.evaluate import probe_multilabel

    rng = np.random.default_rng(1)
    n = 200
    z = rng.normal(size=(n, 2))
    genres = np.stack([z[:, 0] > 0, z[:, 1] > 0, np.zeros(n, bool)], axis=1).astype(int)
    data = MultimodalDataset.from_arrays(z[:, :1], z[:, 1:], tasks={"genres": genres,
                                                                    "y": genres[:, 0]},
                                         multilabel=["genres"], seed=0)
    table = probe_embeddings(z, data, method="m")
    rows = table[table.task == "genres"].set_index("metric")
    assert list(rows.index) == ["f1_macro", "f1_weighted", "cross_entropy_bits"]
    assert list(rows["unit"]) == ["%", "%", "bits"]
    assert rows.loc["f1_macro", "value"] > 55  # two of three labels near 100, the empty one 0
    assert set(table[table.task == "y"].metric) >= {"balanced_accuracy", "captured_bits"}
    with pytest.raises(ValueError, match="must hold only 0 and 1"):
        probe_multilabel(z, genres * 2, z, genres)
    with pytest.raises(ValueError, match=r"must have shape \(n, K\); received shape \(200,\)"):
        probe_multilabel(z, genres[:, 0], z, genres)


def test_kind_both_reports_the_mlp_probe_beside_the_linear_one():
    """XOR of two embedding coordinates: the MLP rows read it, the linear rows do not; a
    continuous task gets the MLP regressor's rows beside the ridge's; kind="mlp" leaves the
    linear rows out."""
    rng = np.random.default_rng(3)
    z = rng.normal(size=(800, 3))
    xor = ((z[:, 0] > 0) ^ (z[:, 1] > 0)).astype(int)
    truth = pd.DataFrame([[0.0, 0.0, 0.0, 1.0, 1.0], [np.nan] * 5],
                         index=pd.Index(["xor", "t"], name="task"),
                         columns=list(GROUND_TRUTH_COLUMNS))
    data = _dataset({"xor": xor, "t": z[:, 2]}, {"xor": 2, "t": 0}, truth=truth)
    small = {"widths": (16,), "depths": (1,), "alphas": (1e-4,), "learning_rate": 1e-2,
             "batch_size": 32, "max_epochs": 40, "patience": 5}
    table = probe_embeddings(z, data, settings=ProbeSettings(kind="both", mlp=small))
    assert _value(table, "xor", "balanced_accuracy") < 60 < 90 < _value(
        table, "xor", "balanced_accuracy_mlp")
    assert _value(table, "xor", "captured_fraction_mlp") == pytest.approx(
        _value(table, "xor", "captured_bits_mlp"), rel=1e-12)  # the planted total is 1 bit
    mlp = table[table.metric.str.endswith("_mlp")]
    assert sorted(mlp[mlp.task == "xor"].metric) == [
        "balanced_accuracy_mlp", "captured_bits_mlp", "captured_fraction_mlp",
        "cross_entropy_bits_mlp"]
    assert mlp.set_index(["task", "metric"]).loc[("xor", "balanced_accuracy_mlp"), "chance"] == 50
    continuous = table[table.task == "t"].set_index("metric")
    assert list(continuous.index) == ["captured_bits", "captured_fraction", "r2",
                                      "captured_bits_mlp", "captured_fraction_mlp", "r2_mlp"]
    assert list(continuous["unit"]) == ["bits", "fraction", "fraction"] * 2
    # t is a coordinate of z: both probes read it almost whole (R² near 1, many bits)
    assert continuous.loc["r2", "value"] > 0.99 and continuous.loc["r2_mlp", "value"] > 0.95
    assert np.isnan(continuous.loc["captured_fraction_mlp", "value"])  # truth unknown
    only = probe_embeddings(z, data, settings=ProbeSettings(kind="mlp", mlp=small))
    assert only.metric.str.endswith("_mlp").all()
    pd.testing.assert_frame_equal(only.reset_index(drop=True),
                                  mlp.reset_index(drop=True), check_dtype=False)
