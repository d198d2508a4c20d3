"""The converters of user-held benchmark files, by kind (``pid-bench convert KIND``)."""

from __future__ import annotations

import importlib
import inspect
import os
from typing import Any

from pid_bench.data import MultimodalDataset

__all__ = ["CONVERTERS", "convert", "converter_kinds"]

#: Kind -> (converter as "module:function", fixed keyword arguments, the input it reads).
CONVERTERS: dict[str, tuple[str, dict[str, Any], str]] = {
    "mosi": ("pid_bench.realdata.affect:convert_affect", {"dataset": "mosi"},
             "MultiBench pickle mosi_data.pkl or mosi_raw.pkl"),
    "mosei": ("pid_bench.realdata.affect:convert_affect", {"dataset": "mosei"},
              "MultiBench pickle mosei_senti_data.pkl or mosei_raw.pkl"),
    "humor": ("pid_bench.realdata.affect:convert_affect", {"dataset": "humor"},
              "MultiBench pickle humor.pkl (UR-FUNNY)"),
    "sarcasm": ("pid_bench.realdata.affect:convert_affect", {"dataset": "sarcasm"},
                "MultiBench pickle sarcasm.pkl (MUStARD)"),
    "mimic": ("pid_bench.realdata.mimic:convert_mimic", {}, "MultiBench MIMIC-III file im.pk"),
    "visionandtouch": ("pid_bench.realdata.robotics:convert_visionandtouch", {},
                       "folder of Vision&Touch episodes *.h5"),
    "mmimdb": ("pid_bench.realdata.mmimdb:convert_mmimdb", {},
               "MM-IMDb multimodal_imdb.hdf5"),
}


def converter_kinds() -> list[str]:
    """Names of the converters."""
    return list(CONVERTERS)


def convert(kind: str, path: str | os.PathLike[str], **options: Any) -> MultimodalDataset:
    """Convert one user-held file (or folder) of kind ``kind``.

    Parameters
    ----------
    kind : str
        One of ``CONVERTERS``.
    path : path
        The input file or folder.
    **options
        Keyword arguments of the converter (e.g. ``modalities``, ``valid_as``).

    Returns
    -------
    MultimodalDataset
    """
    if kind not in CONVERTERS:
        raise ValueError(f"unknown converter {kind!r}; known: {', '.join(CONVERTERS)}")
    target, fixed, _ = CONVERTERS[kind]
    clash = sorted(set(options) & set(fixed))
    if clash:
        raise ValueError(f"converter {kind!r} sets {clash} itself; received them as options")
    module_name, func_name = target.split(":")
    func = getattr(importlib.import_module(module_name), func_name)
    accepted = [k for k in list(inspect.signature(func).parameters)[1:] if k not in fixed]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ValueError(f"converter {kind!r} has no options {unknown}; its options: "
                         f"{', '.join(accepted)}")
    return func(path, **fixed, **options)
