"""A non-linear probe: a small MLP on frozen embeddings, beside the linear probe of
:mod:`pid_bench.evaluate`.

A linear probe's cross-entropy bounds I(Z; Y) from below only as far as a linear map of Z can
read Y; an MLP reads more (an XOR of two coordinates, a class that is a union of regions), so
the gap between the two bounds says how much of a representation's information about a task
is there but not linearly readable. The bound is the same: for any predictor q(y | z),
I(Z; Y) >= H(Y) - CE(q) (cross-entropy on held-out test pairs, in bits), clipped at 0.

:func:`probe_classification_mlp` takes the same arguments and returns the same metrics as
:func:`pid_bench.evaluate.probe_classification`; :func:`probe_regression_mlp` does the same for
continuous tasks beside :func:`pid_bench.evaluate.probe_regression` (R² and the Gaussian bound
1/2 log2(var(Y) / MSE) on held-out test pairs). The MLP is scikit-learn's
:class:`~sklearn.neural_network.MLPClassifier` (ReLU, Adam, L2 penalty ``alpha``), trained one
epoch at a time: it fitted the same MLP 1.3 to 2.7 times faster than a torch loop of the same
size and schedule, both bit-for-bit deterministic with a seed on CPU, and it keeps the probes
free of torch (docs/results/mlp_probe.md, ``benchmarks/mlp_probe.py``).
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from threadpoolctl import threadpool_limits

from pid_bench.evaluate import (
    _carve,
    _check_class_pairs,
    _check_regression_pairs,
    _class_probabilities,
    _classification_scores,
    _cross_entropy_bits,
    _regression_scores,
    _seed_int,
    _standardise,
)
from pid_bench.settings import MLPProbeSettings

__all__ = ["MLPProbeSettings", "probe_classification_mlp", "probe_regression_mlp"]


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
    settings = _check_settings(settings)
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return _probe(z_train, y_train, z_test, y_test, int(n_classes), _seed_int(seed), settings)


def probe_regression_mlp(z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray,
                         y_test: np.ndarray, *, seed: int | np.random.Generator = 0,
                         settings: MLPProbeSettings | None = None) -> dict[str, float]:
    """Fit an MLP regressor on (z_train, y_train), chosen on a validation part, and score it on
    test: the non-linear counterpart of :func:`pid_bench.evaluate.probe_regression`.

    The MLP (scikit-learn's :class:`~sklearn.neural_network.MLPRegressor`: ReLU, Adam, squared
    error, L2 penalty ``alpha``) is trained on standardised embeddings and targets, one epoch
    at a time; each (width, depth, alpha) of ``settings`` stops early on the validation mean
    squared error, the best one is refitted on all of ``"train"`` for its best number of
    epochs, as :func:`probe_classification_mlp` does with the cross-entropy.

    Parameters
    ----------
    z_train, z_test : numpy.ndarray, shape (n_train, d) and (n_test, d)
        Frozen embeddings (standardised with the training split's statistics).
    y_train, y_test : numpy.ndarray of float, shape (n_train,) and (n_test,)
        Continuous targets (standardised with the training split's statistics for fitting;
        the scores are in the targets' own units).
    seed : int or numpy.random.Generator, default 0
        Seed of the validation split, of the MLPs' initial weights and of their batch order.
    settings : MLPProbeSettings, optional
        Capacities and penalties tried, early stopping and optimiser.

    Returns
    -------
    dict
        As :func:`pid_bench.evaluate.probe_regression`: ``mse`` (test mean squared error,
        squared units of Y), ``variance`` (of the test targets), ``r2`` (1 - mse / variance)
        and ``captured_bits`` (max(0, 1/2 log2(variance / mse)), bits: a lower bound on
        I(Z; Y) for Gaussian Y, an estimate otherwise); and the choice: ``width``, ``depth``,
        ``alpha`` and ``epochs``.

    Raises
    ------
    ValueError
        Embeddings or targets of the wrong shape, non-finite targets, constant test targets,
        or settings that are not an ``MLPProbeSettings``.

    Examples
    --------
    The product of two coordinates is uncorrelated with each, so a linear map reads none of
    it; a hidden layer reads most of it.

    >>> import numpy as np
    >>> from pid_bench.evaluate import probe_regression
    >>> from pid_bench.mlp_probe import MLPProbeSettings, probe_regression_mlp
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(1000, 2))
    >>> y = z[:, 0] * z[:, 1] + 0.5 * rng.normal(size=1000)
    >>> small = MLPProbeSettings(widths=(32,), depths=(1,), alphas=(1e-4,), batch_size=32,
    ...                          learning_rate=1e-2, max_epochs=60)
    >>> mlp = probe_regression_mlp(z[:500], y[:500], z[500:], y[500:], settings=small)
    >>> linear = probe_regression(z[:500], y[:500], z[500:], y[500:])
    >>> bool(mlp["r2"] > 0.5 > 0.05 > linear["r2"])
    True
    """
    z_train, y_train, z_test, y_test = _check_regression_pairs(z_train, y_train, z_test, y_test)
    settings = _check_settings(settings)
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return _probe_regression(z_train, y_train, z_test, y_test, _seed_int(seed), settings)


def _check_settings(settings: object) -> MLPProbeSettings:
    settings = MLPProbeSettings() if settings is None else settings
    if not isinstance(settings, MLPProbeSettings):
        raise ValueError(f"settings must be an MLPProbeSettings; received "
                         f"{type(settings).__name__}")
    return settings


def _new_mlp(kind: type[MLPClassifier] | type[MLPRegressor], width: int, depth: int,
             alpha: float, n: int, seed: int,
             settings: MLPProbeSettings) -> MLPClassifier | MLPRegressor:
    return kind(hidden_layer_sizes=(width,) * depth, alpha=alpha,
                batch_size=min(settings.batch_size, n),
                learning_rate_init=settings.learning_rate, random_state=seed)


def _early_stopped(epoch_step: Callable[[], object], validation_loss: Callable[[], float],
                   settings: MLPProbeSettings) -> tuple[float, int]:
    """Run ``epoch_step`` (one epoch of training) until the validation loss has not improved
    for ``patience`` epochs; the lowest validation loss and its epoch."""
    best_loss, best_epoch = np.inf, 1
    for epoch in range(1, settings.max_epochs + 1):
        epoch_step()
        loss = validation_loss()
        if loss < best_loss:
            best_loss, best_epoch = loss, epoch
        elif epoch - best_epoch >= settings.patience:
            break
    return best_loss, best_epoch


def _chosen(z_train: np.ndarray, y_train: np.ndarray, kind: type, fit: np.ndarray,
            val: np.ndarray, seed: int, settings: MLPProbeSettings,
            loss: Callable[[MLPClassifier | MLPRegressor, np.ndarray, np.ndarray], float],
            **fit_options: object) -> tuple[MLPClassifier | MLPRegressor, dict[str, float]]:
    """Try every (width, depth, alpha) with early stopping on the validation ``loss``; refit
    the best on all of train for its best number of epochs; the model and its choice."""
    tried = []
    for width, depth, alpha in itertools.product(settings.widths, settings.depths,
                                                 settings.alphas):
        model = _new_mlp(kind, width, depth, alpha, fit.size, seed, settings)
        best, epochs = _early_stopped(
            lambda m=model: m.partial_fit(z_train[fit], y_train[fit], **fit_options),
            lambda m=model: loss(m, z_train[val], y_train[val]), settings)
        tried.append((best, width, depth, alpha, epochs))
    _, width, depth, alpha, epochs = min(tried, key=lambda row: row[0])
    final = _new_mlp(kind, width, depth, alpha, y_train.size, seed, settings)
    for _ in range(epochs):
        final.partial_fit(z_train, y_train, **fit_options)
    return final, {"width": width, "depth": depth, "alpha": alpha, "epochs": epochs}


def _probe(z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray, y_test: np.ndarray,
           n_classes: int, seed: int, settings: MLPProbeSettings) -> dict[str, float]:
    z_train, z_test = _standardise(z_train, z_test)
    fit, val = _carve(y_train, settings.validation_fraction, seed, True)
    model, choice = _chosen(
        z_train, y_train, MLPClassifier, fit, val, seed, settings,
        lambda m, z, y: _cross_entropy_bits(_class_probabilities(m, z, n_classes), y),
        classes=np.arange(n_classes))
    scores = _classification_scores(_class_probabilities(model, z_test, n_classes), y_train,
                                    y_test, n_classes)
    return {**scores, **choice}


def _probe_regression(z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray,
                      y_test: np.ndarray, seed: int, settings: MLPProbeSettings
                      ) -> dict[str, float]:
    z_train, z_test = _standardise(z_train, z_test)
    centre, scale = y_train.mean(), y_train.std()
    scale = scale if scale > 1e-12 else 1.0
    target = (y_train - centre) / scale
    fit, val = _carve(target, settings.validation_fraction, seed, False)
    model, choice = _chosen(z_train, target, MLPRegressor, fit, val, seed, settings,
                            lambda m, z, y: float(np.mean((m.predict(z) - y) ** 2)))
    predicted = model.predict(z_test) * scale + centre
    return {**_regression_scores(predicted, y_test), **choice}
