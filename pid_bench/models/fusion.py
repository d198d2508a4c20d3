"""The fusion transformer: one model that embeds any subset of the modalities."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from pid_bench.models.config import Architecture
from pid_bench.models.encoders import transformer_encoder
from pid_bench.models.tokenizers import ModalityTokenizer

__all__ = ["FusionTransformer"]


class FusionTransformer(nn.Module):
    """Tokenise each present modality, add a CLS token, attend, return the CLS output.

    Each modality ``m`` is encoded and tokenised by its own :class:`ModalityTokenizer`; a
    learned embedding of ``m`` is added to its tokens. The tokens of the present modalities are
    concatenated after a learned CLS token and passed through a pre-norm transformer encoder
    (``arch.n_layers`` layers, ``arch.n_heads`` heads, feed-forward width ``4 d``). A masked
    modality is *dropped*: its tokens never enter the sequence, so the output for a subset of
    modalities does not depend on the absent ones in any way. Tokens of the padding of a
    sequence modality are left out as keys of every attention (``key_padding_mask``), so the
    output does not depend on the padding either. This is the fusion module of CoMM (Dufumier
    et al., ICLR 2025; ``models/mmfusion.py`` of ``Duplums/CoMM`` masks padding the same way),
    with widths from ``arch``.

    Parameters
    ----------
    modality_shapes : sequence of tuple of int
        Per-sample shape of each modality, e.g. ``((32,), (32,))``, ``((3, 32, 32),) * 2`` or
        ``((50, 300), (50, 35), (50, 74))`` for three sequences.
    arch : Architecture
        Widths.

    Shapes
    ------
    ``forward(inputs, masks=None)``: ``inputs[m]`` of shape (B, *modality_shapes[m]) (a
    sequence may have any length T) or ``None`` for an absent modality (at least one present);
    ``masks[m]`` bool (B, T) for a sequence with padding (True: a real step), else None
    -> (B, d) with d = ``arch.embed_dim``.
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
        self.transformer = transformer_encoder(arch, arch.n_layers)
        self.norm = nn.LayerNorm(d)

    @property
    def n_modalities(self) -> int:
        """Number of modalities M the model was built for."""
        return len(self.tokenizers)

    def tokenize(self, inputs: Sequence[Tensor | None],
                 masks: Sequence[Tensor | None] | None = None) -> list[Tensor | None]:
        """Tokens of each present modality, modality embedding included.

        Parameters
        ----------
        inputs : sequence of Tensor or None, length M
            ``inputs[m]`` of shape (B, *shape_m), or ``None``.
        masks : sequence of Tensor or None, length M, optional
            Step masks of sequence modalities, bool (B, T) (None: no padding).

        Returns
        -------
        list of Tensor or None
            ``tokens[m]`` of shape (B, T_m, d), ``None`` where the input is ``None``.
        """
        masks = self._masks(inputs, masks)
        return [None if x is None else tok(x, mask) + self.modality_embedding[m]
                for m, (tok, x, mask) in enumerate(zip(self.tokenizers, inputs, masks))]

    def token_masks(self, inputs: Sequence[Tensor | None],
                    masks: Sequence[Tensor | None] | None = None) -> list[Tensor | None]:
        """Which tokens of :meth:`tokenize` are real, per modality: bool (B, T_m) or None (all).

        Parameters are those of :meth:`tokenize`.
        """
        masks = self._masks(inputs, masks)
        return [None if x is None else tok.token_mask(x, mask)
                for tok, x, mask in zip(self.tokenizers, inputs, masks)]

    def fuse(self, tokens: Sequence[Tensor | None],
             masks: Sequence[Tensor | None] | None = None) -> Tensor:
        """CLS embedding of the present modalities' tokens (from :meth:`tokenize`).

        Parameters
        ----------
        tokens : sequence of Tensor or None, length M
            ``tokens[m]`` of shape (B, T_m, d) or ``None`` (dropped).
        masks : sequence of Tensor or None, length M, optional
            Token masks from :meth:`token_masks`: bool (B, T_m), False for tokens no query
            may attend to; None where every token is real.

        Returns
        -------
        Tensor, shape (B, d)
        """
        self._check_count(tokens)
        masks = [None] * len(tokens) if masks is None else list(masks)
        self._check_count(masks)
        present = [(t, m) for t, m in zip(tokens, masks) if t is not None]
        if not present:
            raise ValueError("at least one modality must be present; received only None")
        batch = present[0][0].shape[0]
        cls = self.cls.expand(batch, -1, -1)
        sequence = torch.cat([cls, *(t for t, _ in present)], dim=1)
        if all(m is None for _, m in present):
            out = self.transformer(sequence)
        else:
            real = [torch.ones(batch, 1, dtype=torch.bool, device=sequence.device)]
            real += [torch.ones(t.shape[:2], dtype=torch.bool, device=t.device) if m is None
                     else m for t, m in present]
            out = self.transformer(sequence, src_key_padding_mask=~torch.cat(real, dim=1))
        return self.norm(out[:, 0])

    def forward(self, inputs: Sequence[Tensor | None],
                masks: Sequence[Tensor | None] | None = None) -> Tensor:
        return self.fuse(self.tokenize(inputs, masks), self.token_masks(inputs, masks))

    def _masks(self, inputs: Sequence[Tensor | None],
               masks: Sequence[Tensor | None] | None) -> list[Tensor | None]:
        self._check_count(inputs)
        if masks is None or len(masks) == 0:
            return [None] * len(inputs)
        self._check_count(masks)
        return list(masks)

    def _check_count(self, items: Sequence[object]) -> None:
        if len(items) != self.n_modalities:
            raise ValueError(f"expected one entry per modality ({self.n_modalities}, None for an "
                             f"absent one); received {len(items)}")
