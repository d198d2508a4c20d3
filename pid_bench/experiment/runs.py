"""The runs of a grid: their identity, their execution, and the runner that plans and resumes.

Each (dataset, method, seed) is one run in ``out/runs/<dataset>__<method>__seed<k>/``: the
method is built with the seed, trained on the ``pretrain`` split (a checkpoint every epoch, so
an interrupted run resumes), its embeddings of ``train`` and ``test`` are probed
(:func:`pid_bench.evaluate.probe_embeddings`), and ``done.json`` marks it finished, sealing
its files with their digests (:mod:`pid_bench.results_dir`); a finished run is verified, and
skipped, on rerun. The datasets' own seeds come from their ``args`` (0 by default) and stay
fixed across runs: the grid's seeds vary initialisation, batches and augmentations. With
``weights_from``, runs take the final weights of another directory's finished runs and are
probed anew without training (:mod:`pid_bench.experiment.reprobe`).
"""

from __future__ import annotations

import concurrent.futures as futures
import contextlib
import dataclasses
import functools
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import torch
import yaml
from tqdm.auto import tqdm

from pid_bench import distributed
from pid_bench.data import MultimodalDataset
from pid_bench.evaluate import probe_callback, probe_embeddings
from pid_bench.experiment.building import build_dataset, build_method, check_config
from pid_bench.experiment.config import (
    DatasetSpec,
    ExperimentConfig,
    MethodSpec,
    positive_int,
    load_config,
)
from pid_bench.experiment.executors import batched, open_executor
from pid_bench.experiment.provenance import environment
from pid_bench.experiment.reprobe import check_weights_source, reuse_summary, why_not_reused
from pid_bench.experiment.tables import (
    TRAINING_COLUMNS,
    ground_truth_table,
    write_csv,
    write_tables,
)
from pid_bench.io import atomic_write_text
from pid_bench.results_dir import (
    DONE,
    READ_ONLY_ERRNOS,
    SPEC,
    ResultsDirError,
    RunInvalid,
    check_run,
    check_same_settings,
    finished_runs,
    reset_run,
    seal_run,
    spec_text,
    text_digest,
    union_tables,
    writer_lock,
)
from pid_bench.settings import ProbeSettings, TrainConfig
from pid_bench.train import CHECKPOINT_NAME, embed, resolve_device, retag_checkpoint, train

__all__ = ["Run", "execute_run", "grid_runs", "place_on_gpus", "run_experiment"]

#: Training settings that do not change the numbers of a run (or are set per run).
_RUNTIME_TRAIN_KEYS = ("device", "progress", "seed")


@dataclass(frozen=True)
class Run:
    """One (dataset, method, seed) of a grid, with everything it needs to execute anywhere.

    Attributes
    ----------
    dataset, method : DatasetSpec, MethodSpec
        The specs it is built from.
    seed : int
        Seed of the initial weights, batch order, augmentations and probes.
    train : TrainConfig
        Its training settings: the grid's, changed by the method's own, with ``seed``.
    probe : ProbeSettings
    probe_every : int
    tasks : tuple of str or None
    embed_batch_size : int
    directory : str
        Its run directory.
    """

    dataset: DatasetSpec
    method: MethodSpec
    seed: int
    train: TrainConfig
    probe: ProbeSettings
    probe_every: int
    tasks: tuple[str, ...] | None
    embed_batch_size: int
    directory: str

    @property
    def run_id(self) -> str:
        """``<dataset>__<method>__seed<k>``, the name of its directory."""
        return f"{self.dataset.label}__{self.method.label}__seed{self.seed}"

    def identity(self) -> dict[str, Any]:
        """What fixes the numbers of this run (not the device or the progress bar): the content
        of its ``spec.json``. The method's own train settings are in ``train``."""
        data = json.loads(json.dumps(dataclasses.asdict(self)))
        data.pop("directory")
        data["method"].pop("train")
        data["method"].pop("datasets")  # which runs the grid has, not what fixes their numbers
        for key in _RUNTIME_TRAIN_KEYS:
            data["train"].pop(key, None)
        if data["probe"]["kind"] == "linear":  # as the specs written before the MLP probe
            del data["probe"]["kind"], data["probe"]["mlp"]
        return data


def grid_runs(config: ExperimentConfig, out: Path) -> list[Run]:
    """The runs of ``config`` in results directory ``out``, ordered by (dataset, method, seed)."""
    return [Run(dataset=d, method=m, seed=s,
                train=dataclasses.replace(config.method_train(m), seed=s), probe=config.probe,
                probe_every=config.probe_every, tasks=config.tasks,
                embed_batch_size=config.embed_batch_size,
                directory=os.fspath(out / "runs" / f"{d.label}__{m.label}__seed{s}"))
            for d, m in config.cells() for s in config.seeds]


def place_on_gpus(runs: Sequence[Run], gpus: int) -> list[Run]:
    """``runs`` with run i of those set to ``device: cuda`` on GPU ``i mod gpus``.

    Runs on another device (``cpu``, ``auto``, ``cuda:K``) are kept as they are, and so is
    every run when there is no GPU (training then says that CUDA is missing).
    """
    if gpus < 1:
        return list(runs)
    cuda = [r for r in runs if r.train.device == "cuda"]
    place = {id(r): f"cuda:{i % gpus}" for i, r in enumerate(cuda)}
    return [dataclasses.replace(r, train=dataclasses.replace(r.train, device=place[id(r)]))
            if id(r) in place else r for r in runs]


def _is_done(run: Run) -> bool:
    return (Path(run.directory) / DONE).is_file()


def _plan(runs: Sequence[Run], out: Path, rerun_invalid: bool) -> tuple[list[Run], list[Run]]:
    """Check the grid's run directories against the grid, before anything is written.

    Returns the runs still to do and, of those, the ones whose damaged files are to be
    removed first (``rerun_invalid``).

    Raises
    ------
    ResultsDirError
        A run directory made with another config, a damaged run (``RunInvalid``) without
        ``rerun_invalid``, or finished runs of the directory that the grid's runs would join
        under the same labels with other settings.
    """
    pending, reset = [], []
    for run in runs:
        try:
            if check_run(Path(run.directory), spec_text(run.identity())):
                continue
        except RunInvalid:
            if not rerun_invalid:
                raise
            reset.append(run)
        pending.append(run)
    others = finished_runs(out, skip={Path(r.directory) for r in runs})
    check_same_settings([r.identity() for r in runs], others, out)
    return pending, reset


def _overall_rate(history: pd.DataFrame) -> float | None:
    """Training pairs per second over all epochs (None when nothing was trained)."""
    seconds = float(history["seconds"].sum())
    pairs = float((history["pairs_per_second"] * history["seconds"]).sum())
    return pairs / seconds if seconds > 0 else None


def execute_run(run: Run, progress: bool, config_id: str,
                data: MultimodalDataset | None = None, *,
                weights_from: str | None = None) -> None:
    """Train, embed, probe and write one run's files (in this process).

    Parameters
    ----------
    run : Run
        A run whose directory the runner has checked: ``spec.json`` is written where it is
        missing, and the checkpoint, if any, was written by this run (it resumes from it).
    progress : bool
        Show the training progress bar.
    config_id : str
        Name of the grid's config in ``configs/``, recorded in ``done.json``.
    data : MultimodalDataset, optional
        The run's dataset when already built (else it is built from the spec).
    weights_from : str, optional
        The run directory whose final checkpoint the runner gave this run (retagged with its
        identity, so training resumes at its last epoch and trains nothing); recorded in
        ``done.json``.
    """
    start = time.perf_counter()
    directory = Path(run.directory)
    spec = spec_text(run.identity())
    if not (directory / SPEC).is_file():
        atomic_write_text(directory / SPEC, spec)
    data = build_dataset(run.dataset) if data is None else data
    model = build_method(run.method, run.dataset, data, seed=run.seed)
    config = dataclasses.replace(run.train, progress=progress)
    device = resolve_device(config.device)
    embed_split = functools.partial(embed, batch_size=run.embed_batch_size, device=device)
    final_epoch = config.epochs if model.trainable else 0
    callback = None
    if run.probe_every:
        callback = probe_callback(data, every=run.probe_every, embed=embed_split,
                                  method=run.method.label, seed=run.seed,
                                  skip=[final_epoch], tasks=run.tasks, settings=run.probe)
    with distributed.share(_train_share, run):  # under torchrun: data-parallel over its ranks
        result = train(model, data.split("pretrain"), config, checkpoint_dir=directory,
                       callback=callback, identity=text_digest(spec))
    z = {s: embed_split(model, data.split(s)) for s in ("train", "test")}
    final = probe_embeddings(z, data, seed=run.seed, method=run.method.label, epoch=final_epoch,
                             tasks=run.tasks, settings=run.probe)
    records = result.records if result.records is not None and len(result.records) else None
    table = pd.concat([records, final], ignore_index=True) if records is not None else final
    write_csv(table, directory / "results.csv")
    history = result.history.assign(dataset=run.dataset.label, method=run.method.label,
                                    seed=run.seed)
    write_csv(history[list(TRAINING_COLUMNS)], directory / "training.csv")
    write_csv(ground_truth_table({run.dataset.label: data}), directory / "ground_truth.csv")
    reused = {} if weights_from is None else {"weights_from": weights_from}
    seal_run(directory, {
        "run": run.run_id, "dataset": run.dataset.label, "method": run.method.label,
        "seed": run.seed, "epochs": final_epoch, "device": str(device),
        "torch_threads": int(torch.get_num_threads()), "seconds": time.perf_counter() - start,
        "train_seconds": float(result.history["seconds"].sum()),
        "pairs_per_second": _overall_rate(result.history),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "config": config_id, **reused})


def _train_share(run: Run) -> None:
    """A torchrun rank's part of ``run`` (:func:`pid_bench.distributed.share`): the same model
    trained on its rows of each batch, while rank 0 checkpoints, probes and writes."""
    data = build_dataset(run.dataset)
    model = build_method(run.method, run.dataset, data, seed=run.seed)
    train(model, data.split("pretrain"), dataclasses.replace(run.train, progress=False))


def run_experiment(config: str | os.PathLike[str] | Mapping[str, Any] | ExperimentConfig,
                   out: str | os.PathLike[str], *, workers: int | None = None,
                   progress: bool = True, rerun_invalid: bool = False,
                   weights_from: str | os.PathLike[str] | None = None,
                   notify: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Run a grid of methods x datasets x seeds and write the results directory.

    The config is checked first (:func:`~pid_bench.experiment.building.check_config`); then
    the runner takes the directory's writer lock and checks its run directories (each finished
    run against the digests of its ``done.json``) before it writes anything. The directory's
    tables hold every finished run in it, also those of earlier grids; a grid whose labels name
    other settings than such runs is refused. A grid whose runs are all finished is read, and
    nothing written, where the directory is read-only. The runs go to the config's executor
    (:mod:`pid_bench.experiment.executors`); with ``device: cuda`` and several local workers,
    run i trains on GPU i mod (number of GPUs).

    On one CPU a run's numbers depend on its seed and on its number of threads only (thread
    count can change the order of floating-point sums): with ``threads`` set, any ``workers``
    and any executor give the same table. Another instruction set (AVX-512 against AVX2) picks
    other kernels, so float32 training there can give other numbers from the same seed.

    Parameters
    ----------
    config : path, mapping or ExperimentConfig
        The grid (see :mod:`pid_bench.experiment.config`).
    out : path
        Results directory (created; finished runs in it are skipped). Remote executors need it
        on a filesystem their workers share.
    workers : int, optional
        Runs at a time; the config's ``workers`` by default. Each local worker limits torch and
        BLAS to the config's ``threads`` (default: cores // workers). With 1 and the local
        executor, runs execute in this process, limited to ``threads`` when the config sets it
        (restored afterwards).
    progress : bool, default True
        Progress bars (training bars with one local worker, a bar over runs otherwise).
    rerun_invalid : bool, default False
        Run again the grid's runs whose files do not match their ``done.json`` (changed,
        truncated or missing), from their checkpoint where it is theirs; without it such a run
        is an error.
    weights_from : path, optional
        A results directory (never written) whose finished runs give their final weights to
        the runs of the same name still to do in ``out``, where they are the same training
        (:mod:`pid_bench.experiment.reprobe`): those are embedded and probed with this grid's
        settings, not trained, and their ``done.json`` records ``weights_from``. The others
        train as usual. The grid's ``probe_every`` must be 0.
    notify : callable, optional
        With ``weights_from``: called once, before any run starts, with one line that says
        how many runs reuse weights and why the others do not
        (:func:`~pid_bench.experiment.reprobe.reuse_summary`).

    Returns
    -------
    pandas.DataFrame
        The long-form results of every finished run of the directory (``out/results.csv``).

    Raises
    ------
    ValueError
        Any problem with the config, found before training starts.
    pid_bench.results_dir.ResultsDirError
        (a ``ValueError``) Another runner writing ``out``, a damaged run
        (:class:`~pid_bench.results_dir.RunInvalid`), a run directory made with another
        config, a read-only ``out`` with runs still to do, a remote worker that cannot
        reach ``out``, or a ``weights_from`` that is missing, not a results directory, or
        ``out`` itself.
    OSError
        A file that cannot be read or written.
    """
    config = load_config(config)
    if workers is not None:
        config = dataclasses.replace(config, workers=positive_int(workers, "workers"))
    out = Path(out).absolute() if config.executor.remote else Path(out)
    source = None if weights_from is None else Path(weights_from)
    if source is not None:
        check_weights_source(source, out, config.probe_every)
    datasets = check_config(config)
    runs = grid_runs(config, out)
    with contextlib.ExitStack() as stack:
        try:
            out.mkdir(parents=True, exist_ok=True)
            stack.enter_context(writer_lock(out))
        except OSError as exc:
            if exc.errno not in READ_ONLY_ERRNOS:
                raise
            return _read_only(runs, out, exc)
        pending, reset = _plan(runs, out, rerun_invalid)
        for run in reset:
            reset_run(Path(run.directory), spec_text(run.identity()))
        sources = {} if source is None else _take_weights(pending, source, notify)
        config_id = _record_config(config, out)
        _run_pending(config, len(runs), pending, datasets, config_id, out, progress, sources)
        return write_tables(out)


def _take_weights(pending: Sequence[Run], source: Path,
                  notify: Callable[[str], None] | None) -> dict[str, str]:
    """Give each pending run the final checkpoint of its namesake in ``source`` where that is
    the same training (retagged with the run's identity, in the run's directory); return
    run id -> the source run's directory, and tell ``notify`` how many and why not."""
    sources, reasons = {}, Counter()
    for run in pending:
        old = source / "runs" / run.run_id
        reason = why_not_reused(run.identity(), old, run.train.epochs)
        if reason is not None:
            reasons[reason] += 1
            continue
        retag_checkpoint(old / CHECKPOINT_NAME, Path(run.directory) / CHECKPOINT_NAME,
                         text_digest(spec_text(run.identity())))
        sources[run.run_id] = os.fspath(old.resolve())
    if notify is not None:
        notify(reuse_summary(source, len(sources), reasons))
    return sources


def _read_only(runs: Sequence[Run], out: Path, exc: OSError) -> pd.DataFrame:
    """The results of a finished grid in a directory this process cannot write."""
    todo = [r for r in runs if not _is_done(r)]
    if todo:
        raise ResultsDirError(f"results directory {out} cannot be written ({exc.strerror}) and "
                              f"{len(todo)} of the grid's {len(runs)} runs are not finished; "
                              f"make it writable, or pass another --out")
    _plan(runs, out, rerun_invalid=False)
    return union_tables(finished_runs(out))["results.csv"]


def _record_config(config: ExperimentConfig, out: Path) -> str:
    """Write ``config.yaml`` (this grid) and ``configs/<id>.yaml`` (every grid run into ``out``,
    by content), and ``environment.json``; return the config's id."""
    text = yaml.safe_dump(config.to_dict(), sort_keys=False)
    config_id = text_digest(text)[:12]
    kept = out / "configs" / f"{config_id}.yaml"
    if not kept.is_file():
        atomic_write_text(kept, text)
    atomic_write_text(out / "config.yaml", text)
    device = str(resolve_device(config.train.device))
    atomic_write_text(out / "environment.json", json.dumps(environment(device), indent=2))
    return config_id


def _run_pending(config: ExperimentConfig, total: int, pending: Sequence[Run],
                 datasets: Mapping[str, MultimodalDataset], config_id: str, out: Path,
                 progress: bool, sources: Mapping[str, str]) -> None:
    """Execute ``pending`` on the config's executor, rewriting the tables after each run;
    ``sources``: run id -> where its weights came from (:func:`_take_weights`)."""
    if distributed.launched() and config.executor.name != "local":
        raise ValueError(f"under torchrun each run trains data-parallel over its processes, "
                         f"here; executor {config.executor.name!r} would send runs elsewhere: "
                         f"use --executor local")
    inline = config.executor.name == "local" and (config.workers == 1 or len(pending) <= 1
                                                  or distributed.launched())
    if config.executor.name == "local" and not inline:
        pending = place_on_gpus(pending, torch.cuda.device_count())
    bar = _run_bar(total, total - len(pending), progress and not inline)
    with open_executor(config.executor, workers=config.workers, threads=config.threads, out=out,
                       runs=len(pending)) as executor:
        jobs: list[futures.Future] = []
        left: list[futures.Future] = []
        try:
            with batched(executor):
                for run in pending:
                    data = (datasets[run.dataset.label],) if inline else ()
                    reused = ({"weights_from": sources[run.run_id]}
                              if run.run_id in sources else {})
                    jobs.append(executor.submit(execute_run, run, progress and inline,
                                                config_id, *data, **reused))
                    if inline:  # done at submission: stop at the first failed run
                        _finish(jobs[-1], out, bar)
                    else:
                        left.append(jobs[-1])
            for job in futures.as_completed(left):
                _finish(job, out, bar)
        except BaseException:
            for job in jobs:
                job.cancel()
            raise
    if bar is not None:
        bar.close()


def _finish(job: futures.Future, out: Path, bar: Any) -> None:
    job.result()
    write_tables(out)
    if bar is not None:
        bar.update(1)


def _run_bar(total: int, done: int, enabled: bool) -> Any:
    if not enabled:
        return None
    return tqdm(total=total, initial=done, desc="runs", unit="run")
