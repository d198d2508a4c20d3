"""Contrastive losses and mutual-information bounds, as pure functions of tensors.

All results are in nats (natural logarithms), as the losses are optimised, not reported.
In data-parallel training (inside :func:`pid_bench.distributed.gathering`), :func:`nt_xent` and
:func:`clip_loss` contrast this process's rows with the gathered rows of every process: the loss
is the mean over the local anchors, and the mean of it over processes is the loss of the global
batch. The bounds on score matrices take the scores of the local anchors against every rank's
rows, (b, K b), with ``offset`` the column of the first local pair (:func:`gather_rows` gives
both); the mean over processes of their local means is then the bound at the global batch.
Inside a mixed-precision region (:func:`torch.autocast`, as ``TrainConfig(precision="bf16")``
opens), every loss here computes in float32: bfloat16 keeps 8 significant bits, so a cosine near
1 would be rounded by up to 0.004 and, divided by a temperature of 0.1, a logit by up to 0.04.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import TypeVar

import torch
import torch.nn.functional as F
from torch import Tensor

from pid_bench.distributed import gather_rows, is_gathering

__all__ = ["nt_xent", "clip_loss", "info_nce_lower_bound", "nce_club_upper_bound"]

_Loss = TypeVar("_Loss", bound=Callable[..., Tensor])


def _in_float32(loss: _Loss) -> _Loss:
    """Run ``loss`` with autocast off and its floating-point tensor arguments in float32."""

    def as_float32(value: object) -> object:
        return value.float() if isinstance(value, Tensor) and value.is_floating_point() else value

    @functools.wraps(loss)
    def wrapper(*args: object, **kwargs: object) -> Tensor:
        tensors = [v for v in (*args, *kwargs.values()) if isinstance(v, Tensor)]
        if not tensors or not torch.is_autocast_enabled(tensors[0].device.type):
            return loss(*args, **kwargs)
        with torch.autocast(tensors[0].device.type, enabled=False):
            return loss(*map(as_float32, args), **{k: as_float32(v) for k, v in kwargs.items()})

    return wrapper  # type: ignore[return-value]


def _check_pair(a: Tensor, b: Tensor) -> None:
    if a.ndim != 2 or a.shape != b.shape or a.shape[0] < 1:
        raise ValueError(f"expected two embeddings of the same shape (B, D) with B >= 2; "
                         f"received {tuple(a.shape)} and {tuple(b.shape)}")


def _gathered(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """The rows of ``a`` and ``b`` of every process and the global indices of the local rows."""
    a_all, first = gather_rows(a)
    b_all, _ = gather_rows(b)
    if a_all.shape[0] < 2:
        raise ValueError(f"expected two embeddings of the same shape (B, D) with B >= 2; "
                         f"received {tuple(a.shape)} and {tuple(b.shape)}")
    return a_all, b_all, torch.arange(first, first + a.shape[0], device=a.device)


@_in_float32
def nt_xent(a: Tensor, b: Tensor, temperature: float = 0.1) -> Tensor:
    """SimCLR's normalised temperature-scaled cross-entropy (Chen et al., ICML 2020).

    The 2B rows of ``[a; b]`` are L2-normalised; each row's positive is its counterpart in the
    other view and its 2B - 2 negatives are all other rows. The loss is the mean over the 2B
    anchors of ``-log softmax`` of the positive's cosine similarity / ``temperature`` among the
    2B - 1 others. Symmetric in ``a`` and ``b``. In data-parallel training the B rows are the
    global batch's and this process's loss is the mean over its own anchors.

    Parameters
    ----------
    a, b : Tensor, shape (B, D)
        Two views of the same B samples, B >= 2.
    temperature : float, default 0.1
        Softmax temperature, > 0.

    Returns
    -------
    Tensor, shape ()
        The loss in nats.

    Examples
    --------
    CoMM's objective (:class:`pid_bench.methods.comm.CoMM`) averages this loss over its
    views. Collapsed embeddings, all alike, leave each anchor a uniform choice among its
    2B - 1 candidates: the loss is ln(2B - 1). Identical views of B orthogonal samples give
    ln(1 + (2B - 2) exp(-1 / temperature)).

    >>> import math
    >>> import torch
    >>> from pid_bench.methods.losses import nt_xent
    >>> z = torch.ones(4, 3)
    >>> round(nt_xent(z, z).item(), 4), round(math.log(2 * 4 - 1), 4)
    (1.9459, 1.9459)
    >>> e = torch.eye(4)
    >>> round(nt_xent(e, e, temperature=1.0).item(), 4), round(math.log(1 + 6 / math.e), 4)
    (1.1654, 1.1654)
    """
    _check_pair(a, b)
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0; received {temperature!r}")
    za, zb = F.normalize(a, dim=1), F.normalize(b, dim=1)
    a_all, b_all, local = _gathered(za, zb)
    n = a_all.shape[0]
    sim = (torch.cat([za, zb]) @ torch.cat([a_all, b_all]).T) / temperature
    itself = torch.cat([local, local + n])
    sim = sim.index_put((torch.arange(len(itself), device=sim.device), itself),
                        torch.tensor(float("-inf"), dtype=sim.dtype, device=sim.device))
    return F.cross_entropy(sim, torch.cat([local + n, local]))


@_in_float32
def clip_loss(a: Tensor, b: Tensor, logit_scale: Tensor) -> Tensor:
    """CLIP's symmetric InfoNCE (Radford et al., ICML 2021) with a learnable temperature.

    Logits ``exp(logit_scale) * cos(a_i, b_j)``; the loss is the mean of the cross-entropies
    of matching each ``a_i`` to ``b_i`` among all ``b`` and each ``b_j`` to ``a_j`` among all
    ``a``. In data-parallel training the B samples are the global batch's and this process's
    loss is the mean over its own rows.

    Parameters
    ----------
    a, b : Tensor, shape (B, D)
        Embeddings of two modalities of the same B samples, B >= 2.
    logit_scale : Tensor, shape ()
        Log of the inverse temperature.

    Returns
    -------
    Tensor, shape ()
        The loss in nats.
    """
    _check_pair(a, b)
    za, zb = F.normalize(a, dim=1), F.normalize(b, dim=1)
    a_all, b_all, local = _gathered(za, zb)
    scale = logit_scale.exp()
    return 0.5 * (F.cross_entropy(scale * (za @ b_all.T), local)
                  + F.cross_entropy(scale * (zb @ a_all.T), local))


def _paired(scores: Tensor, offset: int) -> Tensor:
    """The scores of the joint pairs, ``scores[i, offset + i]``, after checking the shape."""
    if scores.ndim != 2 or scores.shape[1] < 2 or not (
            0 <= offset and offset + scores.shape[0] <= scores.shape[1]):
        raise ValueError(f"expected a score matrix (b, B) with B >= 2 whose joint pairs "
                         f"scores[i, offset + i] lie inside it; received shape "
                         f"{tuple(scores.shape)} and offset {offset}")
    if is_gathering() and scores.shape[0] == scores.shape[1]:
        raise ValueError("in data-parallel training (pid_bench.distributed) a bound needs the "
                         "scores of the local anchors against every rank's rows (b, K b), from "
                         "pid_bench.distributed.gather_rows; received a square matrix of one "
                         "process's pairs, whose negatives are local")
    return scores.diagonal(offset)


@_in_float32
def info_nce_lower_bound(scores: Tensor, offset: int = 0) -> Tensor:
    """InfoNCE lower bound on I(A; B) from critic scores (van den Oord et al. 2018).

    ``log B + mean_i [ scores[i, offset + i] - logsumexp_j scores[i, j] ]``, where
    ``scores[i, j] = f(a_i, b_j)`` and ``scores[i, offset + i]`` are the jointly drawn pairs.
    At most ``log B``.

    Parameters
    ----------
    scores : Tensor, shape (b, B)
        Critic scores; row i holds the pairs of anchor a_i with every b_j (b = B in one
        process; this rank's anchors against every rank's rows in data-parallel training).
    offset : int, default 0
        Column of the first anchor's joint pair.

    Returns
    -------
    Tensor, shape ()
        The bound in nats (maximise it).
    """
    paired = _paired(scores, offset)
    return math.log(scores.shape[1]) + (paired - scores.logsumexp(dim=1)).mean()


@_in_float32
def nce_club_upper_bound(scores: Tensor, offset: int = 0) -> Tensor:
    """NCE-CLUB estimate of an upper bound on I(A; B) (Liang et al., NeurIPS 2023).

    CLUB's contrast of joint and product-of-marginals log-densities (Cheng et al., ICML 2020)
    with the log-density ratio replaced by the critic of an InfoNCE estimator:
    ``mean_i scores[i, i] - mean_{i,j} scores[i, j]``. The critic is trained separately to
    maximise :func:`info_nce_lower_bound` on the same pairs.

    Parameters
    ----------
    scores : Tensor, shape (b, B)
        Scores of the trained InfoNCE critic, joint pairs at ``scores[i, offset + i]``.
    offset : int, default 0
        As in :func:`info_nce_lower_bound`.

    Returns
    -------
    Tensor, shape ()
        The estimate in nats (minimise it to remove information).
    """
    return _paired(scores, offset).mean() - scores.mean()
