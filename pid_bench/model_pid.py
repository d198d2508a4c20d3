"""Which interactions does a trained model rely on? The PID of its predictions.

Liang et al. (NeurIPS 2023) decompose a model's predictions f(x1, x2) with respect to the two
modalities: information about the prediction that only one modality gives (U1, U2), that
either gives (R), or that only their combination gives (S). A model that predicts from one
modality alone has S = 0; one that computes an XOR across modalities has S > 0.

Where the dataset knows its discrete latent factors (``dataset.latents`` and
``dataset.source_latents``, set by the synthetic generators), each modality is replaced by its
exact latent state (the tuple of the latents it carries); a modality is a function of its
state plus noise that the model should not use, so the decomposition is over the states and
not over clustered inputs. Otherwise the modalities, flattened to vectors, go through a
sample estimator (``"cluster"`` by default). This module needs no torch.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from pid_bench.data import MultimodalDataset
from pid_bench.info.registry import estimators
from pid_bench.info.result import PIDResult
from pid_bench.info.samples import encode_labels, pid_from_samples

__all__ = ["model_pid", "latent_states"]


def latent_states(dataset: MultimodalDataset) -> tuple[np.ndarray, np.ndarray]:
    """Each sample's latent state for the first two modalities, as integer codes.

    Parameters
    ----------
    dataset : MultimodalDataset
        With ``latents`` and ``source_latents``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Codes of shape (n,): equal codes mean equal tuples of the modality's latents.
    """
    if dataset.source_latents is None or not dataset.latents:
        raise ValueError(f"dataset {dataset.name!r} has no latent factors (latents and "
                         f"source_latents are unset); decompose over the modalities instead "
                         f"(use_latents=False)")
    out = []
    for names in dataset.source_latents[:2]:
        stacked = np.column_stack([np.asarray(dataset.latents[k]) for k in names])
        out.append(np.unique(stacked, axis=0, return_inverse=True)[1].reshape(-1))
    return out[0], out[1]


def _predictions(predictions: object, n: int, discrete: bool) -> np.ndarray:
    arr = np.asarray(predictions)
    if arr.shape != (n,):
        raise ValueError(f"predictions must have one value per sample of the dataset, shape "
                         f"({n},); received shape {arr.shape}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError("predictions contain NaN or inf")
        if discrete:
            if not np.array_equal(arr, np.round(arr)):
                raise ValueError("decomposing over latent states needs class predictions "
                                 "(integer labels); received non-integer floats. Pass the "
                                 "predicted classes, or use_latents=False with a continuous "
                                 "estimator")
            return arr.astype(np.int64)
    if arr.dtype.kind not in "biuf":
        return encode_labels(arr, "predictions")
    return arr


def _source_arrays(dataset: MultimodalDataset) -> tuple[np.ndarray, np.ndarray]:
    """X1 and X2 of the modality path: each source group's modalities flattened side by side."""
    if dataset.ground_truth_sources is None:
        raise ValueError(f"model_pid decomposes over two sources, and the dataset has "
                         f"{len(dataset.modalities)} modalities {list(dataset.modalities)} "
                         f"without ground_truth_sources; name the two groups, e.g. "
                         f"dataset.select_modalities([...]) or ground_truth_sources=")
    return tuple(np.hstack([np.asarray(dataset.modalities[m]).reshape(dataset.n_samples, -1)
                            for m in group]) for group in dataset.ground_truth_sources)


def model_pid(dataset: MultimodalDataset, predictions: object, *, estimator: str = "cluster",
              use_latents: bool | None = None, measure: str = "broja",
              correction: str | None = "bootstrap", n_bootstrap: int = 0,
              seed: int | np.random.Generator = 0, base: float = 2,
              **options: Any) -> PIDResult:
    """PID of a model's predictions with respect to the dataset's two modalities.

    Parameters
    ----------
    dataset : MultimodalDataset
        The samples the predictions were made on (e.g. ``dataset.split("test")``); X1 and X2
        are the two groups of its ``ground_truth_sources`` (by default its two modalities).
    predictions : array_like, shape (n,)
        One prediction per sample: class labels (any hashable values), or floats for a
        continuous prediction (modality path only).
    estimator : str, default "cluster"
        Sample estimator for the modality path (``pid_bench.estimators()``); images and
        other arrays are flattened to (n, features).
    use_latents : bool, optional
        Decompose over the exact latent states; default: where the dataset has them.
    measure : str, default "broja"
        Discrete measure of the latent path (and of ``"cluster"``).
    correction : {"bootstrap", "shuffle", None}, default "bootstrap"
        Plug-in bias correction of the latent path and of ``"cluster"``
        (:mod:`pid_bench.info.continuous.cluster`).
    n_bootstrap : int, default 0
        Bootstrap resamples for percentile intervals.
    seed : int or numpy.random.Generator, default 0
        Seeds the bias correction, clustering and bootstrap.
    base : float, default 2
        Logarithm base of the result.
    **options
        Passed to the estimator (e.g. ``n_clusters``, ``n_resamples``).

    Returns
    -------
    PIDResult
        ``measure`` is ``"latents:<measure>"`` or ``"modalities:<estimator>"``;
        ``details["source"]`` is ``"latents"`` or ``"modalities"``.

    Raises
    ------
    ValueError
        Predictions of the wrong length, NaN, non-integer floats on the latent path, a dataset
        without latents when ``use_latents=True``, an unknown estimator, a dataset of three
        or more modalities that does not name its ``ground_truth_sources`` (modality path).
    """
    if not isinstance(dataset, MultimodalDataset):
        raise ValueError(f"dataset must be a MultimodalDataset; received "
                         f"{type(dataset).__name__}")
    if use_latents is None:
        use_latents = dataset.source_latents is not None and bool(dataset.latents)
    y = _predictions(predictions, dataset.n_samples, discrete=use_latents)
    opts = dict(options)
    if use_latents:
        x1, x2 = latent_states(dataset)
        name, label = "cluster", f"latents:{measure}"
    else:
        if estimator not in estimators():
            raise ValueError(f"unknown PID estimator {estimator!r}; known estimators: "
                             f"{', '.join(estimators())}")
        x1, x2 = _source_arrays(dataset)
        name, label = estimator, f"modalities:{estimator}"
    if name == "cluster":
        opts.update(measure=measure, correction=correction)
    result = pid_from_samples(x1, x2, y, estimator=name, n_bootstrap=n_bootstrap, seed=seed,
                              base=base, **opts)
    details = {**dict(result.details), "source": "latents" if use_latents else "modalities"}
    return dataclasses.replace(result, measure=label, details=details)
