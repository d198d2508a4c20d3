"""``MultimodalDataset``: modalities, task labels, splits and ground-truth interactions."""

from __future__ import annotations

import dataclasses
import json
import os
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pid_bench.info.result import ATOMS
from pid_bench.io import atomic_path

__all__ = ["MultimodalDataset", "GROUND_TRUTH_COLUMNS", "SPLITS", "lengths_to_mask"]

#: Columns of ``MultimodalDataset.ground_truth`` (bits), indexed by task name.
GROUND_TRUTH_COLUMNS = (*ATOMS, "total")

#: Split names. ``"pretrain"`` is optional: where absent, self-supervised training uses
#: ``"train"``. Probes are fitted on ``"train"`` and scored on ``"test"``.
SPLITS = ("pretrain", "train", "test")


def _check_task(name: str, labels: object, n: int, n_classes: int,
                multilabel: bool = False) -> None:
    arr = np.asarray(labels)
    if multilabel:
        if arr.shape != (n, n_classes):
            raise ValueError(f"multi-label task {name!r} must have one row of {n_classes} "
                             f"indicators per sample, shape ({n}, {n_classes}); received shape "
                             f"{arr.shape}")
        if arr.dtype.kind not in "biuf" or not np.all((arr == 0) | (arr == 1)):
            bad = np.unique(arr[~((arr == 0) | (arr == 1))])[:5] if arr.dtype.kind in "biuf" \
                else arr.dtype
            raise ValueError(f"multi-label task {name!r} must hold only 0 and 1; received "
                             f"{bad!r}")
        return
    if arr.shape != (n,):
        raise ValueError(f"task {name!r} must have one label per sample, shape ({n},); "
                         f"received shape {arr.shape}")
    if n_classes == 0:
        if arr.dtype.kind not in "iuf" or not np.all(np.isfinite(arr)):
            raise ValueError(f"continuous task {name!r} (n_classes 0) must hold finite numbers; "
                             f"received dtype {arr.dtype}")
        return
    if arr.dtype.kind not in "iub":
        raise ValueError(f"task {name!r} must hold integer class labels 0..K-1; received "
                         f"dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
        raise ValueError(f"task {name!r} labels must lie in 0..{n_classes - 1}; received range "
                         f"{arr.min()}..{arr.max()}")


def _check_mask(name: str, mask: object, modality: np.ndarray) -> np.ndarray:
    """A sequence modality's step mask as bool (n, T), validated against the modality."""
    arr = np.asarray(mask)
    if modality.ndim != 3:
        raise ValueError(f"a mask is given for modality {name!r}, which is not a sequence: "
                         f"masks belong to sequences of shape (n, T, d); received modality shape "
                         f"{modality.shape}")
    expected = modality.shape[:2]
    if arr.shape != expected:
        raise ValueError(f"mask of modality {name!r} must have shape (n, T) = {expected}; "
                         f"received shape {arr.shape}")
    if arr.dtype.kind not in "biu" or not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"mask of modality {name!r} must be boolean (True: a real step, False: "
                         f"padding); received dtype {arr.dtype}")
    arr = arr.astype(bool)
    empty = np.flatnonzero(~arr.any(axis=1))
    if empty.size:
        raise ValueError(f"mask of modality {name!r} must leave every sample at least one step "
                         f"(lengths in 1..{expected[1]}); samples {empty[:5].tolist()} have none")
    return arr


def lengths_to_mask(lengths: object, steps: int, *, name: str = "lengths") -> np.ndarray:
    """The step mask of back-padded sequences: sample i's first ``lengths[i]`` steps are real.

    Parameters
    ----------
    lengths : array of int, shape (n,)
        Number of real steps of each sample, in 1..``steps``.
    steps : int
        Padded length T.
    name : str, default "lengths"
        Named in error messages.

    Returns
    -------
    numpy.ndarray of bool, shape (n, T)
    """
    arr = np.asarray(lengths)
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must be integers of shape (n,); received dtype {arr.dtype}, "
                         f"shape {arr.shape}")
    if arr.size and (arr.min() < 1 or arr.max() > steps):
        raise ValueError(f"{name} must lie in 1..T = 1..{steps}; received range "
                         f"{arr.min()}..{arr.max()}")
    return np.arange(steps)[None, :] < arr[:, None]


def _check_sources(sources: object, modalities: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    try:
        groups = tuple((group,) if isinstance(group, str) else tuple(str(m) for m in group)
                       for group in sources)  # type: ignore[union-attr]
    except TypeError:
        raise ValueError(f"ground_truth_sources must be two groups of modality names, e.g. "
                         f"(('text',), ('vision', 'audio')); received {sources!r}") from None
    names = [m for g in groups for m in g]
    if len(groups) != 2 or not all(groups):
        raise ValueError(f"ground_truth_sources must be two non-empty groups of modality names "
                         f"(the two sources of the bivariate ground truth); received {sources!r}")
    unknown = sorted(set(names) - set(modalities))
    if unknown:
        raise ValueError(f"ground_truth_sources names unknown modalities {unknown}; modalities: "
                         f"{list(modalities)}")
    if len(set(names)) != len(names):
        raise ValueError(f"ground_truth_sources groups must be disjoint; received {sources!r}")
    return groups


@dataclass(frozen=True)
class MultimodalDataset:
    """Samples of several modalities with named tasks.

    Attributes
    ----------
    modalities : mapping of str to numpy.ndarray
        Modality name -> array of shape (n, ...), in a fixed order (the first is X1, the second
        X2): vectors (n, D), sequences (n, T, d) (T steps of d features, e.g. words x 300
        embedding features, padded to a common T), images (n, C, H, W). Two or more modalities.
    tasks : mapping of str to numpy.ndarray
        Task name -> labels: integer classes 0..K-1 of shape (n,); finite floats of shape (n,)
        for a continuous target (``n_classes`` 0); for a multi-label task (named in
        ``multilabel``), indicators in {0, 1} of shape (n, K), K labels per sample (MM-IMDb's
        23 genres).
    split_of : numpy.ndarray of str, shape (n,)
        Split of each sample, one of ``SPLITS``.
    ground_truth : pandas.DataFrame
        Index: task names; columns ``redundancy, unique1, unique2, synergy, total`` in bits,
        the exact decomposition of each task under the probe distribution (NaN where unknown).
        It is bivariate: its two sources are the groups of ``ground_truth_sources``.
    n_classes : mapping of str to int
        Number of classes per task (labels per sample for a multi-label task); 0 marks a
        continuous target.
    name : str
        Short name used in result tables.
    latents : mapping of str to numpy.ndarray
        Optional discrete latent factors, name -> (n,) integer codes.
    source_latents : tuple of str sequences, optional
        Which latents each modality carries, e.g. ``(("r", "u1"), ("r", "u2"))``; lets
        ``model_pid`` decompose over exact latent states.
    metadata : mapping
        Generator name and arguments, JSON-serialisable.
    masks : mapping of str to numpy.ndarray of bool
        Sequence modality name -> step mask of shape (n, T): True for a real step, False for
        padding, anywhere in the sequence (MultiBench pads at the front); every sample keeps at
        least one step (lengths in 1..T). A sequence without a mask has no padding.
        :func:`lengths_to_mask` turns lengths of back-padded sequences into a mask.
    multilabel : tuple of str
        The multi-label tasks.
    ground_truth_sources : pair of tuples of str, optional
        The two groups of modalities that the ground truth's sources X1 and X2 are, e.g.
        ``(("text",), ("vision", "audio"))`` (a bare name stands for a group of one:
        ``("text", ("vision", "audio"))``). Two modalities: ``((first,), (second,))`` when
        not given. Three or more: required where the ground truth holds a known value.

    Notes
    -----
    The ``.npz`` file of :meth:`save` holds ``header`` (JSON: format, name, modalities, tasks,
    latents, masks, multilabel, n_classes, source_latents, ground_truth, ground_truth_sources,
    metadata), ``split_of`` and one array per item: ``modality/<name>``, ``mask/<name>`` (bool
    (n, T)), ``task/<name>`` ((n,), or (n, K) of 0/1 for a multi-label task) and
    ``latent/<name>``. Files written before masks and multi-label tasks existed read as
    datasets without them.
    """

    modalities: Mapping[str, np.ndarray]
    tasks: Mapping[str, np.ndarray]
    split_of: np.ndarray
    ground_truth: pd.DataFrame
    n_classes: Mapping[str, int]
    name: str = "custom"
    latents: Mapping[str, np.ndarray] = field(default_factory=dict)
    source_latents: tuple[Sequence[str], ...] | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    masks: Mapping[str, np.ndarray] = field(default_factory=dict)
    multilabel: tuple[str, ...] = ()
    ground_truth_sources: tuple[tuple[str, ...], tuple[str, ...]] | None = None

    def __post_init__(self) -> None:
        if len(self.modalities) < 2:
            raise ValueError(f"a multimodal dataset needs at least 2 modalities; received "
                             f"{len(self.modalities)} ({list(self.modalities)})")
        sizes = {k: np.asarray(v).shape[0] if np.ndim(v) else 0 for k, v in self.modalities.items()}
        n = next(iter(sizes.values()))
        if len(set(sizes.values())) != 1:
            raise ValueError(f"all modalities must have the same number of samples; received {sizes}")
        for k, v in self.modalities.items():
            arr = np.asarray(v)
            if arr.ndim < 2:
                raise ValueError(f"modality {k!r} must have shape (n, ...) with at least 2 axes; "
                                 f"received shape {arr.shape}")
            if arr.dtype.kind not in "biuf":
                raise ValueError(f"modality {k!r} must be a real numeric array; received dtype "
                                 f"{arr.dtype}")
            if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
                raise ValueError(f"modality {k!r} contains NaN or inf")
        unknown_masks = sorted(set(self.masks) - set(self.modalities))
        if unknown_masks:
            raise ValueError(f"masks are given for unknown modalities {unknown_masks}; "
                             f"modalities: {list(self.modalities)}")
        object.__setattr__(self, "masks", {k: _check_mask(k, v, np.asarray(self.modalities[k]))
                                           for k, v in self.masks.items()})
        if not self.tasks:
            raise ValueError("a dataset needs at least one task")
        split_of = np.asarray(self.split_of)
        if split_of.shape != (n,):
            raise ValueError(f"split_of must have shape ({n},); received {split_of.shape}")
        unknown = set(np.unique(split_of).tolist()) - set(SPLITS)
        if unknown:
            raise ValueError(f"split names must be among {SPLITS}; received {sorted(unknown)}")
        missing = set(self.tasks) - set(self.n_classes)
        if missing:
            raise ValueError(f"n_classes is missing tasks {sorted(missing)}")
        object.__setattr__(self, "multilabel", tuple(self.multilabel))
        unknown_ml = sorted(set(self.multilabel) - set(self.tasks))
        if unknown_ml:
            raise ValueError(f"multilabel names unknown tasks {unknown_ml}; tasks: "
                             f"{list(self.tasks)}")
        for k, v in self.tasks.items():
            _check_task(k, v, n, int(self.n_classes[k]), k in self.multilabel)
        cols = list(self.ground_truth.columns)
        if cols != list(GROUND_TRUTH_COLUMNS):
            raise ValueError(f"ground_truth columns must be {list(GROUND_TRUTH_COLUMNS)}; "
                             f"received {cols}")
        extra = set(self.ground_truth.index) - set(self.tasks)
        if extra:
            raise ValueError(f"ground_truth has rows for unknown tasks {sorted(extra)}")
        sources = self.ground_truth_sources
        if sources is None and len(self.modalities) == 2:
            sources = tuple((m,) for m in self.modalities)
        if sources is not None:
            object.__setattr__(self, "ground_truth_sources",
                               _check_sources(sources, list(self.modalities)))
        elif bool(self.ground_truth.notna().to_numpy().any()):
            raise ValueError(f"a dataset with {len(self.modalities)} modalities and a known "
                             f"ground truth must say which two groups of modalities its sources "
                             f"are: pass ground_truth_sources, e.g. "
                             f"(({self.modality_names[0]!r},), {self.modality_names[1:]!r})")
        for k, v in self.latents.items():
            if np.asarray(v).shape != (n,):
                raise ValueError(f"latent {k!r} must have shape ({n},); received {np.asarray(v).shape}")
        if self.source_latents is not None:
            names = {x for group in self.source_latents for x in group}
            if names - set(self.latents):
                raise ValueError(f"source_latents names unknown latents {sorted(names - set(self.latents))}")

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_arrays(cls, x1: np.ndarray, x2: np.ndarray, *more: np.ndarray,
                    tasks: Mapping[str, np.ndarray], ground_truth: pd.DataFrame | None = None,
                    names: Sequence[str] | None = None, test_fraction: float = 0.2,
                    split_of: np.ndarray | None = None, seed: int | np.random.Generator = 0,
                    name: str = "custom", continuous: Sequence[str] = (),
                    multilabel: Sequence[str] = (),
                    masks: Mapping[str, np.ndarray] | None = None,
                    lengths: Mapping[str, np.ndarray] | None = None,
                    ground_truth_sources: Sequence[Sequence[str]] | None = None
                    ) -> "MultimodalDataset":
        """Wrap your own arrays, so that every part of pid-bench runs on them.

        Parameters
        ----------
        x1, x2, *more : numpy.ndarray, shape (n, ...)
            The modalities, same n.
        tasks : mapping of str to array of shape (n,)
            Task name -> labels (any hashable values; re-coded to 0..K-1 in sorted order),
            or finite numbers for the tasks named in ``continuous``.
        ground_truth : pandas.DataFrame, optional
            Known decomposition per task (columns as ``GROUND_TRUTH_COLUMNS``); NaN if absent.
        names : sequence of str, optional
            Modality names; ``x1, x2, ...`` by default.
        test_fraction : float, default 0.2
            Fraction of samples put in the test split (ignored when ``split_of`` is given).
        split_of : array of str, shape (n,), optional
            Explicit split of each sample.
        seed : int or numpy.random.Generator, default 0
            Seed of the random split.
        name : str, default "custom"
            Name of the dataset in result tables.
        continuous : sequence of str, default ()
            Tasks with a continuous target: kept as float64, ``n_classes`` 0.
        multilabel : sequence of str, default ()
            Multi-label tasks: labels of shape (n, K) in {0, 1}, kept as int64, ``n_classes`` K.
        masks : mapping of str to array of bool, shape (n, T), optional
            Step masks of sequence modalities (True: a real step), by modality name.
        lengths : mapping of str to array of int, shape (n,), optional
            Lengths in 1..T of back-padded sequence modalities, by name (turned into masks;
            a modality may be in ``masks`` or in ``lengths``, not both).
        ground_truth_sources : pair of sequences of str, optional
            The two groups of modalities the ground truth refers to (required with three or
            more modalities and a known ground truth).

        Examples
        --------
        Two modalities, a labelled task (any label values) and a continuous one; a random
        20 % of the samples form the test split, and the ground truth is unknown (NaN):

        >>> import numpy as np
        >>> from pid_bench import MultimodalDataset
        >>> rng = np.random.default_rng(0)
        >>> x1, x2 = rng.standard_normal((100, 3)), rng.standard_normal((100, 5))
        >>> label = np.where(x1[:, 0] + x2[:, 0] > 0, "yes", "no")
        >>> data = MultimodalDataset.from_arrays(
        ...     x1, x2, tasks={"label": label, "score": x1[:, 0] - x2[:, 0]},
        ...     continuous=["score"], seed=0)
        >>> data
        MultimodalDataset(name='custom', x1: (100, 3), x2: (100, 5), tasks=['label', 'score'], splits={'train': 80, 'test': 20})
        >>> data.n_classes
        {'label': 2, 'score': 0}
        >>> data.tasks["label"][:4].tolist(), label[:4].tolist()  # codes in sorted label order
        ([1, 1, 1, 0], ['yes', 'yes', 'yes', 'no'])
        >>> bool(data.ground_truth.isna().all(axis=None))
        True
        """
        arrays = (x1, x2, *more)
        names = tuple(names) if names is not None else tuple(f"x{i + 1}" for i in range(len(arrays)))
        if len(names) != len(arrays):
            raise ValueError(f"names must have one entry per modality ({len(arrays)}); received {len(names)}")
        mods = {k: np.asarray(v) for k, v in zip(names, arrays)}
        n = mods[names[0]].shape[0] if mods[names[0]].ndim else 0
        if not tasks:
            raise ValueError("tasks must name at least one task, e.g. tasks={'label': y}")
        for option, listed in (("continuous", continuous), ("multilabel", multilabel)):
            unknown = sorted(set(listed) - set(tasks))
            if unknown:
                raise ValueError(f"{option} names tasks that are not in tasks: {unknown}; "
                                 f"tasks: {sorted(tasks)}")
        both = sorted(set(continuous) & set(multilabel))
        if both:
            raise ValueError(f"tasks {both} are named both continuous and multilabel")
        coded, n_classes = {}, {}
        for k, v in tasks.items():
            arr = np.asarray(v)
            if k in multilabel:
                if arr.ndim != 2 or arr.shape[0] != n:
                    raise ValueError(f"multi-label task {k!r} must have shape ({n}, K); "
                                     f"received {arr.shape}")
                _check_task(k, arr, n, arr.shape[1], multilabel=True)
                coded[k], n_classes[k] = arr.astype(np.int64), arr.shape[1]
                continue
            if arr.shape != (n,):
                raise ValueError(f"task {k!r} must have shape ({n},); received {arr.shape}")
            if k in continuous:
                if arr.dtype.kind not in "biuf":
                    raise ValueError(f"continuous task {k!r} must hold numbers; received dtype "
                                     f"{arr.dtype}")
                coded[k], n_classes[k] = arr.astype(np.float64), 0
                continue
            if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
                raise ValueError(f"task {k!r} contains NaN or inf labels; pass "
                                 f"continuous=[{k!r}] for a continuous target")
            try:
                values, codes = np.unique(arr, return_inverse=True)
            except TypeError:
                raise ValueError(f"task {k!r} labels must be comparable values without None "
                                 f"(e.g. all ints or all strings); received dtype {arr.dtype} "
                                 f"with mixed or missing values") from None
            if len(values) < 2:
                raise ValueError(f"task {k!r} must have at least 2 classes; received the single "
                                 f"label {values[0]!r}" if len(values) else f"task {k!r} is empty")
            coded[k], n_classes[k] = codes.astype(np.int64).reshape(n), len(values)
        if split_of is None:
            if not 0 < test_fraction < 1:
                raise ValueError(f"test_fraction must be in (0, 1); received {test_fraction}")
            rng = np.random.default_rng(seed)
            n_test = int(round(test_fraction * n))
            if not 0 < n_test < n:
                raise ValueError(f"test_fraction {test_fraction} of {n} samples leaves "
                                 f"{n_test} test and {n - n_test} train samples; both must be >= 1")
            split_of = np.full(n, "train", dtype="<U8")
            split_of[rng.permutation(n)[:n_test]] = "test"
        if ground_truth is None:
            ground_truth = pd.DataFrame(np.nan, index=pd.Index(list(coded), name="task"),
                                        columns=list(GROUND_TRUTH_COLUMNS))
        step_masks = dict(masks or {})
        for k, v in (lengths or {}).items():
            if k in step_masks:
                raise ValueError(f"modality {k!r} is given both a mask and lengths; give one")
            if k not in mods or mods[k].ndim != 3:
                raise ValueError(f"lengths are given for {k!r}, which is not a sequence modality "
                                 f"(n, T, d); modalities: "
                                 f"{ {m: mods[m].shape for m in mods} }")
            step_masks[k] = lengths_to_mask(v, mods[k].shape[1], name=f"lengths of {k!r}")
        return cls(modalities=mods, tasks=coded, split_of=np.asarray(split_of).astype(str),
                   ground_truth=ground_truth, n_classes=n_classes, name=name, masks=step_masks,
                   multilabel=tuple(multilabel),
                   ground_truth_sources=None if ground_truth_sources is None
                   else tuple(tuple(g) for g in ground_truth_sources))  # type: ignore[arg-type]

    # ------------------------------------------------------------------ access
    @property
    def n_samples(self) -> int:
        """Number of samples n over all splits."""
        return int(self.split_of.shape[0])

    @property
    def modality_names(self) -> tuple[str, ...]:
        """Modality names in order."""
        return tuple(self.modalities)

    def has_split(self, name: str) -> bool:
        """Whether any sample belongs to split ``name``."""
        return bool(np.any(self.split_of == name))

    def split(self, name: str) -> "MultimodalDataset":
        """The samples of one split, as a dataset of their own.

        ``"pretrain"`` falls back to ``"train"`` where the dataset has no pretraining split.
        """
        if name not in SPLITS:
            raise ValueError(f"unknown split {name!r}; known splits: {', '.join(SPLITS)}")
        if name == "pretrain" and not self.has_split("pretrain"):
            name = "train"
        return self.subset(np.flatnonzero(self.split_of == name))

    def subset(self, index: np.ndarray) -> "MultimodalDataset":
        """The samples at integer positions ``index``."""
        idx = np.asarray(index)
        return dataclasses.replace(
            self, modalities={k: np.asarray(v)[idx] for k, v in self.modalities.items()},
            tasks={k: np.asarray(v)[idx] for k, v in self.tasks.items()},
            split_of=self.split_of[idx], n_classes=dict(self.n_classes),
            latents={k: np.asarray(v)[idx] for k, v in self.latents.items()},
            masks={k: v[idx] for k, v in self.masks.items()})

    def select_modalities(self, names: Sequence[str]) -> "MultimodalDataset":
        """The dataset with the modalities ``names`` only, in that order.

        Masks follow their modalities; so does ``source_latents``. The ground truth is kept
        where both of its source groups are among ``names`` (``ground_truth_sources`` says
        which modalities it refers to, so a new order does not change it); otherwise it
        refers to a modality left out and becomes unknown (NaN).

        Parameters
        ----------
        names : sequence of str
            Two or more distinct modality names of this dataset.

        Raises
        ------
        ValueError
            An unknown or repeated name, or fewer than two names.
        """
        if isinstance(names, str) or not isinstance(names, Sequence):
            raise ValueError(f"modalities must be a list of modality names, e.g. "
                             f"{list(self.modalities)}; received {names!r}")
        chosen = [str(m) for m in names]
        unknown = [m for m in chosen if m not in self.modalities]
        if unknown:
            raise ValueError(f"dataset {self.name!r} has no modalities {unknown}; its modalities "
                             f"are {list(self.modalities)}")
        if len(set(chosen)) != len(chosen):
            raise ValueError(f"modalities must be distinct; received {chosen}")
        if len(chosen) < 2:
            raise ValueError(f"select at least 2 modalities; received {chosen}")
        sources = self.ground_truth_sources
        ground_truth = self.ground_truth
        if sources is None or not {m for g in sources for m in g} <= set(chosen):
            sources = None
            ground_truth = pd.DataFrame(np.nan, index=self.ground_truth.index,
                                        columns=self.ground_truth.columns)
        order = [self.modality_names.index(m) for m in chosen]
        return dataclasses.replace(
            self, modalities={m: self.modalities[m] for m in chosen},
            masks={m: self.masks[m] for m in chosen if m in self.masks},
            source_latents=None if self.source_latents is None
            else tuple(self.source_latents[i] for i in order),
            ground_truth=ground_truth, ground_truth_sources=sources)

    def task_kind(self, task: str) -> str:
        """``"multilabel"``, ``"continuous"`` (``n_classes`` 0) or ``"classification"``."""
        if task not in self.tasks:
            raise ValueError(f"unknown task {task!r}; tasks: {list(self.tasks)}")
        if task in self.multilabel:
            return "multilabel"
        return "continuous" if int(self.n_classes[task]) == 0 else "classification"

    def __len__(self) -> int:
        return self.n_samples

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}: {tuple(np.shape(v))}" for k, v in self.modalities.items())
        counts = {s: int(np.sum(self.split_of == s)) for s in SPLITS if self.has_split(s)}
        return (f"MultimodalDataset(name={self.name!r}, {shapes}, tasks={list(self.tasks)}, "
                f"splits={counts})")

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the dataset to one ``.npz`` file, atomically."""
        arrays: dict[str, np.ndarray] = {"split_of": self.split_of}
        arrays.update({f"modality/{k}": np.asarray(v) for k, v in self.modalities.items()})
        arrays.update({f"task/{k}": np.asarray(v) for k, v in self.tasks.items()})
        arrays.update({f"latent/{k}": np.asarray(v) for k, v in self.latents.items()})
        arrays.update({f"mask/{k}": np.asarray(v) for k, v in self.masks.items()})
        header = {
            "format": "pid-bench-dataset/1", "name": self.name,
            "modalities": list(self.modalities), "tasks": list(self.tasks),
            "masks": list(self.masks), "multilabel": list(self.multilabel),
            "ground_truth_sources": None if self.ground_truth_sources is None
            else [list(g) for g in self.ground_truth_sources],
            "latents": list(self.latents), "n_classes": {k: int(v) for k, v in self.n_classes.items()},
            "source_latents": None if self.source_latents is None else [list(g) for g in self.source_latents],
            "ground_truth": json.loads(self.ground_truth.to_json(orient="split",
                                                                  double_precision=15)),
            "metadata": self.metadata,
        }
        arrays["header"] = np.array(json.dumps(header))
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike[str],
             modalities: Sequence[str] | None = None) -> "MultimodalDataset":
        """Read a dataset written by :meth:`save`.

        Parameters
        ----------
        path : path
            The ``.npz`` file.
        modalities : sequence of str, optional
            Keep only these modalities, in this order (:meth:`select_modalities`); a config's
            ``args: {path: mosi.npz, modalities: [text, vision, audio]}`` passes it.
        """
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
            raise ValueError(_unreadable(path, exc)) from None
        if "header" not in arrays:
            raise ValueError(f"{os.fspath(path)!r} is not a pid-bench dataset (no header entry)")
        try:
            header = json.loads(str(arrays["header"]))
            gt = header["ground_truth"]
            ground_truth = pd.DataFrame(gt["data"], index=pd.Index(gt["index"], name="task"),
                                        columns=gt["columns"], dtype=float)
            fields = {"modalities": {k: arrays[f"modality/{k}"] for k in header["modalities"]},
                      "tasks": {k: arrays[f"task/{k}"] for k in header["tasks"]},
                      "split_of": arrays["split_of"], "ground_truth": ground_truth,
                      "n_classes": header["n_classes"], "name": header["name"],
                      "latents": {k: arrays[f"latent/{k}"] for k in header["latents"]},
                      "source_latents": None if header["source_latents"] is None
                      else tuple(tuple(g) for g in header["source_latents"]),
                      "metadata": header["metadata"],
                      "masks": {k: arrays[f"mask/{k}"] for k in header.get("masks", [])},
                      "multilabel": tuple(header.get("multilabel", [])),
                      "ground_truth_sources": None if header.get("ground_truth_sources") is None
                      else tuple(tuple(g) for g in header["ground_truth_sources"])}
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(_unreadable(path, exc)) from None
        data = cls(**fields)
        return data if modalities is None else data.select_modalities(modalities)


def _unreadable(path: str | os.PathLike[str], exc: Exception) -> str:
    return (f"cannot read dataset file {os.fspath(path)!r} ({type(exc).__name__}: {exc}): it is "
            f"truncated or damaged, or was not written by MultimodalDataset.save; write it again")
