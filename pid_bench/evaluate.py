"""Linear probes on frozen embeddings: how much of each task's information a representation holds.

For every task of a :class:`~pid_bench.data.MultimodalDataset`, a linear probe is fitted on the
embeddings of the ``"train"`` split and scored on ``"test"``:

* classification tasks: multinomial logistic regression on standardised embeddings, its inverse
  regularisation ``C`` chosen by held-out cross-entropy on a validation part carved from
  ``"train"`` with the seed, then refitted on all of ``"train"``. Reported: balanced accuracy (%),
  the test cross-entropy CE (bits) and the captured information
  ``I(Z; Y) >= H(Y) - CE``, where H(Y) is the entropy of the empirical label distribution of
  the test split. The bound holds for any probe (the cross-entropy of any predictor upper-bounds
  H(Y | Z); McAllester and Stratos 2020 discuss such variational bounds); it is clipped at 0,
  since I(Z; Y) >= 0 as well. ``captured_fraction`` divides it by the task's ground-truth total
  I(X1, X2; Y).
* continuous tasks (``n_classes`` 0): a ridge probe, its penalty chosen on the same validation
  part, and the Gaussian bound ``1/2 log2(var(Y) / MSE)``: the information a Gaussian channel with
  that error variance carries, a lower bound on I(Z; Y) when Y is Gaussian (h(Y) is then
  1/2 log2(2 pi e var(Y)) and h(Y | Z) <= 1/2 log2(2 pi e MSE)); for other targets it is an
  estimate. Reported with ``r2`` = 1 - MSE / var(Y).

* multi-label tasks (labels (n, K) in {0, 1}, MM-IMDb's genres): one logistic probe per label
  (one-vs-rest, a shared ``C`` chosen by the held-out binary cross-entropy summed over labels),
  labels predicted where the probability exceeds 0.5, as CoMM's linear probe does
  (``MultiOutputClassifier(LogisticRegression)`` in ``evaluation/linear_probe.py`` of
  ``Duplums/CoMM``). Reported: the paper's F1 scores (%), ``f1_macro`` (mean over labels) and
  ``f1_weighted`` (weighted by each label's test positives), as scikit-learn's ``f1_score``
  computes them (a label without true or predicted positives scores 0), and
  ``cross_entropy_bits``, the binary cross-entropies summed over labels. Chance levels: the F1
  of predicting every label for every sample (2 p / (1 + p) for a label of test prevalence p,
  the best constant prediction for F1), and for the cross-entropy the sum of the labels'
  binary entropies. No captured bits: the labels' joint entropy is not estimable from a test
  split of this size, and the sum of their entropies is not a lower bound.

With ``ProbeSettings(kind="mlp")`` or ``"both"``, classification and continuous tasks also (or
only) get the non-linear probe of :mod:`pid_bench.mlp_probe` (an MLP classifier or regressor,
its capacity and penalty chosen on the same kind of validation part, early stopping), reported
with the same metrics under names with the suffix ``_mlp`` (``balanced_accuracy_mlp``,
``captured_bits_mlp``, ``r2_mlp``, ...): a second lower bound on the same information.
Multi-label tasks keep their linear probe.

Balanced accuracy uses the decision argmax_k p(k | z) / pi_k, with pi the class frequencies of the
training split: the rule that maximises balanced accuracy for calibrated probabilities, so one
fit (by cross-entropy) serves both numbers, also on imbalanced tasks such as the binary synergy
task with positives at rate 1/K.

The probes run with one BLAS thread: on problems this small, more threads cost more than they
give, and on a loaded machine they can make a probe many times slower.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split

from pid_bench.data import GROUND_TRUTH_COLUMNS, SPLITS, MultimodalDataset
from pid_bench.info.shannon import entropy
from pid_bench.settings import MLP_SUFFIX, ProbeSettings

__all__ = [
    "RESULT_COLUMNS",
    "METRIC_UNITS",
    "MLP_SUFFIX",
    "ProbeSettings",
    "measure",
    "probe_callback",
    "probe_classification",
    "probe_embeddings",
    "probe_multilabel",
    "probe_regression",
]

#: Columns of every result table, in order (see docs/architecture.md, "Result tables").
RESULT_COLUMNS = ("dataset", "task", "method", "seed", "epoch", "metric", "value", "unit",
                  "chance", *(f"gt_{c}" for c in GROUND_TRUTH_COLUMNS))

#: Metric name -> unit.
METRIC_UNITS = {
    "balanced_accuracy": "%",
    "captured_bits": "bits",
    "captured_fraction": "fraction",
    "cross_entropy_bits": "bits",
    "f1_macro": "%",
    "f1_weighted": "%",
    "r2": "fraction",
}
METRIC_UNITS.update({f"{m}{MLP_SUFFIX}": METRIC_UNITS[m] for m in
                     ("balanced_accuracy", "captured_bits", "captured_fraction",
                      "cross_entropy_bits", "r2")})

#: Splits the probes need: fitted on the first, scored on the second.
_PROBE_SPLITS = ("train", "test")


# ---------------------------------------------------------------------------- input checks
def _check_embedding(name: str, z: object, n_rows: int) -> np.ndarray:
    try:
        arr = np.asarray(z, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"embeddings for {name} must be a numeric array of shape (n, d); "
                         f"received {type(z).__name__}") from None
    if arr.ndim != 2:
        raise ValueError(f"embeddings for {name} must have shape (n, d); received shape {arr.shape}")
    if arr.shape[0] != n_rows:
        raise ValueError(f"embeddings for {name} must have one row per sample ({n_rows} rows); "
                         f"received {arr.shape[0]} rows")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"embeddings for {name} contain {int(np.sum(~np.isfinite(arr)))} NaN or "
                         f"inf entries")
    return arr


def _split_embeddings(embeddings: Mapping[str, object] | object,
                      dataset: MultimodalDataset) -> dict[str, np.ndarray]:
    counts = {s: int(np.sum(dataset.split_of == s)) for s in SPLITS}
    for s in _PROBE_SPLITS:
        if counts[s] == 0:
            raise ValueError(f"dataset {dataset.name!r} has no {s!r} samples; probes need both "
                             f"'train' and 'test' splits")
    if isinstance(embeddings, Mapping):
        unknown = set(embeddings) - set(SPLITS)
        if unknown:
            raise ValueError(f"embeddings keys must be split names among {SPLITS}; received "
                             f"unknown {sorted(map(str, unknown))}")
        missing = [s for s in _PROBE_SPLITS if s not in embeddings]
        if missing:
            raise ValueError(f"embeddings must hold the splits {list(_PROBE_SPLITS)}; missing "
                             f"{missing}")
        return {s: _check_embedding(f"split {s!r}", embeddings[s], counts[s]) for s in _PROBE_SPLITS}
    whole = _check_embedding("the whole dataset", embeddings, dataset.n_samples)
    return {s: whole[dataset.split_of == s] for s in _PROBE_SPLITS}


def _check_pairs(z_train: object, y_train: object, z_test: object, y_test: object
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    arrays = []
    for split, z, y in (("train", z_train, y_train), ("test", z_test, y_test)):
        labels = np.asarray(y)
        if labels.ndim != 1 or labels.size == 0:
            raise ValueError(f"y_{split} must be a non-empty array of shape (n,); received shape "
                             f"{labels.shape}")
        arrays += [_check_embedding(f"split {split!r}", z, labels.shape[0]), labels]
    if arrays[0].shape[1] != arrays[2].shape[1]:
        raise ValueError(f"train and test embeddings must have the same width d; received "
                         f"{arrays[0].shape[1]} and {arrays[2].shape[1]}")
    return arrays[0], arrays[1], arrays[2], arrays[3]


def _standardise(z_fit: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    mean = z_fit.mean(axis=0)
    std = z_fit.std(axis=0)
    std[std < 1e-12] = 1.0
    return [(z - mean) / std for z in (z_fit, *others)]


def _carve(y: np.ndarray, fraction: float, seed: int, stratify: bool) -> tuple[np.ndarray, np.ndarray]:
    index = np.arange(y.shape[0])
    if stratify:
        _, counts = np.unique(y, return_counts=True)
        stratify = bool(counts.min() >= 2 and round(fraction * y.shape[0]) >= counts.size)
    return train_test_split(index, test_size=fraction, random_state=seed,
                            stratify=y if stratify else None)


def _seed_int(seed: int | np.random.Generator) -> int:
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**31 - 1))
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an int >= 0 or numpy.random.Generator; received {seed!r}")
    return int(seed)


# ---------------------------------------------------------------------------- probes
def _class_probabilities(model: LogisticRegression, z: np.ndarray, n_classes: int) -> np.ndarray:
    proba = np.zeros((z.shape[0], n_classes))
    proba[:, model.classes_] = model.predict_proba(z)
    return proba


def _cross_entropy_bits(proba: np.ndarray, y: np.ndarray) -> float:
    return float(-np.mean(np.log2(np.maximum(proba[np.arange(y.shape[0]), y], 1e-300))))


def _fit_logistic(z: np.ndarray, y: np.ndarray, c: float, max_iter: int,
                  previous: LogisticRegression | None) -> LogisticRegression:
    model = previous if previous is not None else LogisticRegression(max_iter=max_iter,
                                                                     warm_start=True)
    model.set_params(C=c)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(z, y)
    return model


def probe_classification(z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray,
                         y_test: np.ndarray, *, n_classes: int,
                         seed: int | np.random.Generator = 0,
                         settings: ProbeSettings | None = None) -> dict[str, float]:
    """Fit a multinomial logistic probe on (z_train, y_train) and score it on the test pairs.

    Parameters
    ----------
    z_train, z_test : numpy.ndarray, shape (n_train, d) and (n_test, d)
        Frozen embeddings.
    y_train, y_test : numpy.ndarray of int, shape (n_train,) and (n_test,)
        Labels in 0..n_classes-1. Every class present in ``y_test`` must occur in ``y_train``.
    n_classes : int
        Number of classes K >= 2.
    seed : int or numpy.random.Generator, default 0
        Seed of the validation split used to choose ``C``.
    settings : ProbeSettings, optional
        Regularisation grid, validation fraction and iterations.

    Returns
    -------
    dict
        ``balanced_accuracy`` (%), ``cross_entropy_bits`` (test CE, bits), ``entropy_bits``
        (H of the test labels, bits), ``captured_bits`` (max(0, H - CE), bits) and ``c`` (the
        chosen inverse regularisation).
    """
    z_train, y_train, z_test, y_test = _check_class_pairs(z_train, y_train, z_test, y_test,
                                                          n_classes)
    with threadpool_limits(limits=1):
        return _probe_classification(z_train, y_train, z_test, y_test, int(n_classes), seed,
                                     settings or ProbeSettings())


def _check_class_pairs(z_train: object, y_train: object, z_test: object, y_test: object,
                       n_classes: object) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_check_pairs`, then labels in 0..n_classes-1 (int64) with at least two classes
    in training and no test class missing from it."""
    z_train, y_train, z_test, y_test = _check_pairs(z_train, y_train, z_test, y_test)
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 2:
        raise ValueError(f"n_classes must be an integer >= 2; received {n_classes!r}")
    for name, y in (("y_train", y_train), ("y_test", y_test)):
        if y.dtype.kind not in "iub" or y.min() < 0 or y.max() >= n_classes:
            raise ValueError(f"{name} must hold integer labels in 0..{n_classes - 1}; received "
                             f"dtype {y.dtype}, range {y.min()}..{y.max()}")
    y_train, y_test = y_train.astype(np.int64), y_test.astype(np.int64)
    seen = np.unique(y_train)
    if seen.size < 2:
        raise ValueError(f"a probe needs at least 2 classes in the training split; received "
                         f"only {seen.tolist()}")
    unseen = sorted(set(np.unique(y_test).tolist()) - set(seen.tolist()))
    if unseen:
        raise ValueError(f"classes {unseen} occur in the test split but never in the training "
                         f"split, so the probe cannot predict them: give the dataset more "
                         f"training samples (e.g. a larger n_train), or leave this task out of "
                         f"the probed tasks")
    return z_train, y_train, z_test, y_test


def _classification_scores(proba: np.ndarray, y_train: np.ndarray, y_test: np.ndarray,
                           n_classes: int) -> dict[str, float]:
    """Balanced accuracy of argmax p(k | z) / pi_k, test CE, H(Y_test) and max(0, H - CE),
    from the test probabilities ``proba`` (n_test, K) and the training class frequencies pi."""
    prior = np.bincount(y_train, minlength=n_classes) / y_train.shape[0]
    with np.errstate(divide="ignore"):
        decision = np.where(prior > 0, proba / np.where(prior > 0, prior, 1.0), -np.inf)
    predicted = decision.argmax(axis=1)
    recalls = [np.mean(predicted[y_test == k] == k) for k in np.unique(y_test)]
    ce = _cross_entropy_bits(proba, y_test)
    h = float(entropy(np.bincount(y_test, minlength=n_classes), normalize=True))
    return {"balanced_accuracy": 100.0 * float(np.mean(recalls)), "cross_entropy_bits": ce,
            "entropy_bits": h, "captured_bits": max(0.0, h - ce)}


def _probe_classification(z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray,
                          y_test: np.ndarray, n_classes: int, seed: int | np.random.Generator,
                          settings: ProbeSettings) -> dict[str, float]:
    z_train, z_test = _standardise(np.asarray(z_train, float), np.asarray(z_test, float))
    fit_idx, val_idx = _carve(y_train, settings.validation_fraction, _seed_int(seed), True)
    best_c, best_ce, model = settings.c_grid[0], np.inf, None
    for c in settings.c_grid:
        model = _fit_logistic(z_train[fit_idx], y_train[fit_idx], c, settings.max_iter, model)
        ce = _cross_entropy_bits(_class_probabilities(model, z_train[val_idx], n_classes),
                                 y_train[val_idx])
        if ce < best_ce:
            best_c, best_ce = c, ce
    final = _fit_logistic(z_train, y_train, best_c, settings.max_iter, None)
    scores = _classification_scores(_class_probabilities(final, z_test, n_classes), y_train,
                                    y_test, n_classes)
    return {**scores, "c": best_c}


def probe_regression(z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray,
                     y_test: np.ndarray, *, seed: int | np.random.Generator = 0,
                     settings: ProbeSettings | None = None) -> dict[str, float]:
    """Fit a ridge probe on (z_train, y_train) and score it on the test pairs.

    Parameters
    ----------
    z_train, z_test : numpy.ndarray, shape (n_train, d) and (n_test, d)
        Frozen embeddings.
    y_train, y_test : numpy.ndarray of float, shape (n_train,) and (n_test,)
        Continuous targets.
    seed : int or numpy.random.Generator, default 0
        Seed of the validation split used to choose the penalty.
    settings : ProbeSettings, optional
        Penalty grid and validation fraction.

    Returns
    -------
    dict
        ``mse`` (test mean squared error, squared units of Y), ``variance`` (of the test
        targets), ``r2`` (1 - mse / variance), ``captured_bits`` (max(0, 1/2 log2(variance /
        mse)), bits) and ``alpha`` (the chosen penalty).
    """
    z_train, y_train, z_test, y_test = _check_regression_pairs(z_train, y_train, z_test, y_test)
    with threadpool_limits(limits=1):
        return _probe_regression(z_train, y_train, z_test, y_test, seed,
                                 settings or ProbeSettings())


def _check_regression_pairs(z_train: object, y_train: object, z_test: object, y_test: object
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_check_pairs`, then finite float targets whose test part is not constant."""
    z_train, y_train, z_test, y_test = _check_pairs(z_train, y_train, z_test, y_test)
    y_train, y_test = y_train.astype(float), y_test.astype(float)
    if not (np.all(np.isfinite(y_train)) and np.all(np.isfinite(y_test))):
        raise ValueError("continuous targets must be finite; received NaN or inf")
    if not np.var(y_test) > 0:
        raise ValueError("a continuous task needs test targets with positive variance; received "
                         "a constant target")
    return z_train, y_train, z_test, y_test


def _regression_scores(predicted: np.ndarray, y_test: np.ndarray) -> dict[str, float]:
    """Test MSE, var(Y_test), R² and the Gaussian bound max(0, 1/2 log2(var / MSE)) in bits."""
    mse = float(np.mean((predicted - y_test) ** 2))
    var = float(np.var(y_test))
    bits = 0.5 * np.log2(var / mse) if mse > 0 else np.inf
    return {"mse": mse, "variance": var, "r2": 1.0 - mse / var,
            "captured_bits": max(0.0, float(bits))}


def _probe_regression(z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray,
                      y_test: np.ndarray, seed: int | np.random.Generator,
                      settings: ProbeSettings) -> dict[str, float]:
    z_train, z_test = _standardise(np.asarray(z_train, float), np.asarray(z_test, float))
    fit_idx, val_idx = _carve(y_train, settings.validation_fraction, _seed_int(seed), False)
    errors = [np.mean((Ridge(alpha=a).fit(z_train[fit_idx], y_train[fit_idx])
                       .predict(z_train[val_idx]) - y_train[val_idx]) ** 2)
              for a in settings.alpha_grid]
    alpha = settings.alpha_grid[int(np.argmin(errors))]
    predicted = Ridge(alpha=alpha).fit(z_train, y_train).predict(z_test)
    return {**_regression_scores(predicted, y_test), "alpha": alpha}


def _binary_cross_entropy_bits(proba: np.ndarray, y: np.ndarray) -> float:
    """Binary cross-entropies of (n, K) probabilities, summed over labels, mean over samples."""
    p = np.clip(proba, 1e-300, 1.0)
    q = np.clip(1.0 - proba, 1e-300, 1.0)
    return float(-np.mean(np.sum(y * np.log2(p) + (1 - y) * np.log2(q), axis=1)))


def _f1_scores(predicted: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Macro and support-weighted F1 (%) of (n, K) 0/1 predictions, as sklearn's ``f1_score``."""
    tp = np.sum((predicted == 1) & (y == 1), axis=0)
    fp = np.sum((predicted == 1) & (y == 0), axis=0)
    fn = np.sum((predicted == 0) & (y == 1), axis=0)
    denominator = 2 * tp + fp + fn
    f1 = np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), 0.0)
    support = y.sum(axis=0)
    weighted = float(np.sum(f1 * support) / support.sum()) if support.sum() > 0 else 0.0
    return 100.0 * float(np.mean(f1)), 100.0 * weighted


def _fit_labels(z: np.ndarray, y: np.ndarray, c: float, max_iter: int,
                previous: list[LogisticRegression | float] | None
                ) -> list[LogisticRegression | float]:
    """One logistic fit per label; a label constant in ``y`` gets its smoothed frequency."""
    models: list[LogisticRegression | float] = []
    for k in range(y.shape[1]):
        column = y[:, k]
        if column.min() == column.max():
            models.append((column.sum() + 0.5) / (column.shape[0] + 1.0))
            continue
        before = previous[k] if previous is not None else None
        models.append(_fit_logistic(z, column, c, max_iter,
                                    before if isinstance(before, LogisticRegression) else None))
    return models


def _label_probabilities(models: list[LogisticRegression | float], z: np.ndarray) -> np.ndarray:
    return np.stack([np.full(z.shape[0], m) if isinstance(m, float)
                     else m.predict_proba(z)[:, list(m.classes_).index(1)] for m in models],
                    axis=1)


def probe_multilabel(z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray,
                     y_test: np.ndarray, *, seed: int | np.random.Generator = 0,
                     settings: ProbeSettings | None = None) -> dict[str, float]:
    """Fit one logistic probe per label on (z_train, y_train) and score them on the test pairs.

    Parameters
    ----------
    z_train, z_test : numpy.ndarray, shape (n_train, d) and (n_test, d)
        Frozen embeddings.
    y_train, y_test : numpy.ndarray, shape (n_train, K) and (n_test, K)
        Label indicators in {0, 1}.
    seed : int or numpy.random.Generator, default 0
        Seed of the validation split used to choose ``C`` (one for all labels).
    settings : ProbeSettings, optional
        Regularisation grid, validation fraction and iterations.

    Returns
    -------
    dict
        ``f1_macro`` and ``f1_weighted`` (%, labels predicted where p > 0.5), their chance
        levels ``f1_macro_chance`` and ``f1_weighted_chance`` (F1 of predicting every label),
        ``cross_entropy_bits`` (binary cross-entropies summed over labels, bits), ``entropy_bits``
        (the sum of the labels' binary entropies on the test split, bits) and ``c``. A label
        that is constant in the training data is predicted with its smoothed frequency
        (positives + 1/2) / (n + 1).

    Examples
    --------
    Two labels, each read off one coordinate of the embedding:

    >>> import numpy as np
    >>> from pid_bench.evaluate import probe_multilabel
    >>> rng = np.random.default_rng(0)
    >>> z = rng.standard_normal((400, 2))
    >>> y = (z > 0).astype(int)
    >>> scores = probe_multilabel(z[:300], y[:300], z[300:], y[300:])
    >>> scores["f1_macro"] > 95, round(scores["f1_macro_chance"])
    (True, 66)
    """
    arrays = []
    for split, z, y in (("train", z_train, y_train), ("test", z_test, y_test)):
        labels = np.asarray(y)
        if labels.ndim != 2 or labels.shape[0] == 0 or labels.shape[1] == 0:
            raise ValueError(f"y_{split} of a multi-label task must have shape (n, K); received "
                             f"shape {labels.shape}")
        if labels.dtype.kind not in "biuf" or not np.all((labels == 0) | (labels == 1)):
            raise ValueError(f"y_{split} of a multi-label task must hold only 0 and 1")
        arrays += [_check_embedding(f"split {split!r}", z, labels.shape[0]),
                   labels.astype(np.int64)]
    z_train, y_train, z_test, y_test = arrays
    if y_train.shape[1] != y_test.shape[1] or z_train.shape[1] != z_test.shape[1]:
        raise ValueError(f"train and test must have the same number of labels and embedding "
                         f"width; received labels {y_train.shape[1]} and {y_test.shape[1]}, "
                         f"widths {z_train.shape[1]} and {z_test.shape[1]}")
    settings = settings or ProbeSettings()
    with threadpool_limits(limits=1):
        z_train, z_test = _standardise(z_train, z_test)
        fit_idx, val_idx = _carve(y_train[:, 0], settings.validation_fraction, _seed_int(seed),
                                  False)
        best_c, best_ce, models = settings.c_grid[0], np.inf, None
        for c in settings.c_grid:
            models = _fit_labels(z_train[fit_idx], y_train[fit_idx], c, settings.max_iter, models)
            ce = _binary_cross_entropy_bits(_label_probabilities(models, z_train[val_idx]),
                                            y_train[val_idx])
            if ce < best_ce:
                best_c, best_ce = c, ce
        proba = _label_probabilities(_fit_labels(z_train, y_train, best_c, settings.max_iter,
                                                 None), z_test)
    macro, weighted = _f1_scores((proba > 0.5).astype(np.int64), y_test)
    chance_macro, chance_weighted = _f1_scores(np.ones_like(y_test), y_test)
    prevalence = y_test.mean(axis=0)
    entropy_bits = float(sum(entropy(np.array([p, 1.0 - p])) for p in prevalence))
    return {"f1_macro": macro, "f1_weighted": weighted, "f1_macro_chance": chance_macro,
            "f1_weighted_chance": chance_weighted,
            "cross_entropy_bits": _binary_cross_entropy_bits(proba, y_test),
            "entropy_bits": entropy_bits, "c": best_c}


# ---------------------------------------------------------------------------- tables
def _task_rows(task: str, kind: str, n_classes: int, scores: dict[str, float],
               truth: pd.Series, suffix: str = "") -> list[dict[str, Any]]:
    total = float(truth["total"])
    fraction = (scores["captured_bits"] / total if "captured_bits" in scores
                and np.isfinite(total) and total > 0 else np.nan)
    if kind == "multilabel":
        values = {"f1_macro": (scores["f1_macro"], scores["f1_macro_chance"]),
                  "f1_weighted": (scores["f1_weighted"], scores["f1_weighted_chance"]),
                  "cross_entropy_bits": (scores["cross_entropy_bits"], scores["entropy_bits"])}
    elif n_classes:
        values = {"balanced_accuracy": (scores["balanced_accuracy"], 100.0 / n_classes),
                  "captured_bits": (scores["captured_bits"], 0.0),
                  "captured_fraction": (fraction, 0.0),
                  "cross_entropy_bits": (scores["cross_entropy_bits"], scores["entropy_bits"])}
    else:
        values = {"captured_bits": (scores["captured_bits"], 0.0),
                  "captured_fraction": (fraction, 0.0),
                  "r2": (scores["r2"], 0.0)}
    gt = {f"gt_{c}": float(truth[c]) for c in GROUND_TRUTH_COLUMNS}
    return [{"task": task, "metric": m + suffix, "value": float(v), "unit": METRIC_UNITS[m],
             "chance": float(ch), **gt} for m, (v, ch) in values.items()]


def probe_embeddings(embeddings: Mapping[str, np.ndarray] | np.ndarray, dataset: MultimodalDataset, *,
            seed: int | np.random.Generator = 0, method: str = "custom", epoch: int | None = None,
            tasks: Sequence[str] | None = None,
            settings: ProbeSettings | None = None) -> pd.DataFrame:
    """Probe frozen embeddings for every task of a dataset: the interaction-capture table.

    Bring your own model: compute embeddings anywhere, then call this.

    Parameters
    ----------
    embeddings : mapping of str to array of shape (n_split, d), or array of shape (n, d)
        Either split name -> embeddings of that split's samples in dataset order (``"train"``
        and ``"test"`` required, ``"pretrain"`` ignored), or one array with a row for every
        sample of ``dataset``.
    dataset : MultimodalDataset
        Provides labels, splits, number of classes and ground truth per task.
    seed : int or numpy.random.Generator, default 0
        Seed of the validation split that chooses each probe's regularisation; an int is also
        written to the ``seed`` column.
    method : str, default "custom"
        Name written to the ``method`` column.
    epoch : int, optional
        Training epoch written to the ``epoch`` column (missing when not given).
    tasks : sequence of str, optional
        Tasks to probe; all tasks of the dataset by default.
    settings : ProbeSettings, optional
        Probe regularisation grids, validation fraction and iterations.

    Returns
    -------
    pandas.DataFrame
        Long form with columns ``RESULT_COLUMNS``: per classification task the metrics
        ``balanced_accuracy`` (%, chance 100 / K), ``captured_bits`` (bits, chance 0),
        ``captured_fraction`` (of the ground-truth total, chance 0) and
        ``cross_entropy_bits`` (chance: H(Y) of the test labels); per continuous task
        ``captured_bits``, ``captured_fraction`` and ``r2``; per multi-label task
        ``f1_macro`` and ``f1_weighted`` (%, chance: the F1 of predicting every label) and
        ``cross_entropy_bits`` (summed over labels; chance: the labels' summed entropies),
        see :func:`probe_multilabel`.

    Raises
    ------
    ValueError
        Unknown split keys, missing ``train``/``test``, wrong number of rows, non-2-D or
        non-finite embeddings, unknown task names.

    Examples
    --------
    An "embedding" that holds the redundant factor r of :func:`synthetic.make_latent` and
    nothing else (one-hot, a row per sample): it captures the 2 bits of the redundancy task and
    none of the XOR synergy task.

    >>> import numpy as np
    >>> import pid_bench
    >>> from synthetic import make_latent
    >>> data = make_latent(n_pretrain=0, n_train=200, n_test=200, mixtures=(), seed=0)
    >>> z = np.eye(4)[data.latents["r"]]
    >>> table = pid_bench.probe_embeddings(z, data, tasks=["redundancy", "synergy_xor"],
    ...                                    method="r_only")
    >>> sorted(set(table.metric))
    ['balanced_accuracy', 'captured_bits', 'captured_fraction', 'cross_entropy_bits']
    >>> bits = table[table.metric == "captured_bits"].set_index("task")["value"]
    >>> bits.round(1).to_dict()
    {'redundancy': 2.0, 'synergy_xor': 0.0}
    >>> table.query("task == 'redundancy' and metric == 'balanced_accuracy'")["value"].tolist()
    [100.0]
    """
    if not isinstance(dataset, MultimodalDataset):
        raise ValueError(f"dataset must be a MultimodalDataset; received {type(dataset).__name__}")
    if epoch is not None and (isinstance(epoch, (bool, np.bool_))
                              or not isinstance(epoch, (int, np.integer)) or epoch < 0):
        raise ValueError(f"epoch must be None or an int >= 0; received {epoch!r}")
    chosen = list(dataset.tasks) if tasks is None else list(tasks)
    unknown = [t for t in chosen if t not in dataset.tasks]
    if unknown:
        raise ValueError(f"unknown tasks {unknown}; dataset {dataset.name!r} has tasks "
                         f"{list(dataset.tasks)}")
    z = _split_embeddings(embeddings, dataset)
    rng_seed = _seed_int(seed)
    settings = ProbeSettings() if settings is None else settings
    rows: list[dict[str, Any]] = []
    for task in chosen:
        k = int(dataset.n_classes[task])
        kind = dataset.task_kind(task)
        y = {s: np.asarray(dataset.tasks[task])[dataset.split_of == s] for s in _PROBE_SPLITS}
        if kind == "multilabel":
            probes = {"": probe_multilabel(z["train"], y["train"], z["test"], y["test"],
                                           seed=rng_seed, settings=settings)}
        elif k:
            try:
                probes = _class_probes(z["train"], y["train"], z["test"], y["test"], k,
                                       rng_seed, settings)
            except ValueError as exc:
                raise ValueError(f"probing task {task!r} of dataset {dataset.name!r}: "
                                 f"{exc}") from None
        else:
            probes = _regression_probes(z["train"], y["train"], z["test"], y["test"], rng_seed,
                                        settings)
        truth = (dataset.ground_truth.loc[task] if task in dataset.ground_truth.index
                 else pd.Series(np.nan, index=list(GROUND_TRUTH_COLUMNS)))
        for suffix, scores in probes.items():
            rows.extend(_task_rows(task, kind, k, scores, truth, suffix))
    table = pd.DataFrame(rows)
    table.insert(0, "dataset", dataset.name)
    table.insert(2, "method", method)
    table.insert(3, "seed", seed if isinstance(seed, (int, np.integer)) else pd.NA)
    table.insert(4, "epoch", epoch if epoch is not None else pd.NA)
    table["seed"] = table["seed"].astype("Int64")
    table["epoch"] = table["epoch"].astype("Int64")
    return table[list(RESULT_COLUMNS)]


def _class_probes(z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray,
                  y_test: np.ndarray, n_classes: int, seed: int,
                  settings: ProbeSettings) -> dict[str, dict[str, float]]:
    """The scores of the probes ``settings.kind`` names, by metric suffix ("" for the linear
    probe, :data:`MLP_SUFFIX` for the MLP probe)."""
    from pid_bench.mlp_probe import probe_classification_mlp

    probes = {}
    if settings.kind in ("linear", "both"):
        probes[""] = probe_classification(z_train, y_train, z_test, y_test, n_classes=n_classes,
                                          seed=seed, settings=settings)
    if settings.kind in ("mlp", "both"):
        probes[MLP_SUFFIX] = probe_classification_mlp(z_train, y_train, z_test, y_test,
                                                      n_classes=n_classes, seed=seed,
                                                      settings=settings.mlp)
    return probes


def _regression_probes(z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray,
                       y_test: np.ndarray, seed: int,
                       settings: ProbeSettings) -> dict[str, dict[str, float]]:
    """As :func:`_class_probes`, for a continuous task: the ridge and the MLP regressor."""
    from pid_bench.mlp_probe import probe_regression_mlp

    probes = {}
    if settings.kind in ("linear", "both"):
        probes[""] = probe_regression(z_train, y_train, z_test, y_test, seed=seed,
                                      settings=settings)
    if settings.kind in ("mlp", "both"):
        probes[MLP_SUFFIX] = probe_regression_mlp(z_train, y_train, z_test, y_test, seed=seed,
                                                  settings=settings.mlp)
    return probes


def measure(embeddings: Mapping[str, np.ndarray] | np.ndarray, dataset: MultimodalDataset,
            **options: Any) -> pd.DataFrame:
    """Deprecated alias of :func:`probe_embeddings`, kept for one release.

    The name clashed with the PID measures (``pid_bench.measures()``, ``pid(p, measure=...)``).

    Warns
    -----
    FutureWarning
        On every call; the arguments and the result are those of :func:`probe_embeddings`.
    """
    warnings.warn("pid_bench.measure is deprecated and will be removed in the next release; "
                  "call pid_bench.probe_embeddings (same arguments)", FutureWarning, stacklevel=2)
    return probe_embeddings(embeddings, dataset, **options)


def probe_callback(dataset: MultimodalDataset, *, every: int,
                   embed: Callable[[Any, MultimodalDataset], np.ndarray], method: str,
                   seed: int = 0, skip: Sequence[int] = (), tasks: Sequence[str] | None = None,
                   settings: ProbeSettings | None = None
                   ) -> Callable[[int, Any], pd.DataFrame | None]:
    """A trainer callback that probes the model every ``every`` epochs.

    Parameters
    ----------
    dataset : MultimodalDataset
        The dataset whose ``train`` and ``test`` splits are embedded and probed.
    every : int
        Probe after epochs that are multiples of ``every`` (>= 1).
    embed : callable (model, split dataset) -> array of shape (n_split, d)
        Computes embeddings of one split, e.g. ``pid_bench.train.embed``.
    method, seed : str, int
        Written to the table (``seed`` also seeds the probes).
    skip : sequence of int
        Epochs not to probe (e.g. the final one, measured separately).
    tasks : sequence of str, optional
        Tasks to probe (all by default).
    settings : ProbeSettings, optional
        Probe settings.

    Returns
    -------
    callable (epoch, model) -> pandas.DataFrame or None
        The table of :func:`probe_embeddings` at probed epochs, None otherwise.
    """
    if int(every) < 1:
        raise ValueError(f"every must be a positive number of epochs; received {every!r}")
    splits = {s: dataset.split(s) for s in _PROBE_SPLITS}
    skipped = set(int(e) for e in skip)

    def callback(epoch: int, model: Any) -> pd.DataFrame | None:
        if epoch % every or epoch in skipped:
            return None
        z = {s: embed(model, part) for s, part in splits.items()}
        return probe_embeddings(z, dataset, seed=seed, method=method, epoch=epoch, tasks=tasks,
                       settings=settings)

    return callback
