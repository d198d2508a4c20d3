"""Tokenisers: encoder outputs -> sequences of tokens for the fusion transformer."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from pid_bench.models.config import Architecture
from pid_bench.models.encoders import ConvEncoder, MLPEncoder, flat_size, is_image_shape

__all__ = ["VectorTokenizer", "FeatureMapTokenizer", "ModalityTokenizer"]


class VectorTokenizer(nn.Module):
    """One vector -> ``n_tokens`` tokens by a linear map.

    Parameters
    ----------
    in_dim : int
        Input width D.
    embed_dim : int
        Token width d.
    n_tokens : int
        Number of tokens T.

    Shapes
    ------
    input (B, D) -> output (B, T, d).
    """

    def __init__(self, in_dim: int, embed_dim: int, n_tokens: int) -> None:
        super().__init__()
        self.n_tokens, self.embed_dim = n_tokens, embed_dim
        self.proj = nn.Linear(in_dim, n_tokens * embed_dim)

    def forward(self, x: Tensor) -> Tensor:
        return self.proj(x).reshape(x.shape[0], self.n_tokens, self.embed_dim)


class FeatureMapTokenizer(nn.Module):
    """A feature map -> one token per spatial position, plus a learned position embedding.

    Parameters
    ----------
    channels : int
        Channels C of the map.
    embed_dim : int
        Token width d.
    n_positions : int
        Number of positions h * w of the map.

    Shapes
    ------
    input (B, C, h, w) with h * w = n_positions -> output (B, h * w, d).
    """

    def __init__(self, channels: int, embed_dim: int, n_positions: int) -> None:
        super().__init__()
        self.proj = nn.Linear(channels, embed_dim)
        self.position = nn.Parameter(torch.zeros(1, n_positions, embed_dim))
        nn.init.normal_(self.position, std=0.02)

    def forward(self, x: Tensor) -> Tensor:
        return self.proj(x.flatten(2).transpose(1, 2)) + self.position


class ModalityTokenizer(nn.Module):
    """Encoder and tokeniser of one modality.

    Vectors (any non-image shape, flattened): an MLP to ``hidden_dim`` then
    ``vector_tokens`` tokens. Images ``(C, H, W)``: :class:`ConvEncoder` pooled to
    ``image_grid x image_grid`` then one token per position.

    Parameters
    ----------
    shape : sequence of int
        Per-sample shape of the modality.
    arch : Architecture
        Widths.

    Shapes
    ------
    input (B, *shape) -> output (B, T, arch.embed_dim), T = ``n_tokens``.
    """

    def __init__(self, shape: Sequence[int], arch: Architecture) -> None:
        super().__init__()
        if is_image_shape(shape):
            conv = ConvEncoder(shape[0], arch.cnn_width, arch.image_grid, arch.cnn_depth)
            self.n_tokens = arch.image_grid ** 2
            self.net = nn.Sequential(conv, FeatureMapTokenizer(conv.out_channels, arch.embed_dim,
                                                               self.n_tokens))
        else:
            self.n_tokens = arch.vector_tokens
            self.net = nn.Sequential(
                MLPEncoder(flat_size(shape), arch.hidden_dim, arch.hidden_dim, arch.mlp_layers),
                VectorTokenizer(arch.hidden_dim, arch.embed_dim, self.n_tokens))

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)
