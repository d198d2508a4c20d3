"""MultiBench's affect pickles (CMU-MOSI, CMU-MOSEI, UR-FUNNY, MUStARD) -> MultimodalDataset.

Follows MultiBench's loader ``datasets/affect/get_data.py`` (pliang279/MultiBench, commit
49f9be2: ``get_dataloader`` and ``Affectdataset`` with ``max_pad=True, max_seq_len=50,
task="classification"``), which CoMM's ``dataset/affect/get_data.py`` (Duplums/CoMM) reuses:

* the pickle is a dict with splits ``train``, ``valid``, ``test``, each a dict of ``vision``
  (N, T, dv), ``audio`` (N, T, da), ``text`` (N, T, 300) (GloVe vectors, front-padded with
  zero rows) and ``labels`` (N, 1) or (N, 1, 1);
* ``drop_entry``: samples whose text is all zero are dropped;
* ``-inf`` audio values are set to 0;
* alignment: each sample's steps start at the first step with a non-zero text feature (for
  all three modalities), and at most ``max_seq_len`` of them are kept; ``max_pad`` pads them
  at the end with zeros back to ``max_seq_len``. The converted arrays are exactly these
  (n, 50, d) back-padded sequences, and each modality's ``masks`` entry marks the real steps;
* labels of the classification task: MOSI, MOSEI and MUStARD ``label > 0`` (1) else 0;
  UR-FUNNY's labels are its 0/1 classes as stored. MOSI and MOSEI also keep the raw sentiment
  score (-3..3) as the continuous task ``sentiment``.

pid-bench has no validation split (it selects no model); ``valid_as`` drops the official
validation samples (default) or adds them to train or test. Any non-finite value left after
the official cleaning (the loader turns only audio ``-inf`` into 0) is set to 0 and counted in
``metadata["converter"]["nonfinite_set_to_zero"]``.

Files: the "Affective computing" section of MultiBench's README.md: processed pickles for ``sarcasm``, ``mosi``,
``mosei``, ``humor`` on Google Drive (CoMM's loader names the file ids: mosi
1_XdzdW8UNG1TTS6QcX10uhoS6N11OBit, mosei 180l4pN6XAv8-OAYQ6OrMheFUMwtqUWbz, humor
1L5slPmYyhEVtwGyM1kgcFMjeBpXLZGT0, sarcasm 1EMBUmUL5B0PTncGx3L-sBElGOmjFBR_h). Unpickling runs
code: convert only files you trust.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

from pid_bench.data import GROUND_TRUTH_COLUMNS, MultimodalDataset, lengths_to_mask
from pid_bench.realdata.files import (
    check_valid_as,
    malformed,
    official_splits,
    read_pickle,
    require_file,
    require_keys,
)

__all__ = ["convert_affect", "AFFECT_DATASETS", "AFFECT_MODALITIES"]

#: Dataset -> (file names of MultiBench, Google Drive file id of the processed pickle).
AFFECT_DATASETS = {
    "mosi": ("mosi_data.pkl or mosi_raw.pkl", "1_XdzdW8UNG1TTS6QcX10uhoS6N11OBit"),
    "mosei": ("mosei_senti_data.pkl or mosei_raw.pkl", "180l4pN6XAv8-OAYQ6OrMheFUMwtqUWbz"),
    "humor": ("humor.pkl", "1L5slPmYyhEVtwGyM1kgcFMjeBpXLZGT0"),
    "sarcasm": ("sarcasm.pkl", "1EMBUmUL5B0PTncGx3L-sBElGOmjFBR_h"),
}
#: The three modalities of the affect pickles; CoMM's order is vision, text, audio.
AFFECT_MODALITIES = ("vision", "text", "audio")
_SPLITS = ("train", "valid", "test")


def _obtain(dataset: str) -> str:
    return (f"MultiBench's processed {dataset} data (section Affective computing of MultiBench's README.md), "
            f"https://drive.google.com/file/d/{AFFECT_DATASETS[dataset][1]}")


def _aligned(split: dict, max_seq_len: int) -> tuple[dict, np.ndarray, np.ndarray]:
    """One split after drop_entry, the audio fix and alignment: back-padded arrays, labels
    and the number of real steps of each sample."""
    text = np.asarray(split["text"], dtype=np.float64)
    keep = text.reshape(text.shape[0], -1).sum(axis=1) != 0  # drop_entry: k.sum() == 0
    arrays = {m: np.asarray(split[m], dtype=np.float64)[keep] for m in AFFECT_MODALITIES}
    arrays["audio"][arrays["audio"] == -np.inf] = 0.0
    text = arrays["text"]
    nonzero = np.any(text != 0, axis=2)  # (n, T): steps with a non-zero text feature
    start = np.argmax(nonzero, axis=1)   # first such step (text.nonzero()[0][0])
    lengths = np.minimum(text.shape[1] - start, max_seq_len)
    out = {}
    for m, x in arrays.items():
        padded = np.zeros((x.shape[0], max_seq_len, x.shape[2]), dtype=np.float32)
        for i in range(x.shape[0]):
            padded[i, :lengths[i]] = x[i, start[i]:start[i] + lengths[i]]
        out[m] = padded
    labels = np.asarray(split["labels"], dtype=np.float64)[keep]
    return out, labels.reshape(labels.shape[0], -1)[:, 0], lengths


def convert_affect(path: str | os.PathLike[str], *, dataset: str = "mosi",
                   modalities: Sequence[str] = AFFECT_MODALITIES, valid_as: str = "drop",
                   max_seq_len: int = 50) -> MultimodalDataset:
    """Convert a MultiBench affect pickle.

    Parameters
    ----------
    path : path
        The pickle (``mosi_data.pkl``, ``mosi_raw.pkl``, ``humor.pkl``, ``sarcasm.pkl``, ...).
    dataset : {"mosi", "mosei", "humor", "sarcasm"}, default "mosi"
        Which dataset the file holds (sets the label rule).
    modalities : sequence of str, default ("vision", "text", "audio")
        Modalities to keep, in order (two or three of ``AFFECT_MODALITIES``).
    valid_as : {"drop", "train", "test"}, default "drop"
        Where the official validation samples go.
    max_seq_len : int, default 50
        Steps kept per sample (MultiBench's and CoMM's 50).

    Notes
    -----
    ``metadata["official_split_sizes"]`` counts the samples of each official split after
    ``drop_entry``.

    Returns
    -------
    MultimodalDataset
        Sequences float32 (n, max_seq_len, d) with ``masks`` (n, max_seq_len); task ``label``
        (2 classes), and ``sentiment`` (continuous) for MOSI and MOSEI; ``metadata`` records
        the source, the official split sizes and the cleaning.

    Raises
    ------
    FileNotFoundError
        No file at ``path`` (the message says where to obtain it).
    ValueError
        A file not in the format above (missing split or key, wrong shapes).
    """
    if dataset not in AFFECT_DATASETS:
        raise ValueError(f"dataset must be one of {', '.join(AFFECT_DATASETS)}; received "
                         f"{dataset!r}")
    if isinstance(max_seq_len, bool) or not isinstance(max_seq_len, (int, np.integer)) \
            or max_seq_len < 1:
        raise ValueError(f"max_seq_len must be a positive int; received {max_seq_len!r}")
    mods = list(modalities)
    if len(mods) < 2 or len(set(mods)) != len(mods) or set(mods) - set(AFFECT_MODALITIES):
        raise ValueError(f"modalities must be two or three distinct names among "
                         f"{AFFECT_MODALITIES}; received {mods}")
    check_valid_as(valid_as)
    obtain = _obtain(dataset)
    what = f"MultiBench's {dataset} pickle ({AFFECT_DATASETS[dataset][0]})"
    p = require_file(path, what, obtain)
    raw = require_keys(read_pickle(p, what, obtain), _SPLITS, p, what, obtain)
    parts, labels, lengths, counts = [], [], [], {}
    for s in _SPLITS:
        split = require_keys(raw[s], (*AFFECT_MODALITIES, "labels"), p, what, obtain,
                             where=f" in split {s!r}")
        shapes = {m: np.shape(split[m]) for m in AFFECT_MODALITIES}
        n = shapes["text"][0] if shapes["text"] else -1
        if any(len(v) != 3 or v[0] != n or v[1] != shapes["text"][1] for v in shapes.values()) \
                or np.size(split["labels"]) != n:
            raise malformed(p, what, obtain, f"split {s!r} must hold vision, text and audio of "
                                             f"shape (N, T, d) with one N and T, and N labels; "
                                             f"received {shapes} and labels of shape "
                                             f"{np.shape(split['labels'])}")
        arrays, y, steps = _aligned(split, max_seq_len)
        parts.append(arrays)
        labels.append(y)
        lengths.append(steps)
        counts[s] = y.shape[0]
    split_of = official_splits(counts, valid_as)
    keep = split_of != "drop"
    score = np.concatenate(labels)[keep]
    if dataset == "humor":
        if not np.all(np.isin(score, (0, 1))):
            raise malformed(p, what, obtain, f"UR-FUNNY labels must be the classes 0 and 1; "
                                             f"received values {np.unique(score)[:5].tolist()}")
        tasks = {"label": score.astype(np.int64)}
    else:
        tasks = {"label": (score > 0).astype(np.int64)}
    n_classes = {"label": 2}
    if dataset in ("mosi", "mosei"):
        tasks["sentiment"], n_classes["sentiment"] = score, 0
    arrays, nonfinite = {}, 0
    for m in mods:
        x = np.concatenate([part[m] for part in parts])[keep]
        bad = ~np.isfinite(x)
        nonfinite += int(bad.sum())
        x[bad] = 0.0
        arrays[m] = x
    # one mask for all modalities: the loader aligns them on the text's first step
    mask = lengths_to_mask(np.concatenate(lengths)[keep].astype(np.int64), max_seq_len,
                           name="sequence lengths")
    masks = {m: mask for m in mods}
    meta = {"generator": f"convert:{dataset}", "source": str(p),
            "loader": "MultiBench datasets/affect/get_data.py (max_pad=True, max_seq_len="
                      f"{max_seq_len}, task='classification')",
            "official_split_sizes": counts, "valid_as": valid_as,
            "converter": {"padding": "end", "nonfinite_set_to_zero": nonfinite}}
    unknown = pd.DataFrame(np.nan, index=pd.Index(list(tasks), name="task"),
                           columns=list(GROUND_TRUTH_COLUMNS))
    return MultimodalDataset(modalities=arrays, tasks=tasks, split_of=split_of[keep],
                             ground_truth=unknown, n_classes=n_classes, name=dataset,
                             masks=masks, metadata=meta)
