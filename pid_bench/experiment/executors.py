"""Where a grid's runs execute: one ``concurrent.futures.Executor`` per kind.

- ``local``, one worker: :class:`InlineExecutor`, each run in this process when submitted.
- ``local``, N workers: a pool of N spawned processes, each limited to its share of the cores
  and ending itself within half a second of the runner's end (also on ``kill -9``).
- ``dask``: the workers of a Dask cluster (``distributed.Client(...).get_executor()``), or of a
  ``LocalCluster`` of N processes on 127.0.0.1 when no scheduler is named.
- ``slurm``: one SLURM job array through submitit (:class:`SlurmExecutor`), at most N runs at
  a time; a run stopped at its time limit or preempted is requeued and resumes from its
  checkpoint.

Remote workers (``dask``, ``slurm``) write into the results directory themselves, so it must
be on a filesystem that they share with the submitting machine. The submitter writes a token
file there (:func:`reach_token`) and every remote run first checks that it sees it
(:func:`check_reach`), refusing with a message that says so.
"""

from __future__ import annotations

import concurrent.futures as futures
import contextlib
import logging
import multiprocessing
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import threadpoolctl
import torch

from pid_bench.experiment.config import ExecutorSpec
from pid_bench.results_dir import ResultsDirError

__all__ = ["InlineExecutor", "ReachToken", "SlurmExecutor", "batched", "check_reach",
           "open_executor", "reach_token", "thread_limits"]

#: Token file that remote workers must see in the results directory.
REACH_FILE = ".pid-bench-reach"


@contextlib.contextmanager
def thread_limits(threads: int | None) -> Iterator[None]:
    """Limit torch and BLAS to ``threads`` inside the block (no limit when None)."""
    if threads is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with threadpoolctl.threadpool_limits(limits=threads):
            yield
    finally:
        torch.set_num_threads(before)


class InlineExecutor(futures.Executor):
    """Runs each call in this process, at once, when it is submitted.

    The returned future is already done; a call that raises (``KeyboardInterrupt`` included)
    stores its exception in the future.
    """

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> futures.Future:
        future: futures.Future = futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        return future


#: BLAS thread limits of a worker process, kept alive for the life of the process.
_WORKER_LIMITS: list[Any] = []


def _init_worker(threads: int, parent: int) -> None:
    torch.set_num_threads(threads)
    _WORKER_LIMITS.append(threadpoolctl.threadpool_limits(limits=threads))
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: int, interval: float = 0.5) -> None:
    """End this worker process once the runner (process ``parent``) is gone.

    A runner stopped by a signal it cannot handle (``kill -9``) does not stop its pool, and the
    orphaned workers would go on training and writing into the results directory. Checkpoints
    and result files are written atomically, so exiting at any moment loses only the epoch in
    progress; a rerun resumes from the last checkpoint.
    """
    while os.getppid() == parent:
        time.sleep(interval)
    os._exit(1)


def _process_pool(workers: int, threads: int) -> futures.ProcessPoolExecutor:
    return futures.ProcessPoolExecutor(max_workers=workers,
                                       mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_init_worker,
                                       initargs=(threads, os.getpid()))


# ---------------------------------------------------------------------------- shared filesystem
@dataclass(frozen=True)
class ReachToken:
    """A file in the results directory and its content, which a remote worker must see.

    Attributes
    ----------
    path : str
        Absolute path of the token file.
    value : str
        Its content, random per grid.
    """

    path: str
    value: str


def reach_token(out: Path) -> ReachToken:
    """Write a fresh token file into results directory ``out`` (absolute) and return it."""
    path = out.absolute() / REACH_FILE
    token = ReachToken(path=os.fspath(path), value=secrets.token_hex(16))
    path.write_text(token.value, encoding="utf-8")
    return token


def check_reach(token: ReachToken) -> None:
    """Raise ``ResultsDirError`` unless this process sees ``token``'s file with its content.

    Raises
    ------
    pid_bench.results_dir.ResultsDirError
        The results directory is not on a filesystem this worker shares with the submitter.
    """
    try:
        seen = Path(token.path).read_text(encoding="utf-8")
    except OSError:
        seen = None
    if seen != token.value:
        where = "no such file" if seen is None else "another grid's token"
        raise ResultsDirError(
            f"worker {socket.gethostname()} cannot reach the results directory "
            f"{os.path.dirname(token.path)} ({where} at {token.path}): remote workers (dask, "
            f"slurm) write their runs there themselves, so it must be on a filesystem shared "
            f"with the submitting machine; pass an --out on a shared filesystem")


def _remote_call(token: ReachToken, threads: int | None, fn: Callable[..., Any],
                 *args: Any) -> Any:
    check_reach(token)
    with thread_limits(threads):
        return fn(*args)


class _Remote(futures.Executor):
    """Submits ``fn(*args)`` to ``inner`` as a call that first checks the shared filesystem."""

    def __init__(self, inner: futures.Executor, token: ReachToken, threads: int | None):
        self._inner, self._token, self._threads = inner, token, threads
        self._futures: list[futures.Future] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> futures.Future:
        if kwargs:
            raise TypeError("remote executors take positional arguments only")
        future = self._inner.submit(_remote_call, self._token, self._threads, fn, *args)
        self._futures.append(future)
        return future

    def batch(self) -> contextlib.AbstractContextManager[None]:
        """Submissions inside go out together where the inner executor can (SLURM arrays)."""
        return batched(self._inner)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if cancel_futures:
            for future in self._futures:
                future.cancel()
        self._inner.shutdown(wait=wait)


def batched(executor: futures.Executor) -> contextlib.AbstractContextManager[None]:
    """A block whose submissions to ``executor`` go out together (one SLURM job array)."""
    batch = getattr(executor, "batch", None)
    return batch() if batch is not None else contextlib.nullcontext()


# ---------------------------------------------------------------------------- slurm
class _Job:
    """A submitit job as a callable, so that SLURM requeues it on preemption or time-out."""

    def __init__(self, fn: Callable[..., Any]):
        self.fn = fn

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args)

    def checkpoint(self, *args: Any) -> Any:
        """Requeue the same call: the run resumes from the checkpoint of its last epoch."""
        import submitit

        return submitit.helpers.DelayedSubmission(self, *args)


class SlurmExecutor(futures.Executor):
    """Runs calls as SLURM jobs through submitit; a :meth:`batch` of them as one job array.

    Parameters
    ----------
    folder : path
        submitit's folder: batch scripts, pickled calls and their results, logs. On a
        filesystem that the cluster's nodes share.
    spec : ExecutorSpec
        Partition, time limit, CPUs and GPUs per run; ``cluster="local"`` runs the jobs as
        local processes (submitit's local executor, for tests and laptops).
    parallelism : int
        Array tasks running at once (``#SBATCH --array=0-N%parallelism``).
    poll : float, default 5.0
        Seconds between checks of the jobs' states.
    """

    def __init__(self, folder: str | os.PathLike[str], spec: ExecutorSpec, parallelism: int, *,
                 poll: float = 5.0):
        try:
            import submitit
        except ImportError:
            raise ImportError("the slurm executor needs submitit: pip install "
                              "'pid-bench[slurm]'") from None
        self._executor = submitit.AutoExecutor(folder=folder, cluster=spec.cluster)
        parameters: dict[str, Any] = {
            "name": "pid-bench", "timeout_min": spec.time_min, "cpus_per_task": spec.cpus_per_run,
            "slurm_array_parallelism": parallelism,
            "slurm_additional_parameters": {"requeue": True}}
        if spec.gpus_per_run:
            parameters["gpus_per_node"] = spec.gpus_per_run
        if spec.partition is not None:
            parameters["slurm_partition"] = spec.partition
        self._executor.update_parameters(**parameters)
        self._poll = poll
        self._jobs: list[tuple[futures.Future, Any]] = []
        self._batching = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._cancelled: set[int] = set()
        self._watcher: threading.Thread | None = None

    @property
    def cluster(self) -> str:
        """The cluster submitit submits to (``"slurm"`` or ``"local"``)."""
        return self._executor.cluster

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> futures.Future:
        if kwargs:
            raise TypeError("the slurm executor takes positional arguments only")
        future: futures.Future = futures.Future()
        job = self._executor.submit(_Job(fn), *args)
        with self._lock:
            self._jobs.append((future, job))
        if not self._batching:
            self._watch()
        return future

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Submissions inside the block go out as one job array when it ends."""
        with self._executor.batch():
            self._batching = True
            try:
                yield
            finally:
                self._batching = False
        self._watch()

    def _watch(self) -> None:
        if self._watcher is None:
            self._watcher = threading.Thread(target=self._follow, daemon=True)
            self._watcher.start()

    def _follow(self) -> None:
        """Resolve each future once its job is done; cancel the jobs of cancelled futures."""
        while not self._stop.is_set():
            with self._lock:
                open_jobs = [(f, j) for f, j in self._jobs
                             if not f.done() or (f.cancelled() and id(f) not in self._cancelled)]
            for future, job in open_jobs:
                if future.cancelled():
                    self._cancel(future, job)
                elif job.done():
                    try:
                        future.set_result(job.result())
                    except Exception as exc:  # noqa: BLE001 - the job's failure, for the caller
                        future.set_exception(exc)
            self._stop.wait(self._poll)

    def _cancel(self, future: futures.Future, job: Any) -> None:
        """Cancel ``future``'s job once (``scancel``; a missing command is not an error)."""
        with self._lock:
            if id(future) in self._cancelled:
                return
            self._cancelled.add(id(future))
        with contextlib.suppress(OSError):
            job.cancel(check=False)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            jobs = list(self._jobs)
        if not wait:
            self._stop.set()
        for future, job in jobs:
            if cancel_futures:
                future.cancel()
            if future.cancelled():
                self._cancel(future, job)
        if wait:
            for future, _ in jobs:
                with contextlib.suppress(Exception):
                    future.exception()
        self._stop.set()


# ---------------------------------------------------------------------------- choosing one
def _local_cluster(workers: int) -> tuple[Any, Any]:
    """A client of a new ``LocalCluster`` of ``workers`` one-thread processes on loopback."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None,
                           worker_dashboard_address=None, silence_logs=logging.ERROR)
    return Client(cluster), cluster


@contextlib.contextmanager
def open_executor(spec: ExecutorSpec, *, workers: int, threads: int | None, out: Path,
                  runs: int) -> Iterator[futures.Executor]:
    """The executor of ``spec`` for a grid of ``runs`` pending runs, shut down afterwards.

    Parameters
    ----------
    spec : ExecutorSpec
        Which executor and its settings.
    workers : int
        Runs at a time: local processes, local Dask workers, SLURM array tasks.
    threads : int or None
        Torch and BLAS threads per run (None: local pools take cores // workers; SLURM runs
        their ``cpus_per_run``; Dask runs of a local cluster cores // workers, of a named
        scheduler torch's own choice).
    out : pathlib.Path
        The results directory (remote executors write a token file there that their workers
        must see, removed at the end).
    runs : int
        Pending runs (a local pool never starts more processes than runs).

    Yields
    ------
    concurrent.futures.Executor
    """
    share = max(1, (os.cpu_count() or 1) // workers)
    if spec.name == "local":
        if workers == 1 or runs <= 1:
            with thread_limits(threads):
                yield InlineExecutor()
            return
        with _process_pool(min(workers, runs), threads or share) as pool:
            yield pool
        return
    with contextlib.ExitStack() as stack:
        token = reach_token(out)
        stack.callback(lambda: Path(token.path).unlink(missing_ok=True))
        if spec.name == "slurm":
            inner = SlurmExecutor(out.absolute() / "slurm", spec, workers)
            threads = threads or spec.cpus_per_run
        else:
            try:
                from distributed import Client
            except ImportError:
                raise ImportError("the dask executor needs distributed: pip install "
                                  "'pid-bench[dask]'") from None
            if spec.scheduler is None:
                client, cluster = _local_cluster(workers)
                stack.callback(cluster.close)
                threads = threads or share
            else:
                client = Client(spec.scheduler)
            stack.callback(client.close)
            inner = client.get_executor(pure=False)
        remote = _Remote(inner, token, threads)
        try:
            yield remote
        except BaseException:
            remote.shutdown(wait=False, cancel_futures=True)
            raise
        remote.shutdown(wait=True)
