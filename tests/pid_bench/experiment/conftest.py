"""Makes the runner's stand-in method (``experiment_stand_in``) importable by its own name, here
and in the workers that runs go to (spawned processes, Dask workers, submitit jobs), which
import a method from its path ``module:Class``. A top-level name, because the package name
``tests`` may belong to an installed distribution in those workers."""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = os.fspath(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (HERE, os.environ.get("PYTHONPATH")) if p)
