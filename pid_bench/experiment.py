"""Grids of methods x datasets x seeds -> one long-form results table.

The composition layer: the only module of ``pid_bench`` (with the command line) that knows
dataset and method names. A config (a YAML file or a dict) names the datasets, the methods, the
seeds and the training and probe settings::

    datasets:                     # a name, or a mapping
      - name: latent              # "latent", "trifeature" or "file"
        label: latent_linear      # name in tables (default: the name)
        args: {depth: 0}          # keyword arguments of the generator ("file": {path: ...})
        augment: default          # "default" (synthetic.augment), "none", or options of the
                                  # defaults: {image: {blur_sigma: null}, vector: {...}}
    methods:                      # a registered name or "package.module:Class", or a mapping
      - comm
      - name: supervised
        label: supervised_synergy
        target_task: synergy
        hparams: {}               # keyword arguments of the method's constructor
        train: {lr: 3.0e-4}       # this method's changes to the grid's train settings
    seeds: [0, 1]
    train: {epochs: 20, batch_size: 256, lr: 1.0e-3}   # fields of pid_bench.train.TrainConfig
    probe: {c_grid: [0.01, 1.0]}  # fields of pid_bench.evaluate.ProbeSettings
    probe_every: 0                # also probe every k epochs during training (0: final only)
    tasks: null                   # tasks to probe (default: all)
    workers: 1                    # runs in parallel processes
    threads: null                 # torch and BLAS threads per run (default: cores / workers
                                  # in workers, torch's own choice with one worker)
    embed_batch_size: 512

Each (dataset, method, seed) is one run in ``out/runs/<dataset>__<method>__seed<k>/``: the
method is built with the seed, trained on the ``pretrain`` split (a checkpoint every epoch, so
an interrupted run resumes), its embeddings of ``train`` and ``test`` are probed
(:func:`pid_bench.evaluate.probe_embeddings`), and ``done.json`` marks it finished, sealing
its files with their digests (:mod:`pid_bench.results_dir`); a finished run is verified, and
skipped, on rerun. The datasets' own seeds come from their ``args`` (0 by default) and stay
fixed across runs: the grid's seeds vary initialisation, batches and augmentations. The whole
config is checked before any training (every method is built on every dataset and runs one
loss and one embedding on four samples); then, holding the directory's writer lock, the runner
refuses a run directory made with a different config, a damaged run (unless
``rerun_invalid``) and labels that finished runs of the directory use for other settings,
before it writes anything. The directory's tables hold all its finished runs. The results
directory is laid out as in docs/architecture.md ("Results directory").

On CPU a run's numbers depend on its seed and on its number of threads only (thread count can
change the order of floating-point sums): with ``threads`` set, any ``workers`` gives the same
table.
"""

from __future__ import annotations

import concurrent.futures as futures
import contextlib
import dataclasses
import difflib
import functools
import json
import multiprocessing
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from pid_bench.data import GROUND_TRUTH_COLUMNS, MultimodalDataset
from pid_bench.evaluate import ProbeSettings, probe_callback, probe_embeddings
from pid_bench.io import atomic_path, atomic_write_text
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
    table_text,
    text_digest,
    union_tables,
    writer_lock,
)

__all__ = [
    "DATASET_KINDS",
    "DatasetSpec",
    "ExperimentConfig",
    "MethodSpec",
    "build_dataset",
    "environment",
    "load_config",
    "read_config",
    "run_experiment",
    "summarize",
    "with_overrides",
]

#: Dataset kinds a config may name -> what builds them.
DATASET_KINDS = {
    "latent": "synthetic.latent:make_latent",
    "trifeature": "synthetic.trifeature:make_trifeature",
    "file": "pid_bench.data:MultimodalDataset.load",
}

_TOP_KEYS = {"datasets", "methods", "seeds", "train", "probe", "probe_every", "tasks", "workers",
             "threads", "embed_batch_size"}
_DATASET_KEYS = {"name", "label", "args", "augment"}
_METHOD_KEYS = {"name", "label", "target_task", "hparams", "train"}
#: Training settings that do not change the numbers of a run (or are set per run).
_RUNTIME_TRAIN_KEYS = ("device", "progress", "seed")
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")


# ---------------------------------------------------------------------------- config
@dataclass(frozen=True)
class DatasetSpec:
    """One dataset of the grid.

    Attributes
    ----------
    name : str
        Kind, one of ``DATASET_KINDS``.
    label : str
        Name in result tables and run directories.
    args : dict
        Keyword arguments of the generator (for ``"file"``: ``path``).
    augment : str or dict
        ``"default"`` (vector or image augmentations from ``synthetic.augment``), ``"none"``,
        or a mapping with keys ``"image"`` and/or ``"vector"``: the default augmentations with
        these keyword arguments of ``default_image_augment`` / ``default_vector_augment``.
        Options the generator records in the dataset's ``metadata["augment"]`` (the rotation of
        ``make_latent(unique_code="rotation")``) apply unless overridden here. ``image`` may also
        hold ``keep_colour`` (default: true for Trifeature, whose synergy task reads colour,
        false otherwise): false adds colour jitter and greyscale.
    """

    name: str
    label: str
    args: dict[str, Any] = field(default_factory=dict)
    augment: str | dict[str, Any] = "default"


@dataclass(frozen=True)
class MethodSpec:
    """One method of the grid.

    Attributes
    ----------
    name : str
        Registered name or import path ``"package.module:Class"``.
    label : str
        Name in result tables and run directories.
    target_task : str or None
        Task of supervised methods.
    hparams : dict
        Keyword arguments of the method's constructor.
    train : dict
        This method's changes to the grid's ``train`` settings (e.g. its own ``lr``).
    """

    name: str
    label: str
    target_task: str | None = None
    hparams: dict[str, Any] = field(default_factory=dict)
    train: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExperimentConfig:
    """A resolved grid: see the module docstring for the meaning of each field."""

    datasets: tuple[DatasetSpec, ...]
    methods: tuple[MethodSpec, ...]
    seeds: tuple[int, ...] = (0,)
    train: dict[str, Any] = field(default_factory=dict)
    probe: dict[str, Any] = field(default_factory=dict)
    probe_every: int = 0
    tasks: tuple[str, ...] | None = None
    workers: int = 1
    threads: int | None = None
    embed_batch_size: int = 512

    def to_dict(self) -> dict[str, Any]:
        """Plain data (lists, dicts, numbers), as written to ``config.yaml``."""
        return json.loads(json.dumps(dataclasses.asdict(self)))


def _mapping(value: object, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"{what} must be a mapping; received {type(value).__name__} {value!r}")
    return dict(value)


def _check_keys(entry: Mapping[str, Any], allowed: Iterable[str], what: str) -> None:
    """Raise for keys of ``entry`` not in ``allowed``, suggesting the close ones."""
    allowed = sorted(allowed)
    unknown = sorted(set(map(str, entry)) - set(allowed))
    if unknown:
        close = {k: m[0] for k in unknown if (m := difflib.get_close_matches(k, allowed, n=1))}
        hint = ", ".join(f"{m!r}" if len(unknown) == 1 else f"{m!r} for {k!r}"
                         for k, m in close.items())
        hint = f" (did you mean {hint}?)" if hint else ""
        raise ValueError(f"{what} has unknown keys {unknown}{hint}; expected keys among "
                         f"{allowed}")


def _positive_int(value: object, what: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{what} must be an integer >= {minimum}; received {value!r}")
    return int(value)


def _label(value: object, what: str) -> str:
    if not isinstance(value, str) or not _LABEL.match(value) or "__" in value:
        raise ValueError(f"{what} must be a name of letters, digits, '_', '.', '+', '-' (no '__'); "
                         f"received {value!r}")
    return value


def _dataset_spec(entry: object) -> DatasetSpec:
    entry = {"name": entry} if isinstance(entry, str) else _mapping(entry, "a dataset entry")
    _check_keys(entry, _DATASET_KEYS, f"dataset entry {entry!r}")
    name = entry.get("name")
    if name not in DATASET_KINDS:
        raise ValueError(f"unknown dataset {name!r}; known datasets: {', '.join(DATASET_KINDS)}")
    args = _mapping(entry.get("args"), f"args of dataset {name!r}")
    if name == "file" and "path" not in args:
        raise ValueError("dataset 'file' needs args: {path: <file written by "
                         "MultimodalDataset.save>}")
    default_label = Path(str(args["path"])).stem if name == "file" else name
    augment = entry.get("augment", "default")
    if isinstance(augment, Mapping):
        augment = _augment_options(augment, name)
    elif augment not in ("default", "none"):
        raise ValueError(f"augment of dataset {name!r} must be 'default', 'none' or a mapping "
                         f"{{image: {{...}}, vector: {{...}}}} of options; received {augment!r}")
    return DatasetSpec(name=name, label=_label(entry.get("label", default_label), "a dataset label"),
                       args=args, augment=augment)


def _augment_options(augment: Mapping[str, Any], dataset: str) -> dict[str, Any]:
    """Checked options of the default augmentations (``default_augment`` builds both kinds)."""
    from synthetic.augment import default_augment

    unknown = sorted(set(map(str, augment)) - {"image", "vector"})
    if unknown:
        raise ValueError(f"augment of dataset {dataset!r}: unknown keys {unknown}; a mapping of "
                         f"options has keys 'image' and/or 'vector'")
    options = {k: _mapping(v, f"augment.{k} of dataset {dataset!r}") for k, v in augment.items()}
    image = options.get("image", {})
    if not isinstance(image.get("keep_colour", False), bool):
        raise ValueError(f"augment.image.keep_colour of dataset {dataset!r} must be true or "
                         f"false; received {image['keep_colour']!r}")
    try:
        default_augment((), **_without_keep_colour(options))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"augment of dataset {dataset!r}: {exc}") from None
    return options


def _without_keep_colour(options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` with ``image.keep_colour`` (a runner option, not an augmentation's) left out."""
    out = dict(options)
    if "image" in out:
        out["image"] = {k: v for k, v in out["image"].items() if k != "keep_colour"}
    return out


def _method_spec(entry: object) -> MethodSpec:
    from pid_bench.methods import default_label

    entry = {"name": entry} if isinstance(entry, str) else _mapping(entry, "a method entry")
    _check_keys(entry, _METHOD_KEYS, f"method entry {entry!r}")
    name = entry.get("name")
    label = entry.get("label", default_label(name))
    target = entry.get("target_task")
    if target is not None and not isinstance(target, str):
        raise ValueError(f"target_task of method {name!r} must be a task name; received {target!r}")
    return MethodSpec(name=name, label=_label(label, "a method label"),
                      target_task=target,
                      hparams=_mapping(entry.get("hparams"), f"hparams of method {name!r}"),
                      train=_mapping(entry.get("train"), f"train of method {name!r}"))


def _unique_labels(specs: Sequence[DatasetSpec] | Sequence[MethodSpec], what: str) -> None:
    labels = [s.label for s in specs]
    repeated = sorted({x for x in labels if labels.count(x) > 1})
    if repeated:
        raise ValueError(f"{what} labels must be unique; {repeated} appear more than once (give "
                         f"each entry its own 'label')")


def read_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The raw mapping of a YAML config file (unchecked; see :func:`load_config`)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"config file {os.fspath(path)!r} does not exist")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"config file {os.fspath(path)!r} is not UTF-8 text ({exc.reason} at "
                         f"byte {exc.start}); give a YAML config") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"config file {os.fspath(path)!r} is not valid YAML: {exc}") from None
    return _mapping(raw, f"config file {os.fspath(path)!r}")


def with_overrides(config: Mapping[str, Any], *, methods: Sequence[str] | None = None,
                   datasets: Sequence[str] | None = None, seeds: Sequence[int] | None = None,
                   epochs: int | None = None, device: str | None = None,
                   precision: str | None = None, workers: int | None = None,
                   threads: int | None = None, target_task: str | None = None) -> dict[str, Any]:
    """A raw config with entries replaced, as the command line's flags do.

    Parameters
    ----------
    config : mapping
        A raw config (e.g. from :func:`read_config`).
    methods, datasets : sequence of str, optional
        Keep only these entries, in this order: an entry whose label (or name) matches is kept
        as configured; any other name becomes a new entry with default settings (a method may
        be an import path ``package.module:Class``).
    seeds : sequence of int, optional
        Replace the seeds.
    epochs : int, optional
        Replace ``train.epochs``; ``train.warmup_epochs`` is capped at it (in the grid's and
        in each method's own train settings).
    device, precision : str, optional
        Replace ``train.device`` and ``train.precision``, also where a method sets its own.
    workers, threads : int, optional
        Replace ``workers`` and ``threads``.
    target_task : str, optional
        The task of the supervised methods (subclasses of
        :class:`pid_bench.methods.supervised.Supervised`) whose entry sets no ``target_task``.

    Returns
    -------
    dict
        A new raw config; ``config`` is not modified.
    """
    out = json.loads(json.dumps(dict(config)))
    for key, names in (("methods", methods), ("datasets", datasets)):
        if names is not None:
            entries = out.get(key) or []
            by_label = {}
            for e in entries:
                e_map = {"name": e} if isinstance(e, str) else e
                if isinstance(e_map, Mapping):
                    by_label.setdefault(e_map.get("label", e_map.get("name")), e)
            out[key] = [by_label.get(n, n) for n in names]
    if seeds is not None:
        out["seeds"] = list(seeds)
    train = dict(_mapping(out.get("train"), "train"))
    if epochs is not None:
        train["epochs"] = epochs
        if isinstance(train.get("warmup_epochs"), int) and isinstance(epochs, int):
            train["warmup_epochs"] = min(train["warmup_epochs"], epochs)
    replaced = {k: v for k, v in (("device", device), ("precision", precision)) if v is not None}
    train.update(replaced)
    if train:
        out["train"] = train
    for entry in out.get("methods") or []:
        own = entry.get("train") if isinstance(entry, dict) else None
        if isinstance(own, dict):
            if epochs is not None and "epochs" in own:
                own["epochs"] = epochs
            if epochs is not None and isinstance(own.get("warmup_epochs"), int):
                own["warmup_epochs"] = min(own["warmup_epochs"], epochs)
            own.update({k: v for k, v in replaced.items() if k in own})
    if workers is not None:
        out["workers"] = workers
    if threads is not None:
        out["threads"] = threads
    if target_task is not None:
        out["methods"] = [_with_target_task(e, target_task) for e in out.get("methods") or []]
    return out


def _with_target_task(entry: object, task: str) -> object:
    """A method entry with ``target_task: task`` where its method is supervised and sets none."""
    spec = {"name": entry} if isinstance(entry, str) else entry
    if not isinstance(spec, dict) or spec.get("target_task") is not None:
        return entry
    try:
        needs = _needs_target_task(spec.get("name"))
    except ValueError:  # an unknown method: load_config says so
        return entry
    return {**spec, "target_task": task} if needs else entry


def _needs_target_task(name: object) -> bool:
    from pid_bench.methods import get_method
    from pid_bench.methods.supervised import Supervised

    return issubclass(get_method(name), Supervised)


def load_config(config: str | os.PathLike[str] | Mapping[str, Any] | ExperimentConfig
                ) -> ExperimentConfig:
    """Read and check a config: a YAML file, a mapping, or an ``ExperimentConfig``.

    Parameters
    ----------
    config : path, mapping or ExperimentConfig
        See the module docstring for the keys.

    Returns
    -------
    ExperimentConfig

    Raises
    ------
    ValueError
        Unknown keys, unknown dataset or method names, duplicate labels, bad seeds, bad training
        or probe settings.
    """
    if isinstance(config, ExperimentConfig):
        return config
    raw = read_config(config) if isinstance(config, (str, os.PathLike)) else _mapping(
        config, "the config")
    _check_keys(raw, _TOP_KEYS, "the config")
    for key in ("datasets", "methods"):
        if not isinstance(raw.get(key), list) or not raw[key]:
            raise ValueError(f"the config must list at least one entry under {key!r}; received "
                             f"{raw.get(key)!r}")
    datasets = tuple(_dataset_spec(e) for e in raw["datasets"])
    methods = tuple(_method_spec(e) for e in raw["methods"])
    _unique_labels(datasets, "dataset")
    _unique_labels(methods, "method")
    seeds = raw.get("seeds", [0])
    seeds = [seeds] if isinstance(seeds, int) and not isinstance(seeds, bool) else seeds
    if not isinstance(seeds, list) or not seeds:
        raise ValueError(f"seeds must be a non-empty list of integers; received {seeds!r}")
    seeds = tuple(_positive_int(s, "every seed", 0) for s in seeds)
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct; received {list(seeds)}")
    tasks = raw.get("tasks")
    if tasks is not None and (not isinstance(tasks, list) or not all(isinstance(t, str) for t in tasks)):
        raise ValueError(f"tasks must be a list of task names; received {tasks!r}")
    threads = raw.get("threads")
    train = _mapping(raw.get("train"), "train")
    resolved_train = _train_settings(train)
    for m in methods:
        try:
            _train_settings({**train, **m.train})
        except ValueError as exc:
            raise ValueError(f"method {m.label!r}: {exc}") from None
    return ExperimentConfig(
        datasets=datasets, methods=methods, seeds=seeds,
        train=resolved_train,
        probe=dataclasses.asdict(_probe_settings(_mapping(raw.get("probe"), "probe"))),
        probe_every=_positive_int(raw.get("probe_every", 0), "probe_every", 0),
        tasks=None if tasks is None else tuple(tasks),
        workers=_positive_int(raw.get("workers", 1), "workers"),
        threads=None if threads is None else _positive_int(threads, "threads"),
        embed_batch_size=_positive_int(raw.get("embed_batch_size", 512), "embed_batch_size"))


def _train_settings(train: dict[str, Any]) -> dict[str, Any]:
    from pid_bench.train import TrainConfig

    if "seed" in train:
        raise ValueError("train must not set 'seed': the grid's 'seeds' set it per run")
    _check_keys(train, [f.name for f in dataclasses.fields(TrainConfig) if f.name != "seed"],
                "train (fields of pid_bench.train.TrainConfig)")
    out = dataclasses.asdict(TrainConfig(**train, seed=0))
    out.pop("seed")
    return out


def _probe_settings(probe: dict[str, Any]) -> ProbeSettings:
    _check_keys(probe, [f.name for f in dataclasses.fields(ProbeSettings)],
                "probe (fields of pid_bench.evaluate.ProbeSettings)")
    return ProbeSettings(**probe)


# ---------------------------------------------------------------------------- building blocks
def _import(path: str) -> Callable[..., Any]:
    import importlib

    module_name, _, attr = path.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def build_dataset(spec: DatasetSpec) -> MultimodalDataset:
    """Build (or load) the dataset of one spec, named by its label.

    Raises
    ------
    ValueError
        Arguments the generator rejects (its own message), unknown arguments, a missing file.
    """
    factory = _import(DATASET_KINDS[spec.name])
    try:
        data = factory(**spec.args)
    except TypeError as exc:
        raise ValueError(f"dataset {spec.label!r} ({spec.name}): bad arguments {sorted(spec.args)}: "
                         f"{exc}") from None
    except FileNotFoundError as exc:
        raise ValueError(f"dataset {spec.label!r}: {exc}") from None
    return dataclasses.replace(data, name=spec.label)


def _augmentations(spec: DatasetSpec, data: MultimodalDataset) -> tuple[Any, ...]:
    if spec.augment == "none":
        return (None,) * len(data.modalities)
    from synthetic.augment import dataset_augment

    options = spec.augment if isinstance(spec.augment, dict) else {}
    # Trifeature's synergy task reads colour: by default leave out the augmentations that change
    # it (image.keep_colour: false puts them back). The generator's own needs
    # (metadata["augment"]) are the defaults of the options.
    keep_colour = options.get("image", {}).get("keep_colour", spec.name == "trifeature")
    try:
        return dataset_augment(data, keep_colour=keep_colour, **_without_keep_colour(options))
    except ValueError as exc:
        raise ValueError(f"dataset {spec.label!r}: {exc}; set 'augment: none'") from None


def _build_method(method: MethodSpec, dataset: DatasetSpec, data: MultimodalDataset, seed: int):
    from pid_bench.methods import MethodContext, get_method

    context = MethodContext.from_dataset(data, augment=_augmentations(dataset, data),
                                         target_task=method.target_task)
    return get_method(method.name)(context, seed=seed, **method.hparams)


def _dry_run(method: MethodSpec, dataset: DatasetSpec, data: MultimodalDataset) -> None:
    """Build the method on the dataset, train one step on a few samples and embed them."""
    from pid_bench.train import TrainConfig, embed, train

    where = f"method {method.label!r} ({method.name}) on dataset {dataset.label!r}"
    shapes = {k: tuple(np.shape(v)[1:]) for k, v in data.modalities.items()}
    pretrain = data.split("pretrain")
    tiny = pretrain.subset(np.arange(min(8, pretrain.n_samples)))
    try:
        model = _build_method(method, dataset, data, seed=0)
        train(model, tiny, TrainConfig(epochs=1, batch_size=max(2, tiny.n_samples),
                                       device="cpu", progress=False))
        z = embed(model, tiny, device="cpu")
    except (ValueError, TypeError, RuntimeError) as exc:
        raise ValueError(f"{where} cannot run (dataset modalities {shapes}): {exc}") from None
    if z.ndim != 2 or z.shape[0] != tiny.n_samples:
        raise ValueError(f"{where}: embed must return shape (n, d) = ({tiny.n_samples}, d); "
                         f"received {tuple(z.shape)}")


# ---------------------------------------------------------------------------- runs
@dataclass(frozen=True)
class _Run:
    dataset: DatasetSpec
    method: MethodSpec
    seed: int
    train: dict[str, Any]
    probe: dict[str, Any]
    probe_every: int
    tasks: tuple[str, ...] | None
    embed_batch_size: int
    directory: str

    @property
    def run_id(self) -> str:
        return f"{self.dataset.label}__{self.method.label}__seed{self.seed}"

    def identity(self) -> dict[str, Any]:
        """What fixes the numbers of this run (not the device or the progress bar).

        A method's own train settings are already merged into ``train``.
        """
        data = json.loads(json.dumps(dataclasses.asdict(self)))
        data.pop("directory")
        data["method"].pop("train")
        for key in _RUNTIME_TRAIN_KEYS:
            data["train"].pop(key, None)
        return data


def _runs(config: ExperimentConfig, out: Path) -> list[_Run]:
    return [_Run(dataset=d, method=m, seed=s, train={**config.train, **m.train},
                 probe=config.probe,
                 probe_every=config.probe_every, tasks=config.tasks,
                 embed_batch_size=config.embed_batch_size,
                 directory=os.fspath(out / "runs" / f"{d.label}__{m.label}__seed{s}"))
            for d in config.datasets for m in config.methods for s in config.seeds]


def _is_done(run: _Run) -> bool:
    return (Path(run.directory) / DONE).is_file()


def _plan(runs: Sequence[_Run], out: Path, rerun_invalid: bool) -> tuple[list[_Run], list[_Run]]:
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


def _execute(run: _Run, progress: bool, config_id: str,
             data: MultimodalDataset | None = None) -> None:
    """Train, embed, probe and write one run's files (in this process).

    ``data`` is the run's dataset when already built (else it is built from the spec).
    ``config_id`` names the config in ``configs/`` that the run is part of. The run's
    directory has been checked (:func:`_plan`): ``spec.json`` is written where it is missing,
    and the checkpoint, if any, was written by this run.
    """
    from pid_bench.train import TrainConfig, embed, resolve_device, train

    start = time.perf_counter()
    directory = Path(run.directory)
    spec = spec_text(run.identity())
    if not (directory / SPEC).is_file():
        atomic_write_text(directory / SPEC, spec)
    data = build_dataset(run.dataset) if data is None else data
    model = _build_method(run.method, run.dataset, data, run.seed)
    config = TrainConfig(**{**run.train, "progress": progress}, seed=run.seed)
    device = resolve_device(config.device)
    settings = ProbeSettings(**run.probe)
    embed_split = functools.partial(embed, batch_size=run.embed_batch_size, device=device)
    final_epoch = config.epochs if model.trainable else 0
    callback = None
    if run.probe_every:
        callback = probe_callback(data, every=run.probe_every, embed=embed_split,
                                  method=run.method.label, seed=run.seed,
                                  skip=[final_epoch], tasks=run.tasks, settings=settings)
    result = train(model, data.split("pretrain"), config, checkpoint_dir=directory,
                   callback=callback, identity=text_digest(spec))
    z = {s: embed_split(model, data.split(s)) for s in ("train", "test")}
    final = probe_embeddings(z, data, seed=run.seed, method=run.method.label, epoch=final_epoch,
                    tasks=run.tasks, settings=settings)
    records = result.records if result.records is not None and len(result.records) else None
    table = pd.concat([records, final], ignore_index=True) if records is not None else final
    _write_csv(table, directory / "results.csv")
    history = result.history.assign(dataset=run.dataset.label, method=run.method.label,
                                    seed=run.seed)
    _write_csv(history[list(_TRAINING_COLUMNS)], directory / "training.csv")
    _write_csv(_ground_truth_table({run.dataset.label: data}), directory / "ground_truth.csv")
    seal_run(directory, {
        "run": run.run_id, "dataset": run.dataset.label, "method": run.method.label,
        "seed": run.seed, "epochs": final_epoch, "device": str(device),
        "torch_threads": _torch_threads(), "seconds": time.perf_counter() - start,
        "train_seconds": float(result.history["seconds"].sum()),
        "pairs_per_second": _overall_rate(result.history),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "config": config_id})


def _overall_rate(history: pd.DataFrame) -> float | None:
    """Training pairs per second over all epochs (None when nothing was trained)."""
    seconds = float(history["seconds"].sum())
    pairs = float((history["pairs_per_second"] * history["seconds"]).sum())
    return pairs / seconds if seconds > 0 else None


_TRAINING_COLUMNS = ("dataset", "method", "seed", "epoch", "loss", "seconds", "pairs_per_second")


def _torch_threads() -> int:
    import torch

    return int(torch.get_num_threads())


@contextlib.contextmanager
def _thread_limits(threads: int | None) -> Iterator[None]:
    """Limit torch and BLAS to ``threads`` inside the block (no limit when None)."""
    if threads is None:
        yield
        return
    import threadpoolctl
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with threadpoolctl.threadpool_limits(limits=threads):
            yield
    finally:
        torch.set_num_threads(before)


#: BLAS thread limits of a worker process, kept alive for the life of the process.
_WORKER_LIMITS: list[Any] = []


def _init_worker(threads: int, parent: int) -> None:
    import threading

    import threadpoolctl
    import torch

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


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    atomic_write_text(path, table_text(table))


def _write_tables(out: Path) -> pd.DataFrame:
    """Write the directory's tables, those of its verified finished runs; return results."""
    tables = union_tables(finished_runs(out))
    for name, table in tables.items():
        _write_csv(table, out / name)
    if _has_pyarrow():
        with atomic_path(out / "results.parquet") as tmp:
            tables["results.csv"].to_parquet(tmp, index=False)
    return tables["results.csv"]


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------------------- provenance
def _git_commit() -> dict[str, Any]:
    root = Path(__file__).resolve().parents[1]
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
    """Python and package versions, platform, CPU, device and git commit of this process."""
    packages = {}
    for name in ("pid-bench", "numpy", "scipy", "pandas", "scikit-learn", "torch", "pyyaml",
                 "pyarrow"):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    return {"python": sys.version.split()[0], "platform": platform.platform(),
            "cpu": _cpu_name(), "cpu_count": os.cpu_count(), "device": device,
            "packages": packages, **_git_commit()}


def _ground_truth_table(datasets: Mapping[str, MultimodalDataset]) -> pd.DataFrame:
    frames = [d.ground_truth.rename_axis("task").reset_index().assign(dataset=label)
              for label, d in datasets.items()]
    return pd.concat(frames, ignore_index=True)[["dataset", "task", *GROUND_TRUTH_COLUMNS]]


# ---------------------------------------------------------------------------- the grid
def _validate(config: ExperimentConfig) -> dict[str, MultimodalDataset]:
    datasets = {spec.label: build_dataset(spec) for spec in config.datasets}
    for spec in config.datasets:
        data = datasets[spec.label]
        missing = [t for t in (config.tasks or ()) if t not in data.tasks]
        if missing:
            raise ValueError(f"tasks {missing} are missing from dataset {spec.label!r}, whose "
                             f"tasks are {list(data.tasks)}")
        for method in config.methods:
            if method.target_task is None and _needs_target_task(method.name):
                raise ValueError(f"method {method.label!r} trains on the labels of one task, "
                                 f"which nothing names: set 'target_task: TASK' in its config "
                                 f"entry, or pass --target-task TASK (tasks of dataset "
                                 f"{spec.label!r}: {', '.join(data.tasks)})")
            if method.target_task is not None and method.target_task not in data.tasks:
                raise ValueError(f"target_task {method.target_task!r} of method {method.label!r} "
                                 f"is missing from dataset {spec.label!r}, whose tasks are "
                                 f"{list(data.tasks)}")
            _dry_run(method, spec, data)
    return datasets


def run_experiment(config: str | os.PathLike[str] | Mapping[str, Any] | ExperimentConfig,
                   out: str | os.PathLike[str], *, workers: int | None = None,
                   progress: bool = True, rerun_invalid: bool = False) -> pd.DataFrame:
    """Run a grid of methods x datasets x seeds and write the results directory.

    The config is checked first; then the runner takes the directory's writer lock and checks
    its run directories (each finished run against the digests of its ``done.json``) before it
    writes anything. The directory's tables hold every finished run in it, also those of
    earlier grids; a grid whose labels name other settings than such runs is refused. A grid
    whose runs are all finished is read, and nothing written, where the directory is read-only.

    Parameters
    ----------
    config : path, mapping or ExperimentConfig
        The grid (see the module docstring).
    out : path
        Results directory (created; finished runs in it are skipped).
    workers : int, optional
        Runs in parallel processes; the config's ``workers`` by default. Each worker limits
        torch and BLAS to the config's ``threads`` (default: cores // workers). With 1, runs
        execute in this process, limited to ``threads`` when the config sets it (restored
        afterwards).
    progress : bool, default True
        Progress bars (training bars with one worker, a bar over runs otherwise).
    rerun_invalid : bool, default False
        Run again the grid's runs whose files do not match their ``done.json`` (changed,
        truncated or missing), from their checkpoint where it is theirs; without it such a run
        is an error.

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
        config, or a read-only ``out`` with runs still to do.
    OSError
        A file that cannot be read or written.
    """
    config = load_config(config)
    workers = config.workers if workers is None else _positive_int(workers, "workers")
    out = Path(out)
    datasets = _validate(config)
    runs = _runs(config, out)
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
        config_id = _record_config(config, workers, out)
        _run_pending(config, runs, pending, datasets, workers, config_id, out, progress)
        return _write_tables(out)


def _read_only(runs: Sequence[_Run], out: Path, exc: OSError) -> pd.DataFrame:
    """The results of a finished grid in a directory this process cannot write."""
    todo = [r for r in runs if not _is_done(r)]
    if todo:
        raise ResultsDirError(f"results directory {out} cannot be written ({exc.strerror}) and "
                              f"{len(todo)} of the grid's {len(runs)} runs are not finished; "
                              f"make it writable, or pass another --out")
    _plan(runs, out, rerun_invalid=False)
    return union_tables(finished_runs(out))["results.csv"]


def _record_config(config: ExperimentConfig, workers: int, out: Path) -> str:
    """Write ``config.yaml`` (this grid) and ``configs/<id>.yaml`` (every grid run into ``out``,
    by content), and ``environment.json``; return the config's id."""
    from pid_bench.train import resolve_device

    text = yaml.safe_dump({**config.to_dict(), "workers": workers}, sort_keys=False)
    config_id = text_digest(text)[:12]
    kept = out / "configs" / f"{config_id}.yaml"
    if not kept.is_file():
        atomic_write_text(kept, text)
    atomic_write_text(out / "config.yaml", text)
    device = str(resolve_device(config.train.get("device", "auto")))
    atomic_write_text(out / "environment.json", json.dumps(environment(device), indent=2))
    return config_id


def _run_pending(config: ExperimentConfig, runs: Sequence[_Run], pending: Sequence[_Run],
                 datasets: Mapping[str, MultimodalDataset], workers: int, config_id: str,
                 out: Path, progress: bool) -> None:
    """Execute ``pending`` (in this process or a pool), rewriting the tables after each run."""
    bar = _run_bar(len(runs), len(runs) - len(pending), progress and workers > 1)
    if workers == 1 or len(pending) <= 1:
        with _thread_limits(config.threads):
            for run in pending:
                _execute(run, progress, config_id, datasets[run.dataset.label])
                _write_tables(out)
    else:
        threads = config.threads or max(1, (os.cpu_count() or 1) // workers)
        context = multiprocessing.get_context("spawn")
        with futures.ProcessPoolExecutor(max_workers=min(workers, len(pending)), mp_context=context,
                                         initializer=_init_worker,
                                         initargs=(threads, os.getpid())) as pool:
            jobs = [pool.submit(_execute, run, False, config_id) for run in pending]
            try:
                for job in futures.as_completed(jobs):
                    job.result()
                    _write_tables(out)
                    if bar is not None:
                        bar.update(1)
            except BaseException:
                for job in jobs:
                    job.cancel()
                raise
    if bar is not None:
        bar.close()


def _run_bar(total: int, done: int, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=done, desc="runs", unit="run")


# ---------------------------------------------------------------------------- summary
def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """Mean over seeds of the final-epoch balanced accuracy and captured bits, per task.

    Rows without an epoch (``probe_embeddings`` called without ``epoch=``) count as final, and
    rows without a seed as one seed.

    Parameters
    ----------
    results : pandas.DataFrame
        A long-form results table (``run_experiment``'s output).

    Returns
    -------
    pandas.DataFrame
        One row per (dataset, task, method), in the table's order, with ``seeds``,
        ``balanced_accuracy`` and its standard deviation over seeds ``balanced_accuracy_sd``
        (%; missing for continuous tasks), its ``chance`` level (%), ``captured_bits`` (mean,
        bits) and the task's ground truth ``gt_*`` (bits).
    """
    keys = ["dataset", "task", "method"]
    gt = [f"gt_{c}" for c in GROUND_TRUTH_COLUMNS]
    columns = [*keys, "seeds", "balanced_accuracy", "balanced_accuracy_sd", "chance",
               "captured_bits", *gt]
    if results.empty:
        return pd.DataFrame(columns=columns)
    last = results.groupby(["dataset", "method", "seed"], dropna=False)["epoch"].transform("max")
    # Rows without an epoch (embeddings probed outside training) are final results too.
    final = results[results["epoch"].isna() | results["epoch"].eq(last).fillna(False)]
    bits = final[final.metric == "captured_bits"].groupby(keys, sort=False).agg(
        seeds=("seed", lambda s: s.nunique(dropna=False)), captured_bits=("value", "mean"),
        **{c: (c, "first") for c in gt})
    accuracy = final[final.metric == "balanced_accuracy"].groupby(keys, sort=False).agg(
        balanced_accuracy=("value", "mean"), balanced_accuracy_sd=("value", "std"),
        chance=("chance", "first"))
    return bits.join(accuracy, how="left").reset_index()[columns]
