"""Shared part of the variant sweeps: run ``fn(name, changes, device)`` per variant, print JSON."""

from __future__ import annotations

import argparse
import json
import multiprocessing
from collections.abc import Callable, Mapping, Sequence
from concurrent import futures
from pathlib import Path
from typing import Any

__all__ = ["Runner", "sweep"]

Runner = Callable[[str, dict[str, Any], str], dict[str, Any]]

#: Keys ``--sizes`` may set: the generators' sample counts.
SIZE_KEYS = ("n_pretrain", "n_train", "n_test")


def _sizes(text: str | None, parser: argparse.ArgumentParser) -> dict[str, int]:
    if text is None:
        return {}
    try:
        sizes = json.loads(text)
    except json.JSONDecodeError as exc:
        parser.error(f"--sizes must be JSON such as '{{\"n_pretrain\": 256}}'; {exc}")
    if not isinstance(sizes, dict) or set(sizes) - set(SIZE_KEYS) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in sizes.values()):
        parser.error(f"--sizes must map some of {list(SIZE_KEYS)} to positive integers; "
                     f"received {text!r}")
    return sizes


def sweep(description: str, variants: Mapping[str, dict[str, Any]], fn: Runner,
          argv: Sequence[str] | None = None,
          prepare: Callable[[dict[str, dict[str, Any]]], None] | None = None
          ) -> list[dict[str, Any]]:
    """Parse the command line, run the chosen variants and print one JSON line per run.

    Parameters
    ----------
    description : str
        Help text of the command.
    variants : mapping of str to dict
        Variant name -> its changes to the script's base settings.
    fn : callable
        ``fn(name, changes, device) -> dict``: trains and probes one variant. With more than
        one worker it runs in spawned processes, so it must be importable (it is when its
        script is ``__main__``).
    argv : sequence of str, optional
        ``--only NAMES --device DEV --workers N --out FILE --sizes JSON`` (default: sys.argv).
    prepare : callable, optional
        ``prepare(jobs)`` runs first in this process, e.g. to fill a data cache once.

    Returns
    -------
    list of dict
        One line per run, in the order runs ended; a run that raised gives
        ``{"variant": name, "error": message}`` and the others go on. Each line is printed,
        and appended to ``--out``, as its run ends.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--only", default=None,
                        help=f"comma-separated variants (default: all of {', '.join(variants)})")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or mps (default cpu)")
    parser.add_argument("--workers", type=int, default=1,
                        help="runs in parallel processes (default 1: one after the other here)")
    parser.add_argument("--out", type=Path, default=None, help="JSON-lines file to append to")
    parser.add_argument("--sizes", default=None,
                        help=f"JSON of sample counts ({', '.join(SIZE_KEYS)}), for a quick check")
    args = parser.parse_args(argv)
    names = list(variants) if args.only is None else args.only.split(",")
    unknown = [n for n in names if n not in variants]
    if unknown:
        parser.error(f"unknown variants {unknown}; known: {', '.join(variants)}")
    sizes = _sizes(args.sizes, parser)
    jobs = {n: {**variants[n], "sizes": sizes} for n in names}
    if prepare is not None:
        prepare(jobs)
    lines: list[dict[str, Any]] = []

    def record(line: dict[str, Any]) -> None:
        print(json.dumps(line), flush=True)
        lines.append(line)
        if args.out is not None:
            with args.out.open("a", encoding="utf-8") as f:
                f.write(json.dumps(line) + "\n")

    def failed(name: str, exc: BaseException) -> dict[str, Any]:
        return {"variant": name, "error": f"{type(exc).__name__}: {exc}"}

    if args.workers <= 1:
        for name, changes in jobs.items():
            try:
                record(fn(name, changes, args.device))
            except Exception as exc:  # one broken variant must not lose the others
                record(failed(name, exc))
        return lines
    with futures.ProcessPoolExecutor(args.workers,
                                     mp_context=multiprocessing.get_context("spawn")) as pool:
        pending = {pool.submit(fn, name, changes, args.device): name
                   for name, changes in jobs.items()}
        for job in futures.as_completed(pending):
            try:
                record(job.result())
            except Exception as exc:  # one broken variant must not lose the others
                record(failed(pending[job], exc))
    return lines
