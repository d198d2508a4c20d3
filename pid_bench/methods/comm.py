"""CoMM: contrastive multimodal learning of interactions (Dufumier et al., ICLR 2025)."""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import Tensor

from pid_bench.methods.base import Batch, Method, MethodContext
from pid_bench.methods.losses import nt_xent
from pid_bench.models import Architecture, FusionTransformer, ProjectionHead

__all__ = ["CoMM"]


class CoMM(Method):
    """CoMM: align every single-modality view with the full multimodal view.

    Two label-preserving augmentations X', X'' of the full input are drawn (X' for every
    modality in order, then X''; both go through the model as one batch of 2B). For each view
    v in {modality 1, ..., modality M, all modalities} the fusion transformer embeds v's
    modalities only (the others are dropped), and a projection head maps the CLS output to
    ``z'_v``, ``z''_v``. The loss is

        mean over v of 1/2 [NT-Xent(z'_v, z''_full) + NT-Xent(z''_v, z'_full)],

    NT-Xent being SimCLR's loss with temperature ``temperature``. Probes read the fused CLS
    embedding of the (unaugmented) full input, before the head.

    Changes from the published recipe (embedding 512, 8 heads, head 512 -> 256): widths from
    :class:`~pid_bench.models.Architecture` (embedding 128, 4 heads) and a head 128 -> 64,
    so that training fits a CPU. With ``batch_norm`` the head's hidden layer is batch-normalised;
    its statistics are taken per view, over the 2B rows of both augmentations. The Trifeature
    config uses it: with the plain head one texture got stuck on some seeds
    (docs/results/comm_trifeature.md, "How the recipe was chosen").

    Parameters
    ----------
    context : MethodContext
    temperature : float, default 0.1
        NT-Xent temperature.
    proj_dim : int, default 64
        Output width of the projection head.
    batch_norm : bool, default False
        Batch-normalise the hidden layer of the projection head
        (:class:`~pid_bench.models.ProjectionHead`).
    **arch
        Fields of :class:`~pid_bench.models.Architecture` (``embed_dim``, ``n_heads``, ...).
    """

    name: ClassVar[str] = "comm"
    display_name: ClassVar[str] = "CoMM"

    def __init__(self, context: MethodContext, *, temperature: float = 0.1, proj_dim: int = 64,
                 batch_norm: bool = False, **arch: Any) -> None:
        super().__init__(context)
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0; received {temperature!r}")
        self.temperature = float(temperature)
        self.arch = Architecture.from_options(arch)
        self.fusion = FusionTransformer(context.modality_shapes, self.arch)
        self.head = ProjectionHead(self.arch.embed_dim, proj_dim, batch_norm=batch_norm)

    def view_projections(self, inputs: list[Tensor],
                         masks: list[Tensor | None] | None = None) -> list[Tensor]:
        """Head outputs of every view of one (augmented) input.

        Parameters
        ----------
        inputs : list of Tensor, length M
            ``inputs[m]`` of shape (B, *modality_shapes[m]).
        masks : list of Tensor or None, optional
            Step masks of sequence modalities, bool (B, T) (see :class:`~pid_bench.methods.Batch`).

        Returns
        -------
        list of Tensor, length M + 1
            Shape (B, proj_dim) each: modality 1 alone, ..., modality M alone, all modalities.
        """
        return self.token_projections(self.fusion.tokenize(inputs, masks),
                                      self.fusion.token_masks(inputs, masks))

    def token_projections(self, tokens: list[Tensor],
                          masks: list[Tensor | None] | None = None) -> list[Tensor]:
        """:meth:`view_projections` from the tokens of :meth:`FusionTransformer.tokenize
        <pid_bench.models.FusionTransformer.tokenize>`, each (B, T_m, embed_dim), and their
        token masks (:meth:`~pid_bench.models.FusionTransformer.token_masks`; None: all real)."""
        masks = [None] * len(tokens) if masks is None else list(masks)
        views = [[i == m for i in range(len(tokens))] for m in range(len(tokens))]
        views.append([True] * len(tokens))
        return [self.head(self.fusion.fuse([t if keep else None for t, keep in zip(tokens, view)],
                                           [k if keep else None for k, keep in zip(masks, view)]))
                for view in views]

    def alignment_loss(self, first: list[Tensor], second: list[Tensor]) -> Tensor:
        """CoMM's loss from the view projections of the two augmentations.

        Parameters
        ----------
        first, second : list of Tensor, length M + 1
            :meth:`view_projections` of X' and of X'', each (B, proj_dim), the full view last.

        Returns
        -------
        Tensor, shape ()
            mean over v of 1/2 [NT-Xent(z'_v, z''_full) + NT-Xent(z''_v, z'_full)], in nats.
        """
        terms = [0.5 * (nt_xent(a, second[-1], self.temperature)
                        + nt_xent(b, first[-1], self.temperature))
                 for a, b in zip(first, second)]
        return sum(terms) / len(terms)

    def loss(self, batch: Batch) -> Tensor:
        self.check_batch(batch)
        n = batch.size
        both = [torch.cat(pair) for pair in zip(self.augmented(batch), self.augmented(batch))]
        masks = [None if k is None else torch.cat([k, k]) for k in batch.masks]
        views = self.view_projections(both, masks)
        return self.alignment_loss([z[:n] for z in views], [z[n:] for z in views])

    def embed(self, batch: Batch) -> Tensor:
        self.check_batch(batch)
        return self.fusion(batch.modalities, batch.masks)
