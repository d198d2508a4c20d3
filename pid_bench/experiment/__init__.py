"""Grids of methods x datasets x seeds -> one long-form results table.

The composition layer: with the command line, the only part of ``pid_bench`` that knows
dataset and method names. One module per job:

- :mod:`~pid_bench.experiment.config`: the config file parsed into a typed, frozen
  :class:`ExperimentConfig` (no torch: ``import pid_bench.experiment`` and
  :func:`load_config` import neither torch nor scikit-learn);
- :mod:`~pid_bench.experiment.building`: datasets and methods from their specs
  (:func:`build_dataset`, :func:`build_method`, the table of dataset kinds) and the grid's
  check before training;
- :mod:`~pid_bench.experiment.runs`: each run's identity and execution, and
  :func:`run_experiment`, which plans, resumes and executes a grid;
- :mod:`~pid_bench.experiment.executors`: where the runs execute (this process, a local
  process pool, a Dask cluster, SLURM job arrays);
- :mod:`~pid_bench.experiment.provenance`: :func:`environment` (versions, CPU, git commit);
- :mod:`~pid_bench.experiment.tables`: the directory's tables and :func:`summarize`.

The config travels as one object from the file to the trainer: :func:`load_config` makes it,
:func:`with_overrides` replaces entries (``dataclasses.replace``), and each run's
:class:`~pid_bench.settings.TrainConfig` is the grid's, changed by its method's own entries.
The names that need torch (``run_experiment``, ``build_dataset``, ``build_method``,
``check_config``, ``DATASET_KINDS``) load on first access. The results directory is laid out as
in docs/architecture.md ("Results directory").
"""

from __future__ import annotations

import importlib
from typing import Any

from pid_bench.experiment.config import (
    DatasetSpec,
    ExecutorSpec,
    ExperimentConfig,
    MethodSpec,
    load_config,
    read_config,
    with_overrides,
)
from pid_bench.experiment.provenance import environment
from pid_bench.experiment.tables import summarize

#: Public names whose modules import torch, loaded on first access.
_LAZY = {
    "DATASET_KINDS": "pid_bench.experiment.building",
    "build_dataset": "pid_bench.experiment.building",
    "build_method": "pid_bench.experiment.building",
    "check_config": "pid_bench.experiment.building",
    "run_experiment": "pid_bench.experiment.runs",
}

__all__ = [
    "DATASET_KINDS",
    "DatasetSpec",
    "ExecutorSpec",
    "ExperimentConfig",
    "MethodSpec",
    "build_dataset",
    "build_method",
    "check_config",
    "environment",
    "load_config",
    "read_config",
    "run_experiment",
    "summarize",
    "with_overrides",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'pid_bench.experiment' has no attribute {name!r}")
