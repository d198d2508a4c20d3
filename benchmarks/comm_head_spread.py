"""How far apart CoMM's projections of different samples start, with and without batch norm.

A diagnostic for the Trifeature config's batch-normalised projection head
(docs/results/comm_head_spread.md). For each seed, CoMM is built twice from the same seed
(same encoders and fusion; only the head differs: Linear - ReLU - Linear, or Linear -
BatchNorm - ReLU - Linear), and one batch of augmented pretraining pairs goes through it in
training mode, as in the first step of training. Per (seed, head) it prints:

- ``cos_cls``: mean cosine between the fused CLS embeddings of different samples;
- ``cos_projection``: the same between their projections (full view, first augmentation),
  which is what NT-Xent compares;
- ``loss``: CoMM's loss on the batch, beside ``uniform_loss`` = ln(2B - 1), the loss of
  embeddings that tell nothing apart;
- ``encoder_grad``: the norm of the loss's gradient on the encoders' and tokenisers' weights.

Usage::

    python benchmarks/comm_head_spread.py                  # seeds 0-4, 256 pairs: seconds
    python benchmarks/comm_head_spread.py --seeds 0,1 --pairs 128
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor

from pid_bench.experiment import build_dataset, build_method, environment, load_config
from pid_bench.train import _Tensors

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ["seed", "head", "cos_cls", "cos_projection", "loss", "uniform_loss", "encoder_grad"]


def _mean_off_diagonal_cosine(x: Tensor) -> float:
    z = F.normalize(x, dim=1)
    off = ~torch.eye(len(z), dtype=torch.bool)
    return float((z @ z.T)[off].mean())


def head_spread(config: str | Path, seeds: Sequence[int], pairs: int,
                dataset: str = "trifeature_unbiased") -> pd.DataFrame:
    """The table of the module docstring, one row per (seed, head).

    Parameters
    ----------
    config : path
        Grid config; its dataset labelled ``dataset`` and CoMM's hyperparameters there
        (``batch_norm`` is set both ways) are used.
    seeds : sequence of int
        Seeds of the models and of the augmentations.
    pairs : int
        Pretraining pairs in the batch, B (at least 2).
    dataset : str, default "trifeature_unbiased"
        Label of the config's dataset.

    Returns
    -------
    pandas.DataFrame
        Columns ``COLUMNS``; cosines in [-1, 1], losses in nats.
    """
    grid = load_config(config)
    specs = {d.label: d for d in grid.datasets}
    if dataset not in specs:
        raise ValueError(f"dataset {dataset!r} is not in {config}; it has {sorted(specs)}")
    comm = [m for m in grid.methods if m.name == "comm"]
    if not comm:
        raise ValueError(f"{config} has no CoMM entry")
    data = build_dataset(specs[dataset])
    tensors = _Tensors(data.split("pretrain"))
    if not 2 <= pairs <= tensors.n:
        raise ValueError(f"pairs must be in [2, {tensors.n}]; received {pairs}")
    rows = []
    for seed in seeds:
        for head, batch_norm in (("plain", False), ("batch_norm", True)):
            spec = dataclasses.replace(comm[0], hparams={**comm[0].hparams,
                                                         "batch_norm": batch_norm})
            model = build_method(spec, specs[dataset], data, seed=seed)
            model.train()
            generator = torch.Generator().manual_seed(seed)
            batch = tensors.batch(torch.arange(pairs), torch.device("cpu"), generator)
            first = model.augmented(batch)
            with torch.no_grad():
                cls = model.fusion(first)
                projection = model.head(cls)
            loss = model.loss(batch)
            loss.backward()
            grads = [p.grad.norm() ** 2 for name, p in model.named_parameters()
                     if name.startswith("fusion.tokenizers") and p.grad is not None]
            rows.append({"seed": seed, "head": head,
                         "cos_cls": _mean_off_diagonal_cosine(cls),
                         "cos_projection": _mean_off_diagonal_cosine(projection),
                         "loss": loss.item(), "uniform_loss": math.log(2 * pairs - 1),
                         "encoder_grad": float(torch.stack(grads).sum().sqrt())})
    return pd.DataFrame(rows, columns=COLUMNS)


def main(argv: Sequence[str] | None = None) -> pd.DataFrame:
    """Print the table for the flags' seeds and batch; return it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "trifeature.yaml")
    parser.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated seeds")
    parser.add_argument("--pairs", type=int, default=256, help="pairs in the batch")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    table = head_spread(args.config, [int(s) for s in args.seeds.split(",")], args.pairs)
    env = environment("cpu")
    print(f"# CoMM's projections at initialisation, {args.pairs} pairs of {args.config.name}")
    print(f"machine: {env['cpu']} ({env['cpu_count']} cores); torch {env['packages']['torch']}; "
          f"commit {env['git_commit']}")
    print(table.round(3).to_string(index=False))
    print("\nmean over seeds:")
    print(table.drop(columns="seed").groupby("head", sort=False).mean().round(3).to_string())
    return table


if __name__ == "__main__":
    main()
    sys.exit(0)
