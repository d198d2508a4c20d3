"""MM-IMDb's ``multimodal_imdb.hdf5`` (Arevalo et al., 2017) -> MultimodalDataset.

Follows MultiBench's loader ``datasets/imdb/get_data.py`` (pliang279/MultiBench, commit
49f9be2, ``IMDBDataset`` and ``get_dataloader``):

* the file holds ``features`` (N, 300) (the plot's averaged word2vec vectors), ``vgg_features``
  (N, 4096) (VGG-16 features of the poster), ``images`` (N, 3, H, W) uint8 (the posters) and
  ``genres`` (N, 23) 0/1 indicators; a sample is ``(features, images or vgg_features,
  genres)`` (``vgg=True`` picks the VGG features);
* splits by index: train [0, 15552), validation [15552, 18160), test [18160, 25959).

The 23 genres are one multi-label task ``genres`` (n, 23) (``MultimodalDataset.multilabel``),
its columns in the file's order; the F1 scores the paper reports are computed on it.
pid-bench has no validation split: ``valid_as`` drops it (default) or adds it to train or
test. A file with another number of rows needs ``bounds`` (the ends of train and validation).

File: https://archive.org/download/mmimdb/multimodal_imdb.hdf5 (section Multimedia of MultiBench's
README.md).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

from pid_bench.data import GROUND_TRUTH_COLUMNS, MultimodalDataset
from pid_bench.realdata.files import (
    check_valid_as,
    import_h5py,
    malformed,
    official_splits,
    require_file,
)

__all__ = ["convert_mmimdb", "MMIMDB_BOUNDS"]

#: Ends of the official train and validation index ranges, and the number of rows.
MMIMDB_BOUNDS = (15552, 18160, 25959)
_WHAT = "MM-IMDb's multimodal_imdb.hdf5"
_OBTAIN = ("https://archive.org/download/mmimdb/multimodal_imdb.hdf5 (section Multimedia of "
           "MultiBench's README.md)")
_IMAGE_KEYS = {"vgg": "vgg_features", "images": "images"}


def convert_mmimdb(path: str | os.PathLike[str], *, image: str = "vgg", valid_as: str = "drop",
                   bounds: Sequence[int] = MMIMDB_BOUNDS) -> MultimodalDataset:
    """Convert ``multimodal_imdb.hdf5``.

    Parameters
    ----------
    path : path
        The HDF5 file.
    image : {"vgg", "images"}, default "vgg"
        The image modality: VGG-16 features (n, 4096) or the posters (n, 3, H, W) uint8.
    valid_as : {"drop", "train", "test"}, default "drop"
        Where the official validation samples go.
    bounds : three ints, default (15552, 18160, 25959)
        End of train, end of validation, end of test (the loader's indices).

    Returns
    -------
    MultimodalDataset
        Modalities ``text`` float32 (n, 300) and ``image``; the multi-label task ``genres``
        (n, 23).

    Raises
    ------
    FileNotFoundError
        No file at ``path`` (the message says where to obtain it).
    ImportError
        h5py is not installed.
    ValueError
        A file without the datasets, shapes or rows above.
    """
    if image not in _IMAGE_KEYS:
        raise ValueError(f"image must be one of {', '.join(_IMAGE_KEYS)}; received {image!r}")
    check_valid_as(valid_as)
    ends = [int(b) for b in bounds]
    if len(ends) != 3 or not 0 < ends[0] < ends[1] < ends[2]:
        raise ValueError(f"bounds must be three increasing positive ends (train, validation, "
                         f"test); received {list(bounds)}")
    p = require_file(path, _WHAT, _OBTAIN)
    h5py = import_h5py()
    keys = ("features", _IMAGE_KEYS[image], "genres")
    try:
        fh = h5py.File(p, "r")
    except OSError as exc:
        raise malformed(p, _WHAT, _OBTAIN, f"h5py cannot open it ({exc})") from None
    with fh:
        missing = [k for k in keys if k not in fh]
        if missing:
            raise malformed(p, _WHAT, _OBTAIN, f"datasets {missing} are missing; expected "
                                               f"{list(keys)}, found {sorted(fh.keys())}")
        rows = {k: fh[k].shape[0] for k in keys}
        if min(rows.values()) < ends[2]:
            raise malformed(p, _WHAT, _OBTAIN, f"the official splits need {ends[2]} rows in "
                                               f"each dataset; received {rows} (pass bounds= "
                                               f"for a file of another size)")
        text = np.asarray(fh["features"][: ends[2]], dtype=np.float32)
        picture = np.asarray(fh[_IMAGE_KEYS[image]][: ends[2]])
        genres = np.asarray(fh["genres"][: ends[2]])
    if text.ndim != 2 or genres.ndim != 2 or picture.ndim not in (2, 4):
        raise malformed(p, _WHAT, _OBTAIN, f"expected features (N, 300), genres (N, 23) and "
                                           f"{_IMAGE_KEYS[image]} (N, 4096) or (N, 3, H, W); "
                                           f"received {text.shape}, {genres.shape}, "
                                           f"{picture.shape}")
    if not np.all(np.isin(genres, (0, 1))):
        raise malformed(p, _WHAT, _OBTAIN, f"genres must be 0/1 indicators; received values "
                                           f"{np.unique(genres)[:5].tolist()}")
    counts = {"train": ends[0], "valid": ends[1] - ends[0], "test": ends[2] - ends[1]}
    split_of = official_splits(counts, valid_as)
    keep = split_of != "drop"
    if picture.dtype.kind == "f":
        picture = picture.astype(np.float32)
    meta = {"generator": "convert:mmimdb", "source": str(p),
            "loader": "MultiBench datasets/imdb/get_data.py", "image": _IMAGE_KEYS[image],
            "official_split_sizes": counts, "valid_as": valid_as}
    unknown = pd.DataFrame(np.nan, index=pd.Index(["genres"], name="task"),
                           columns=list(GROUND_TRUTH_COLUMNS))
    return MultimodalDataset(
        modalities={"text": text[keep], "image": picture[keep]},
        tasks={"genres": genres[keep].astype(np.int64)}, split_of=split_of[keep],
        ground_truth=unknown, n_classes={"genres": genres.shape[1]}, name="mmimdb",
        multilabel=("genres",), metadata=meta)
