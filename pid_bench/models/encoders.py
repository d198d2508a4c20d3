"""Encoders of one modality: an MLP for vectors, a small CNN for images."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from pid_bench.models.config import Architecture

__all__ = ["MLPEncoder", "ConvEncoder", "VectorEncoder", "is_image_shape", "flat_size"]


def is_image_shape(shape: Sequence[int]) -> bool:
    """Whether a per-sample shape is an image ``(C, H, W)`` (anything else is flattened)."""
    return len(shape) == 3


class MLPEncoder(nn.Module):
    """Multilayer perceptron with ReLU activations.

    Weights start from He et al.'s (ICCV 2015) normal initialisation and biases from zero, so
    that the spread of the inputs across samples, not a constant offset from the biases,
    dominates the output at initialisation (with torch's default initialisation the outputs of
    different samples start nearly parallel, which invites contrastive collapse).

    Parameters
    ----------
    in_dim : int
        Input width D.
    hidden_dim : int
        Width of each hidden layer.
    out_dim : int
        Output width d.
    n_layers : int, default 2
        Number of hidden layers (at least 1).

    Shapes
    ------
    input (B, ...) with prod(...) = D (flattened) -> output (B, d).
    """

    def __init__(self, in_dim: int, hidden_dim: int, out_dim: int, n_layers: int = 2) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten(), nn.Linear(in_dim, hidden_dim), nn.ReLU()]
        for _ in range(n_layers - 1):
            layers += [nn.Linear(hidden_dim, hidden_dim), nn.ReLU()]
        layers.append(nn.Linear(hidden_dim, out_dim))
        self.net = nn.Sequential(*layers)
        for layer in self.net:
            if isinstance(layer, nn.Linear):
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
                nn.init.zeros_(layer.bias)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class ConvEncoder(nn.Module):
    """Blocks of 3x3 convolution, group normalisation and ReLU, then average pooling.

    A small stand-in for the AlexNet of CoMM's recipe, sized for CPUs: three stride-2 blocks
    with ``w, 2w, 4w`` channels, each halving the resolution, then ``depth - 3`` stride-1
    blocks of ``4w`` channels that widen the receptive field at the lowest resolution, then
    average pooling to a ``grid x grid`` map.

    Parameters
    ----------
    in_channels : int
        Image channels C.
    width : int
        Channels w of the first block.
    grid : int
        Side of the pooled output map.
    depth : int, default 3
        Number of blocks, at least 3.

    Shapes
    ------
    input (B, C, H, W), H and W at least 8 -> output (B, 4w, grid, grid).
    """

    def __init__(self, in_channels: int, width: int, grid: int, depth: int = 3) -> None:
        super().__init__()
        if depth < 3:
            raise ValueError(f"depth must be at least 3; received {depth!r}")
        blocks: list[nn.Module] = []
        channels = in_channels
        plan = [(width, 2), (2 * width, 2), (4 * width, 2)] + [(4 * width, 1)] * (depth - 3)
        for out, stride in plan:
            blocks += [nn.Conv2d(channels, out, kernel_size=3, stride=stride, padding=1),
                       nn.GroupNorm(min(8, out), out), nn.ReLU()]
            channels = out
        blocks.append(nn.AdaptiveAvgPool2d(grid))
        self.net = nn.Sequential(*blocks)
        self.out_channels = channels

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class VectorEncoder(nn.Module):
    """Any modality to one vector: an MLP for non-image shapes, CNN + pooling + linear for images.

    Parameters
    ----------
    shape : sequence of int
        Per-sample shape of the modality: ``(C, H, W)`` for images, anything else flattened.
    arch : Architecture
        Widths; the output width is ``arch.embed_dim``.

    Shapes
    ------
    input (B, *shape) -> output (B, arch.embed_dim).
    """

    def __init__(self, shape: Sequence[int], arch: Architecture) -> None:
        super().__init__()
        if is_image_shape(shape):
            conv = ConvEncoder(shape[0], arch.cnn_width, grid=1, depth=arch.cnn_depth)
            self.net: nn.Module = nn.Sequential(conv, nn.Flatten(),
                                                nn.Linear(conv.out_channels, arch.embed_dim))
        else:
            self.net = MLPEncoder(flat_size(shape), arch.hidden_dim, arch.embed_dim,
                                  arch.mlp_layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


def flat_size(shape: Sequence[int]) -> int:
    """Number of entries of one sample of per-sample ``shape``."""
    return int(torch.Size(shape).numel())
