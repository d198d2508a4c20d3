"""Vision&Touch episodes (``*.h5``, Lee et al., ICRA 2019) -> MultimodalDataset.

Follows CoMM's loader ``dataset/robotics/multimodal_manipulation.py`` (Duplums/CoMM, commit
f1fc87f), itself adapted from MultiBench's ``datasets/robotics/MultimodalManipulationDataset.py``
and ``get_data.py`` (pliang279/MultiBench, commit 49f9be2):

* each ``.h5`` file is one episode with ``image`` (T, 128, 128, 3) uint8 (or (T, 3, ...),
  which the loader transposes with ``(2, 1, 0)``), ``proprio`` (T, >= 8),
  ``ee_forces_continuous`` (T, K, 6) and ``contact`` (T, c);
* sample t of an episode: ``image[t]``, ``force = tanh(ee_forces_continuous[t][-32:])``
  (``ProcessForce(32, tanh=True)``), ``proprio = proprio[t][:8]``; targets of the next step:
  ``contact_next = contact[t + 1].sum() > 0`` (2 classes) and ``ee_yaw_next =
  proprio[t + 1][:4]`` (continuous, tasks ``ee_yaw_next_0`` ... ``_3``);
* t runs over 0 .. ``episode_length`` - 3: the loader's last index (``episode_length`` - 2)
  is replaced at every read by a random earlier step, a duplicate left out here;
* split by episode: the sorted file names, shuffled by ``numpy.random.default_rng(42)``; the
  last ``int(0.2 * n_files)`` are test, the others train (MultiBench draws its validation
  episodes without a seed; CoMM's split is the reproducible one).

Images are kept as uint8 (n, 3, 128, 128), centre-cropped to ``image_size`` as the loader's
``CenterCrop``; the loader's ImageNet normalisation is not applied (pid-bench's trainer
scales uint8 images to [0, 1]).

Files: MultiBench's ``datasets/robotics/download_data.sh`` downloads
http://downloads.cs.stanford.edu/juno/triangle_real_data.zip (the episodes of
stanford-iprl-lab/multimodal_representation).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from pid_bench.data import GROUND_TRUTH_COLUMNS, MultimodalDataset
from pid_bench.realdata.files import import_h5py, malformed, require_file

__all__ = ["convert_visionandtouch", "episode_split", "VT_MODALITIES"]

#: Modalities of a Vision&Touch sample.
VT_MODALITIES = ("image", "force", "proprio")
_WHAT = "a folder of Vision&Touch episodes (*.h5)"
_OBTAIN = ("http://downloads.cs.stanford.edu/juno/triangle_real_data.zip (MultiBench "
           "datasets/robotics/download_data.sh)")
_KEYS = ("image", "proprio", "ee_forces_continuous", "contact")


def episode_split(n_files: int, test_ratio: float = 0.2, seed: int = 42) -> np.ndarray:
    """``"train"`` or ``"test"`` for each of n sorted episode files, as CoMM's loader."""
    idx = np.arange(n_files)
    np.random.default_rng(seed).shuffle(idx)
    n_test = int(test_ratio * n_files)
    split = np.full(n_files, "train", dtype="<U8")
    split[idx[n_files - n_test:]] = "test"
    return split


def _episode(h5py: object, path: Path, episode_length: int, image_size: int) -> dict:
    try:
        fh = h5py.File(path, "r")  # type: ignore[attr-defined]
    except OSError as exc:
        raise malformed(path, "a Vision&Touch episode (.h5)", _OBTAIN,
                        f"h5py cannot open it ({exc})") from None
    with fh:
        missing = [k for k in _KEYS if k not in fh]
        if missing:
            raise malformed(path, "a Vision&Touch episode (.h5)", _OBTAIN,
                            f"datasets {missing} are missing; expected {list(_KEYS)}, found "
                            f"{sorted(fh.keys())}")
        lengths = {k: fh[k].shape[0] for k in _KEYS}
        if min(lengths.values()) < episode_length:
            raise malformed(path, "a Vision&Touch episode (.h5)", _OBTAIN,
                            f"every dataset must hold episode_length = {episode_length} steps; "
                            f"received {lengths}")
        steps = np.arange(episode_length - 2)
        image = np.asarray(fh["image"][: episode_length - 2])
        force = np.asarray(fh["ee_forces_continuous"][: episode_length - 2], dtype=np.float64)
        proprio = np.asarray(fh["proprio"][: episode_length - 1], dtype=np.float64)
        contact = np.asarray(fh["contact"][1: episode_length - 1])
    if image.ndim != 4 or force.ndim != 3 or force.shape[2] != 6 or proprio.ndim != 2 \
            or proprio.shape[1] < 8:
        raise malformed(path, "a Vision&Touch episode (.h5)", _OBTAIN,
                        f"expected image (T, 128, 128, 3), ee_forces_continuous (T, K, 6), "
                        f"proprio (T, >= 8); received {image.shape}, {force.shape}, "
                        f"{proprio.shape}")
    if image.shape[1] == 3:
        image = np.transpose(image, (0, 3, 2, 1))  # the loader's (2, 1, 0) per image
    h, w = image.shape[1:3]
    if image.shape[3] != 3 or min(h, w) < image_size:
        raise malformed(path, "a Vision&Touch episode (.h5)", _OBTAIN,
                        f"images must be RGB of at least {image_size} x {image_size}; "
                        f"received per-step shape {image.shape[1:]}")
    top, left = (h - image_size) // 2, (w - image_size) // 2
    image = image[:, top:top + image_size, left:left + image_size]
    contact_next = contact.reshape(contact.shape[0], -1).sum(axis=1) > 0
    return {"image": np.ascontiguousarray(np.transpose(image, (0, 3, 1, 2))).astype(np.uint8),
            "force": np.tanh(force[:, -32:]).astype(np.float32),
            "proprio": proprio[steps, :8].astype(np.float32),
            "contact_next": contact_next.astype(np.int64),
            "ee_yaw_next": proprio[steps + 1, :4]}


def convert_visionandtouch(path: str | os.PathLike[str], *,
                           modalities: Sequence[str] = VT_MODALITIES, episode_length: int = 50,
                           image_size: int = 128) -> MultimodalDataset:
    """Convert a folder of Vision&Touch episodes.

    Parameters
    ----------
    path : path
        Folder holding the episodes' ``.h5`` files (other files are ignored, as by the loader).
    modalities : sequence of str, default ("image", "force", "proprio")
        Two or three of ``VT_MODALITIES``, in order (CoMM: image, force for ``ee_yaw_next``;
        image, proprio for ``contact_next``; all three in its three-modality runs).
    episode_length : int, default 50
        Steps per episode (the loader's ``ep_length``); each episode gives
        ``episode_length - 2`` samples.
    image_size : int, default 128
        Side of the centre crop.

    Returns
    -------
    MultimodalDataset
        Modalities as above (image uint8 (n, 3, S, S), force float32 (n, 32, 6), proprio
        float32 (n, 8)); tasks ``contact_next`` and ``ee_yaw_next_0..3``; split by episode.

    Raises
    ------
    FileNotFoundError
        No such folder, or one without ``.h5`` files.
    ImportError
        h5py is not installed (the message names the pip command).
    ValueError
        An episode without the datasets or shapes above.
    """
    mods = list(modalities)
    if len(mods) < 2 or len(set(mods)) != len(mods) or set(mods) - set(VT_MODALITIES):
        raise ValueError(f"modalities must be two or three distinct names among "
                         f"{VT_MODALITIES}; received {mods}")
    if isinstance(episode_length, bool) or not isinstance(episode_length, (int, np.integer)) \
            or episode_length < 3:
        raise ValueError(f"episode_length must be an int >= 3; received {episode_length!r}")
    folder = require_file(path, _WHAT, _OBTAIN, directory=True)
    files = sorted(f for f in os.listdir(folder) if f.endswith(".h5"))
    if not files:
        raise FileNotFoundError(f"expected {_WHAT} in {folder}, found no .h5 file; obtain the "
                                f"episodes from {_OBTAIN}")
    h5py = import_h5py()
    split_of_file = episode_split(len(files))
    episodes = [_episode(h5py, folder / f, episode_length, image_size) for f in files]
    per = episode_length - 2
    tasks = {"contact_next": np.concatenate([e["contact_next"] for e in episodes])}
    yaw = np.concatenate([e["ee_yaw_next"] for e in episodes])
    tasks.update({f"ee_yaw_next_{k}": yaw[:, k] for k in range(4)})
    n_classes = {k: 2 if k == "contact_next" else 0 for k in tasks}
    meta = {"generator": "convert:visionandtouch", "source": str(folder),
            "loader": "CoMM dataset/robotics/multimodal_manipulation.py",
            "episodes": {"train": [f for f, s in zip(files, split_of_file) if s == "train"],
                         "test": [f for f, s in zip(files, split_of_file) if s == "test"]},
            "episode_length": episode_length}
    unknown = pd.DataFrame(np.nan, index=pd.Index(list(tasks), name="task"),
                           columns=list(GROUND_TRUTH_COLUMNS))
    return MultimodalDataset(
        modalities={m: np.concatenate([e[m] for e in episodes]) for m in mods}, tasks=tasks,
        split_of=np.repeat(split_of_file, per), ground_truth=unknown, n_classes=n_classes,
        name="visionandtouch", metadata=meta)
