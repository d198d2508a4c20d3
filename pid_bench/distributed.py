"""Data-parallel training over several processes: ranks, gathers with gradients, synced batch norm.

One training run can be spread over K processes (one per GPU, or CPU processes with the gloo
backend) started by ``torchrun --nproc_per_node=K``. :func:`pid_bench.train.train` does it
whenever a process group of more than one process is initialised (:func:`init_from_env`):

- every rank draws the same seeded order of the samples and takes its contiguous share of each
  global batch (rank r gets rows ``r * B / K`` to ``(r + 1) * B / K``);
- augmentations are drawn on the whole global batch, from the same generator state on every
  rank, and each rank keeps its rows (:class:`pid_bench.methods.base.Shard`), so the draws are those
  of a single process at batch B;
- inside :func:`gathering`, the losses of :mod:`pid_bench.methods.losses` gather the embeddings
  of all ranks (:func:`gather_rows`, whose backward sums the gradient over ranks), so every
  local anchor is contrasted with the negatives of the global batch;
- batch normalisation layers are replaced by :class:`SyncBatchNorm` for the run, which
  normalises with the statistics of the global batch (torch's own ``nn.SyncBatchNorm`` refuses
  CPU tensors);
- only rank 0 runs the per-epoch callback (the probes) and writes checkpoints; the others wait
  at a barrier.

``torchrun --nproc_per_node=K -m pid_bench run CONFIG`` uses the same machinery: rank 0 is the
runner (:func:`lead`: it alone takes the results directory's lock, checks, probes and writes,
as one process), and for each run it trains it hands the other ranks the call that trains their
share (:func:`share`), which they wait for in :func:`serve`.

Gradient scale: rank r's loss is the mean over its local anchors, so the single-process loss is
the mean of the K local losses. The backward of :func:`gather_rows` and :func:`all_reduce_sum`
returns to each rank the gradient of the *sum* of the K losses with respect to its rows, and
``DistributedDataParallel`` averages the parameter gradients over the K ranks: the result is the
gradient of the mean, the single-process gradient at batch B. ``torch.distributed.nn.functional
.all_gather`` follows the same rule (a summing reduce-scatter, emulated with all-to-all on gloo;
in torch 2.13 it works on gloo, gives the same gradients as :func:`gather_rows` on 2 ranks, and
is deprecated with a ``FutureWarning``, hence this module's own autograd function). A gather
that returns only its own block of the incoming gradient, without the sum, drops the terms of
the other ranks' losses.

One machine: ``torchrun --standalone --nproc_per_node=K -m pid_bench run CONFIG`` (with
``--device cpu``, K CPU processes on gloo; with GPUs, one per process: name the device ``cuda``
or ``auto``, not ``cuda:K``). SLURM, in a batch script with ``#SBATCH --nodes=N
--ntasks-per-node=1 --gpus-per-node=G``: one task per node, each starting ``torchrun`` with the
node's G GPUs::

    head=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
    srun torchrun --nnodes="$SLURM_NNODES" --nproc_per_node=G \\
        --rdzv_id="$SLURM_JOB_ID" --rdzv_backend=c10d --rdzv_endpoint="$head:29500" \\
        -m pid_bench run CONFIG --out /shared/results

Global rank 0 writes the results directory and reads the checkpoints (the others receive their
state from it); every rank builds the datasets itself.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Callable, Iterator
from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm

__all__ = ["init_from_env", "launched", "world_size", "rank", "is_leader", "barrier",
           "broadcast_object", "average", "lead", "share", "serve",
           "gathering", "is_gathering", "gather_rows", "all_reduce_sum", "SyncBatchNorm", "synced_batch_norm"]

_GATHERING: contextvars.ContextVar[bool] = contextvars.ContextVar("pid_bench_gathering",
                                                                  default=False)
#: Inside :func:`lead` (outside :func:`share`), rank 0 works as if it were alone.
_SOLO: contextvars.ContextVar[bool] = contextvars.ContextVar("pid_bench_solo", default=False)


def init_from_env() -> bool:
    """Join the process group that ``torchrun`` describes in the environment.

    Reads ``WORLD_SIZE``, ``RANK``, ``LOCAL_RANK`` and the rendezvous variables that
    ``torchrun`` (or ``srun`` with them exported) sets. With CUDA available the backend is
    NCCL for CUDA tensors and gloo for CPU tensors, and the process's current device becomes
    ``cuda:LOCAL_RANK``; without it, gloo.

    Returns
    -------
    bool
        True when this process is one of several (a group is initialised, now or before);
        False without ``WORLD_SIZE`` or with ``WORLD_SIZE=1``.

    Raises
    ------
    ValueError
        A ``WORLD_SIZE``, ``RANK`` or ``LOCAL_RANK`` that is not a non-negative integer.
    """
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size() > 1
    values = {}
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK"):
        text = os.environ.get(name, "0" if name != "WORLD_SIZE" else "1")
        if not text.isdigit():
            raise ValueError(f"environment variable {name} must be a non-negative integer (as "
                             f"torchrun sets it); received {text!r}")
        values[name] = int(text)
    if values["WORLD_SIZE"] <= 1:
        return False
    if torch.cuda.is_available():
        torch.cuda.set_device(values["LOCAL_RANK"] % torch.cuda.device_count())
        backend = "cpu:gloo,cuda:nccl"
    else:
        backend = "gloo"
    dist.init_process_group(backend=backend)
    return True


def launched() -> bool:
    """True in a process of an initialised group of several, also inside :func:`lead`."""
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def world_size() -> int:
    """Number of processes that work together here: the group's (1 without one, or on rank 0
    inside :func:`lead` but outside :func:`share`)."""
    return dist.get_world_size() if launched() and not _SOLO.get() else 1


def rank() -> int:
    """This process's rank among those of :func:`world_size` (0 without a group)."""
    return dist.get_rank() if world_size() > 1 else 0


def is_leader() -> bool:
    """True on rank 0, the process that probes and writes (and without a group)."""
    return rank() == 0


def barrier() -> None:
    """Wait until every process of the group arrives here (nothing without a group)."""
    if world_size() > 1:
        dist.barrier()


def broadcast_object(obj: Any = None) -> Any:
    """Rank 0's ``obj`` on every rank (picklable objects; ``obj`` itself without a group)."""
    if world_size() == 1:
        return obj
    box = [obj if is_leader() else None]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def average(value: float) -> float:
    """The mean of ``value`` over the group's processes (``value`` itself without a group)."""
    if world_size() == 1:
        return value
    total = torch.tensor(float(value), dtype=torch.float64)
    dist.all_reduce(total)  # a CPU tensor: the gloo part of the backend
    return float(total) / world_size()


_STOP = "pid-bench: no more runs"


@contextlib.contextmanager
def lead() -> Iterator[None]:
    """On rank 0 of a group: work alone in this block; the other ranks wait in :func:`serve`.

    Inside, :func:`world_size` is 1 (so training, e.g. a dry run, is single-process) except
    within :func:`share`. Leaving the block tells the others to stop; an exception leaves it
    without a word, as the others may be inside a collective: the process ends with an error
    and ``torchrun`` ends them. Without a group, a plain block.
    """
    if not launched():
        yield
        return
    token = _SOLO.set(True)
    try:
        yield
    finally:
        _SOLO.reset(token)
    broadcast_object(_STOP)


@contextlib.contextmanager
def share(fn: Callable[..., Any], *args: Any) -> Iterator[None]:
    """Inside :func:`lead`: have the other ranks call ``fn(*args)`` while this block runs with
    the whole group (:func:`world_size` K); ``fn`` and ``args`` must pickle. Outside
    :func:`lead` (no group, or a rank that is not leading), a plain block."""
    if not (launched() and _SOLO.get()):
        yield
        return
    token = _SOLO.set(False)
    try:
        broadcast_object((fn, args))
        yield
    finally:
        _SOLO.reset(token)


def serve() -> None:
    """On ranks other than 0: call what rank 0 shares (:func:`share`) until it stops leading."""
    while True:
        call = broadcast_object()
        if call == _STOP:
            return
        fn, args = call
        fn(*args)


@contextlib.contextmanager
def gathering() -> Iterator[None]:
    """Within this block, the losses gather their embeddings across ranks (:func:`gather_rows`)."""
    token = _GATHERING.set(True)
    try:
        yield
    finally:
        _GATHERING.reset(token)


def is_gathering() -> bool:
    """True inside :func:`gathering` with a group of several processes."""
    return _GATHERING.get() and world_size() > 1


class _Gather(torch.autograd.Function):
    """All-gather of equal-sized row blocks; the backward returns this rank's block of the
    gradient summed over ranks (the gradient of the sum of every rank's loss)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:
        blocks = [torch.empty_like(x) for _ in range(dist.get_world_size())]
        dist.all_gather(blocks, x.contiguous())
        ctx.rows = x.shape[0]
        return torch.cat(blocks)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        grad = grad.clone(memory_format=torch.contiguous_format)  # reduced in place
        dist.all_reduce(grad)
        start = dist.get_rank() * ctx.rows
        return grad[start:start + ctx.rows]


class _AllReduceSum(torch.autograd.Function):
    """Sum over ranks; its gradient, the gradient of the sum of every rank's loss, is summed too."""

    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:
        out = x.clone()
        dist.all_reduce(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        grad = grad.clone()
        dist.all_reduce(grad)
        return grad


def gather_rows(x: Tensor) -> tuple[Tensor, int]:
    """The rows of every rank, in rank order, and the index of this rank's first row there.

    Outside :func:`gathering` or without a group of several processes: ``(x, 0)``.

    Parameters
    ----------
    x : Tensor, shape (b, ...)
        This rank's rows; every rank must pass the same shape.

    Returns
    -------
    Tensor, shape (K * b, ...)
        The global rows, differentiable: the gradient that reaches ``x`` is this rank's block
        of the gradient summed over the ranks' losses.
    int
        ``rank * b``.
    """
    if not is_gathering():
        return x, 0
    return _Gather.apply(x), rank() * x.shape[0]


def all_reduce_sum(x: Tensor) -> Tensor:
    """The sum of ``x`` over ranks, differentiable (``x`` itself without a group)."""
    return x if world_size() == 1 else _AllReduceSum.apply(x)


class SyncBatchNorm(_BatchNorm):
    """Batch normalisation with the statistics of the global batch, on any device.

    In training mode, with a group of several processes, the per-channel mean and the biased
    variance are taken over the rows of every rank (two differentiable all-reduces: the sums,
    then the squared deviations from the global mean); the running statistics are updated
    with them as :class:`torch.nn.BatchNorm1d` would at the global batch (the unbiased variance,
    over all rows), in float32 also under autocast. Every rank must pass as many rows.
    Otherwise it is a plain batch norm. It holds the same parameters and buffers
    as the layer it replaces (:func:`synced_batch_norm`), so state dicts are interchangeable.
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim < 2:
            raise ValueError(f"expected an input of shape (B, C, ...); received "
                             f"{tuple(input.shape)}")

    def forward(self, input: Tensor) -> Tensor:
        if not self.training or world_size() == 1:
            return super().forward(input)
        self._check_input_dim(input)
        x = input.float()
        dims = [0, *range(2, x.ndim)]
        shape = [1, -1] + [1] * (x.ndim - 2)
        count = x.numel() // x.shape[1] * world_size()  # every rank holds as many rows
        mean = all_reduce_sum(x.sum(dims)) / count
        centred = x - mean.reshape(shape)
        var = all_reduce_sum((centred * centred).sum(dims)) / count
        if self.track_running_stats and self.running_mean is not None:
            with torch.no_grad():
                self.num_batches_tracked.add_(1)
                factor = (1.0 / float(self.num_batches_tracked) if self.momentum is None
                          else self.momentum)
                self.running_mean.mul_(1 - factor).add_(factor * mean.detach())
                self.running_var.mul_(1 - factor).add_(factor * var.detach() * count / (count - 1))
        out = centred * torch.rsqrt(var + self.eps).reshape(shape)
        if self.affine:
            out = out * self.weight.reshape(shape) + self.bias.reshape(shape)
        return out


def _synced(layer: _BatchNorm) -> SyncBatchNorm:
    sync = SyncBatchNorm(layer.num_features, layer.eps, layer.momentum, layer.affine,
                         layer.track_running_stats, device="meta")
    # the same Parameter and buffer objects: training the copy trains the original
    for name, param in layer.named_parameters(recurse=False):
        setattr(sync, name, param)
    for name, buffer in layer.named_buffers(recurse=False):
        sync.register_buffer(name, buffer)
    sync.train(layer.training)
    return sync


@contextlib.contextmanager
def synced_batch_norm(module: nn.Module) -> Iterator[nn.Module]:
    """Replace every batch-norm layer inside ``module`` by a :class:`SyncBatchNorm`, for a block.

    The replacements share the layers' parameters and buffers (an optimiser built before or
    inside the block trains them); the original layers are put back on leaving the block.

    Parameters
    ----------
    module : torch.nn.Module
        Modified in place; a batch-norm layer itself is refused.

    Yields
    ------
    torch.nn.Module
        ``module``.
    """
    if isinstance(module, _BatchNorm):
        raise ValueError("synced_batch_norm takes a module that contains batch-norm layers; "
                         "received a batch-norm layer itself")
    swapped: list[tuple[nn.Module, str, nn.Module]] = []
    for parent in list(module.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, _BatchNorm) and not isinstance(child, SyncBatchNorm):
                setattr(parent, name, _synced(child))
                swapped.append((parent, name, child))
    try:
        yield module
    finally:
        for parent, name, child in reversed(swapped):
            child.train(getattr(parent, name).training)
            setattr(parent, name, child)
