"""The fusion transformer: one model that embeds any subset of the modalities."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from pid_bench.models.config import Architecture
from pid_bench.models.tokenizers import ModalityTokenizer

__all__ = ["FusionTransformer"]


class FusionTransformer(nn.Module):
    """Tokenise each present modality, add a CLS token, attend, return the CLS output.

    Each modality ``m`` is encoded and tokenised by its own :class:`ModalityTokenizer`; a
    learned embedding of ``m`` is added to its tokens. The tokens of the present modalities are
    concatenated after a learned CLS token and passed through a pre-norm transformer encoder
    (``arch.n_layers`` layers, ``arch.n_heads`` heads, feed-forward width ``4 d``). A masked
    modality is *dropped*: its tokens never enter the sequence, so the output for a subset of
    modalities does not depend on the absent ones in any way. This is the fusion module of
    CoMM (Dufumier et al., ICLR 2025), with widths from ``arch``.

    Parameters
    ----------
    modality_shapes : sequence of tuple of int
        Per-sample shape of each modality, e.g. ``((32,), (32,))`` or ``((3, 32, 32),) * 2``.
    arch : Architecture
        Widths.

    Shapes
    ------
    ``forward(inputs)``: ``inputs[m]`` of shape (B, *modality_shapes[m]) or ``None`` for an
    absent modality (at least one present) -> (B, d) with d = ``arch.embed_dim``.
    """

    def __init__(self, modality_shapes: Sequence[Sequence[int]], arch: Architecture) -> None:
        super().__init__()
        if len(modality_shapes) < 1:
            raise ValueError("FusionTransformer needs at least one modality shape; received none")
        d = arch.embed_dim
        self.embed_dim = d
        self.tokenizers = nn.ModuleList(ModalityTokenizer(s, arch) for s in modality_shapes)
        self.modality_embedding = nn.Parameter(torch.zeros(len(modality_shapes), d))
        self.cls = nn.Parameter(torch.zeros(1, 1, d))
        nn.init.normal_(self.modality_embedding, std=0.02)
        nn.init.normal_(self.cls, std=0.02)
        layer = nn.TransformerEncoderLayer(d, arch.n_heads, dim_feedforward=4 * d,
                                           dropout=arch.dropout, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.transformer = nn.TransformerEncoder(layer, arch.n_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d)

    @property
    def n_modalities(self) -> int:
        """Number of modalities M the model was built for."""
        return len(self.tokenizers)

    def tokenize(self, inputs: Sequence[Tensor | None]) -> list[Tensor | None]:
        """Tokens of each present modality, modality embedding included.

        Parameters
        ----------
        inputs : sequence of Tensor or None, length M
            ``inputs[m]`` of shape (B, *shape_m), or ``None``.

        Returns
        -------
        list of Tensor or None
            ``tokens[m]`` of shape (B, T_m, d), ``None`` where the input is ``None``.
        """
        self._check_count(inputs)
        return [None if x is None else tok(x) + self.modality_embedding[m]
                for m, (tok, x) in enumerate(zip(self.tokenizers, inputs))]

    def fuse(self, tokens: Sequence[Tensor | None]) -> Tensor:
        """CLS embedding of the present modalities' tokens (from :meth:`tokenize`).

        Parameters
        ----------
        tokens : sequence of Tensor or None, length M
            ``tokens[m]`` of shape (B, T_m, d) or ``None`` (dropped).

        Returns
        -------
        Tensor, shape (B, d)
        """
        self._check_count(tokens)
        present = [t for t in tokens if t is not None]
        if not present:
            raise ValueError("at least one modality must be present; received only None")
        cls = self.cls.expand(present[0].shape[0], -1, -1)
        out = self.transformer(torch.cat([cls, *present], dim=1))
        return self.norm(out[:, 0])

    def forward(self, inputs: Sequence[Tensor | None]) -> Tensor:
        return self.fuse(self.tokenize(inputs))

    def _check_count(self, items: Sequence[object]) -> None:
        if len(items) != self.n_modalities:
            raise ValueError(f"expected one entry per modality ({self.n_modalities}, None for an "
                             f"absent one); received {len(items)}")
