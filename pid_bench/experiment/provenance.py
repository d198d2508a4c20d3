"""Where a grid ran: Python and package versions, platform, CPU, device and git commit."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["environment"]

#: Packages whose versions ``environment.json`` records.
PACKAGES = ("pid-bench", "numpy", "scipy", "pandas", "scikit-learn", "torch", "pyyaml",
            "pyarrow", "submitit", "dask", "distributed")


def _git_commit() -> dict[str, Any]:
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(["git", "-C", os.fspath(root), "rev-parse", "HEAD"],
                                capture_output=True, text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", os.fspath(root), "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True, text=True, timeout=10,
                               check=True).stdout.strip() != ""
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": None, "git_dirty": None}
    return {"git_commit": commit, "git_dirty": dirty}


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment(device: str) -> dict[str, Any]:
    """Python and package versions, platform, CPU, device and git commit of this process.

    Parameters
    ----------
    device : str
        The device the runs train on, recorded as given.

    Returns
    -------
    dict
        Plain data, as written to ``environment.json``.
    """
    packages = {}
    for name in PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    return {"python": sys.version.split()[0], "platform": platform.platform(),
            "cpu": _cpu_name(), "cpu_count": os.cpu_count(), "device": device,
            "packages": packages, **_git_commit()}
