"""Helpers of the fault-injection tests: a tiny finished grid, copies of it, faults, checks.

Every test breaks a copy of one finished results directory (``pristine``) and runs the command
line on it in this process; the ``kit`` fixture gathers the helpers. Its promise is one of
two: the rerun gives *identical results* (the tables byte for byte those of ``pristine``), or
it ends in *a clear error and nothing changed* (exit status 2, one line on stderr that names
the file and the fix, no traceback, and every file of the directory as it was).
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pid_bench.cli import main
from pid_bench.results_dir import LOCK

#: Two runs of a small Cross on small latent data, trained two epochs: about a second a run.
GRID = {
    "datasets": [{"name": "latent", "augment": "none",
                  "args": {"n_pretrain": 64, "n_train": 120, "n_test": 120, "dim": 6,
                           "embed_dim": 4, "mixtures": []}}],
    "methods": [{"name": "cross", "hparams": {"embed_dim": 8, "hidden_dim": 16}}],
    "seeds": [0, 1],
    "train": {"epochs": 2, "batch_size": 32, "device": "cpu"},
    "probe": {"c_grid": [1.0]},
    "tasks": ["redundancy", "unique1"],
}
RUN = "runs/latent__cross__seed0"
TABLES = ("results.csv", "training.csv", "ground_truth.csv")
RUN_FILES = ("results.csv", "training.csv", "ground_truth.csv", "spec.json", "done.json")


def write_grid(path: Path, grid: dict | None = None) -> Path:
    path.write_text(yaml.safe_dump(grid or GRID), encoding="utf-8")
    return path


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    """Run ``pid-bench ARGV`` here: (exit status, stdout, stderr)."""
    capsys.readouterr()
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative path -> bytes), the lock file left out."""
    return {os.fspath(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != LOCK}


def assert_clear_error(status: int, err: str, *fragments: str) -> None:
    """Exit 2 and one line on stderr, holding each of ``fragments``; no traceback."""
    lines = err.strip().splitlines()
    assert status == 2 and len(lines) == 1, err
    assert lines[0].startswith("pid-bench ") and ": error: " in lines[0], err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def cut(path: Path, where: str) -> None:
    """Truncate a file after its first half of lines: there (``"line"``), or inside the next
    record, halfway through it (``"mid"``)."""
    data = path.read_bytes()
    head = b"".join(data.splitlines(keepends=True)[: data.count(b"\n") // 2])
    if where == "mid":
        rest = data[len(head):]
        head += rest[: max(1, len(rest.splitlines()[0]) // 2)]
    path.write_bytes(head)


@pytest.fixture(scope="session")
def pristine(tmp_path_factory) -> Path:
    """A finished results directory of ``GRID`` (never changed: tests break copies)."""
    root = tmp_path_factory.mktemp("pristine")
    config = write_grid(root / "grid.yaml")
    assert main(["run", str(config), "--out", str(root / "out"), "--quiet"]) == 0
    return root / "out"


@pytest.fixture
def copy(pristine, tmp_path) -> tuple[Path, Path]:
    """(a copy of ``pristine``, the config that made it)."""
    out = tmp_path / "out"
    shutil.copytree(pristine, out)
    return out, write_grid(tmp_path / "grid.yaml")


def same_tables(out: Path, pristine: Path) -> None:
    """The directory's tables, and each run's, are those of ``pristine``: byte for byte, but
    for the wall-clock columns of training.csv (``seconds``, ``pairs_per_second``) of a run
    trained again."""
    for root, reference in [(out, pristine), *((out / "runs" / r.name, r)
                                               for r in (pristine / "runs").iterdir())]:
        for name in ("results.csv", "ground_truth.csv"):
            assert (root / name).read_bytes() == (reference / name).read_bytes(), root / name
        clock = ["seconds", "pairs_per_second"]
        pd.testing.assert_frame_equal(pd.read_csv(root / "training.csv").drop(columns=clock),
                                      pd.read_csv(reference / "training.csv").drop(columns=clock))


class ReadOnly:
    """Make every write under ``root`` fail as on a read-only file system (``EROFS``).

    Tests run as root here, which ignores permission bits, so a read-only directory is
    simulated by patching the calls that create, change or remove files (``os.open`` with a
    write flag, which ``tempfile`` uses, ``open`` in a write mode, ``os.mkdir``,
    ``os.replace``, ``os.rename``, ``os.unlink``, ``os.rmdir``). ``attempts`` lists the
    writes tried.
    """

    _WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = Path(root).resolve()
        self.attempts: list[str] = []
        real_open, real_os_open, real_mkdir = builtins.open, os.open, os.mkdir

        def guarded_open(file, mode="r", *args, **kwargs):
            if isinstance(file, (str, os.PathLike)) and set(mode) & set("wax+"):
                self._refuse(file)
            return real_open(file, mode, *args, **kwargs)

        def guarded_os_open(path, flags, *args, **kwargs):
            if flags & self._WRITE_FLAGS:
                self._refuse(path)
            return real_os_open(path, flags, *args, **kwargs)

        def guarded_mkdir(path, *args, **kwargs):
            if self._inside(path) and os.path.exists(path):
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), os.fspath(path))
            self._refuse(path)
            return real_mkdir(path, *args, **kwargs)

        def guarded(real):
            def call(path, *args, **kwargs):
                self._refuse(path)
                return real(path, *args, **kwargs)
            return call

        monkeypatch.setattr(builtins, "open", guarded_open)
        monkeypatch.setattr(io, "open", guarded_open)
        monkeypatch.setattr(os, "open", guarded_os_open)
        monkeypatch.setattr(os, "mkdir", guarded_mkdir)
        for name in ("replace", "rename", "unlink", "rmdir"):
            monkeypatch.setattr(os, name, guarded(getattr(os, name)))

    def _inside(self, path) -> bool:
        try:
            return Path(os.path.abspath(os.fspath(path))).is_relative_to(self.root)
        except TypeError:  # a file descriptor
            return False

    def _refuse(self, path) -> None:
        if self._inside(path):
            self.attempts.append(os.fspath(path))
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fspath(path))


class Kit:
    """The helpers of this file, for the tests (which cannot import a conftest)."""

    GRID, RUN, TABLES, RUN_FILES = GRID, RUN, TABLES, RUN_FILES
    write_grid = staticmethod(write_grid)
    snapshot = staticmethod(snapshot)
    assert_clear_error = staticmethod(assert_clear_error)
    cut = staticmethod(cut)
    same_tables = staticmethod(same_tables)

    def __init__(self, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
        self._capsys, self._monkeypatch = capsys, monkeypatch

    def cli(self, *argv: str) -> tuple[int, str, str]:
        """Run ``pid-bench ARGV`` here: (exit status, stdout, stderr)."""
        return cli(self._capsys, *argv)

    def read_only(self, root: Path) -> ReadOnly:
        """From now on in the test, writes under ``root`` fail with EROFS."""
        return ReadOnly(root, self._monkeypatch)


@pytest.fixture
def kit(capsys, monkeypatch) -> Kit:
    return Kit(capsys, monkeypatch)
