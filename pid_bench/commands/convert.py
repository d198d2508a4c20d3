"""``pid-bench convert KIND INPUT --out DATA.npz``: a user-held benchmark file as a dataset."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

from pid_bench.realdata.convert import CONVERTERS, convert

__all__ = ["HELP", "add_arguments", "run", "parse_options"]

HELP = ("Convert a MultiBench or MM-IMDb file you hold (MOSI, MOSEI, UR-FUNNY, MUStARD pickles, "
        "MIMIC im.pk, Vision&Touch episodes, multimodal_imdb.hdf5) into a pid-bench dataset.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``pid-bench convert``."""
    kinds = "; ".join(f"{k}: {v[2]}" for k, v in CONVERTERS.items())
    parser.add_argument("kind", choices=list(CONVERTERS), metavar="KIND",
                        help=f"the format of INPUT ({kinds})")
    parser.add_argument("input", type=Path, metavar="INPUT", help="the file or folder you hold")
    parser.add_argument("--out", type=Path, required=True, metavar="DATA.npz",
                        help="the dataset file to write (atomically)")
    parser.add_argument("--modalities", default=None, metavar="A,B[,C]",
                        help="modalities to keep, in order, comma-separated (default: all of "
                             "the format, in CoMM's order)")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="another option of the converter (YAML value), e.g. "
                             "valid_as=train, image=images, episode_length=50; repeatable")


def parse_options(items: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` strings as a dict, each value read as YAML (``50`` an int, ``[1, 2]`` a list)."""
    options: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--option must be KEY=VALUE; received {item!r}")
        try:
            options[key.strip()] = yaml.safe_load(value)
        except yaml.YAMLError as exc:
            raise ValueError(f"--option {item!r}: the value is not valid YAML ({exc})") from None
    return options


def run(args: argparse.Namespace) -> int:
    """Convert, write ``--out`` and print a summary; returns 0."""
    options = parse_options(args.option)
    if args.modalities is not None:
        options["modalities"] = [m.strip() for m in args.modalities.split(",") if m.strip()]
    data = convert(args.kind, args.input, **options)
    data.save(args.out)
    splits = {s: int((data.split_of == s).sum()) for s in ("pretrain", "train", "test")
              if (data.split_of == s).any()}
    print(f"wrote {args.out}: {data.n_samples} samples {splits}, modalities "
          f"{', '.join(f'{k} {tuple(v.shape[1:])}' for k, v in data.modalities.items())}, "
          f"tasks {', '.join(data.tasks)}")
    return 0
