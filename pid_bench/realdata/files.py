"""Reading user-held benchmark files: clear errors that say which file was expected, what was
found, and where the file can be obtained."""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["require_file", "malformed", "read_pickle", "require_keys",
           "import_h5py", "check_valid_as", "official_splits", "VALID_AS"]

#: Where the samples of an official validation split may go (pid-bench selects no model).
VALID_AS = ("drop", "train", "test")

_H5PY = "pip install h5py (or pip install 'pid-bench[realdata]')"


def require_file(path: str | os.PathLike[str], what: str, obtain: str, *,
                 directory: bool = False) -> Path:
    """``path`` as a Path if it is a file (a directory with ``directory=True``); else a
    FileNotFoundError naming ``what``, what was found, and where to ``obtain`` it."""
    p = Path(path)
    if p.is_dir() if directory else p.is_file():
        return p
    found = "a directory" if p.is_dir() else "a file" if p.exists() else "nothing"
    raise FileNotFoundError(f"expected {what} at {p}, found {found}; obtain it from {obtain}")


def malformed(path: Path, what: str, obtain: str, detail: str) -> ValueError:
    """The error of a file that is not in its expected format."""
    return ValueError(f"{path} is not {what}: {detail}; obtain the original file from {obtain}")


def read_pickle(path: Path, what: str, obtain: str) -> Any:
    """Unpickle a user-held file (pickle runs code: read only files you trust)."""
    try:
        with open(path, "rb") as fh:
            try:
                return pickle.load(fh)
            except UnicodeDecodeError:  # pickles of Python 2 NumPy arrays
                fh.seek(0)
                return pickle.load(fh, encoding="latin1")
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError,
            TypeError, ValueError) as exc:
        raise malformed(path, what, obtain, f"it does not unpickle ({type(exc).__name__}: "
                                            f"{exc})") from None


def require_keys(mapping: object, keys: Iterable[str], path: Path, what: str, obtain: str,
                 where: str = "") -> Mapping[str, Any]:
    """``mapping`` if it is a mapping holding every key of ``keys``."""
    keys = list(keys)
    if not isinstance(mapping, Mapping) and not hasattr(mapping, "keys"):
        raise malformed(path, what, obtain, f"expected a mapping{where} with keys {keys}; "
                                            f"received {type(mapping).__name__}")
    missing = [k for k in keys if k not in mapping]
    if missing:
        raise malformed(path, what, obtain, f"keys {missing} are missing{where}; expected "
                                            f"{keys}, found {sorted(map(str, mapping.keys()))}")
    return mapping  # type: ignore[return-value]


def import_h5py() -> Any:
    """The h5py module, or an ImportError naming the pip command."""
    try:
        import h5py
    except ImportError:
        raise ImportError(f"reading .h5/.hdf5 files needs h5py: {_H5PY}") from None
    return h5py


def check_valid_as(valid_as: str) -> str:
    """``valid_as`` if it is one of ``VALID_AS``; else a ValueError."""
    if valid_as not in VALID_AS:
        raise ValueError(f"valid_as must be one of {', '.join(VALID_AS)} (where the official "
                         f"validation samples go); received {valid_as!r}")
    return valid_as


def official_splits(counts: Mapping[str, int], valid_as: str) -> np.ndarray:
    """pid-bench split of the samples of official train/valid/test splits, in that order.

    ``valid_as`` is ``"drop"`` (the validation samples are left out; pid-bench selects no
    model), ``"train"`` or ``"test"``.
    """
    check_valid_as(valid_as)
    parts = [np.full(counts["train"], "train", dtype="<U8"),
             np.full(counts["valid"], valid_as, dtype="<U8"),
             np.full(counts["test"], "test", dtype="<U8")]
    return np.concatenate(parts)
