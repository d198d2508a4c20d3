"""MultiBench's MIMIC-III file ``im.pk`` -> MultimodalDataset.

Follows MultiBench's loader ``datasets/mimic/get_data.py`` (pliang279/MultiBench, commit
49f9be2, ``get_dataloader``), which CoMM's ``dataset/mimic/get_data.py`` reuses:

* the pickle is a dict with ``ep_tdata`` (N, 24, 12) hourly measurements, ``adm_features_all``
  (N, 5) static admission features, ``adm_labels_all`` (N, >= 6) and ``y_icd9`` (N, 20);
* NaN and inf are set to 0 in both modalities, then each is z-scored: the static features per
  column over the patients, the time series per feature over patients and hours;
* tasks: ``mortality`` (the loader's task -1: class k in 1..5 for the first positive column k of
  ``adm_labels_all[:, 1:6]``, else 0; 6 classes) and ``icd9_<k>`` for k in 0..19 (its tasks
  0..19: ``y_icd9[:, k]``, 2 classes). CoMM reports task 7 (``icd9_7``);
* split: Python's ``random.seed(10); random.shuffle`` of the samples, then the first N // 10
  are validation, the next N // 10 (to N // 5) test and the rest train. Here the same
  permutation comes from a private ``random.Random(10)``, without touching the global state.

A column with zero variance divides by zero in the loader (NaN); here it becomes 0 and is
counted in ``metadata["converter"]["constant_columns"]``. pid-bench has no validation split:
``valid_as`` drops it (default) or adds it to train or test.

File: MIMIC-III needs credentialed access (https://mimic.mit.edu/iv/access/); MultiBench's
README then asks to email its authors with the proof for the preprocessed ``im.pk``.
"""

from __future__ import annotations

import os
import random

import numpy as np
import pandas as pd

from pid_bench.data import GROUND_TRUTH_COLUMNS, MultimodalDataset
from pid_bench.realdata.files import (
    check_valid_as,
    malformed,
    read_pickle,
    require_file,
    require_keys,
)

__all__ = ["convert_mimic", "mimic_split"]

_WHAT = "MultiBench's preprocessed MIMIC-III file im.pk"
_OBTAIN = ("MultiBench's authors once you hold MIMIC-III credentials "
           "(https://mimic.mit.edu/iv/access/; section Healthcare of MultiBench's README.md)")
_KEYS = ("ep_tdata", "adm_features_all", "adm_labels_all", "y_icd9")


def mimic_split(n: int) -> np.ndarray:
    """Official split of n samples: ``"valid"``, ``"test"`` or ``"train"`` per sample.

    The permutation of ``random.seed(10); random.shuffle(list_of_n)`` (it depends on n only);
    positions ``[0, n // 10)`` validation, ``[n // 10, n // 5)`` test, the rest train.
    """
    order = list(range(n))
    random.Random(10).shuffle(order)
    split = np.empty(n, dtype="<U8")
    split[order[: n // 10]] = "valid"
    split[order[n // 10: n // 5]] = "test"
    split[order[n // 5:]] = "train"
    return split


def _zscore(x: np.ndarray, axis: tuple[int, ...]) -> tuple[np.ndarray, int]:
    mean, std = x.mean(axis=axis), x.std(axis=axis)
    constant = std == 0
    return (x - mean) / np.where(constant, 1.0, std) * ~constant, int(constant.sum())


def convert_mimic(path: str | os.PathLike[str], *, valid_as: str = "drop") -> MultimodalDataset:
    """Convert MultiBench's ``im.pk``.

    Parameters
    ----------
    path : path
        The pickle.
    valid_as : {"drop", "train", "test"}, default "drop"
        Where the official validation samples go.

    Returns
    -------
    MultimodalDataset
        Modalities ``tabular`` float32 (n, 5) and ``timeseries`` float32 (n, 24, 12) (CoMM's
        order; no padding); tasks ``mortality`` (6 classes) and ``icd9_0`` ... ``icd9_19``.

    Raises
    ------
    FileNotFoundError
        No file at ``path`` (the message says how to obtain it).
    ValueError
        A pickle without the keys or shapes above.
    """
    check_valid_as(valid_as)
    p = require_file(path, _WHAT, _OBTAIN)
    raw = require_keys(read_pickle(p, _WHAT, _OBTAIN), _KEYS, p, _WHAT, _OBTAIN)
    x_t = np.array(raw["ep_tdata"], dtype=np.float64)
    x_s = np.array(raw["adm_features_all"], dtype=np.float64)
    adm = np.asarray(raw["adm_labels_all"])
    icd = np.asarray(raw["y_icd9"])
    n = x_s.shape[0] if x_s.ndim == 2 else -1
    if x_t.ndim != 3 or x_s.ndim != 2 or x_t.shape[0] != n or adm.ndim != 2 \
            or adm.shape[0] != n or adm.shape[1] < 6 or icd.ndim != 2 or icd.shape[0] != n:
        raise malformed(p, _WHAT, _OBTAIN, f"expected ep_tdata (N, 24, 12), adm_features_all "
                                           f"(N, 5), adm_labels_all (N, >= 6) and y_icd9 (N, 20) "
                                           f"with one N; received {x_t.shape}, {x_s.shape}, "
                                           f"{adm.shape}, {icd.shape}")
    if not np.all(np.isin(icd, (0, 1))):
        raise malformed(p, _WHAT, _OBTAIN, "y_icd9 must hold 0/1 indicators; received values "
                                           f"{np.unique(icd)[:5].tolist()}")
    for x in (x_t, x_s):
        x[~np.isfinite(x)] = 0.0
    x_s, const_s = _zscore(x_s, (0,))
    x_t, const_t = _zscore(x_t, (0, 1))
    positive = adm[:, 1:6] > 0
    mortality = np.where(positive.any(axis=1), np.argmax(positive, axis=1) + 1, 0)
    tasks = {"mortality": mortality.astype(np.int64)}
    tasks.update({f"icd9_{k}": icd[:, k].astype(np.int64) for k in range(icd.shape[1])})
    official = mimic_split(n)
    counts = {s: int(np.sum(official == s)) for s in ("train", "valid", "test")}
    split_of = np.where(official == "valid", valid_as, official)
    keep = split_of != "drop"
    meta = {"generator": "convert:mimic", "source": str(p),
            "loader": "MultiBench datasets/mimic/get_data.py",
            "official_split_sizes": counts, "valid_as": valid_as,
            "converter": {"constant_columns": const_s + const_t}}
    unknown = pd.DataFrame(np.nan, index=pd.Index(list(tasks), name="task"),
                           columns=list(GROUND_TRUTH_COLUMNS))
    return MultimodalDataset(
        modalities={"tabular": x_s[keep].astype(np.float32),
                    "timeseries": x_t[keep].astype(np.float32)},
        tasks={k: v[keep] for k, v in tasks.items()}, split_of=split_of[keep],
        ground_truth=unknown, n_classes={k: 6 if k == "mortality" else 2 for k in tasks},
        name="mimic", metadata=meta)
