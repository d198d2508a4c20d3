"""Atomic file writes: a reader never sees a half-written file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "atomic_write_text"]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` atomically.

    The temporary file is fsynced before the rename, and removed if the body raises. The
    final file gets the usual permissions (0o666 less the process umask), not mkstemp's 0o600.
    The temporary name keeps the suffix of ``path`` so that writers that look at it
    (``numpy.savez``, ``torch.save``, pandas) behave as for the final name.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                   suffix=".tmp" + target.suffix)
    except OSError as exc:
        _name_target(exc, target)
        raise
    os.close(fd)
    tmp_path = Path(tmp)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp_path, 0o666 & ~umask)
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, target)
    except OSError as exc:
        _name_target(exc, target)
        raise
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _name_target(exc: OSError, target: Path) -> None:
    """Make ``exc`` name ``target`` where it names no file or a temporary of it (the user knows
    ``target``; the temporary is gone)."""
    if exc.errno is None:
        return
    name = None if exc.filename is None else Path(os.fsdecode(exc.filename))
    if name is None or (name.parent == target.parent
                        and name.name.startswith(f".{target.name}.")):
        exc.filename = os.fspath(target)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
