"""A non-linear probe: a small MLP on frozen embeddings, beside the linear probe of
:mod:`pid_bench.evaluate`.

A linear probe's cross-entropy bounds I(Z; Y) from below only as far as a linear map of Z can
read Y; an MLP reads more (an XOR of two coordinates, a class that is a union of regions), so
the gap between the two bounds says how much of a representation's information about a task
is there but not linearly readable. The bound is the same: for any predictor q(y | z),
I(Z; Y) >= H(Y) - CE(q) (cross-entropy on held-out test pairs, in bits), clipped at 0.

:func:`probe_classification_mlp` takes the same arguments and returns the same metrics as
:func:`pid_bench.evaluate.probe_classification`. The MLP is scikit-learn's
:class:`~sklearn.neural_network.MLPClassifier` (ReLU, Adam, L2 penalty ``alpha``), trained one
epoch at a time: it fitted the same MLP 1.3 to 2.7 times faster than a torch loop of the same
size and schedule, both bit-for-bit deterministic with a seed on CPU, and it keeps the probes
free of torch (docs/results/mlp_probe.md, ``benchmarks/mlp_probe.py``).
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from pid_bench.evaluate import (
    _carve,
    _check_class_pairs,
    _class_probabilities,
    _classification_scores,
    _cross_entropy_bits,
    _seed_int,
    _standardise,
)
from pid_bench.settings import MLPProbeSettings

__all__ = ["MLPProbeSettings", "probe_classification_mlp"]


def probe_classification_mlp(z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray,
                             y_test: np.ndarray, *, n_classes: int,
                             seed: int | np.random.Generator = 0,
                             settings: MLPProbeSettings | None = None) -> dict[str, float]:
    """Fit an MLP probe on (z_train, y_train), chosen on a validation part, and score it on test.

    Parameters
    ----------
    z_train, z_test : numpy.ndarray, shape (n_train, d) and (n_test, d)
        Frozen embeddings (standardised with the training split's statistics).
    y_train, y_test : numpy.ndarray of int, shape (n_train,) and (n_test,)
        Labels in 0..n_classes-1. Every class present in ``y_test`` must occur in ``y_train``.
    n_classes : int
        Number of classes K >= 2.
    seed : int or numpy.random.Generator, default 0
        Seed of the validation split, of the MLPs' initial weights and of their batch order.
    settings : MLPProbeSettings, optional
        Capacities and penalties tried, early stopping and optimiser.

    Returns
    -------
    dict
        As :func:`pid_bench.evaluate.probe_classification`: ``balanced_accuracy`` (%),
        ``cross_entropy_bits`` (test CE, bits), ``entropy_bits`` (H of the test labels, bits),
        ``captured_bits`` (max(0, H - CE), bits); and the choice: ``width``, ``depth``,
        ``alpha`` and ``epochs``.

    Raises
    ------
    ValueError
        Embeddings or labels of the wrong shape or range, fewer than 2 training classes, or
        test classes never seen in training.

    Examples
    --------
    A task that is the XOR of the signs of two coordinates: no linear map reads it, a hidden
    layer does.

    >>> import numpy as np
    >>> from pid_bench.evaluate import probe_classification
    >>> from pid_bench.mlp_probe import MLPProbeSettings, probe_classification_mlp
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(800, 2))
    >>> y = ((z[:, 0] > 0) ^ (z[:, 1] > 0)).astype(int)
    >>> small = MLPProbeSettings(widths=(16,), depths=(1,), alphas=(1e-4,), batch_size=32,
    ...                          learning_rate=1e-2, max_epochs=60)
    >>> mlp = probe_classification_mlp(z[:400], y[:400], z[400:], y[400:], n_classes=2,
    ...                                settings=small)
    >>> linear = probe_classification(z[:400], y[:400], z[400:], y[400:], n_classes=2)
    >>> bool(mlp["balanced_accuracy"] > 90 > 60 > linear["balanced_accuracy"])
    True
    """
    z_train, y_train, z_test, y_test = _check_class_pairs(z_train, y_train, z_test, y_test,
                                                          n_classes)
    settings = MLPProbeSettings() if settings is None else settings
    if not isinstance(settings, MLPProbeSettings):
        raise ValueError(f"settings must be an MLPProbeSettings; received "
                         f"{type(settings).__name__}")
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return _probe(z_train, y_train, z_test, y_test, int(n_classes), _seed_int(seed), settings)


def _new_mlp(width: int, depth: int, alpha: float, n: int, seed: int,
             settings: MLPProbeSettings) -> MLPClassifier:
    return MLPClassifier(hidden_layer_sizes=(width,) * depth, alpha=alpha,
                         batch_size=min(settings.batch_size, n),
                         learning_rate_init=settings.learning_rate, random_state=seed)


def _early_stopped(z_fit: np.ndarray, y_fit: np.ndarray, z_val: np.ndarray, y_val: np.ndarray,
                   model: MLPClassifier, n_classes: int, settings: MLPProbeSettings
                   ) -> tuple[float, int]:
    """Train ``model`` epoch by epoch; the lowest validation CE (bits) and its epoch."""
    classes = np.arange(n_classes)
    best_ce, best_epoch = np.inf, 1
    for epoch in range(1, settings.max_epochs + 1):
        model.partial_fit(z_fit, y_fit, classes=classes)
        ce = _cross_entropy_bits(_class_probabilities(model, z_val, n_classes), y_val)
        if ce < best_ce:
            best_ce, best_epoch = ce, epoch
        elif epoch - best_epoch >= settings.patience:
            break
    return best_ce, best_epoch


def _probe(z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray, y_test: np.ndarray,
           n_classes: int, seed: int, settings: MLPProbeSettings) -> dict[str, float]:
    z_train, z_test = _standardise(z_train, z_test)
    fit, val = _carve(y_train, settings.validation_fraction, seed, True)
    tried = []
    for width, depth, alpha in itertools.product(settings.widths, settings.depths,
                                                 settings.alphas):
        model = _new_mlp(width, depth, alpha, fit.size, seed, settings)
        ce, epochs = _early_stopped(z_train[fit], y_train[fit], z_train[val], y_train[val],
                                    model, n_classes, settings)
        tried.append((ce, width, depth, alpha, epochs))
    _, width, depth, alpha, epochs = min(tried, key=lambda row: row[0])
    final = _new_mlp(width, depth, alpha, y_train.size, seed, settings)
    for _ in range(epochs):
        final.partial_fit(z_train, y_train, classes=np.arange(n_classes))
    scores = _classification_scores(_class_probabilities(final, z_test, n_classes), y_train,
                                    y_test, n_classes)
    return {**scores, "width": width, "depth": depth, "alpha": alpha, "epochs": epochs}
