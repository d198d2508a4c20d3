"""The record of a results directory: finished runs sealed by digests, one writer at a time.

A finished run's ``done.json`` holds the SHA-256 of each file the run's rows are read from
(``spec.json`` and the run's ``results.csv``, ``training.csv``, ``ground_truth.csv``):
:func:`verify_run` checks them before a row is read, so a changed, truncated or missing file is
an error that names the run and the fix, never a silent row. Before a grid writes,
:func:`check_run` checks each of its run directories and :func:`check_same_settings` the
directory's other finished runs; :func:`reset_run` clears a damaged run to be run again. The
directory's tables are the union of its verified runs (:func:`union_tables`), whatever grid
the last command named.
:func:`writer_lock` holds an exclusive lock on ``RESULTS_DIR/.pid-bench.lock``
(``fcntl.flock``: the operating system releases it when the process ends, also on
``kill -9``) while a runner writes; a second runner is refused with the first one's pid.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import io
import json
import os
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pid_bench.io import atomic_write_text

__all__ = ["DONE", "SPEC", "RUN_TABLES", "LOCK", "READ_ONLY_ERRNOS", "ResultsDirError",
           "RunInvalid", "DirectoryBusy", "FinishedRun", "spec_text", "text_digest", "seal_run",
           "check_spec", "verify_run", "check_run", "reset_run", "check_same_settings",
           "finished_runs", "union_tables", "table_text", "writer_lock"]

#: Marker of a finished run, with its digests.
DONE = "done.json"
#: What fixes a run's numbers (written before it trains).
SPEC = "spec.json"
#: A run's tables, read into the directory's tables of the same names.
RUN_TABLES = ("results.csv", "training.csv", "ground_truth.csv")
#: The lock file of a results directory.
LOCK = ".pid-bench.lock"
#: ``errno`` values of a directory that cannot be written to.
READ_ONLY_ERRNOS = (errno.EROFS, errno.EACCES, errno.EPERM)

_UNIQUE_KEYS = {"ground_truth.csv": ["dataset", "task"]}


class ResultsDirError(ValueError):
    """A results directory that cannot be used as it is; the message says what to do."""


class RunInvalid(ResultsDirError):
    """A run directory whose files do not match its ``done.json`` (or its spec).

    Attributes
    ----------
    directory : pathlib.Path
        The run's directory.
    """

    def __init__(self, directory: Path, problem: str) -> None:
        self.directory = Path(directory)
        super().__init__(f"run {self.directory.name} in {self.directory.parent}: {problem}; "
                         f"rerun it with `pid-bench run CONFIG --out "
                         f"{self.directory.parent.parent} --rerun-invalid`, or delete "
                         f"{self.directory}")


class DirectoryBusy(ResultsDirError):
    """Another process holds the results directory's lock."""


@dataclass(frozen=True)
class FinishedRun:
    """A finished run whose files matched its ``done.json`` when it was read.

    Attributes
    ----------
    directory : pathlib.Path
        The run's directory, ``RESULTS_DIR/runs/<dataset>__<method>__seed<k>``.
    record : dict
        Its ``done.json``.
    """

    directory: Path
    record: dict[str, Any]

    @property
    def key(self) -> tuple[str, str, int]:
        """(dataset, method, seed): the order of the runs in the directory's tables."""
        return (str(self.record["dataset"]), str(self.record["method"]),
                int(self.record["seed"]))

    def spec(self) -> dict[str, Any]:
        """The run's ``spec.json``."""
        return json.loads((self.directory / SPEC).read_text(encoding="utf-8"))

    def table(self, name: str) -> pd.DataFrame:
        """One of the run's ``RUN_TABLES``."""
        return pd.read_csv(self.directory / name)


def spec_text(identity: Mapping[str, Any]) -> str:
    """The text of ``spec.json`` for a run's identity (one text per identity)."""
    return json.dumps(identity, indent=2)


def text_digest(text: str) -> str:
    """SHA-256 (hex) of ``text`` encoded as UTF-8, as :func:`seal_run` records files."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def seal_run(directory: Path, record: Mapping[str, Any]) -> None:
    """Write ``done.json``: ``record`` with the digests of the run's spec and tables."""
    digests = {name: _file_digest(directory / name) for name in (SPEC, *RUN_TABLES)}
    atomic_write_text(directory / DONE, json.dumps({**record, "digests": digests}, indent=2))


def verify_run(directory: Path, spec: str | None = None) -> FinishedRun:
    """Check a finished run's files against its ``done.json``.

    Parameters
    ----------
    directory : pathlib.Path
        The run's directory; it holds ``done.json``.
    spec : str, optional
        The ``spec.json`` text the run must have been made with (:func:`spec_text` of the
        identity a config gives it).

    Returns
    -------
    FinishedRun

    Raises
    ------
    RunInvalid
        ``done.json`` unreadable or without digests, a file missing, or a file whose digest
        differs.
    ResultsDirError
        A run made with another spec than ``spec`` (as ``done.json`` records it or, where it
        cannot, as ``spec.json`` says).
    """
    try:
        record = json.loads((directory / DONE).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        _fall_back_on_spec(directory, spec)
        raise RunInvalid(directory, f"{DONE} is not valid JSON ({exc}), e.g. truncated") from None
    digests = record.get("digests") if isinstance(record, dict) else None
    missing = [n for n in (SPEC, *RUN_TABLES) if not isinstance(digests, dict) or n not in digests]
    if missing:
        _fall_back_on_spec(directory, spec)
        raise RunInvalid(directory, f"{DONE} records no digest of {', '.join(missing)} (written "
                                    f"before pid-bench recorded digests, or damaged)")
    if spec is not None and text_digest(spec) != digests[SPEC]:
        raise _different_config(directory, f"{DONE} records another {SPEC}")
    for name in (SPEC, *RUN_TABLES):
        path = directory / name
        if not path.is_file():
            raise RunInvalid(directory, f"{name} is missing")
        if _file_digest(path) != digests[name]:
            raise RunInvalid(directory, f"{name} is not the file the run wrote (changed or "
                                        f"truncated: its SHA-256 differs from {DONE}'s)")
    return FinishedRun(directory=directory, record=record)


def check_spec(directory: Path, spec: str) -> None:
    """Check a run's ``spec.json`` (if there is one) against ``spec``.

    Raises
    ------
    RunInvalid
        ``spec.json`` is not valid JSON.
    ResultsDirError
        ``spec.json`` is another run's.
    """
    path = directory / SPEC
    if not path.is_file():
        return
    try:
        made = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunInvalid(directory, f"{SPEC} is not valid JSON ({exc})") from None
    if made != json.loads(spec):
        raise _different_config(directory, f"see its {SPEC}")


def _fall_back_on_spec(directory: Path, spec: str | None) -> None:
    """Where ``done.json`` cannot tell the run's spec: raise if ``spec.json`` is another's."""
    if spec is not None:
        with contextlib.suppress(RunInvalid):
            check_spec(directory, spec)


def _different_config(directory: Path, evidence: str) -> ResultsDirError:
    return ResultsDirError(f"{directory} holds run {directory.name} made with a different config "
                           f"({evidence}); use another results directory or remove it")


def check_run(directory: Path, spec: str) -> bool:
    """Check a run directory before a grid uses it: whether the run is finished (verified).

    Parameters
    ----------
    directory : pathlib.Path
        The run's directory (it may not exist yet).
    spec : str
        The ``spec.json`` text of the run the grid means (:func:`spec_text`).

    Returns
    -------
    bool
        True for a finished run whose files match its ``done.json``.

    Raises
    ------
    RunInvalid
        A damaged run: files that do not match its ``done.json``, an unreadable
        ``spec.json``, or a checkpoint without a spec that this run did not write.
    ResultsDirError
        A run directory made with another config.
    """
    from pid_bench.train import CHECKPOINT_NAME, checkpoint_identity

    if (directory / DONE).is_file():
        verify_run(directory, spec)
        return True
    checkpoint = directory / CHECKPOINT_NAME
    if (directory / SPEC).is_file():
        check_spec(directory, spec)
    elif checkpoint.is_file():
        try:
            written_by = checkpoint_identity(checkpoint)
        except ValueError as exc:
            raise RunInvalid(directory, str(exc)) from None
        if written_by != text_digest(spec):
            raise RunInvalid(directory, f"it has a checkpoint but no {SPEC}, and the checkpoint "
                                        f"was not written by this run")
    return False


def reset_run(directory: Path, spec: str) -> None:
    """Remove a damaged run's ``done.json`` and tables, and a spec or checkpoint not its own
    (``spec`` as for :func:`check_run`), so that it runs again: from its checkpoint where
    that is the run's."""
    from pid_bench.train import CHECKPOINT_NAME, checkpoint_identity

    for name in (DONE, *RUN_TABLES):
        (directory / name).unlink(missing_ok=True)
    spec_path, checkpoint = directory / SPEC, directory / CHECKPOINT_NAME
    own_spec = spec_path.is_file() and spec_path.read_bytes() == spec.encode("utf-8")
    if not own_spec:
        spec_path.unlink(missing_ok=True)
    if checkpoint.is_file() and not own_spec:
        try:
            keep = checkpoint_identity(checkpoint) == text_digest(spec)
        except ValueError:
            keep = False
        if not keep:
            checkpoint.unlink()


def check_same_settings(identities: Sequence[Mapping[str, Any]], others: Sequence[FinishedRun],
                        out: Path) -> None:
    """Refuse a grid whose labels name other settings than finished runs of ``out`` do.

    Parameters
    ----------
    identities : sequence of mapping
        The grid's runs, as their specs say (``dataset.label``, ``method.label``, ``seed``,
        ...).
    others : sequence of FinishedRun
        The directory's finished runs outside the grid.
    out : pathlib.Path
        The results directory (named in the error).

    Raises
    ------
    ResultsDirError
        A finished run of the same dataset and method labels (or of the same dataset label)
        with other settings: the directory's tables would show both under one label.
    """
    mine = {(i["dataset"]["label"], i["method"]["label"]): _without_seed(i) for i in identities}
    datasets = {label: v["dataset"] for (label, _), v in mine.items()}
    for other in others:
        theirs = _without_seed(other.spec())
        dataset, method = theirs["dataset"]["label"], theirs["method"]["label"]
        if (dataset, method) in mine:
            ours, what = mine[dataset, method], f"method {method!r} on dataset {dataset!r}"
        elif dataset in datasets:
            ours, theirs, what = datasets[dataset], theirs["dataset"], f"dataset {dataset!r}"
        else:
            continue
        diff = _differences(theirs, ours)
        if diff:
            raise ResultsDirError(
                f"run {other.directory.name} of {out} was made with other settings for {what} "
                f"({'; '.join(diff[:3])}), and the directory's tables would show both under "
                f"one label: use another --out, or give this config's entry its own label")


def _without_seed(identity: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in identity.items() if k != "seed"}


def _differences(there: object, here: object, prefix: str = "") -> list[str]:
    """Where two plain-data values differ: ``"train.epochs: 10 there, 5 here"``."""
    if isinstance(there, dict) and isinstance(here, dict):
        return [d for k in sorted(set(there) | set(here), key=str)
                for d in _differences(there.get(k), here.get(k), f"{prefix}{k}.")]
    return [] if there == here else [f"{prefix.rstrip('.')}: {there!r} there, {here!r} here"]


def finished_runs(out: Path, skip: Collection[Path] = ()) -> list[FinishedRun]:
    """Every finished run of a results directory, verified, in (dataset, method, seed) order.

    Parameters
    ----------
    out : pathlib.Path
        The results directory.
    skip : collection of pathlib.Path
        Run directories to leave out (neither verified nor returned).

    Raises
    ------
    RunInvalid
        The first run (by directory name) whose files do not match its ``done.json``.
    """
    runs = [verify_run(done.parent) for done in sorted((out / "runs").glob(f"*/{DONE}"))
            if done.parent not in skip]
    return sorted(runs, key=lambda r: r.key)


def union_tables(runs: Sequence[FinishedRun]) -> dict[str, pd.DataFrame]:
    """The directory's tables: each of ``RUN_TABLES`` over ``runs``, in their order.

    ``ground_truth.csv`` holds each (dataset, task) once, as the first of its runs has it.
    """
    tables = {}
    for name in RUN_TABLES:
        frames = [r.table(name) for r in runs]
        table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        if name in _UNIQUE_KEYS and not table.empty:
            table = table.drop_duplicates(_UNIQUE_KEYS[name]).reset_index(drop=True)
        tables[name] = table
    return tables


def table_text(table: pd.DataFrame) -> str:
    """A table as the CSV text the results directory holds."""
    buffer = io.StringIO()
    table.to_csv(buffer, index=False)
    return buffer.getvalue()


@contextlib.contextmanager
def writer_lock(out: Path) -> Iterator[None]:
    """Hold the exclusive writer lock of results directory ``out`` inside the block.

    The lock file records this process's pid and start time, which a refused runner reports.

    Raises
    ------
    DirectoryBusy
        Another process holds the lock.
    OSError
        The lock file cannot be created or opened for writing (e.g. a read-only directory:
        ``errno`` in ``READ_ONLY_ERRNOS``).
    """
    fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DirectoryBusy(f"another pid-bench run ({_holder(fd)}) is writing {out}; wait "
                                f"for it to end, or write to another --out") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "started": _now()}).encode(), 0)
        yield
    finally:
        os.close(fd)


def _holder(fd: int) -> str:
    """"pid N, started T" of the lock's holder, as far as its lock file tells."""
    try:
        holder = json.loads(os.pread(fd, 4096, 0).decode("utf-8"))
        return f"pid {int(holder['pid'])}, started {holder['started']}"
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return "pid unknown: its lock file is being written"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")
