"""Encoders of one modality: an MLP for vectors, a small CNN for images, a sequence encoder."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from pid_bench.models.config import Architecture

__all__ = ["MLPEncoder", "ConvEncoder", "SequenceEncoder", "VectorEncoder", "compact_steps",
           "flat_size", "is_image_shape", "is_sequence_shape", "sinusoidal_positions",
           "step_mask", "transformer_encoder"]


def is_image_shape(shape: Sequence[int]) -> bool:
    """Whether a per-sample shape is an image ``(C, H, W)``."""
    return len(shape) == 3


def is_sequence_shape(shape: Sequence[int]) -> bool:
    """Whether a per-sample shape is a sequence ``(T, d)``: T steps of d features.

    Vectors ``(D,)`` and shapes of four or more axes are flattened; ``(C, H, W)`` is an image.
    """
    return len(shape) == 2


def transformer_encoder(arch: Architecture, n_layers: int) -> nn.TransformerEncoder:
    """The pre-norm transformer encoder of pid-bench: ``n_layers`` layers of width
    ``arch.embed_dim``, ``arch.n_heads`` heads, feed-forward width 4 d, GELU, batch first.

    The fusion transformer and the sequence encoder both use it.
    """
    d = arch.embed_dim
    layer = nn.TransformerEncoderLayer(d, arch.n_heads, dim_feedforward=4 * d,
                                       dropout=arch.dropout, activation="gelu",
                                       batch_first=True, norm_first=True)
    return nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)


def sinusoidal_positions(length: int, dim: int, *, device: torch.device | None = None) -> Tensor:
    """Fixed sine-cosine position embeddings (Vaswani et al., NeurIPS 2017), shape (T, dim).

    Entry ``[t, 2i]`` is ``sin(t / 10000^(2i / dim))`` and ``[t, 2i + 1]`` its cosine (for odd
    ``dim`` the last column is a sine). CoMM's affect encoders use such fixed positions.
    """
    t = torch.arange(length, device=device, dtype=torch.float32)[:, None]
    freq = torch.exp(-math.log(10000.0) * torch.arange(0, dim, 2, device=device,
                                                       dtype=torch.float32) / dim)
    out = torch.zeros(length, dim, device=device)
    out[:, 0::2] = torch.sin(t * freq)
    out[:, 1::2] = torch.cos(t * freq)[:, : dim // 2]
    return out


def step_mask(x: Tensor, mask: Tensor | None) -> Tensor:
    """A validated step mask of a batch of sequences, bool (B, T), True for a real step.

    Parameters
    ----------
    x : Tensor, shape (B, T, d)
    mask : Tensor of bool, shape (B, T), or None
        ``None``: every step is real.

    Raises
    ------
    ValueError
        A mask of another shape or dtype, or a sample without any real step.
    """
    if mask is None:
        return torch.ones(x.shape[:2], dtype=torch.bool, device=x.device)
    if tuple(mask.shape) != tuple(x.shape[:2]):
        raise ValueError(f"a sequence's step mask must have shape (B, T) = {tuple(x.shape[:2])}; "
                         f"received shape {tuple(mask.shape)}")
    if mask.dtype != torch.bool:
        raise ValueError(f"a sequence's step mask must be bool (True: a real step); received "
                         f"dtype {mask.dtype}")
    if not bool(mask.any(dim=1).all()):
        raise ValueError("every sample of a sequence needs at least one real step (lengths in "
                         "1..T); the mask has a row without any")
    return mask


def compact_steps(x: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
    """Move each sample's real steps to the front, in order; zero the padding after them.

    After this, step t of sample i is its t-th real step whatever padding the input had (at
    the front, as MultiBench's, or anywhere), so positions and recurrences see the same
    sequence as for the sample without padding. Steps after the batch's longest real length
    hold padding only and are cut off, which saves their computation.

    Parameters
    ----------
    x : Tensor, shape (B, T, d)
    mask : Tensor of bool, shape (B, T)
        True for a real step.

    Returns
    -------
    (Tensor, Tensor)
        The compacted steps (B, T', d) and their mask (B, T'): ``mask[i, t]`` is ``t < L_i``,
        ``L_i`` the number of real steps of sample i and T' = max_i L_i.
    """
    lengths = mask.sum(dim=1, keepdim=True)
    longest = int(lengths.max()) if lengths.numel() else 0
    order = torch.argsort((~mask).to(torch.int8), dim=1, stable=True)[:, :longest]
    steps = torch.gather(x, 1, order[..., None].expand(-1, -1, x.shape[2]))
    valid = torch.arange(longest, device=x.device)[None, :] < lengths
    return steps * valid[..., None].to(steps.dtype), valid


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


class SequenceEncoder(nn.Module):
    """A sequence ``(T, d_in)`` -> one token per step, padding left out.

    Each step is mapped linearly to width d (CoMM's affect encoders use a 1 x 1 convolution,
    the same map), after :func:`compact_steps` has moved the real steps to the front. Then,
    with ``arch.sequence_encoder``:

    * ``"transformer"``: sinusoidal positions are added and :func:`transformer_encoder`
      (``arch.sequence_layers`` layers) attends over the real steps only (the padding is
      masked as keys);
    * ``"gru"``: a GRU of width d (``arch.sequence_layers`` layers) reads the steps in order;
      as it runs forward, its outputs at the real steps never see the padding after them.

    The output at a real step is therefore the same with or without padding; the outputs at
    padded steps are meaningless and must be masked by the caller with the returned mask.

    Parameters
    ----------
    shape : sequence of int
        Per-sample shape ``(T, d_in)``; T is the padded length of the data, and batches of
        any length are accepted.
    arch : Architecture
        Widths; tokens have width ``arch.embed_dim``.

    Shapes
    ------
    ``forward(x, mask)``: x (B, T, d_in), mask bool (B, T) or None -> (tokens (B, T', d),
    valid (B, T')), ``valid[i, t]`` True for the t-th real step of sample i; T' is the
    longest real length of the batch (:func:`compact_steps`).
    """

    def __init__(self, shape: Sequence[int], arch: Architecture) -> None:
        super().__init__()
        if not is_sequence_shape(shape):
            raise ValueError(f"a sequence has per-sample shape (T, d); received {tuple(shape)}")
        d = arch.embed_dim
        self.kind = arch.sequence_encoder
        self.step = nn.Linear(int(shape[1]), d)
        self.body: nn.Module = (transformer_encoder(arch, arch.sequence_layers)
                                if self.kind == "transformer"
                                else nn.GRU(d, d, num_layers=arch.sequence_layers,
                                            batch_first=True))

    def forward(self, x: Tensor, mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
        steps, valid = compact_steps(x, step_mask(x, mask))
        h = self.step(steps)
        if self.kind == "gru":
            return self.body(h)[0], valid
        h = h + sinusoidal_positions(h.shape[1], h.shape[2], device=h.device).to(h.dtype)
        return self.body(h, src_key_padding_mask=~valid), valid


class VectorEncoder(nn.Module):
    """Any modality to one vector: an MLP for vectors, CNN + pooling + linear for images, and
    for sequences :class:`SequenceEncoder` then the mean over the real steps.

    Parameters
    ----------
    shape : sequence of int
        Per-sample shape of the modality: ``(C, H, W)`` for images, ``(T, d)`` for sequences,
        anything else flattened.
    arch : Architecture
        Widths; the output width is ``arch.embed_dim``.

    Shapes
    ------
    ``forward(x, mask=None)``: x (B, *shape), mask bool (B, T) for a sequence (or None)
    -> (B, arch.embed_dim).
    """

    def __init__(self, shape: Sequence[int], arch: Architecture) -> None:
        super().__init__()
        self.sequence = is_sequence_shape(shape)
        if is_image_shape(shape):
            conv = ConvEncoder(shape[0], arch.cnn_width, grid=1, depth=arch.cnn_depth)
            self.net: nn.Module = nn.Sequential(conv, nn.Flatten(),
                                                nn.Linear(conv.out_channels, arch.embed_dim))
        elif self.sequence:
            self.net = SequenceEncoder(shape, arch)
        else:
            self.net = MLPEncoder(flat_size(shape), arch.hidden_dim, arch.embed_dim,
                                  arch.mlp_layers)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if not self.sequence:
            if mask is not None:
                raise ValueError("a step mask was given for a modality that is not a sequence")
            return self.net(x)
        tokens, valid = self.net(x, mask)
        total = tokens.masked_fill(~valid[..., None], 0.0).sum(dim=1)
        return total / valid.sum(dim=1, keepdim=True).to(tokens.dtype)


def flat_size(shape: Sequence[int]) -> int:
    """Number of entries of one sample of per-sample ``shape``."""
    return int(torch.Size(shape).numel())
