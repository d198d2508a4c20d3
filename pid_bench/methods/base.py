"""The contract every learning method follows: ``MethodContext``, ``Batch`` and ``Method``."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import torch
from torch import Tensor, nn

if TYPE_CHECKING:
    from pid_bench.data import MultimodalDataset

__all__ = ["Augmentation", "Batch", "Method", "MethodContext", "Shard", "seed_to_int"]

#: A label-preserving random transform of a batch of one modality: ``(x, generator) -> x'``,
#: ``x`` of shape (B, ...), drawing all its randomness from ``generator``.
Augmentation = Callable[[Tensor, torch.Generator], Tensor]


def seed_to_int(seed: int | np.random.Generator, name: str = "seed") -> int:
    """An integer seed from an int or a numpy ``Generator`` (one draw from it)."""
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63 - 1))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"{name} must be a non-negative int or a numpy Generator; received "
                         f"{seed!r}")
    return int(seed)


@dataclass(frozen=True)
class MethodContext:
    """What a method needs to know about the data to build itself.

    Attributes
    ----------
    modality_shapes : tuple of tuple of int
        Per-sample shape of each modality, e.g. ``((32,), (32,))`` or ``((3, 32, 32),) * 2``.
    augment : tuple of Augmentation or None
        One label-preserving augmentation per modality (``None``: identity).
    n_classes : mapping of str to int
        Task name -> number of classes (0 for a continuous target).
    target_task : str or None
        The task that supervised methods are trained on.
    multilabel : tuple of str
        The multi-label tasks (``n_classes``: labels per sample; batches hold (B, K) 0/1).
    """

    modality_shapes: tuple[tuple[int, ...], ...]
    augment: tuple[Augmentation | None, ...]
    n_classes: Mapping[str, int]
    target_task: str | None = None
    multilabel: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        try:
            shapes = tuple(tuple(int(s) for s in shape) for shape in self.modality_shapes)
        except (TypeError, ValueError):
            raise ValueError(f"modality_shapes must be a sequence of per-sample shapes (tuples "
                             f"of ints); received {self.modality_shapes!r}") from None
        if not shapes or any(not shape or min(shape) < 1 for shape in shapes):
            raise ValueError(f"modality_shapes must hold one non-empty shape of positive sizes per "
                             f"modality; received {self.modality_shapes!r}")
        augment = tuple(self.augment)
        if len(augment) != len(shapes):
            raise ValueError(f"augment must have one entry (callable or None) per modality "
                             f"({len(shapes)}); received {len(augment)}")
        bad = [i for i, a in enumerate(augment) if a is not None and not callable(a)]
        if bad:
            raise ValueError(f"augment entries must be callables or None; entries {bad} are not")
        if self.target_task is not None and self.target_task not in self.n_classes:
            raise ValueError(f"target_task {self.target_task!r} is not a task; known tasks: "
                             f"{', '.join(sorted(self.n_classes))}")
        unknown = sorted(set(self.multilabel) - set(self.n_classes))
        if unknown:
            raise ValueError(f"multilabel names unknown tasks {unknown}; known tasks: "
                             f"{', '.join(sorted(self.n_classes))}")
        object.__setattr__(self, "modality_shapes", shapes)
        object.__setattr__(self, "augment", augment)
        object.__setattr__(self, "n_classes", dict(self.n_classes))
        object.__setattr__(self, "multilabel", tuple(self.multilabel))

    @property
    def n_modalities(self) -> int:
        """Number of modalities M."""
        return len(self.modality_shapes)

    @classmethod
    def from_dataset(cls, data: "MultimodalDataset", *,
                     augment: tuple[Augmentation | None, ...] | None = None,
                     target_task: str | None = None) -> "MethodContext":
        """The context of a ``MultimodalDataset`` (no augmentation unless given)."""
        shapes = tuple(tuple(np.shape(v)[1:]) for v in data.modalities.values())
        return cls(modality_shapes=shapes,
                   augment=(None,) * len(shapes) if augment is None else augment,
                   n_classes=dict(data.n_classes), target_task=target_task,
                   multilabel=tuple(data.multilabel))


@dataclass(frozen=True)
class Shard:
    """Where one process's rows sit in the global batch of data-parallel training.

    Attributes
    ----------
    modalities : list of Tensor
        The whole global batch, ``modalities[m]`` of shape (B_global, *modality_shapes[m]).
    start, stop : int
        This process's rows of it, ``start:stop``.
    """

    modalities: list[Tensor]
    start: int
    stop: int


@dataclass
class Batch:
    """One mini-batch.

    Attributes
    ----------
    modalities : list of Tensor
        ``modalities[m]`` of shape (B, *modality_shapes[m]), float, on the training device; a
        sequence modality (per-sample shape (T, d)) may have any length T.
    labels : dict of str to Tensor
        Task name -> labels of shape (B,) (int64 classes, float32 continuous targets), or
        (B, K) float32 0/1 indicators for a multi-label task.
    generator : torch.Generator or None
        Source of the augmentations' randomness (``None`` where nothing is drawn, e.g. embed).
    masks : list of Tensor or None
        Empty (no padding anywhere), or one entry per modality: a bool (B, T) step mask of a
        sequence modality with padding (True: a real step), ``None`` for the others.
    shard : Shard or None
        In data-parallel training, the global batch these rows were cut from: augmentations
        are drawn on it (:meth:`Method.augmented`), so that every process draws what a single
        process would at the global batch size. ``None`` otherwise.
    """

    modalities: list[Tensor]
    labels: dict[str, Tensor] = field(default_factory=dict)
    generator: torch.Generator | None = None
    shard: Shard | None = None
    masks: list[Tensor | None] = field(default_factory=list)

    def mask(self, m: int) -> Tensor | None:
        """Step mask of modality ``m``: bool (B, T), True for a real step; None: no padding."""
        return self.masks[m] if self.masks else None

    @property
    def size(self) -> int:
        """Batch size B."""
        return int(self.modalities[0].shape[0]) if self.modalities else 0


_constructing = threading.local()


def _seeded_init(init: Callable[..., None]) -> Callable[..., None]:
    """Run ``init`` inside a fork of torch's CPU generator seeded with the ``seed`` keyword.

    Parameter initialisation in torch draws from the global generator; forking it makes a
    method's initial weights a function of ``seed`` alone and leaves the caller's global state
    as it was. Only the outermost ``__init__`` of an instance forks (``super().__init__`` calls
    run inside it).
    """

    @functools.wraps(init)
    def wrapper(self: Method, *args: Any, **kwargs: Any) -> None:
        active = _constructing.__dict__.setdefault("ids", set())
        if id(self) in active:
            init(self, *args, **kwargs)
            return
        seed = seed_to_int(kwargs.pop("seed", 0))
        active.add(id(self))
        try:
            with torch.random.fork_rng(devices=[]):
                torch.random.default_generator.manual_seed(seed)
                init(self, *args, **kwargs)
        finally:
            active.discard(id(self))
        self.seed = seed
        self.hparams = dict(kwargs)

    return wrapper


class Method(nn.Module):
    """A representation-learning method: a model with a training loss and an embedding.

    Subclasses set ``name``, build their modules in ``__init__(context, **hparams)`` (after
    ``super().__init__(context)``) and implement :meth:`loss` and :meth:`embed`. Calling the
    module, ``method(batch)``, is :meth:`loss`: the trainer calls it that way, so that a
    ``DistributedDataParallel`` wrapper sees the forward pass and synchronises the gradients. Every method
    accepts a ``seed`` keyword (int or numpy Generator, default 0): construction runs in a fork
    of torch's CPU generator seeded with it, so initial weights depend on the seed only and the
    global generator is left untouched. ``seed`` and the other keywords are kept in
    ``self.seed`` and ``self.hparams``.

    A subclass may also set ``display_name``, how reports and figures name it (``"CoMM"``,
    ``"Cross+Self"``); it is not inherited: a subclass that sets none is shown by its label
    (see :func:`~pid_bench.methods.display_name`).
    """

    name: ClassVar[str] = ""
    display_name: ClassVar[str] = ""
    trainable: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _seeded_init(cls.__dict__["__init__"])  # type: ignore[method-assign]

    def __init__(self, context: MethodContext, **hparams: Any) -> None:
        super().__init__()
        if not isinstance(context, MethodContext):
            raise ValueError(f"a method is built from a MethodContext; received "
                             f"{type(context).__name__}")
        if hparams:
            raise ValueError(f"method {self.name or type(self).__name__!r} received unknown "
                             f"hyperparameters {sorted(hparams)}")
        self.context = context

    def forward(self, batch: Batch) -> Tensor:
        """The training loss of ``batch``: :meth:`loss`."""
        return self.loss(batch)

    def loss(self, batch: Batch) -> Tensor:
        """Scalar training loss of one batch."""
        raise NotImplementedError

    def embed(self, batch: Batch) -> Tensor:
        """Representation read by the probes, shape (B, d), float."""
        raise NotImplementedError

    # ------------------------------------------------------------------ helpers
    def check_batch(self, batch: Batch) -> None:
        """Raise ``ValueError`` unless the batch matches the context (count and shapes)."""
        shapes = self.context.modality_shapes
        if len(batch.modalities) != len(shapes):
            raise ValueError(f"{self.name or type(self).__name__} expects {len(shapes)} "
                             f"modalities; received {len(batch.modalities)}")
        sizes = {int(x.shape[0]) for x in batch.modalities}
        if len(sizes) != 1:
            raise ValueError(f"all modalities of a batch must have the same batch size; "
                             f"received {sorted(sizes)}")
        if batch.masks and len(batch.masks) != len(shapes):
            raise ValueError(f"batch.masks must be empty or hold one entry (mask or None) per "
                             f"modality ({len(shapes)}); received {len(batch.masks)}")
        for m, (x, shape) in enumerate(zip(batch.modalities, shapes)):
            sequence = len(shape) == 2
            if (tuple(x.shape[2:]) != shape[1:] or x.ndim != len(shape) + 1 if sequence
                    else tuple(x.shape[1:]) != shape):
                expected = f"(T, {shape[1]}) for any T" if sequence else f"{shape}"
                raise ValueError(f"modality {m} must have per-sample shape {expected}; received "
                                 f"a batch of shape {tuple(x.shape)}")
            mask = batch.mask(m)
            if mask is not None and (not sequence or tuple(mask.shape) != tuple(x.shape[:2])
                                     or mask.dtype != torch.bool):
                raise ValueError(f"the mask of modality {m} must be a bool (B, T) = "
                                 f"{tuple(x.shape[:2])} step mask of a sequence modality; "
                                 f"received {mask.dtype} of shape {tuple(mask.shape)} for a "
                                 f"modality of per-sample shape {shape}")

    def augmented(self, batch: Batch) -> list[Tensor]:
        """One augmented view of every modality, in modality order, drawn from ``batch.generator``.

        Modalities without an augmentation are returned unchanged. With ``batch.shard``, the
        augmentations are drawn on the whole global batch and this batch's rows are returned.
        """
        if batch.generator is None and any(a is not None for a in self.context.augment):
            raise ValueError("this batch needs a torch.Generator (batch.generator) to draw its "
                             "augmentations; received None")
        shard = batch.shard
        source = batch.modalities if shard is None else shard.modalities
        views = [x if aug is None else aug(x, batch.generator)
                 for x, aug in zip(source, self.context.augment)]
        return views if shard is None else [v[shard.start:shard.stop] for v in views]
