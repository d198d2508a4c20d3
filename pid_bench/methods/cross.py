"""Cross: CLIP-style contrastive alignment of the modalities (Radford et al., ICML 2021)."""

from __future__ import annotations

import itertools
import math
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from pid_bench.methods.base import Batch, Method, MethodContext
from pid_bench.methods.losses import clip_loss
from pid_bench.models import Architecture, ProjectionHead, VectorEncoder

__all__ = ["PROJECTIONS", "Cross"]

#: CLIP caps the inverse temperature at 100.
MAX_LOGIT_SCALE = math.log(100.0)
#: Projections between an encoder and the CLIP loss (see :class:`Cross`).
PROJECTIONS = ("linear", "mlp")


class Cross(Method):
    """One encoder and projection per modality, trained with CLIP's symmetric InfoNCE.

    Each step draws one augmented view of every modality; the loss is the mean over pairs of
    modalities (one pair for two, three for three: CoMM's CLIP baseline is bimodal, and for
    more modalities the pairs form CMC's "full graph", Tian et al., ECCV 2020) of :func:`~pid_bench.methods.losses.clip_loss` between their
    projections, with a learnable temperature (initial ``init_temperature``, inverse
    temperature capped at 100).

    As in CLIP, whose embeddings are the projected encoder outputs, probes read the
    concatenated projections, shape (B, M * proj_dim): the space the loss aligns.

    The projection is CLIP's linear map by default. ``projection="mlp"`` puts a
    :class:`~pid_bench.models.ProjectionHead` with batch normalisation in its place. Encoders
    trained from scratch with a linear projection can settle on one constant embedding, where
    the loss is exactly ln B and its gradient vanishes; they do when the modalities share
    little that is easy to see (on unbiased Trifeature pairs, which share only the shape, the
    loss stays at ln B for 24 epochs: docs/results/comm_trifeature.md, "How the recipe was
    chosen"). The batch normalisation standardises the small differences between samples, so
    the loss keeps a gradient.

    Parameters
    ----------
    context : MethodContext
        At least two modalities.
    proj_dim : int, default 64
        Output width of the projections.
    init_temperature : float, default 0.07
        Initial temperature (CLIP's value).
    projection : {"linear", "mlp"}, default "linear"
        CLIP's bias-free linear projection, or a two-layer MLP head with batch normalisation.
    **arch
        Fields of :class:`~pid_bench.models.Architecture`.
    """

    name: ClassVar[str] = "cross"
    display_name: ClassVar[str] = "Cross"

    def __init__(self, context: MethodContext, *, proj_dim: int = 64,
                 init_temperature: float = 0.07, projection: str = "linear",
                 **arch: Any) -> None:
        super().__init__(context)
        if context.n_modalities < 2:
            raise ValueError(f"method {self.name!r} needs at least 2 modalities; received "
                             f"{context.n_modalities}")
        if not init_temperature > 0:
            raise ValueError(f"init_temperature must be > 0; received {init_temperature!r}")
        if projection not in PROJECTIONS:
            raise ValueError(f"projection must be one of {', '.join(PROJECTIONS)}; received "
                             f"{projection!r}")
        self.projection = projection
        self.arch = Architecture.from_options(arch)
        d = self.arch.embed_dim
        self.encoders = nn.ModuleList(VectorEncoder(s, self.arch) for s in context.modality_shapes)
        self.projections = nn.ModuleList(
            nn.Linear(d, proj_dim, bias=False) if projection == "linear"
            else ProjectionHead(d, proj_dim, batch_norm=True) for _ in context.modality_shapes)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1.0 / init_temperature)))

    def encode(self, inputs: list[Tensor], masks: list[Tensor | None] | None = None
               ) -> list[Tensor]:
        """Encoder output of every modality, each (B, embed_dim).

        ``masks``: step masks of sequence modalities (bool (B, T), True: a real step), as in
        :class:`~pid_bench.methods.Batch`; a sequence's encoder output is the mean over its
        real steps.
        """
        masks = list(masks) if masks else [None] * len(inputs)
        return [enc(x, mask) for enc, x, mask in zip(self.encoders, inputs, masks)]

    def cross_loss(self, features: list[Tensor]) -> Tensor:
        """Mean CLIP loss over pairs of modalities, from encoder outputs ``features``."""
        z = [proj(f) for proj, f in zip(self.projections, features)]
        scale = self.logit_scale.clamp(max=MAX_LOGIT_SCALE)
        pairs = list(itertools.combinations(range(len(z)), 2))
        return sum(clip_loss(z[i], z[j], scale) for i, j in pairs) / len(pairs)

    def loss(self, batch: Batch) -> Tensor:
        self.check_batch(batch)
        return self.cross_loss(self.encode(self.augmented(batch), batch.masks))

    def embed(self, batch: Batch) -> Tensor:
        self.check_batch(batch)
        features = self.encode(batch.modalities, batch.masks)
        return torch.cat([proj(f) for proj, f in zip(self.projections, features)], dim=1)
