"""Tokenisers: encoder outputs -> sequences of tokens for the fusion transformer."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from pid_bench.models.config import Architecture
from pid_bench.models.encoders import (ConvEncoder, MLPEncoder, SequenceEncoder, compact_steps,
                                       flat_size, is_image_shape, is_sequence_shape, step_mask)

__all__ = ["VectorTokenizer", "FeatureTokenizer", "FeatureMapTokenizer", "ModalityTokenizer"]


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


class FeatureTokenizer(nn.Module):
    """A vector of D features -> D tokens, token j = ``x_j w_j + b_j``.

    The feature tokenizer of FT-Transformer (Gorishniy et al., "Revisiting deep learning
    models for tabular data", NeurIPS 2021) for numerical features: each feature has its own
    weight and bias vectors of width d, so the fusion transformer attends over features.

    Parameters
    ----------
    n_features : int
        Number of features D (the input is flattened).
    embed_dim : int
        Token width d.

    Shapes
    ------
    input (B, ...) with prod(...) = D -> output (B, D, d).
    """

    def __init__(self, n_features: int, embed_dim: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_features, embed_dim))
        self.bias = nn.Parameter(torch.empty(n_features, embed_dim))
        bound = embed_dim ** -0.5
        nn.init.uniform_(self.weight, -bound, bound)
        nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(1)[..., None] * self.weight + self.bias


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

    Vectors (any shape but images and sequences, flattened): with
    ``arch.vector_tokenizer == "mlp"`` an MLP to ``hidden_dim`` then ``vector_tokens``
    tokens, with ``"features"`` one token per feature (:class:`FeatureTokenizer`). Images
    ``(C, H, W)``: :class:`ConvEncoder` pooled to ``image_grid x image_grid`` then one token
    per position. Sequences ``(T, d)``: :class:`~pid_bench.models.encoders.SequenceEncoder`,
    one token per real step, the real steps first (see :meth:`token_mask`).

    Parameters
    ----------
    shape : sequence of int
        Per-sample shape of the modality.
    arch : Architecture
        Widths.

    Shapes
    ------
    ``forward(x, mask=None)``: x (B, *shape), ``mask`` bool (B, T) for a sequence (True: a
    real step; None: no padding) -> (B, T', arch.embed_dim); T' = ``n_tokens``, or for a
    sequence the longest real length of the batch.
    """

    def __init__(self, shape: Sequence[int], arch: Architecture) -> None:
        super().__init__()
        self.sequence = is_sequence_shape(shape)
        self.net: nn.Module
        if is_image_shape(shape):
            conv = ConvEncoder(shape[0], arch.cnn_width, arch.image_grid, arch.cnn_depth)
            self.n_tokens = arch.image_grid ** 2
            self.net = nn.Sequential(conv, FeatureMapTokenizer(conv.out_channels, arch.embed_dim,
                                                               self.n_tokens))
        elif self.sequence:
            self.n_tokens = int(shape[0])
            self.net = SequenceEncoder(shape, arch)
        elif arch.vector_tokenizer == "features":
            self.n_tokens = flat_size(shape)
            self.net = FeatureTokenizer(self.n_tokens, arch.embed_dim)
        else:
            self.n_tokens = arch.vector_tokens
            self.net = nn.Sequential(
                MLPEncoder(flat_size(shape), arch.hidden_dim, arch.hidden_dim, arch.mlp_layers),
                VectorTokenizer(arch.hidden_dim, arch.embed_dim, self.n_tokens))

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if self.sequence:
            return self.net(x, mask)[0]
        if mask is not None:
            raise ValueError("a step mask was given for a modality that is not a sequence")
        return self.net(x)

    def token_mask(self, x: Tensor, mask: Tensor | None) -> Tensor | None:
        """Which tokens of :meth:`forward` are real, bool (B, T'); None where all are.

        For a sequence with a mask: True for the first L_i tokens of sample i, its L_i real
        steps (the tokens of the padding follow them and must not be attended to).
        """
        if not self.sequence or mask is None:
            return None
        return compact_steps(x[..., :1], step_mask(x, mask))[1]
