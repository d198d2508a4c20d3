"""FactorCL-SSL: factorised contrastive learning (Liang et al., NeurIPS 2023), self-supervised."""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import Tensor, nn
from torch.func import functional_call

from pid_bench.methods.base import Batch, Method, MethodContext
from pid_bench.methods.losses import info_nce_lower_bound, nce_club_upper_bound
from pid_bench.models import Architecture, ConcatCritic, ProjectionHead, VectorEncoder

__all__ = ["FactorCL"]


class FactorCL(Method):
    """Shared and unique features learned from MI lower and upper bounds.

    FactorCL writes the shared task information of two modalities as
    S = I(X1; X2) - I(X1; X2 | Y) and the unique information of modality i as
    U_i = I(X_i; Y) - I(X1; X2) + I(X1; X2 | Y). Without labels (FactorCL-SSL), Y is
    replaced by augmentations: I(X_i; Y) by I(X_i; X_i') and I(X1; X2 | Y) by
    I(X1; X2 | X1', X2'). Each modality has one encoder f_i with a shared head s_i and a
    unique head u_i; with ZS_i = s_i(f_i(x_i)), ZU_i = u_i(f_i(x_i)) and primes for the
    augmented input, the method maximises

        [I_NCE(ZS1; ZS2) - I_CLUB(ZS1; ZS2 | ZS1', ZS2')]
      + sum over i of [I_NCE(ZU_i; ZU_i') - I_CLUB(ZU1; ZU2) + I_NCE(ZU1; ZU2 | ZU1', ZU2')],

    I_NCE being the InfoNCE lower bound and I_CLUB the NCE-CLUB upper bound, each with its own
    :class:`~pid_bench.models.ConcatCritic`; a conditional term scores concatenations
    ``[z, z']``. The loss is the negative of this objective plus the InfoNCE losses that train
    the two NCE-CLUB critics; those critics see detached features, and the CLUB terms see
    detached critic weights, so one optimiser step updates both sides (the reference code
    alternates several critic steps per encoder step). Following the paper's sum of the S,
    U1 and U2 objectives, the two terms common to U1 and U2 count twice. Probes read the
    concatenated encoder outputs, shape (B, 2 * embed_dim).

    Parameters
    ----------
    context : MethodContext
        Exactly two modalities.
    proj_dim : int, default 64
        Width of the shared and unique features.
    critic_hidden : int, default 128
        Hidden width of the critics (512 in the reference code).
    **arch
        Fields of :class:`~pid_bench.models.Architecture`.
    """

    name: ClassVar[str] = "factorcl"

    def __init__(self, context: MethodContext, *, proj_dim: int = 64, critic_hidden: int = 128,
                 **arch: Any) -> None:
        super().__init__(context)
        if context.n_modalities != 2:
            raise ValueError(f"method 'factorcl' needs exactly 2 modalities; received "
                             f"{context.n_modalities}")
        self.arch = Architecture.from_options(arch)
        d, p = self.arch.embed_dim, proj_dim
        self.encoders = nn.ModuleList(VectorEncoder(s, self.arch) for s in context.modality_shapes)
        self.shared_heads = nn.ModuleList(ProjectionHead(d, p) for _ in range(2))
        self.unique_heads = nn.ModuleList(ProjectionHead(d, p) for _ in range(2))
        self.critics = nn.ModuleDict({
            "shared": ConcatCritic(p, p, critic_hidden),
            "shared_cond_club": ConcatCritic(2 * p, 2 * p, critic_hidden),
            "unique1": ConcatCritic(p, p, critic_hidden),
            "unique2": ConcatCritic(p, p, critic_hidden),
            "unique_club": ConcatCritic(p, p, critic_hidden),
            "unique_cond": ConcatCritic(2 * p, 2 * p, critic_hidden),
        })

    def features(self, inputs: list[Tensor]) -> tuple[list[Tensor], list[Tensor]]:
        """Shared and unique features ``([ZS1, ZS2], [ZU1, ZU2])``, each (B, proj_dim)."""
        z = [enc(x) for enc, x in zip(self.encoders, inputs)]
        return ([h(f) for h, f in zip(self.shared_heads, z)],
                [h(f) for h, f in zip(self.unique_heads, z)])

    def _club(self, name: str, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
        """NCE-CLUB estimate (critic frozen) and the critic's training loss (features frozen)."""
        critic = self.critics[name]
        frozen = {k: v.detach() for k, v in critic.named_parameters()}
        estimate = nce_club_upper_bound(functional_call(critic, frozen, (a, b)))
        critic_loss = -info_nce_lower_bound(critic(a.detach(), b.detach()))
        return estimate, critic_loss

    def loss(self, batch: Batch) -> Tensor:
        self.check_batch(batch)
        (s1, s2), (u1, u2) = self.features(batch.modalities)
        (s1a, s2a), (u1a, u2a) = self.features(self.augmented(batch))
        nce = {name: info_nce_lower_bound(self.critics[name](a, b)) for name, a, b in (
            ("shared", s1, s2), ("unique1", u1, u1a), ("unique2", u2, u2a),
            ("unique_cond", torch.cat([u1, u1a], 1), torch.cat([u2, u2a], 1)))}
        club_s, critic_s = self._club("shared_cond_club", torch.cat([s1, s1a], 1),
                                      torch.cat([s2, s2a], 1))
        club_u, critic_u = self._club("unique_club", u1, u2)
        objective = (nce["shared"] - club_s + nce["unique1"] + nce["unique2"]
                     + 2 * (nce["unique_cond"] - club_u))
        return -objective + critic_s + critic_u

    def embed(self, batch: Batch) -> Tensor:
        self.check_batch(batch)
        return torch.cat([enc(x) for enc, x in zip(self.encoders, batch.modalities)], dim=1)
