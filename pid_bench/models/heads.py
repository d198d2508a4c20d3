"""Projection heads and critics."""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["ProjectionHead", "ConcatCritic"]


class ProjectionHead(nn.Module):
    """Two-layer MLP ``Linear(d, h) - ReLU - Linear(h, p)`` applied before a contrastive loss.

    SimCLR's projection head (Chen et al., ICML 2020); CoMM uses 512 -> 512 -> 256. With
    ``batch_norm``, ``Linear(d, h) - BatchNorm - ReLU - Linear(h, p)``, after the heads of
    SimCLR's code and MoCo v3 (which also normalise their output layer): the batch
    normalisation standardises the hidden units over the batch, so differences between samples
    keep unit scale down to about sqrt(eps) = 3e-3 in the hidden layer (at initialisation, when
    encoder outputs are nearly parallel, and on the way to a collapse).

    Parameters
    ----------
    in_dim : int
        Input width d.
    out_dim : int
        Output width p.
    hidden_dim : int, optional
        Hidden width h; ``in_dim`` by default.
    batch_norm : bool, default False
        Batch normalisation of the hidden layer (batch statistics in training mode, running
        averages in evaluation mode).

    Shapes
    ------
    input (B, d) -> output (B, p).
    """

    def __init__(self, in_dim: int, out_dim: int, hidden_dim: int | None = None, *,
                 batch_norm: bool = False) -> None:
        super().__init__()
        hidden = in_dim if hidden_dim is None else hidden_dim
        norm: list[nn.Module] = [nn.BatchNorm1d(hidden)] if batch_norm else []
        self.net = nn.Sequential(nn.Linear(in_dim, hidden), *norm, nn.ReLU(),
                                 nn.Linear(hidden, out_dim))

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class ConcatCritic(nn.Module):
    """Score every pair ``(a_i, b_j)`` with an MLP on their concatenation.

    The critic ``f(a, b) = w . relu(W [a; b] + c) + e`` of FactorCL's InfoNCE and NCE-CLUB
    estimators (Liang et al., NeurIPS 2023). ``W [a; b]`` is computed as ``W_a a + W_b b``, so
    the B x B pairs cost one addition each instead of a product with W.

    Parameters
    ----------
    a_dim, b_dim : int
        Widths of the two inputs.
    hidden_dim : int
        Hidden width of the one-hidden-layer MLP.

    Shapes
    ------
    ``forward(a, b)``: a (B, a_dim), b (B', b_dim) -> scores (B, B'),
    ``scores[i, j] = f(a_i, b_j)``.
    """

    def __init__(self, a_dim: int, b_dim: int, hidden_dim: int) -> None:
        super().__init__()
        self.hidden_a = nn.Linear(a_dim, hidden_dim)
        self.hidden_b = nn.Linear(b_dim, hidden_dim, bias=False)
        self.out = nn.Linear(hidden_dim, 1)

    def forward(self, a: Tensor, b: Tensor) -> Tensor:
        hidden = self.hidden_a(a)[:, None, :] + self.hidden_b(b)[None, :, :]
        return self.out(torch.relu(hidden)).squeeze(-1)
