"""A method of your own on pid-bench's table: two MLP encoders, late fusion, SimCLR.

Nothing in pid-bench changes: put this file on the Python path and name the class.
    PYTHONPATH=examples pid-bench run configs/default.yaml --methods comm,my_method:MyMethod
"""

import math

import torch
from torch import nn

from pid_bench.methods import Batch, Method, MethodContext
from pid_bench.methods.losses import nt_xent


class MyMethod(Method):
    name = "my_method"  # the label in result tables

    def __init__(self, context: MethodContext, *, dim: int = 64, temperature: float = 0.1):
        super().__init__(context)
        self.temperature = temperature
        self.encoders = nn.ModuleList(
            nn.Sequential(nn.Flatten(), nn.Linear(math.prod(shape), 128), nn.ReLU(),
                          nn.Linear(128, dim))
            for shape in context.modality_shapes)

    def embed(self, batch: Batch) -> torch.Tensor:  # (B, M * dim): what the probes read
        return torch.cat([enc(x) for enc, x in zip(self.encoders, batch.modalities)], dim=1)

    def loss(self, batch: Batch) -> torch.Tensor:  # two augmented views, one contrastive loss
        first = self.embed(Batch(self.augmented(batch)))
        second = self.embed(Batch(self.augmented(batch)))
        return nt_xent(first, second, self.temperature)
