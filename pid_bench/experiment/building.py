"""From a config's specs to objects: datasets, augmentations and methods, and the grid's check.

The only module of ``pid_bench`` (with the command line) that knows dataset kinds: a new kind
is one line of :data:`DATASET_KINDS`, an import path ``"module:callable"`` whose keyword
arguments are a dataset entry's ``args`` and which returns a
:class:`~pid_bench.data.MultimodalDataset`.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from pid_bench.data import MultimodalDataset
from pid_bench.experiment.config import DatasetSpec, ExperimentConfig, MethodSpec
from pid_bench.methods import Method, MethodContext, get_method
from pid_bench.methods.supervised import Supervised
from pid_bench.train import TrainConfig, embed, train
from synthetic.augment import dataset_augment, default_augment
from synthetic.trifeature import COLOUR_READING_TASKS

__all__ = ["DATASET_KINDS", "build_augmentations", "build_dataset", "build_method",
           "check_config"]

#: Dataset kinds a config may name -> what builds them (``"module:callable"``).
DATASET_KINDS = {
    "latent": "synthetic.latent:make_latent",
    "trifeature": "synthetic.trifeature:make_trifeature",
    "file": "pid_bench.data:MultimodalDataset.load",
    "digits_halves": "pid_bench.realdata.offline:digits_halves",
    "uci_mfeat": "pid_bench.realdata.offline:uci_mfeat",
}


def _import(path: str) -> Callable[..., Any]:
    module_name, _, attr = path.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def build_dataset(spec: DatasetSpec) -> MultimodalDataset:
    """Build (or load) the dataset of one spec, named by its label.

    Parameters
    ----------
    spec : DatasetSpec
        A dataset entry of a loaded config.

    Returns
    -------
    MultimodalDataset
        Named ``spec.label``.

    Raises
    ------
    ValueError
        An unknown kind, arguments the generator rejects (its own message), unknown arguments,
        a missing file.
    """
    if spec.name not in DATASET_KINDS:
        raise ValueError(f"unknown dataset {spec.name!r}; known datasets: "
                         f"{', '.join(DATASET_KINDS)}")
    factory = _import(DATASET_KINDS[spec.name])
    try:
        data = factory(**spec.args)
    except TypeError as exc:
        raise ValueError(f"dataset {spec.label!r} ({spec.name}): bad arguments {sorted(spec.args)}: "
                         f"{exc}") from None
    except FileNotFoundError as exc:
        raise ValueError(f"dataset {spec.label!r}: {exc}") from None
    return dataclasses.replace(data, name=spec.label)


def _without_keep_colour(options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` with ``image.keep_colour`` (a runner option, not an augmentation's) left out."""
    out = dict(options)
    if "image" in out:
        out["image"] = {k: v for k, v in out["image"].items() if k != "keep_colour"}
    return out


def _check_augment_options(spec: DatasetSpec) -> None:
    """Raise ``ValueError`` for options the default augmentations refuse."""
    if not isinstance(spec.augment, dict):
        return
    try:
        default_augment((), **_without_keep_colour(spec.augment))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"augment of dataset {spec.name!r}: {exc}") from None


def _keeps_colour(spec: DatasetSpec) -> bool:
    """Whether a dataset's image augmentations leave colour alone.

    Trifeature's synergy task reads colour, so by default its augmentations leave out colour
    jitter and greyscale; ``image.keep_colour: false`` puts them back. Other kinds change colour
    unless ``image.keep_colour: true``.
    """
    options = spec.augment if isinstance(spec.augment, dict) else {}
    return bool(options.get("image", {}).get("keep_colour", spec.name == "trifeature"))


def build_augmentations(spec: DatasetSpec, data: MultimodalDataset) -> tuple[Any, ...]:
    """The augmentation of each modality of ``data`` that ``spec.augment`` asks for.

    Returns
    -------
    tuple
        One callable ``(x, generator) -> x'`` per modality, or Nones for ``augment: none``.
    """
    if spec.augment == "none":
        return (None,) * len(data.modalities)
    options = spec.augment if isinstance(spec.augment, dict) else {}
    # The generator's own needs (metadata["augment"]) are the defaults of the options.
    try:
        return dataset_augment(data, keep_colour=_keeps_colour(spec),
                               **_without_keep_colour(options))
    except ValueError as exc:
        raise ValueError(f"dataset {spec.label!r}: {exc}; set 'augment: none'") from None


def build_method(method: MethodSpec, dataset: DatasetSpec, data: MultimodalDataset, *,
                 seed: int) -> Method:
    """The method of one spec, built for a dataset with the spec's augmentations.

    Parameters
    ----------
    method : MethodSpec
        A method entry of a loaded config.
    dataset : DatasetSpec
        The dataset entry (its ``augment`` options).
    data : MultimodalDataset
        The dataset (:func:`build_dataset` of ``dataset``).
    seed : int
        Seed of the initial weights.

    Returns
    -------
    pid_bench.methods.Method
    """
    context = MethodContext.from_dataset(data, augment=build_augmentations(dataset, data),
                                         target_task=method.target_task)
    return get_method(method.name)(context, seed=seed, **method.hparams)


def _dry_run(method: MethodSpec, dataset: DatasetSpec, data: MultimodalDataset) -> None:
    """Build the method on the dataset, train one step on a few samples and embed them."""
    where = f"method {method.label!r} ({method.name}) on dataset {dataset.label!r}"
    shapes = {k: tuple(np.shape(v)[1:]) for k, v in data.modalities.items()}
    pretrain = data.split("pretrain")
    tiny = pretrain.subset(np.arange(min(8, pretrain.n_samples)))
    try:
        model = build_method(method, dataset, data, seed=0)
        train(model, tiny, TrainConfig(epochs=1, batch_size=max(2, tiny.n_samples),
                                       device="cpu", progress=False))
        z = embed(model, tiny, device="cpu")
    except (ValueError, TypeError, RuntimeError) as exc:
        raise ValueError(f"{where} cannot run (dataset modalities {shapes}): {exc}") from None
    if z.ndim != 2 or z.shape[0] != tiny.n_samples:
        raise ValueError(f"{where}: embed must return shape (n, d) = ({tiny.n_samples}, d); "
                         f"received {tuple(z.shape)}")


def check_config(config: ExperimentConfig) -> dict[str, MultimodalDataset]:
    """Check what a loaded config names: build every dataset, every method on each dataset it
    runs on (its entry's ``datasets``), one step.

    Parameters
    ----------
    config : ExperimentConfig

    Returns
    -------
    dict
        Dataset label -> the built dataset.

    Raises
    ------
    ValueError
        Unknown dataset kinds or method names, bad generator or augmentation arguments, tasks
        or target tasks a dataset lacks, a supervised method without a target task, a
        supervised method on Trifeature's colour-dependent labels (``synergy``, ``colour1``,
        ``colour2``, as target or auxiliary task) with colour augmentations, a method
        that cannot train or embed on a dataset.
    """
    for spec in config.datasets:
        _check_augment_options(spec)
    for method in config.methods:
        get_method(method.name)
    datasets = {spec.label: build_dataset(spec) for spec in config.datasets}
    for spec in config.datasets:
        data = datasets[spec.label]
        missing = [t for t in (config.tasks or ()) if t not in data.tasks]
        if missing:
            raise ValueError(f"tasks {missing} are missing from dataset {spec.label!r}, whose "
                             f"tasks are {list(data.tasks)}")
    for spec, method in config.cells():
        data = datasets[spec.label]
        if method.target_task is None and issubclass(get_method(method.name), Supervised):
            raise ValueError(f"method {method.label!r} trains on the labels of one task, "
                             f"which nothing names: set 'target_task: TASK' in its config "
                             f"entry, or pass --target-task TASK (tasks of dataset "
                             f"{spec.label!r}: {', '.join(data.tasks)})")
        if method.target_task is not None and method.target_task not in data.tasks:
            raise ValueError(f"target_task {method.target_task!r} of method {method.label!r} "
                             f"is missing from dataset {spec.label!r}, whose tasks are "
                             f"{list(data.tasks)}")
        trained_on = (method.target_task, *method.hparams.get("auxiliary_tasks", ()))
        on_colour = [t for t in trained_on if t in COLOUR_READING_TASKS]
        if (on_colour and spec.name == "trifeature"
                and not _keeps_colour(spec) and issubclass(get_method(method.name), Supervised)):
            raise ValueError(f"method {method.label!r} trains on the labels of Trifeature's "
                             f"{on_colour[0]!r} task, which depend on colour, but dataset "
                             f"{spec.label!r} has image.keep_colour: false, whose colour "
                             f"jitter and greyscale change those labels' inputs; train it on "
                             f"a dataset entry without image.keep_colour: false")
        _dry_run(method, spec, data)
    return datasets
