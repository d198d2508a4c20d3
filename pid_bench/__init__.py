"""pid-bench: controlled experiments on multimodal interactions.

The information-theoretic core (``pid``, ``pid_from_samples``, ``PIDResult``, ...) is imported
eagerly and needs no torch; the learning parts are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from pid_bench.data import MultimodalDataset
from pid_bench.info import (
    ATOMS,
    PIDResult,
    SamplingWarning,
    conditional_mutual_information,
    entropy,
    estimators,
    measures,
    mutual_information,
    pid,
    pid_from_samples,
    register_estimator,
    register_measure,
)
from pid_bench.model_pid import model_pid  # eager: a lazy name would be shadowed by its module

__version__ = "0.1.0"

#: Public names whose modules import torch or scikit-learn, loaded on first access.
_LAZY = {
    "measure": "pid_bench.evaluate",
    "probe_embeddings": "pid_bench.evaluate",
}

__all__ = [
    "ATOMS",
    "MultimodalDataset",
    "PIDResult",
    "SamplingWarning",
    "conditional_mutual_information",
    "entropy",
    "estimators",
    "measure",
    "measures",
    "model_pid",
    "mutual_information",
    "pid",
    "pid_from_samples",
    "probe_embeddings",
    "register_estimator",
    "register_measure",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'pid_bench' has no attribute {name!r}")
