"""FactorCL-SSL: factorised contrastive learning (Liang et al., NeurIPS 2023), self-supervised."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import torch
from torch import Tensor, nn
from torch.func import functional_call

from pid_bench.distributed import gather_rows
from pid_bench.methods.base import Batch, Method, MethodContext
from pid_bench.methods.losses import info_nce_lower_bound, nce_club_upper_bound
from pid_bench.models import Architecture, ConcatCritic, ProjectionHead, VectorEncoder

__all__ = ["TERMS", "FactorCL"]

#: The objective's terms, in the order of the embedding: name -> (bound, pairs it scores).
#: ``cross``: x1 with x2; ``self``: x_i with its augmentation x_i'; ``cond``: [x1, x1'] with
#: [x2, x2'] (conditioning on the augmentations by concatenation).
TERMS: dict[str, tuple[str, str]] = {
    "shared_nce": ("nce", "cross"),
    "shared_club": ("club", "cross"),
    "self_nce": ("nce", "self"),
    "cond_nce": ("nce", "cond"),
    "cond_club": ("club", "cond"),
}


def _critic_names(term: str, kind: str) -> list[str]:
    """Critics of one term: one per modality for the self term (``self_nce1``, ...), else one."""
    return [f"{term}{i + 1}" for i in range(2)] if kind == "self" else [term]


class FactorCL(Method):
    """Shared and unique information learned from MI lower and upper bounds, one head per term.

    FactorCL writes the shared task information of two modalities as
    S = I(X1; X2) - I(X1; X2 | Y) and the unique information of modality i as
    U_i = I(X_i; Y) - I(X1; X2) + I(X1; X2 | Y). Without labels (FactorCL-SSL), Y is
    replaced by augmentations: I(X_i; Y) by I(X_i; X_i') and I(X1; X2 | Y) by
    I(X1; X2 | X1', X2'). The method maximises

        I_NCE(X1; X2) - I_CLUB(X1; X2) + I_NCE(X1; X1') + I_NCE(X2; X2')
        + I_NCE(X1; X2 | X1', X2') - I_CLUB(X1; X2 | X1', X2'),

    each of the six terms of S + U1 + U2 once, as the authors' code trains it, with x and x'
    two independent draws of the modality's augmentation; I_NCE is the
    InfoNCE lower bound and I_CLUB the NCE-CLUB upper bound, each with its own
    :class:`~pid_bench.models.ConcatCritic`, and a conditional term scores concatenations
    ``[h(x), h(x')]``. Each modality has one encoder f_i and, for each term of ``TERMS``, its
    own projection head h (the self term's head reads both x_i and x_i'), so that an upper
    bound removes information from its own head's view rather than from the encoder as a whole.
    The loss is the negative of the objective plus the InfoNCE losses that train the two
    NCE-CLUB critics; those critics see detached features, and the CLUB terms see detached
    critic weights, so one optimiser step updates both sides (the authors' code alternates a
    critic step after each encoder step). Probes read, as in the authors' code, the
    concatenation of every head's output, modality 1's five heads in ``TERMS`` order then
    modality 2's: shape (B, 10 * proj_dim).

    Parameters
    ----------
    context : MethodContext
        Exactly two modalities.
    proj_dim : int, default 64
        Output width of every head.
    critic_hidden : int, default 128
        Hidden width of the critics (one hidden layer; the reference code has two of width 512).
    **arch
        Fields of :class:`~pid_bench.models.Architecture`.
    """

    name: ClassVar[str] = "factorcl"
    display_name: ClassVar[str] = "FactorCL"

    def __init__(self, context: MethodContext, *, proj_dim: int = 64, critic_hidden: int = 128,
                 **arch: Any) -> None:
        super().__init__(context)
        if context.n_modalities != 2:
            raise ValueError(f"method 'factorcl' is bimodal by construction (its objective "
                             f"factorises the information of two modalities) and needs exactly "
                             f"2 modalities; received {context.n_modalities}: select two "
                             f"(MultimodalDataset.select_modalities, or modalities: [a, b] in "
                             f"the dataset's args)")
        self.arch = Architecture.from_options(arch)
        d, p = self.arch.embed_dim, proj_dim
        self.encoders = nn.ModuleList(VectorEncoder(s, self.arch) for s in context.modality_shapes)
        self.heads = nn.ModuleDict({t: nn.ModuleList(ProjectionHead(d, p) for _ in range(2))
                                    for t in TERMS})
        width = {"cross": p, "self": p, "cond": 2 * p}
        self.critics = nn.ModuleDict({name: ConcatCritic(width[kind], width[kind], critic_hidden)
                                      for t, (_, kind) in TERMS.items()
                                      for name in _critic_names(t, kind)})

    def head_outputs(self, inputs: list[Tensor], terms: Iterable[str] = TERMS,
                     masks: list[Tensor | None] | None = None) -> dict[str, list[Tensor]]:
        """Some terms' heads applied to the encoded inputs of both modalities.

        Parameters
        ----------
        inputs : list of Tensor
            [x1, x2], each (B, *modality shape).
        terms : iterable of str, default every term of ``TERMS``
            Which terms' heads to apply.
        masks : list of Tensor or None, optional
            Step masks of sequence modalities (bool (B, T), True: a real step).

        Returns
        -------
        dict of str to list of Tensor
            Term name -> [h1(f1(x1)), h2(f2(x2))], each (B, proj_dim).
        """
        masks = list(masks) if masks else [None] * len(inputs)
        features = [f(x, mask) for f, x, mask in zip(self.encoders, inputs, masks)]
        return {t: [h(z) for h, z in zip(self.heads[t], features)] for t in terms}

    def scored_pairs(self, batch: Batch) -> dict[str, tuple[str, Tensor, Tensor]]:
        """The pairs each critic scores, from two draws of the augmentations.

        The first draw X' plays the input x of every term and the second X'' its augmentation
        x'; the authors' Trifeature code also feeds cropped images as x and more strongly
        augmented ones as x'.

        Returns
        -------
        dict of str to (str, Tensor, Tensor)
            Critic name -> (bound, a, b): ``"nce"`` or ``"club"``, and the pairs, the i-th rows
            of ``a`` and ``b`` drawn jointly. The self term has one critic per modality,
            ``self_nce1`` and ``self_nce2``.
        """
        plain = self.head_outputs(self.augmented(batch), masks=batch.masks)
        with_views = [t for t, (_, kind) in TERMS.items() if kind != "cross"]
        aug = self.head_outputs(self.augmented(batch), with_views, batch.masks)
        pairs: dict[str, tuple[str, Tensor, Tensor]] = {}
        for t, (bound, kind) in TERMS.items():
            if kind == "cross":
                pairs[t] = (bound, plain[t][0], plain[t][1])
            elif kind == "cond":
                a, b = (torch.cat([plain[t][i], aug[t][i]], dim=1) for i in range(2))
                pairs[t] = (bound, a, b)
            elif kind == "self":
                pairs.update({name: (bound, plain[t][i], aug[t][i])
                              for i, name in enumerate(_critic_names(t, kind))})
            else:
                raise ValueError(f"term {t!r} of TERMS pairs {kind!r}; known: cross, self, cond")
        return pairs

    def _club(self, name: str, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
        """NCE-CLUB estimate (critic frozen) and the critic's training loss (features frozen)."""
        critic = self.critics[name]
        frozen = {k: v.detach() for k, v in critic.named_parameters()}
        b_all, offset = gather_rows(b)
        estimate = nce_club_upper_bound(functional_call(critic, frozen, (a, b_all)), offset)
        critic_loss = -info_nce_lower_bound(critic(a.detach(), b_all.detach()), offset)
        return estimate, critic_loss

    def loss(self, batch: Batch) -> Tensor:
        self.check_batch(batch)
        objective = torch.zeros((), device=batch.modalities[0].device)
        critic_losses = []
        for name, (bound, a, b) in self.scored_pairs(batch).items():
            if bound == "club":
                estimate, critic_loss = self._club(name, a, b)
                objective = objective - estimate
                critic_losses.append(critic_loss)
            elif bound == "nce":
                b_all, offset = gather_rows(b)
                objective = objective + info_nce_lower_bound(self.critics[name](a, b_all), offset)
            else:
                raise ValueError(f"critic {name!r} has bound {bound!r}; known: nce, club")
        return -objective + sum(critic_losses)

    def embed(self, batch: Batch) -> Tensor:
        self.check_batch(batch)
        outputs = self.head_outputs(batch.modalities, masks=batch.masks)
        return torch.cat([outputs[t][i] for i in range(2) for t in TERMS], dim=1)
