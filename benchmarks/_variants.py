"""Shared part of the variant sweeps: run ``fn(name, changes, device)`` per variant, print JSON."""

from __future__ import annotations

import argparse
import json
import multiprocessing
from collections.abc import Callable, Mapping, Sequence
from concurrent import futures
from pathlib import Path
from typing import Any

Runner = Callable[[str, dict[str, Any], str], dict[str, Any]]


def sweep(description: str, variants: Mapping[str, dict[str, Any]], fn: Runner,
          argv: Sequence[str] | None = None,
          prepare: Callable[[dict[str, dict[str, Any]]], None] | None = None
          ) -> list[dict[str, Any]]:
    """Parse ``--only --device --workers --out --sizes``, run the variants, print one JSON line each.

    ``prepare(jobs)``, if given, runs first in this process (e.g. to fill a data cache once).
    With one worker the runs go one after the other in this process; with more, in spawned
    processes (``fn`` must then be importable, as it is when its script is ``__main__``). Each
    line is printed, and appended to ``--out``, as its run ends.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--only", default=None,
                        help=f"comma-separated variants (default: all of {', '.join(variants)})")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or mps (default cpu)")
    parser.add_argument("--workers", type=int, default=1, help="runs in parallel processes")
    parser.add_argument("--out", type=Path, default=None, help="JSON-lines file to append to")
    parser.add_argument("--sizes", default=None,
                        help="JSON of the generator's sample counts, e.g. for a quick check")
    args = parser.parse_args(argv)
    names = list(variants) if args.only is None else args.only.split(",")
    unknown = [n for n in names if n not in variants]
    if unknown:
        parser.error(f"unknown variants {unknown}; known: {', '.join(variants)}")
    sizes = {} if args.sizes is None else json.loads(args.sizes)
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

    if args.workers <= 1:
        for name, changes in jobs.items():
            record(fn(name, changes, args.device))
        return lines
    with futures.ProcessPoolExecutor(args.workers,
                                     mp_context=multiprocessing.get_context("spawn")) as pool:
        pending = [pool.submit(fn, name, changes, args.device) for name, changes in jobs.items()]
        for job in futures.as_completed(pending):
            record(job.result())
    return lines
