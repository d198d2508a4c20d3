"""Cross+Self: CLIP across modalities plus SimCLR within each (SLIP; Mu et al., ECCV 2022)."""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from pid_bench.methods.base import Batch, MethodContext
from pid_bench.methods.cross import Cross
from pid_bench.methods.losses import nt_xent
from pid_bench.models import ProjectionHead

__all__ = ["CrossSelf"]


class CrossSelf(Cross):
    """:class:`~pid_bench.methods.cross.Cross` plus a SimCLR term within each modality.

    Two augmented views X', X'' are drawn (X' for every modality, then X''). The loss is the
    CLIP loss of :class:`Cross` on X' plus ``self_weight`` times the mean over modalities m of
    NT-Xent(g_m(f_m(x'_m)), g_m(f_m(x''_m))), with a separate projection head g_m per
    modality for the self term, as in SLIP. As SLIP evaluates its encoder's features, probes
    read the concatenated encoder outputs, shape (B, M * embed_dim).

    Parameters
    ----------
    context : MethodContext
    temperature : float, default 0.1
        NT-Xent temperature of the self terms.
    self_weight : float, default 1.0
        Weight of the self terms.
    proj_dim : int, default 64
        Output width of every projection head, cross and self.
    **kwargs
        Passed to :class:`Cross`: ``init_temperature``, ``projection`` and the architecture's
        fields.
    """

    name: ClassVar[str] = "cross_self"
    display_name: ClassVar[str] = "Cross+Self"

    def __init__(self, context: MethodContext, *, temperature: float = 0.1,
                 self_weight: float = 1.0, proj_dim: int = 64, **kwargs: Any) -> None:
        super().__init__(context, proj_dim=proj_dim, **kwargs)
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0; received {temperature!r}")
        if not self_weight >= 0:
            raise ValueError(f"self_weight must be >= 0; received {self_weight!r}")
        self.temperature, self.self_weight = float(temperature), float(self_weight)
        self.self_heads = nn.ModuleList(ProjectionHead(self.arch.embed_dim, proj_dim)
                                        for _ in context.modality_shapes)

    def loss(self, batch: Batch) -> Tensor:
        self.check_batch(batch)
        first = self.encode(self.augmented(batch), batch.masks)
        second = self.encode(self.augmented(batch), batch.masks)
        own = [nt_xent(g(a), g(b), self.temperature)
               for g, a, b in zip(self.self_heads, first, second)]
        return self.cross_loss(first) + self.self_weight * sum(own) / len(own)

    def embed(self, batch: Batch) -> Tensor:
        self.check_batch(batch)
        return torch.cat(self.encode(batch.modalities, batch.masks), dim=1)
