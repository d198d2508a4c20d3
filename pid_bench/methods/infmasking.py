"""InfMasking: CoMM plus many randomly masked fused views (Wen et al., NeurIPS 2025).

Written from the paper ("InfMasking: Unleashing Synergistic Information by Contrastive
Multimodal Interactions", arXiv 2509.25270) and its official code, ``brightest66/InfMasking``
(commit 6773ed7): the loss follows ``losses/infmasking_loss.py`` (``InfMaskingLoss``,
``get_mask_loss``), the masking ``models/inffusion.py`` (``FusionTransformer.random_masking``,
``get_mask_no_cross``), the views ``pl_modules/infmasking.py`` and the published settings
``run_scripts/trifeatures_run.sh`` and ``run_scripts/multibench_run.sh``.
"""

from __future__ import annotations

import itertools
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from pid_bench.distributed import is_gathering
from pid_bench.methods.base import Batch, MethodContext
from pid_bench.methods.comm import CoMM
from pid_bench.methods.losses import _in_float32

__all__ = ["InfMasking", "infmasking_loss"]


@_in_float32
def infmasking_loss(q: Tensor, keys: Tensor, temperature: float = 0.1,
                    lam: float = 1.0) -> Tensor:
    """InfMasking's loss: InfoNCE of an anchor against a Gaussian of its masked views.

    ``q`` and every key are L2-normalised. For each sample b, the T masked views ``keys[:, b]``
    have mean mu_b and (population) covariance Sigma_b; their spread along the anchor is
    ``v_b = q_b^T Sigma_b q_b = mean_t ((k_tb - mu_b) . q_b)^2``. Infinitely many masked views
    whose embeddings were Gaussian would give E_k exp(q.k / tau) = exp(q.mu / tau +
    v / (2 tau^2)); with the spread scaled by ``lam``, the positive logit is

        l_b = [q_b . mu_b + lam v_b / (2 tau)] / tau,

    the negatives are ``q_b . k_tn / tau`` for every view t and sample n != b and
    ``q_b . q_n / tau`` for n != b ((T + 1)(B - 1) of them, as in the official code), and the
    loss is

        mean_b [-l_b + logsumexp(l_b, negatives_b)] + lam mean_b v_b / (2 tau^2).

    Parameters
    ----------
    q : Tensor, shape (B, E)
        Anchors: projections of the unmasked fused views, B >= 2.
    keys : Tensor, shape (T, B, E)
        Projections of T masked fused views of the same samples, T >= 1.
    temperature : float, default 0.1
        tau, > 0.
    lam : float, default 1.0
        Weight of the spread, >= 0 (the official code's ``ratio``: ``mask_lambda`` times
        the fraction of training done).

    Returns
    -------
    Tensor, shape ()
        The loss in nats.

    Examples
    --------
    Masked views equal to the anchors have no spread: the loss is NT-Xent's positive against
    (T + 1)(B - 1) negatives. For B orthogonal anchors and T = 1 that is
    ln(1 + (2B - 2) exp(-1 / tau)), as for :func:`~pid_bench.methods.losses.nt_xent`.

    >>> import math
    >>> import torch
    >>> from pid_bench.methods.infmasking import infmasking_loss
    >>> e = torch.eye(4)
    >>> round(infmasking_loss(e, e[None], temperature=1.0).item(), 4)
    1.1654
    >>> round(math.log(1 + 6 / math.e), 4)
    1.1654
    """
    if q.ndim != 2 or q.shape[0] < 2 or keys.ndim != 3 or keys.shape[0] < 1 \
            or keys.shape[1:] != q.shape:
        raise ValueError(f"expected anchors of shape (B, E) with B >= 2 and keys of shape "
                         f"(T, B, E) with T >= 1; received {tuple(q.shape)} and "
                         f"{tuple(keys.shape)}")
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0; received {temperature!r}")
    if is_gathering():
        raise ValueError("infmasking_loss contrasts one process's rows only; in data-parallel "
                         "training (pid_bench.distributed) it would train on other negatives "
                         "than at the global batch. Train InfMasking in one process")
    if not lam >= 0:
        raise ValueError(f"lam must be >= 0; received {lam!r}")
    q = F.normalize(q, dim=1)
    keys = F.normalize(keys, dim=2)
    n_views, n = keys.shape[:2]
    mean = keys.mean(dim=0)
    spread = torch.einsum("tbe,be->tb", keys - mean, q).pow(2).mean(dim=0)
    positive = (q * mean).sum(dim=1) + 0.5 * lam * spread / temperature
    eye = torch.eye(n, dtype=torch.bool, device=q.device)
    negatives = torch.einsum("be,tne->btn", q, keys).masked_fill(eye[:, None, :], float("-inf"))
    own = (q @ q.T).masked_fill(eye, float("-inf"))
    logits = torch.cat([positive[:, None], negatives.reshape(n, n_views * n), own],
                       dim=1) / temperature
    target = torch.zeros(n, dtype=torch.long, device=q.device)
    return F.cross_entropy(logits, target) + 0.5 * lam * spread.mean() / temperature ** 2


class InfMasking(CoMM):
    """CoMM's objective plus alignment of the fused view with many randomly masked ones.

    Two augmentations X', X'' are drawn as for :class:`~pid_bench.methods.comm.CoMM` and
    tokenised once. Besides CoMM's views (each modality alone, all modalities), ``n_masks``
    masked views of the full input are fused: in each, every modality m keeps
    ``floor(T_m (1 - mask_ratio))`` of its T_m tokens, chosen uniformly per sample, and the
    others are replaced by one learned mask token, so a masked view depends on the values of
    its kept tokens only. A padded sequence keeps that fraction of its real steps (at least
    one), never padding, and every view, masked or not, ignores padding as CoMM's do
    (:meth:`mask_tokens`). With z the head's projections, the loss is the mean of M + 3 terms:
    CoMM's M + 1 terms and :func:`infmasking_loss` of z'_full against the masked views of X'
    and of z''_full against those of X'' (the official code's ``cross=False``). Probes read the
    fused CLS embedding of the unmasked input, as for CoMM.

    The spread weight is ``mask_lambda``, or, with ``ramp_steps``, ``mask_lambda`` times
    ``min(1, (s + 1) / ramp_steps)`` at training step s (a step counter is kept in the state
    dict, so it resumes from checkpoints). The official code ramps it over epochs,
    ``mask_lambda (epoch + 1) / max_epochs``; ``ramp_steps`` = epochs x steps per epoch does
    the same per step.

    Published settings: Trifeature (``run_scripts/trifeatures_run.sh``) ``mask_ratio`` 0.7,
    ``n_masks`` 6, ``mask_lambda`` 1, temperature 0.1, lr 3e-4, embedding 512, 100 epochs;
    MultiBench (``run_scripts/multibench_run.sh``) mask ratios 0.5-0.8, 4-5 masks,
    ``mask_lambda`` 0.25-2, temperatures 0.05-0.1. The defaults here are the Trifeature ones.
    Changes from the official code: widths from :class:`~pid_bench.models.Architecture` and
    CoMM's two-layer :class:`~pid_bench.models.ProjectionHead`, batch-normalised by default
    (the official head has three layers, 512 -> 512 -> 256, both hidden ones batch-normalised);
    each head's statistics are taken over the 2B rows of both augmentations of one view.

    A modality must keep at least one token: a vector modality has ``vector_tokens`` tokens
    (1 by default, which a ratio of 0.7 masks entirely), so give vector data
    ``vector_tokens`` >= 4 with the default ratio. On the main job's latent data (4 tokens per
    vector) its fused embedding collapses onto one modality in most seeds, with 6 or 2 masks,
    with or without the spread term and at ratio 0.5, and loses that modality's unique factor
    and the synergy (docs/results/capture.md, "InfMasking at these sizes").

    Parameters
    ----------
    context : MethodContext
    mask_ratio : float, default 0.7
        Fraction of each modality's tokens masked, in (0, 1).
    n_masks : int, default 6
        Masked views per augmentation, >= 1.
    mask_lambda : float, default 1.0
        Weight of the masked views' spread in :func:`infmasking_loss`, >= 0.
    ramp_steps : int, optional
        Training steps over which the spread weight ramps up to ``mask_lambda``.
    temperature : float, default 0.1
        Temperature of every term.
    proj_dim : int, default 64
        Output width of the projection head.
    batch_norm : bool, default True
        Batch-normalise the hidden layer of the projection head.
    **arch
        Fields of :class:`~pid_bench.models.Architecture`.
    """

    name: ClassVar[str] = "infmasking"
    display_name: ClassVar[str] = "InfMasking"

    def __init__(self, context: MethodContext, *, mask_ratio: float = 0.7, n_masks: int = 6,
                 mask_lambda: float = 1.0, ramp_steps: int | None = None,
                 temperature: float = 0.1, proj_dim: int = 64, batch_norm: bool = True,
                 **arch: Any) -> None:
        super().__init__(context, temperature=temperature, proj_dim=proj_dim,
                         batch_norm=batch_norm, **arch)
        if not 0 < mask_ratio < 1:
            raise ValueError(f"mask_ratio must be in (0, 1); received {mask_ratio!r}")
        if isinstance(n_masks, bool) or not isinstance(n_masks, int) or n_masks < 1:
            raise ValueError(f"n_masks must be a positive integer; received {n_masks!r}")
        if not mask_lambda >= 0:
            raise ValueError(f"mask_lambda must be >= 0; received {mask_lambda!r}")
        if ramp_steps is not None and (isinstance(ramp_steps, bool)
                                       or not isinstance(ramp_steps, int) or ramp_steps < 1):
            raise ValueError(f"ramp_steps must be None or a positive integer; received "
                             f"{ramp_steps!r}")
        counts = [tok.n_tokens for tok in self.fusion.tokenizers]
        self.keep = [int(t * (1 - mask_ratio)) for t in counts]
        empty = [m for m, k in enumerate(self.keep) if k == 0]
        if empty:
            least = next(t for t in itertools.count(1) if int(t * (1 - mask_ratio)) >= 1)
            raise ValueError(f"mask_ratio {mask_ratio} keeps no token of modalities {empty} "
                             f"(tokens per modality: {counts}); lower mask_ratio, or give "
                             f"vector modalities more tokens (vector_tokens >= {least})")
        self.mask_ratio, self.n_masks = float(mask_ratio), n_masks
        self.mask_lambda, self.ramp_steps = float(mask_lambda), ramp_steps
        self.mask_token = nn.Parameter(torch.zeros(1, 1, self.arch.embed_dim))
        nn.init.trunc_normal_(self.mask_token, std=0.02, a=-0.02, b=0.02)
        self.register_buffer("steps", torch.zeros((), dtype=torch.long))

    def mask_tokens(self, tokens: list[Tensor], generator: torch.Generator | None,
                    real: list[Tensor | None] | None = None
                    ) -> tuple[list[Tensor], list[Tensor]]:
        """One random masking of every modality's tokens.

        Each sample b keeps ``floor(L_b (1 - mask_ratio))`` of the L_b real tokens of modality
        m, at least one where L_b >= 1, drawn uniformly among its real tokens (L_b = T_m
        without a token mask, which keeps ``self.keep[m]``); the other tokens, padding
        included, are replaced by the mask token.

        Parameters
        ----------
        tokens : list of Tensor, length M
            ``tokens[m]`` of shape (B, T_m, embed_dim), from
            :meth:`FusionTransformer.tokenize <pid_bench.models.FusionTransformer.tokenize>`.
        generator : torch.Generator
            Source of the masks (one uniform draw of shape (B, T_m) per modality, in order).
        real : list of Tensor or None, length M, optional
            Token masks from :meth:`FusionTransformer.token_masks
            <pid_bench.models.FusionTransformer.token_masks>`: bool (B, T_m), False for
            padding; None where every token is real.

        Returns
        -------
        masked : list of Tensor
            Like ``tokens``, masked tokens replaced by the mask token.
        kept : list of Tensor
            ``kept[m]`` of shape (B, T_m), bool: the kept tokens, all of them real.
        """
        if generator is None:
            raise ValueError("InfMasking draws its masks from batch.generator; received None")
        real = [None] * len(tokens) if real is None else list(real)
        if len(real) != len(tokens):
            raise ValueError(f"expected one token mask per modality ({len(tokens)}); received "
                             f"{len(real)}")
        masked, kept = [], []
        for x, present in zip(tokens, real):
            noise = torch.rand(x.shape[:2], generator=generator, device=x.device)
            if present is None:
                present = torch.ones(x.shape[:2], dtype=torch.bool, device=x.device)
            counts = present.sum(dim=1)
            keep = torch.floor(counts.double() * (1 - self.mask_ratio)).long()
            keep = torch.where(counts > 0, keep.clamp(min=1), keep)
            rank = noise.masked_fill(~present, 2.0).argsort(dim=1).argsort(dim=1)
            keeps = rank < keep[:, None]
            masked.append(torch.where(keeps[..., None], x, self.mask_token.to(x.dtype)))
            kept.append(keeps)
        return masked, kept

    def spread_weight(self) -> float:
        """The current weight of the spread: ``mask_lambda``, ramped with ``ramp_steps``."""
        if self.ramp_steps is None:
            return self.mask_lambda
        return self.mask_lambda * min(1.0, (int(self.steps) + 1) / self.ramp_steps)

    def loss(self, batch: Batch) -> Tensor:
        self.check_batch(batch)
        n = batch.size
        both = [torch.cat(pair) for pair in zip(self.augmented(batch), self.augmented(batch))]
        steps = [None if k is None else torch.cat([k, k]) for k in batch.masks]
        tokens = self.fusion.tokenize(both, steps)
        real = self.fusion.token_masks(both, steps)
        views = self.token_projections(tokens, real)
        masked = torch.stack([
            self.head(self.fusion.fuse(self.mask_tokens(tokens, batch.generator, real)[0], real))
            for _ in range(self.n_masks)])
        lam = self.spread_weight()
        terms = [self.alignment_loss([z[:n] for z in views], [z[n:] for z in views])
                 * len(views)]
        terms += [infmasking_loss(views[-1][half], masked[:, half], self.temperature, lam)
                  for half in (slice(0, n), slice(n, 2 * n))]
        if self.training and torch.is_grad_enabled():
            self.steps += 1
        return sum(terms) / (len(views) + 2)
