"""The supervised upper reference: the fusion model trained on one task's labels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from pid_bench.distributed import all_reduce_sum, is_gathering, world_size
from pid_bench.methods.base import Batch, Method, MethodContext
from pid_bench.models import Architecture, FusionTransformer

__all__ = ["Supervised"]


class Supervised(Method):
    """Fusion transformer + linear layer trained on ``context.target_task``.

    Classification tasks use the cross-entropy of a K-way linear classifier on the CLS
    embedding; a multi-label task the mean binary cross-entropy of K logistic outputs (as
    MultiBench trains MM-IMDb); a continuous task (``n_classes`` 0) the mean squared error of
    a linear regression. Inputs are augmented once per step (augmentations preserve labels). ``embed``
    returns the fused CLS embedding before the linear layer.

    With ``auxiliary_tasks``, each of those tasks gets its own linear layer on the same CLS
    embedding, and the loss is the target task's loss plus each auxiliary task's loss (of its
    kind, as above, plain means): multi-task training whose extra labels can teach features
    that the target's labels alone give no signal for.

    Parameters
    ----------
    context : MethodContext
        Its ``target_task`` must be set.
    class_weight : {None, "balanced"}
        ``"balanced"`` (classification tasks only): every class present in a batch weighs the
        same in its loss, which is then the mean over those classes of their mean
        cross-entropy, so a rare class (the 10 % positives of Trifeature's synergy labels)
        is not drowned by the frequent one; in data-parallel training the classes are
        counted over the global batch. ``None``: the plain mean over samples. It weighs the
        target task's loss only.
    auxiliary_tasks : sequence of str
        Tasks of the context, other than the target and each named once, whose labels are
        trained on as well; empty (the default): the target task alone.
    **arch
        Fields of :class:`~pid_bench.models.Architecture`.
    """

    name: ClassVar[str] = "supervised"
    display_name: ClassVar[str] = "Supervised"

    def __init__(self, context: MethodContext, *, class_weight: str | None = None,
                 auxiliary_tasks: Sequence[str] = (), **arch: Any) -> None:
        super().__init__(context)
        if context.target_task is None:
            raise ValueError(f"method 'supervised' needs context.target_task, one of "
                             f"{', '.join(sorted(context.n_classes))}; received None")
        self.target_task = context.target_task
        self.n_classes = int(context.n_classes[self.target_task])
        self.multilabel = self.target_task in context.multilabel
        if class_weight not in (None, "balanced"):
            raise ValueError(f"class_weight must be None or 'balanced'; received {class_weight!r}")
        if class_weight is not None and (self.multilabel or self.n_classes == 0):
            kind = "multi-label" if self.multilabel else "continuous"
            raise ValueError(f"class_weight 'balanced' needs a classification task; "
                             f"{self.target_task!r} is {kind}")
        self.class_weight = class_weight
        self.auxiliary_tasks = _checked_auxiliary_tasks(auxiliary_tasks, context)
        self.arch = Architecture.from_options(arch)
        self.fusion = FusionTransformer(context.modality_shapes, self.arch)
        self.classifier = nn.Linear(self.arch.embed_dim, max(self.n_classes, 1))
        self.auxiliary_heads = nn.ModuleDict({
            task: nn.Linear(self.arch.embed_dim, max(int(context.n_classes[task]), 1))
            for task in self.auxiliary_tasks})

    def loss(self, batch: Batch) -> Tensor:
        self.check_batch(batch)
        missing = [t for t in (self.target_task, *self.auxiliary_tasks) if t not in batch.labels]
        if missing:
            raise ValueError(f"method 'supervised' needs labels of task {missing[0]!r}; "
                             f"the batch has {sorted(batch.labels)}")
        cls = self.fusion(self.augmented(batch), batch.masks)
        loss = self._task_loss(self.classifier(cls).float(), self.target_task, batch,
                               self.class_weight)
        for task, head in self.auxiliary_heads.items():
            loss = loss + self._task_loss(head(cls).float(), task, batch, None)
        return loss

    def _task_loss(self, out: Tensor, task: str, batch: Batch, class_weight: str | None) -> Tensor:
        """The loss of one task's linear outputs ``out`` (B, K) against the batch's labels."""
        target = batch.labels[task]
        if task in self.context.multilabel:
            return F.binary_cross_entropy_with_logits(out, target.float())
        if int(self.context.n_classes[task]) == 0:
            return F.mse_loss(out.squeeze(1), target.float())
        if class_weight == "balanced":
            return _balanced_cross_entropy(out, target.long())
        return F.cross_entropy(out, target.long())

    def embed(self, batch: Batch) -> Tensor:
        self.check_batch(batch)
        return self.fusion(batch.modalities, batch.masks)


def _checked_auxiliary_tasks(tasks: Sequence[str], context: MethodContext) -> tuple[str, ...]:
    """``tasks`` as a tuple, or ``ValueError`` unless each is a distinct non-target task."""
    if isinstance(tasks, str) or not all(isinstance(t, str) for t in tasks):
        raise ValueError(f"auxiliary_tasks must be a list of task names; received {tasks!r}")
    tasks = tuple(tasks)
    unknown = [t for t in tasks if t not in context.n_classes]
    if unknown:
        raise ValueError(f"auxiliary_tasks names unknown tasks {unknown}; known tasks: "
                         f"{', '.join(sorted(context.n_classes))}")
    if context.target_task in tasks or len(set(tasks)) != len(tasks):
        raise ValueError(f"auxiliary_tasks must name each task once and not the target task "
                         f"{context.target_task!r}; received {list(tasks)}")
    return tasks


def _balanced_cross_entropy(logits: Tensor, target: Tensor) -> Tensor:
    """Mean over the classes present in the batch of their samples' mean cross-entropy.

    ``logits`` (b, K), ``target`` (b,) class indices; nats. In data-parallel training (inside
    :func:`pid_bench.distributed.gathering`) the class counts are those of the global batch and
    the local loss is scaled so that its mean over the processes is the global batch's loss.
    """
    per_sample = F.cross_entropy(logits, target, reduction="none")
    counts = torch.bincount(target, minlength=logits.shape[1]).to(per_sample.dtype)
    scale = 1.0
    if is_gathering():
        counts, scale = all_reduce_sum(counts), float(world_size())
    present = (counts > 0).sum()
    return scale * (per_sample / (counts[target] * present)).sum()
