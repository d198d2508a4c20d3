"""COrAL: orthogonalised shared and unique paths with asymmetric masking.

Written from the official code of COrAL ("Orthogonalized Multimodal Contrastive Learning with
Asymmetric Masking"), ``Caro-Ci/COrAL`` (commit 0aeaf24), itself built on CoMM's code
(``Duplums/CoMM``): the model follows ``modules/mmfusion.py`` (``MMFusion``,
``apply_asymmetric_mask``, ``AttentionPooling``) and ``modules/coral.py`` (``COrAL.forward``,
``extract_features``), the loss ``modules/coral_loss.py`` (``CoralLoss``) and
``modules/base.py`` (``training_step``: the sum of its terms), the published settings
``main_trifeature.py`` and ``main_multibench.py``.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from pid_bench.methods.base import Batch, Method, MethodContext, Shard
from pid_bench.methods.losses import _in_float32, nt_xent
from pid_bench.models import Architecture, FusionTransformer, ProjectionHead

__all__ = ["COrAL", "AttentionPooling", "squared_cosine"]


@_in_float32
def squared_cosine(a: Tensor, b: Tensor) -> Tensor:
    """Mean over the batch of the squared cosine similarity of paired rows.

    Parameters
    ----------
    a, b : Tensor, shape (B, D)

    Returns
    -------
    Tensor, shape ()
        ``mean_i cos(a_i, b_i)^2``, in [0, 1]; 0 when every pair is orthogonal.
    """
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"expected two embeddings of the same shape (B, D); received "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")
    return F.cosine_similarity(a, b, dim=-1).pow(2).mean()


class AttentionPooling(nn.Module):
    """Softmax attention of one learned query over a sequence of tokens.

    Weights ``softmax_t(x_t . w)``, output ``sum_t weight_t x_t`` (COrAL's pooling of the
    unique path; the query starts from a standard normal draw, as there).

    Parameters
    ----------
    dim : int
        Token width D.

    Shapes
    ------
    input (B, T, D) -> output (B, D).
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.query = nn.Parameter(torch.randn(dim))

    def forward(self, x: Tensor) -> Tensor:
        weights = torch.softmax(x @ self.query, dim=1)
        return torch.einsum("btd,bt->bd", x, weights)


class COrAL(Method):
    """A shared fused path and one unique path per modality, kept orthogonal; asymmetric masks.

    Two augmentations X', X'' of a pair of modalities are drawn. The shared path is CoMM's
    fusion transformer; in X' the tokens of modality 1 are masked, in X'' those of modality 2,
    each token independently with probability ``mask_ratio`` (set to zero, as the official
    code does, so the view does not depend on its values). The unique path of modality m has
    its own tokeniser (a copy of the shared one at initialisation, as in the official code),
    a per-token map ``Linear(d, d) - LayerNorm - GELU - Linear(d, d/2)`` and
    :class:`AttentionPooling`; it never sees masks. Heads map the fused CLS to s and each unique
    embedding to u_m. The loss is

        shared_weight NT-Xent(s', s'') + unique_weight sum_m NT-Xent(u'_m, u''_m)
        + ortho_weight sum over both views of [c(u_1, u_2) + c(u_1, s) + c(u_2, s)],

    with c the mean squared cosine (:func:`squared_cosine`). Under data-parallel training it
    matches one process at the global batch: NT-Xent gathers the negatives of every rank, the
    masks are drawn for the global batch (:meth:`mask_modality`), batch norm is synchronised,
    and the squared cosines are means over equal shares of the batch, whose average over
    ranks is the global mean. Probes read, as in the official
    ``extract_features``, the concatenation of the unmasked fused CLS and both unique
    embeddings, before the heads: shape (B, 2 embed_dim).

    Published settings: Trifeature (``main_trifeature.py``) temperature 0.1, ``ortho_weight``
    1, mask ratio 0.75, lr 1e-4, weight decay 1e-3, batch 64, 100 epochs, embedding 512;
    MultiBench (``main_multibench.py``) ``ortho_weight`` 10, embedding 40 or 512. The defaults
    here are the Trifeature ones. Changes from the official code: widths from
    :class:`~pid_bench.models.Architecture`, and two-layer
    :class:`~pid_bench.models.ProjectionHead` heads (hidden width ``embed_dim``, batch-normalised
    by default) in place of three-layer ones (hidden width 512, both hidden layers
    batch-normalised).

    Parameters
    ----------
    context : MethodContext
        Exactly two modalities.
    temperature : float, default 0.1
        NT-Xent temperature.
    mask_ratio : float, default 0.75
        Probability that a token of the masked modality is masked, in [0, 1).
    shared_weight, unique_weight, ortho_weight : float, default 1.0
        Weights of the terms, >= 0.
    proj_dim : int, default 64
        Output width of every head.
    batch_norm : bool, default True
        Batch-normalise the hidden layer of every head.
    **arch
        Fields of :class:`~pid_bench.models.Architecture`; ``embed_dim`` must be even.
    """

    name: ClassVar[str] = "coral"
    display_name: ClassVar[str] = "COrAL"

    def __init__(self, context: MethodContext, *, temperature: float = 0.1,
                 mask_ratio: float = 0.75, shared_weight: float = 1.0,
                 unique_weight: float = 1.0, ortho_weight: float = 1.0, proj_dim: int = 64,
                 batch_norm: bool = True, **arch: Any) -> None:
        super().__init__(context)
        if context.n_modalities != 2:
            raise ValueError(f"method 'coral' needs exactly 2 modalities; received "
                             f"{context.n_modalities}")
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0; received {temperature!r}")
        if not 0 <= mask_ratio < 1:
            raise ValueError(f"mask_ratio must be in [0, 1); received {mask_ratio!r}")
        for key, value in (("shared_weight", shared_weight), ("unique_weight", unique_weight),
                           ("ortho_weight", ortho_weight)):
            if not value >= 0:
                raise ValueError(f"{key} must be >= 0; received {value!r}")
        self.arch = Architecture.from_options(arch)
        d = self.arch.embed_dim
        if d % 2:
            raise ValueError(f"method 'coral' needs an even embed_dim (unique embeddings have "
                             f"embed_dim / 2 entries); received {d}")
        self.temperature, self.mask_ratio = float(temperature), float(mask_ratio)
        self.weights = {"shared": float(shared_weight), "unique": float(unique_weight),
                        "ortho": float(ortho_weight)}
        self.fusion = FusionTransformer(context.modality_shapes, self.arch)
        self.unique_tokenizers = copy.deepcopy(self.fusion.tokenizers)
        self.unique_maps = nn.ModuleList(
            nn.Sequential(nn.Linear(d, d), nn.LayerNorm(d), nn.GELU(), nn.Linear(d, d // 2))
            for _ in range(2))
        self.pools = nn.ModuleList(AttentionPooling(d // 2) for _ in range(2))
        self.head = ProjectionHead(d, proj_dim, batch_norm=batch_norm)
        self.unique_heads = nn.ModuleList(ProjectionHead(d // 2, proj_dim, hidden_dim=d,
                                                         batch_norm=batch_norm)
                                          for _ in range(2))

    def mask_modality(self, tokens: list[Tensor], modality: int,
                      generator: torch.Generator | None, shard: Shard | None = None
                      ) -> tuple[list[Tensor], Tensor]:
        """Mask the tokens of one modality, each with probability ``mask_ratio``.

        Parameters
        ----------
        tokens : list of Tensor, length 2
            ``tokens[m]`` of shape (B, T_m, embed_dim).
        modality : int
            The modality whose tokens are masked.
        generator : torch.Generator
            Source of the mask (one uniform draw of shape (B, T_modality)).
        shard : Shard, optional
            In data-parallel training, the global batch that these B rows are
            ``shard.start:shard.stop`` of: the draw is made for the whole global batch and
            these rows are kept, so every process masks as one process would at the global
            batch size (and leaves the generator where that process would).

        Returns
        -------
        masked : list of Tensor
            ``tokens`` with the masked tokens of ``modality`` set to zero.
        kept : Tensor, shape (B, T_modality), bool
            The tokens left in place.
        """
        if generator is None:
            raise ValueError("COrAL draws its masks from batch.generator; received None")
        x = tokens[modality]
        if shard is None:
            draw = torch.rand(x.shape[:2], generator=generator, device=x.device)
        else:
            rows = int(shard.modalities[0].shape[0])
            draw = torch.rand((rows, x.shape[1]), generator=generator,
                              device=x.device)[shard.start:shard.stop]
        kept = draw >= self.mask_ratio
        masked = list(tokens)
        masked[modality] = torch.where(kept[..., None], x, torch.zeros((), dtype=x.dtype,
                                                                       device=x.device))
        return masked, kept

    def unique_embeddings(self, inputs: list[Tensor]) -> list[Tensor]:
        """Embedding of each modality's unique path, each (B, embed_dim / 2)."""
        return [pool(lin(tok(x))) for tok, lin, pool, x in
                zip(self.unique_tokenizers, self.unique_maps, self.pools, inputs)]

    def projections(self, inputs: list[Tensor], masked: int | None,
                    generator: torch.Generator | None = None, shard: Shard | None = None
                    ) -> tuple[Tensor, list[Tensor]]:
        """Head outputs of one (augmented) input.

        Parameters
        ----------
        inputs : list of Tensor, length 2
            ``inputs[m]`` of shape (B, *modality_shapes[m]).
        masked : int or None
            The modality masked in the shared path (None: no mask).
        generator : torch.Generator, optional
            Source of the mask.
        shard : Shard, optional
            The global batch of data-parallel training (:meth:`mask_modality`).

        Returns
        -------
        shared : Tensor, shape (B, proj_dim)
        unique : list of Tensor, length 2, each (B, proj_dim)
        """
        tokens = self.fusion.tokenize(inputs)
        if masked is not None:
            tokens, _ = self.mask_modality(tokens, masked, generator, shard)
        shared = self.head(self.fusion.fuse(tokens))
        unique = [g(u) for g, u in zip(self.unique_heads, self.unique_embeddings(inputs))]
        return shared, unique

    def loss(self, batch: Batch) -> Tensor:
        self.check_batch(batch)
        views = [self.projections(self.augmented(batch), masked, batch.generator, batch.shard)
                 for masked in (0, 1)]
        (s1, u1), (s2, u2) = views
        shared = nt_xent(s1, s2, self.temperature)
        unique = sum(nt_xent(a, b, self.temperature) for a, b in zip(u1, u2))
        ortho = sum(squared_cosine(u[0], u[1]) + squared_cosine(u[0], s)
                    + squared_cosine(u[1], s) for s, u in views)
        w = self.weights
        return w["shared"] * shared + w["unique"] * unique + w["ortho"] * ortho

    def embed(self, batch: Batch) -> Tensor:
        self.check_batch(batch)
        return torch.cat([self.fusion(batch.modalities),
                          *self.unique_embeddings(batch.modalities)], dim=1)
