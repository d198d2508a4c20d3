"""The grid's config: a YAML file (or a mapping) parsed into one typed, frozen object.

Parsing needs neither torch nor scikit-learn: the training and probe settings are the
dataclasses of :mod:`pid_bench.settings`. A config names the datasets, the methods, the seeds,
the training and probe settings and where the runs execute::

    datasets:                     # a name, or a mapping
      - name: latent              # a kind of pid_bench.experiment.building.DATASET_KINDS
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
      - name: factorcl
        datasets: [latent_linear] # run it on these dataset labels only (default: on all)
    seeds: [0, 1]
    train: {epochs: 20, batch_size: 256, lr: 1.0e-3}   # fields of pid_bench.train.TrainConfig
    probe: {c_grid: [0.01, 1.0]}  # fields of pid_bench.evaluate.ProbeSettings
    probe_every: 0                # also probe every k epochs during training (0: final only)
    tasks: null                   # tasks to probe (default: all)
    workers: 1                    # runs at a time (processes, Dask workers, SLURM array cap)
    threads: null                 # torch and BLAS threads per run (default: cores / workers
                                  # in local workers, torch's own choice with one worker)
    embed_batch_size: 512
    executor: local               # or {name: slurm, partition: gpu, time_min: 120, ...}
                                  # or {name: dask, scheduler: "tcp://host:8786"}

:func:`load_config` checks everything that can be checked without building: keys (with the
close one suggested), labels, seeds, the training and probe settings, the executor. What needs
the datasets and the methods themselves (dataset kinds and arguments, method names,
augmentation options, one training step of each method on each dataset) is checked by
:func:`pid_bench.experiment.building.check_config`, which ``run_experiment`` calls before any
training.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from pid_bench.settings import ProbeSettings, TrainConfig

__all__ = [
    "EXECUTORS",
    "DatasetSpec",
    "ExecutorSpec",
    "ExperimentConfig",
    "MethodSpec",
    "load_config",
    "read_config",
    "with_overrides",
]

#: Executor names -> the keys of their config entry besides ``name``.
EXECUTORS = {
    "local": (),
    "dask": ("scheduler",),
    "slurm": ("partition", "time_min", "cpus_per_run", "gpus_per_run", "cluster"),
}

_TOP_KEYS = {"datasets", "methods", "seeds", "train", "probe", "probe_every", "tasks", "workers",
             "threads", "embed_batch_size", "executor"}
_DATASET_KEYS = {"name", "label", "args", "augment"}
_METHOD_KEYS = {"name", "label", "target_task", "hparams", "train", "datasets"}
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")
_SCHEDULER = re.compile(r"^(tcp|tls|inproc|ucx|ws|wss)://\S+$")


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset of the grid.

    Attributes
    ----------
    name : str
        Kind, one of :data:`pid_bench.experiment.building.DATASET_KINDS`.
    label : str
        Name in result tables and run directories.
    args : dict
        Keyword arguments of the generator (for ``"file"``: ``path``).
    augment : str or dict
        ``"default"`` (vector or image augmentations from ``synthetic.augment``), ``"none"``,
        or a mapping with keys ``"image"``, ``"vector"`` and/or ``"sequence"``: the default augmentations with
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
        This method's changes to the grid's ``train`` settings (e.g. its own ``lr``); checked
        against :class:`~pid_bench.settings.TrainConfig` when the config is loaded.
    datasets : tuple of str or None
        Labels of the grid's datasets that this method runs on, None for all of them (e.g. a
        bimodal method left out of a dataset of three modalities). It decides which runs the
        grid has, not their numbers: it is not part of a run's identity.
    """

    name: str
    label: str
    target_task: str | None = None
    hparams: dict[str, Any] = field(default_factory=dict)
    train: dict[str, Any] = field(default_factory=dict)
    datasets: tuple[str, ...] | None = None

    def runs_on(self, dataset: str) -> bool:
        """Whether the grid runs this method on the dataset of label ``dataset``."""
        return self.datasets is None or dataset in self.datasets


@dataclass(frozen=True)
class ExecutorSpec:
    """Where the grid's runs execute.

    Attributes
    ----------
    name : {"local", "slurm", "dask"}
        ``"local"``: this machine (a process pool of ``workers`` processes, or this process
        with one worker). ``"slurm"``: one SLURM job array through submitit, at most
        ``workers`` runs at a time. ``"dask"``: the workers of a Dask cluster. Remote workers
        need the results directory on a filesystem they share with the submitting machine.
    scheduler : str or None
        Dask: address ``"tcp://HOST:PORT"`` of the scheduler; None starts a local cluster of
        ``workers`` processes on 127.0.0.1.
    partition : str or None
        SLURM partition (None: the cluster's default).
    time_min : int
        SLURM time limit of one run, minutes. A run stopped at its limit or preempted is
        requeued and resumes from its last checkpoint.
    cpus_per_run, gpus_per_run : int
        SLURM resources of one run.
    cluster : {None, "slurm", "local"}
        submitit's cluster: None picks SLURM where ``sbatch`` exists and local processes
        elsewhere; ``"local"`` runs the jobs as local processes (for tests and laptops).
    """

    name: str = "local"
    scheduler: str | None = None
    partition: str | None = None
    time_min: int = 60
    cpus_per_run: int = 1
    gpus_per_run: int = 0
    cluster: str | None = None

    def __post_init__(self) -> None:
        if self.name not in EXECUTORS:
            raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}; received "
                             f"{self.name!r}")
        defaults = ExecutorSpec.__dataclass_fields__
        foreign = [k for k in ("scheduler", "partition", "time_min", "cpus_per_run",
                               "gpus_per_run", "cluster")
                   if getattr(self, k) != defaults[k].default and k not in EXECUTORS[self.name]]
        if foreign:
            raise ValueError(f"executor {self.name!r} takes no {', '.join(foreign)} (those are "
                             f"settings of {', '.join(_owners(foreign))})")
        if self.scheduler is not None and not (isinstance(self.scheduler, str)
                                               and _SCHEDULER.match(self.scheduler)):
            raise ValueError(f"scheduler must be an address like 'tcp://HOST:PORT'; received "
                             f"{self.scheduler!r}")
        if self.partition is not None and not isinstance(self.partition, str):
            raise ValueError(f"partition must be a name; received {self.partition!r}")
        positive_int(self.time_min, "executor time_min")
        positive_int(self.cpus_per_run, "executor cpus_per_run")
        positive_int(self.gpus_per_run, "executor gpus_per_run", 0)
        if self.cluster not in (None, "slurm", "local"):
            raise ValueError(f"executor cluster must be null, 'slurm' or 'local'; received "
                             f"{self.cluster!r}")

    @property
    def remote(self) -> bool:
        """Whether runs may execute on other machines (which must see the results directory)."""
        return self.name != "local"


def _owners(keys: Sequence[str]) -> list[str]:
    return sorted({name for name, own in EXECUTORS.items() for k in keys if k in own})


@dataclass(frozen=True)
class ExperimentConfig:
    """A resolved grid: see the module docstring for the meaning of each field.

    ``train`` holds the grid's training settings (its ``seed`` is unused: each run takes one of
    ``seeds``); a method's ``train`` entries change them for its runs only.
    """

    datasets: tuple[DatasetSpec, ...]
    methods: tuple[MethodSpec, ...]
    seeds: tuple[int, ...] = (0,)
    train: TrainConfig = field(default_factory=TrainConfig)
    probe: ProbeSettings = field(default_factory=ProbeSettings)
    probe_every: int = 0
    tasks: tuple[str, ...] | None = None
    workers: int = 1
    threads: int | None = None
    embed_batch_size: int = 512
    executor: ExecutorSpec = field(default_factory=ExecutorSpec)

    def cells(self) -> tuple[tuple[DatasetSpec, MethodSpec], ...]:
        """The (dataset, method) pairs of the grid, dataset by dataset in the config's order,
        without those a method's ``datasets`` leaves out."""
        return tuple((d, m) for d in self.datasets for m in self.methods if m.runs_on(d.label))

    def method_train(self, method: MethodSpec) -> TrainConfig:
        """The training settings of ``method``'s runs: the grid's, changed by its own."""
        return dataclasses.replace(self.train, **method.train)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (lists, dicts, numbers), as written to ``config.yaml``; loads back equal."""
        data = json.loads(json.dumps(dataclasses.asdict(self)))
        data["train"].pop("seed")
        for method in data["methods"]:  # as written before the key existed, where unused
            if method["datasets"] is None:
                del method["datasets"]
        data["executor"] = {k: v for k, v in data["executor"].items()
                            if k == "name" or k in EXECUTORS[self.executor.name]}
        return data


def _mapping(value: object, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"{what} must be a mapping; received {type(value).__name__} {value!r}")
    return dict(value)


def check_keys(entry: Mapping[str, Any], allowed: Iterable[str], what: str) -> None:
    """Raise ``ValueError`` for keys of ``entry`` not in ``allowed``, suggesting close ones."""
    allowed = sorted(allowed)
    unknown = sorted(set(map(str, entry)) - set(allowed))
    if unknown:
        close = {k: m[0] for k in unknown if (m := difflib.get_close_matches(k, allowed, n=1))}
        hint = ", ".join(f"{m!r}" if len(unknown) == 1 else f"{m!r} for {k!r}"
                         for k, m in close.items())
        hint = f" (did you mean {hint}?)" if hint else ""
        raise ValueError(f"{what} has unknown keys {unknown}{hint}; expected keys among "
                         f"{allowed}")


def positive_int(value: object, what: str, minimum: int = 1) -> int:
    """``value`` as an int, or ``ValueError`` naming ``what`` unless it is an integer >= minimum."""
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
    check_keys(entry, _DATASET_KEYS, f"dataset entry {entry!r}")
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError(f"a dataset entry needs a 'name' (a dataset kind); received {name!r}")
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
    """The shape of the augmentation options; their values are checked when the grid is built."""
    unknown = sorted(set(map(str, augment)) - {"image", "vector", "sequence"})
    if unknown:
        raise ValueError(f"augment of dataset {dataset!r}: unknown keys {unknown}; a mapping of "
                         f"options has keys 'image', 'vector' and/or 'sequence'")
    options = {k: _mapping(v, f"augment.{k} of dataset {dataset!r}") for k, v in augment.items()}
    image = options.get("image", {})
    if not isinstance(image.get("keep_colour", False), bool):
        raise ValueError(f"augment.image.keep_colour of dataset {dataset!r} must be true or "
                         f"false; received {image['keep_colour']!r}")
    return options


def _method_label(name: str) -> str:
    """A method's label when its entry gives none: its name; for an import path, the label
    that :func:`pid_bench.methods.default_label` gives its class."""
    if ":" not in name:
        return name
    # A user's class is named by its own ``name`` attribute: importing it imports its module
    # (and torch), which only a config naming an import path asks for.
    from pid_bench.methods import default_label

    return default_label(name)


def _method_spec(entry: object) -> MethodSpec:
    entry = {"name": entry} if isinstance(entry, str) else _mapping(entry, "a method entry")
    check_keys(entry, _METHOD_KEYS, f"method entry {entry!r}")
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError(f"a method entry needs a 'name' (a registered name or "
                         f"'package.module:Class'); received {name!r}")
    target = entry.get("target_task")
    if target is not None and not isinstance(target, str):
        raise ValueError(f"target_task of method {name!r} must be a task name; received {target!r}")
    train = _mapping(entry.get("train"), f"train of method {name!r}")
    return MethodSpec(name=name, label=_label(entry.get("label", _method_label(name)),
                                              "a method label"),
                      target_task=target,
                      hparams=_mapping(entry.get("hparams"), f"hparams of method {name!r}"),
                      train=train, datasets=_method_datasets(entry.get("datasets"), name))


def _method_datasets(value: object, method: str) -> tuple[str, ...] | None:
    """The ``datasets`` of a method entry: None, or a non-empty list of distinct labels (that
    they are the config's labels is checked with the whole config)."""
    if value is None:
        return None
    if (not isinstance(value, (list, tuple)) or not value
            or not all(isinstance(v, str) for v in value)):
        raise ValueError(f"datasets of method {method!r} must be a non-empty list of dataset "
                         f"labels; received {value!r}")
    if len(set(value)) != len(value):
        raise ValueError(f"datasets of method {method!r} must be distinct; received "
                         f"{list(value)}")
    return tuple(value)


def _executor_spec(entry: object) -> ExecutorSpec:
    entry = {"name": entry} if isinstance(entry, str) else _mapping(entry, "executor")
    name = entry.get("name", "local")
    if name not in EXECUTORS:
        raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}; received {name!r}")
    check_keys(entry, ("name", *EXECUTORS[name]), f"executor {name!r}")
    return ExecutorSpec(**entry)


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


def _check_train_keys(train: Mapping[str, Any]) -> None:
    if "seed" in train:
        raise ValueError("train must not set 'seed': the grid's 'seeds' set it per run")
    check_keys(train, [f.name for f in dataclasses.fields(TrainConfig) if f.name != "seed"],
               "train (fields of pid_bench.train.TrainConfig)")


def _checked(config: ExperimentConfig) -> ExperimentConfig:
    """``config``, once its labels are unique, each method's training settings are valid and
    its ``datasets`` name datasets of the grid, and every dataset has a method to run."""
    _unique_labels(config.datasets, "dataset")
    _unique_labels(config.methods, "method")
    labels = [d.label for d in config.datasets]
    for m in config.methods:
        try:
            _check_train_keys(m.train)
            config.method_train(m)
        except ValueError as exc:
            raise ValueError(f"method {m.label!r}: {exc}") from None
        unknown = [d for d in m.datasets or () if d not in labels]
        if unknown:
            close = {d: c[0] for d in unknown if (c := difflib.get_close_matches(d, labels, n=1))}
            hint = "".join(f"; did you mean {c!r} for {d!r}?" for d, c in close.items())
            raise ValueError(f"method {m.label!r}: datasets {unknown} are not labels of the "
                             f"config's datasets, which are {labels}{hint}")
    if not config.methods or not config.datasets:
        raise ValueError("the grid has no (dataset, method) pair to run: it needs at least one "
                         "dataset and one method that runs on it")
    idle = [d for d in labels if not any(m.runs_on(d) for m in config.methods)]
    if idle:
        raise ValueError(f"datasets {idle} have no method to run: every method's 'datasets' "
                         f"leaves them out")
    return config


def _seeds(seeds: object) -> tuple[int, ...]:
    seeds = [seeds] if isinstance(seeds, int) and not isinstance(seeds, bool) else seeds
    if not isinstance(seeds, (list, tuple)) or not seeds:
        raise ValueError(f"seeds must be a non-empty list of integers; received {seeds!r}")
    seeds = tuple(positive_int(s, "every seed", 0) for s in seeds)
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct; received {list(seeds)}")
    return seeds


def load_config(config: str | os.PathLike[str] | Mapping[str, Any] | ExperimentConfig
                ) -> ExperimentConfig:
    """Read and check a config: a YAML file, a mapping, or an ``ExperimentConfig``.

    Imports neither torch nor scikit-learn (except a method named by an import path, whose
    class gives its default label).

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
        Unknown keys, duplicate labels, bad seeds, bad training, probe or executor settings.
    """
    if isinstance(config, ExperimentConfig):
        return config
    raw = read_config(config) if isinstance(config, (str, os.PathLike)) else _mapping(
        config, "the config")
    check_keys(raw, _TOP_KEYS, "the config")
    for key in ("datasets", "methods"):
        if not isinstance(raw.get(key), list) or not raw[key]:
            raise ValueError(f"the config must list at least one entry under {key!r}; received "
                             f"{raw.get(key)!r}")
    tasks = raw.get("tasks")
    if tasks is not None and (not isinstance(tasks, list) or not all(isinstance(t, str) for t in tasks)):
        raise ValueError(f"tasks must be a list of task names; received {tasks!r}")
    threads = raw.get("threads")
    train = _mapping(raw.get("train"), "train")
    _check_train_keys(train)
    probe = _mapping(raw.get("probe"), "probe")
    check_keys(probe, [f.name for f in dataclasses.fields(ProbeSettings)],
               "probe (fields of pid_bench.evaluate.ProbeSettings)")
    return _checked(ExperimentConfig(
        datasets=tuple(_dataset_spec(e) for e in raw["datasets"]),
        methods=tuple(_method_spec(e) for e in raw["methods"]),
        seeds=_seeds(raw.get("seeds", [0])),
        train=TrainConfig(**train),
        probe=ProbeSettings(**probe),
        probe_every=positive_int(raw.get("probe_every", 0), "probe_every", 0),
        tasks=None if tasks is None else tuple(tasks),
        workers=positive_int(raw.get("workers", 1), "workers"),
        threads=None if threads is None else positive_int(threads, "threads"),
        embed_batch_size=positive_int(raw.get("embed_batch_size", 512), "embed_batch_size"),
        executor=_executor_spec(raw.get("executor"))))


def _select(specs: Sequence[Any], names: Sequence[str], parse: Any) -> tuple[Any, ...]:
    """The entries of ``specs`` named (by label, else by name) in ``names``, in that order; a
    name that matches none becomes a new entry with default settings."""
    found = {}
    for spec in reversed(specs):
        found[spec.name] = spec
    for spec in reversed(specs):
        found[spec.label] = spec
    return tuple(found[n] if n in found else parse(n) for n in names)


def _with_epochs(train: Mapping[str, Any], epochs: int, *, always: bool) -> dict[str, Any]:
    """``train`` with ``epochs`` (where it sets them, or ``always``) and the warm-up capped."""
    out = dict(train)
    if always or "epochs" in out:
        out["epochs"] = epochs
    if isinstance(out.get("warmup_epochs"), int):
        out["warmup_epochs"] = min(out["warmup_epochs"], epochs)
    return out


def with_overrides(config: str | os.PathLike[str] | Mapping[str, Any] | ExperimentConfig, *,
                   methods: Sequence[str] | None = None, datasets: Sequence[str] | None = None,
                   seeds: Sequence[int] | None = None, epochs: int | None = None,
                   device: str | None = None, precision: str | None = None,
                   workers: int | None = None, threads: int | None = None,
                   target_task: str | None = None, executor: str | None = None,
                   scheduler: str | None = None, partition: str | None = None
                   ) -> ExperimentConfig:
    """A config with entries replaced, as the command line's flags do.

    Parameters
    ----------
    config : path, mapping or ExperimentConfig
        A config (loaded with :func:`load_config` first).
    methods, datasets : sequence of str, optional
        Keep only these entries, in this order: an entry whose label (or name) matches is kept
        as configured; any other name becomes a new entry with default settings (a method may
        be an import path ``package.module:Class``). A method's ``datasets`` keeps those of the
        datasets kept; a method (a dataset) with nothing left to run on is dropped, or is an
        error where it was named.
    seeds : sequence of int, optional
        Replace the seeds.
    epochs : int, optional
        Replace ``train.epochs``; ``train.warmup_epochs`` is capped at it (in the grid's and
        in each method's own train settings, whose ``epochs`` are replaced where they set some).
    device, precision : str, optional
        Replace ``train.device`` and ``train.precision``, also where a method sets its own.
    workers, threads : int, optional
        Replace ``workers`` and ``threads``.
    target_task : str, optional
        The task of the supervised methods (subclasses of
        :class:`pid_bench.methods.supervised.Supervised`) whose entry sets no ``target_task``.
    executor : {"local", "slurm", "dask"}, optional
        Replace the executor (its other settings are reset unless it is the config's).
    scheduler, partition : str, optional
        Replace the Dask scheduler's address, the SLURM partition.

    Returns
    -------
    ExperimentConfig
        A new config (made with :func:`dataclasses.replace`); ``config`` is not modified.

    Raises
    ------
    ValueError
        A replaced value that the config would refuse.
    """
    config = load_config(config)
    changes: dict[str, Any] = {}
    if methods is not None:
        changes["methods"] = _select(config.methods, methods, _method_spec)
    if datasets is not None:
        changes["datasets"] = _select(config.datasets, datasets, _dataset_spec)
    if seeds is not None:
        changes["seeds"] = _seeds(list(seeds))
    replaced = {k: v for k, v in (("device", device), ("precision", precision)) if v is not None}
    train = dataclasses.asdict(config.train)
    if epochs is not None:
        train = _with_epochs(train, positive_int(epochs, "epochs", 0), always=True)
    changes["train"] = TrainConfig(**{**train, **replaced})
    specs = []
    for m in _restricted(changes.get("methods", config.methods),
                         changes.get("datasets", config.datasets), named=methods is not None):
        own = m.train if epochs is None else _with_epochs(m.train, epochs, always=False)
        own = {**own, **{k: v for k, v in replaced.items() if k in own}}
        if target_task is not None and m.target_task is None and _needs_target_task(m.name):
            m = dataclasses.replace(m, target_task=target_task)
        specs.append(dataclasses.replace(m, train=own))
    changes["methods"] = tuple(specs)
    changes["datasets"] = _with_methods(changes.get("datasets", config.datasets), specs,
                                        named=datasets is not None)
    if workers is not None:
        changes["workers"] = positive_int(workers, "workers")
    if threads is not None:
        changes["threads"] = positive_int(threads, "threads")
    spec = config.executor
    if executor is not None and executor != spec.name:
        spec = _executor_spec(executor)
    if scheduler is not None or partition is not None:
        spec = dataclasses.replace(spec, **{k: v for k, v in (("scheduler", scheduler),
                                                               ("partition", partition))
                                            if v is not None})
    changes["executor"] = spec
    return _checked(dataclasses.replace(config, **changes))


def _restricted(methods: Sequence[MethodSpec], datasets: Sequence[DatasetSpec], *, named: bool
                ) -> list[MethodSpec]:
    """``methods`` with their ``datasets`` cut to the labels of ``datasets``; a method left
    with none is dropped, or, where the command line ``named`` the methods, an error."""
    labels = [d.label for d in datasets]
    out = []
    for m in methods:
        if m.datasets is not None:
            left = tuple(d for d in m.datasets if d in labels)
            if not left:
                if named:
                    raise ValueError(f"method {m.label!r} runs on none of the datasets asked "
                                     f"for, {labels}: its entry's datasets are "
                                     f"{list(m.datasets)}")
                continue
            m = dataclasses.replace(m, datasets=left)
        out.append(m)
    if not out:
        raise ValueError(f"no method of the config runs on the datasets asked for, {labels}: "
                         f"the methods' 'datasets' leave them out")
    return out


def _with_methods(datasets: Sequence[DatasetSpec], methods: Sequence[MethodSpec], *,
                  named: bool) -> tuple[DatasetSpec, ...]:
    """``datasets`` that some method runs on; one that none runs on is dropped, or, where the
    command line ``named`` the datasets, an error."""
    idle = [d.label for d in datasets if not any(m.runs_on(d.label) for m in methods)]
    if idle and named:
        raise ValueError(f"no method asked for runs on datasets {idle}: the 'datasets' of "
                         f"{[m.label for m in methods if m.datasets is not None]} leave them out")
    return tuple(d for d in datasets if d.label not in idle)


def _needs_target_task(name: str) -> bool:
    """Whether ``name`` is a supervised method (False for a name no method has: the grid's
    check names it)."""
    # Only --target-task asks which methods are supervised, and only the classes know.
    from pid_bench.methods import get_method
    from pid_bench.methods.supervised import Supervised

    try:
        return issubclass(get_method(name), Supervised)
    except ValueError:
        return False
