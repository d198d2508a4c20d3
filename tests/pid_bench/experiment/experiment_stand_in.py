"""Shared parts of the runner's tests: a tiny grid around a fast linear stand-in method."""

from __future__ import annotations

import math

import torch
from torch import nn

from pid_bench.methods import Batch, Method, MethodContext

LATENT_ARGS = {"n_pretrain": 128, "n_train": 160, "n_test": 160, "dim": 6, "embed_dim": 4,
               "mixtures": []}


class LinearStandIn(Method):
    """A linear map per modality, pulled together across modalities (the runner's stand-in).

    ``fail_at_step`` (class attribute) makes the loss raise at that global step, to interrupt
    a grid; ``input_dim`` fixes the expected vector width, to provoke a shape mismatch.
    """

    name = "linear"
    fail_at_step: int | None = None
    steps = 0

    def __init__(self, context: MethodContext, *, dim: int = 4, input_dim: int | None = None):
        super().__init__(context)
        if context.n_modalities != 2:
            raise ValueError(f"linear stand-in expects 2 modalities; received {context.n_modalities}")
        self.maps = nn.ModuleList(nn.Linear(input_dim or math.prod(s), dim)
                                  for s in context.modality_shapes)

    def embed(self, batch: Batch) -> torch.Tensor:
        return torch.cat([m(x.flatten(1)) for m, x in zip(self.maps, batch.modalities)], dim=1)

    def loss(self, batch: Batch) -> torch.Tensor:
        type(self).steps += 1
        if type(self).fail_at_step is not None and type(self).steps >= type(self).fail_at_step:
            raise KeyboardInterrupt("simulated interruption")
        a, b = (m(x.flatten(1)) for m, x in zip(self.maps, batch.modalities))
        return ((a - b) ** 2).mean() + ((a.std(0) - 1) ** 2 + (b.std(0) - 1) ** 2).mean()


#: Import path of the stand-in, which spawned and remote workers import too.
STAND_IN = f"{__name__}:LinearStandIn"


def tiny_config(**changes) -> dict:
    """A raw config of the stand-in on a small latent dataset, 2 seeds x 2 epochs."""
    config = {
        "datasets": [{"name": "latent", "augment": "none", "args": LATENT_ARGS}],
        "methods": [STAND_IN],
        "seeds": [0, 1],
        "train": {"epochs": 2, "batch_size": 32, "lr": 1e-2, "device": "cpu", "progress": False},
        "probe": {"c_grid": [0.1, 10.0]},
        "tasks": ["redundancy", "synergy"],
    }
    config.update(changes)
    return config
