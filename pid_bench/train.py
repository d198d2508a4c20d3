"""The trainer: AdamW with a cosine schedule, seeds, devices, progress, checkpoints and resume."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import Tensor
from torch.nn.parallel import DistributedDataParallel
from tqdm.auto import tqdm

from pid_bench import distributed
from pid_bench.data import MultimodalDataset
from pid_bench.io import atomic_path
from pid_bench.methods.base import Batch, Method, Shard
from pid_bench.settings import TrainConfig, check_device_name

__all__ = ["TrainConfig", "TrainResult", "train", "embed", "resolve_device", "check_data",
           "checkpoint_identity", "checkpoint_record", "retag_checkpoint", "CHECKPOINT_NAME"]

#: File name of the checkpoint inside ``checkpoint_dir``.
CHECKPOINT_NAME = "checkpoint.pt"
_FORMAT = "pid-bench-checkpoint/1"
#: Config fields that may change between a run and its resumption.
_RUNTIME_FIELDS = ("device", "progress")

Callback = Callable[[int, Method], "pd.DataFrame | None"]


@dataclass
class TrainResult:
    """What a training run produced.

    Attributes
    ----------
    history : pandas.DataFrame
        One row per epoch: ``epoch`` (1-based), ``loss`` (mean over the epoch's steps),
        ``seconds`` (wall time of the epoch's steps), ``pairs_per_second``.
    records : pandas.DataFrame
        The callback's frames, concatenated (empty without callback or frames).
    resumed_from : int
        Epochs already done when ``train`` was called (0 for a fresh run).
    device : str
        The device trained on.
    """

    history: pd.DataFrame
    records: pd.DataFrame = field(default_factory=pd.DataFrame)
    resumed_from: int = 0
    device: str = "cpu"


def resolve_device(name: str) -> torch.device:
    """The torch device for a name: ``"auto"`` picks CUDA, then MPS, then CPU.

    Raises
    ------
    ValueError
        An unknown name, or a device that is not available on this machine.
    """
    check_device_name(name)
    mps = getattr(torch.backends, "mps", None)
    mps_ok = bool(mps is not None and mps.is_available())
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "mps" if mps_ok else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} was requested but CUDA is not available here")
    if name == "mps" and not mps_ok:
        raise ValueError("device 'mps' was requested but MPS is not available here")
    return torch.device(name)


# ---------------------------------------------------------------------------- data
def _modality_tensor(array: np.ndarray) -> Tensor:
    """A modality as a CPU tensor: uint8 kept (scaled per batch), anything else float32."""
    arr = np.asarray(array)
    if arr.dtype == np.uint8:
        return torch.from_numpy(np.ascontiguousarray(arr))
    return torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32))


def _as_float(x: Tensor) -> Tensor:
    """float32 values; uint8 (image bytes) are scaled to [0, 1]."""
    return x.float() / 255.0 if x.dtype == torch.uint8 else x


class _Tensors:
    """The samples of a dataset as CPU tensors, cut into float32 batches on a device."""

    def __init__(self, data: MultimodalDataset) -> None:
        self.modalities = [_modality_tensor(v) for v in data.modalities.values()]
        self.masks = [None if k not in data.masks else torch.from_numpy(data.masks[k])
                      for k in data.modalities] if data.masks else []
        self.labels = {k: torch.from_numpy(np.asarray(
            v, dtype=np.int64 if data.task_kind(k) == "classification" else np.float32))
            for k, v in data.tasks.items()}
        self.n = data.n_samples

    def batch(self, index: Tensor, device: torch.device,
              generator: torch.Generator | None) -> Batch:
        return Batch(modalities=[_as_float(x[index].to(device)) for x in self.modalities],
                     labels={k: v[index].to(device) for k, v in self.labels.items()},
                     generator=generator,
                     masks=[None if k is None else k[index].to(device) for k in self.masks])


def check_data(method: Method, data: MultimodalDataset) -> None:
    """Raise ``ValueError`` unless ``data`` fits ``method``'s context (count, shapes, task)."""
    if not isinstance(method, Method):
        raise ValueError(f"expected a pid_bench.methods.Method; received {type(method).__name__}")
    if not isinstance(data, MultimodalDataset):
        raise ValueError(f"expected a MultimodalDataset; received {type(data).__name__}")
    ctx = method.context
    arrays = list(data.modalities.items())
    if len(arrays) != ctx.n_modalities:
        raise ValueError(f"method {method.name!r} was built for {ctx.n_modalities} modalities; "
                         f"dataset {data.name!r} has {len(arrays)} ({', '.join(data.modalities)})")
    for (key, arr), shape in zip(arrays, ctx.modality_shapes):
        if tuple(np.shape(arr)[1:]) != shape:
            raise ValueError(f"modality {key!r} of dataset {data.name!r} has per-sample shape "
                             f"{tuple(np.shape(arr)[1:])}; the method expects {shape}")
    if ctx.target_task is not None and ctx.target_task not in data.tasks:
        raise ValueError(f"method {method.name!r} trains on task {ctx.target_task!r}, which "
                         f"dataset {data.name!r} lacks (tasks: {', '.join(data.tasks)})")
    if ctx.target_task is not None and (
            (ctx.target_task in ctx.multilabel) != (ctx.target_task in data.multilabel)):
        kind = "multi-label" if ctx.target_task in data.multilabel else "single-label"
        raise ValueError(f"task {ctx.target_task!r} of dataset {data.name!r} is {kind}; the "
                         f"method was built for the other kind (MethodContext.multilabel "
                         f"{list(ctx.multilabel)})")


# ---------------------------------------------------------------------------- checkpoints
def _frame_to_state(frame: pd.DataFrame) -> dict[str, Any]:
    """A DataFrame as plain Python lists (loadable with ``torch.load(weights_only=True)``)."""
    return {"columns": [str(c) for c in frame.columns],
            "data": {str(c): frame[c].tolist() for c in frame.columns}}


def _frame_from_state(state: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(state["data"], columns=state["columns"])


def _config_state(config: TrainConfig) -> dict[str, Any]:
    return {k: v for k, v in dataclasses.asdict(config).items() if k not in _RUNTIME_FIELDS}


def _read_checkpoint(path: Path) -> dict[str, Any]:
    content = io.BytesIO(path.read_bytes())  # an OSError here is about the file system
    try:
        state = torch.load(content, map_location="cpu", weights_only=True)
    except Exception as exc:  # a corrupt or foreign file: say which, and what to do
        cause = " ".join(str(exc).split())
        raise ValueError(f"cannot read checkpoint {os.fspath(path)!r} ({cause}); it is "
                         f"truncated or not a checkpoint: delete it to start again") from None
    if not isinstance(state, dict) or state.get("format") != _FORMAT:
        raise ValueError(f"{os.fspath(path)!r} is not a pid-bench checkpoint; delete it to start "
                         f"again")
    return state


def checkpoint_record(path: str | os.PathLike[str]) -> dict[str, Any]:
    """What a checkpoint says of itself, without its tensors.

    Returns
    -------
    dict
        ``method`` (its name), ``config`` (the train settings that fix its numbers),
        ``identity`` (see :func:`train`; ``None`` for a checkpoint written without one) and
        ``epoch`` (the last epoch it holds, 1-based).

    Raises
    ------
    ValueError
        A file that cannot be read as a pid-bench checkpoint.
    """
    state = _read_checkpoint(Path(path))
    return {key: state.get(key) for key in ("method", "config", "identity", "epoch")}


def checkpoint_identity(path: str | os.PathLike[str]) -> str | None:
    """The ``identity`` a checkpoint was written with (see :func:`train`).

    Returns
    -------
    str or None
        ``None`` for a checkpoint written without one.

    Raises
    ------
    ValueError
        A file that cannot be read as a pid-bench checkpoint.
    """
    identity = checkpoint_record(path)["identity"]
    return None if identity is None else str(identity)


def retag_checkpoint(source: str | os.PathLike[str], destination: str | os.PathLike[str],
                     identity: str) -> None:
    """Write the checkpoint ``source`` to ``destination`` (atomically) under ``identity``.

    Everything else (weights, optimiser, schedule, generator states, history, records) is
    kept, so :func:`train` with ``checkpoint_dir`` at ``destination``'s folder and that
    ``identity`` resumes from it; at its last epoch it trains nothing. ``source`` is only read.

    Raises
    ------
    ValueError
        ``source`` cannot be read as a pid-bench checkpoint.
    """
    state = _read_checkpoint(Path(source))
    _write_checkpoint(Path(destination), {**state, "identity": identity})


def _load_checkpoint(path: Path, method: Method, config: TrainConfig,
                     identity: str | None) -> dict[str, Any]:
    state = _read_checkpoint(path)
    if identity is not None and state.get("identity") not in (None, identity):
        raise ValueError(f"checkpoint {os.fspath(path)!r} was written by another run (identity "
                         f"{state['identity']!r}, this run's is {identity!r}); delete it to "
                         f"start again")
    if state["method"] != method.name or state["config"] != _config_state(config):
        raise ValueError(f"checkpoint {os.fspath(path)!r} was written by method "
                         f"{state['method']!r} with config {state['config']}; this run is "
                         f"method {method.name!r} with config {_config_state(config)}. Use "
                         f"another checkpoint_dir or delete the checkpoint")
    try:
        method.load_state_dict(state["model"])
    except RuntimeError as exc:
        raise ValueError(f"checkpoint {os.fspath(path)!r} holds a different model: {exc}") from None
    return state


# ---------------------------------------------------------------------------- training
def _schedule(warmup_steps: int, total_steps: int) -> Callable[[int], float]:
    """Learning-rate factor at a step: linear warm-up, then cosine decay to 0."""

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        span = max(total_steps - warmup_steps, 1)
        return 0.5 * (1.0 + math.cos(math.pi * min(step - warmup_steps, span) / span))

    return factor


def train(method: Method, data: MultimodalDataset, config: TrainConfig, *,
          checkpoint_dir: str | os.PathLike[str] | None = None,
          callback: Callback | None = None, identity: str | None = None) -> TrainResult:
    """Train ``method`` on ``data`` with AdamW and a cosine learning-rate schedule.

    Each epoch visits the samples in an order drawn from ``config.seed`` and cuts them into
    batches of ``config.batch_size`` (the remainder is dropped). Augmentations draw from a
    ``torch.Generator`` on the training device, seeded from ``config.seed``. The whole loop
    runs inside a fork of torch's CPU generator, also seeded from ``config.seed``, so that
    draws a method makes from the global generator (e.g. dropout) are reproducible on CPU and
    the caller's generator state is unchanged afterwards. After each epoch ``callback(epoch,
    method)`` runs (1-based epoch, model in eval mode) and may return a DataFrame; then, with
    ``checkpoint_dir``, ``checkpoint_dir/checkpoint.pt`` is written atomically with the model,
    optimiser, schedule, every generator state, the history and the callback's frames.

    If that checkpoint exists, training resumes after its epoch: a run killed at any moment
    and started again ends, on CPU with the same seed, with the same weights, history losses
    and records as an uninterrupted run. A method with ``trainable = False`` is not
    optimised: the callback runs once with epoch 0 and nothing is checkpointed.

    In a process group of K > 1 processes (``torchrun``, :mod:`pid_bench.distributed`), every
    process calls ``train`` with the same arguments and the run is data-parallel: each global
    batch of ``config.batch_size`` rows (divisible by K) is cut into K contiguous shares, the
    model is wrapped in ``DistributedDataParallel`` and trained through its forward pass
    (:meth:`Method.forward <pid_bench.methods.base.Method.forward>`), augmentations are drawn on
    the global batch, the losses gather every process's embeddings and batch-norm layers use
    the global batch's statistics; every parameter must take part in each step's loss (DDP
    waits for the gradient of each). On CPU the losses then match a single process at the same
    batch size up to float rounding (dropout masks, drawn per process, do not). Only rank 0
    reads the checkpoint (and sends it to the others), runs the callback and writes the
    checkpoint; the history's loss is the mean over processes, and the other ranks return
    empty records. ``checkpoint_dir`` and ``callback`` matter on rank 0 only.

    Parameters
    ----------
    method : Method
        The model; moved to the training device.
    data : MultimodalDataset
        The samples to train on (e.g. ``dataset.split("pretrain")``).
    config : TrainConfig
    checkpoint_dir : path, optional
        Folder of the checkpoint (created if needed).
    callback : callable, optional
        ``callback(epoch, method) -> pandas.DataFrame | None``.
    identity : str, optional
        A name of what the run is (e.g. a digest of its settings), recorded in the checkpoint
        (:func:`checkpoint_identity`); resuming from a checkpoint written with another one is
        refused.

    Returns
    -------
    TrainResult

    Raises
    ------
    ValueError
        Before any training: a dataset that does not fit the method, more samples per batch
        than the dataset has, a batch size not divisible by the number of processes, an
        unavailable device, an unreadable checkpoint or a checkpoint of another run.
    FloatingPointError
        A loss that is NaN or infinite.
    """
    check_data(method, data)
    if not isinstance(config, TrainConfig):
        raise ValueError(f"config must be a TrainConfig; received {type(config).__name__}")
    if method.trainable and config.epochs > 0 and config.batch_size > data.n_samples:
        raise ValueError(f"batch_size {config.batch_size} exceeds the {data.n_samples} samples of "
                         f"dataset {data.name!r}")
    device = resolve_device(config.device)
    method.to(device)
    path = None if checkpoint_dir is None else Path(checkpoint_dir) / CHECKPOINT_NAME
    if not method.trainable:
        return _untrained(method, callback, device)
    if config.precision == "bf16" and device.type == "cpu" and _cpu_has_bfloat16() is False:
        warnings.warn("precision 'bf16' on a CPU without bfloat16 instructions (AVX512-BF16 or "
                      "AMX): autocast emulates them, and a step can take ten times as long as "
                      "in float32; train with precision 'fp32' (--precision fp32) here",
                      RuntimeWarning, stacklevel=2)

    world = distributed.world_size()
    if world > 1 and config.epochs > 0 and config.batch_size % world:
        raise ValueError(f"batch_size {config.batch_size} must be divisible by the {world} "
                         f"processes of data-parallel training")
    with contextlib.ExitStack() as stack:
        if world > 1:
            stack.enter_context(distributed.synced_batch_norm(method))
        result = _fit(method, _Tensors(data), config, device, path, callback, identity)
    method.eval()
    return result


def _cpu_has_bfloat16() -> bool | None:
    """Whether this CPU has bfloat16 instructions (AVX512-BF16 or AMX tiles); None where this
    torch cannot tell (its checks are private and may go)."""
    checks = [getattr(torch.cpu, name, None)
              for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    checks = [check for check in checks if callable(check)]
    return any(bool(check()) for check in checks) if checks else None


def _fit(method: Method, tensors: _Tensors, config: TrainConfig, device: torch.device,
         path: Path | None, callback: Callback | None, identity: str | None) -> TrainResult:
    """The epochs of :func:`train` after its checks, in one process or in each of a group."""
    world, leader = distributed.world_size(), distributed.is_leader()
    rows = config.batch_size // world
    first = distributed.rank() * rows
    steps = tensors.n // config.batch_size
    optimizer = torch.optim.AdamW(method.parameters(), lr=config.lr,
                                  weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, _schedule(min(config.warmup_epochs, config.epochs) * steps,
                             config.epochs * steps))
    seeds = np.random.SeedSequence(config.seed).generate_state(3)
    order_gen = torch.Generator().manual_seed(int(seeds[0]))
    augment_gen = torch.Generator(device=device).manual_seed(int(seeds[1]))
    history: list[dict[str, float]] = []
    frames: list[pd.DataFrame] = []
    start = 0
    global_state = torch.Generator().manual_seed(int(seeds[2])).get_state()
    state = _resume_state(path, method, config, identity)
    if state is not None:
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        order_gen.set_state(state["rng"]["order"])
        augment_gen.set_state(state["rng"]["augment"])
        global_state = state["rng"]["global"]
        history = _frame_from_state(state["history"]).to_dict("records")
        frames = [_frame_from_state(f) for f in state["records"]]
        start = int(state["epoch"])
    # DDP synchronises the gradients in the backward of its own forward pass: Method.forward
    model = method if world == 1 else DistributedDataParallel(method)

    label = method.name or type(method).__name__
    with torch.random.fork_rng(devices=[]), distributed.gathering(), \
            tqdm(total=config.epochs * steps, initial=start * steps, desc=label, unit="batch",
                 disable=not (config.progress and leader), dynamic_ncols=True) as bar:
        torch.set_rng_state(global_state)
        for epoch in range(start + 1, config.epochs + 1):
            method.train()
            order = torch.randperm(tensors.n, generator=order_gen)
            total, began = 0.0, time.perf_counter()
            for step in range(steps):
                index = order[step * config.batch_size:(step + 1) * config.batch_size]
                batch = tensors.batch(index, device, augment_gen)
                if world > 1:
                    batch = _share(batch, first, first + rows)
                with torch.autocast(device.type, dtype=torch.bfloat16,
                                    enabled=config.precision == "bf16"):
                    loss = model(batch)
                if loss.ndim != 0:
                    raise ValueError(f"{label}.loss must return a scalar; received shape "
                                     f"{tuple(loss.shape)}")
                if not torch.isfinite(loss):
                    raise FloatingPointError(f"{label}: loss is {loss.item()} at epoch {epoch}, "
                                             f"step {step + 1}")
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if config.grad_clip is not None:
                    torch.nn.utils.clip_grad_norm_(method.parameters(), config.grad_clip)
                optimizer.step()
                scheduler.step()
                total += float(loss.item())
                bar.update(1)
                bar.set_postfix(epoch=epoch, loss=f"{loss.item():.4f}", refresh=False)
            seconds = time.perf_counter() - began
            pairs = steps * config.batch_size
            history.append({"epoch": epoch,
                            "loss": distributed.average(total) / max(steps, 1),
                            "seconds": seconds,
                            "pairs_per_second": pairs / seconds if seconds > 0 else float("nan")})
            bar.set_postfix(epoch=epoch, loss=f"{history[-1]['loss']:.4f}",
                            pairs_s=f"{history[-1]['pairs_per_second']:.0f}")
            if leader:
                frame = _run_callback(callback, epoch, method)
                if frame is not None:
                    frames.append(frame)
                if path is not None:
                    _save(path, method, config, identity, epoch, optimizer, scheduler,
                          {"order": order_gen.get_state(), "augment": augment_gen.get_state(),
                           "global": torch.get_rng_state()}, history, frames)
            distributed.barrier()
    return TrainResult(history=_history_frame(history), records=_concat(frames),
                       resumed_from=start, device=str(device))


def _share(batch: Batch, start: int, stop: int) -> Batch:
    """This process's rows ``start:stop`` of a global batch, which it keeps for augmenting."""
    return dataclasses.replace(
        batch, modalities=[x[start:stop] for x in batch.modalities],
        labels={k: v[start:stop] for k, v in batch.labels.items()},
        masks=[None if m is None else m[start:stop] for m in batch.masks],
        shard=Shard(modalities=batch.modalities, start=start, stop=stop))


def _resume_state(path: Path | None, method: Method, config: TrainConfig,
                  identity: str | None) -> dict[str, Any] | None:
    """The checkpoint's state, its weights loaded into ``method``; ``None`` without one.

    In a group of processes rank 0 reads the file and sends the state, or the reason it
    refused it, to the others, which raise the same error.
    """
    if distributed.world_size() == 1:
        return (_load_checkpoint(path, method, config, identity)
                if path is not None and path.exists() else None)
    outcome: tuple[str, Any] = ("state", None)
    failure: Exception | None = None
    if distributed.is_leader() and path is not None and path.exists():
        try:
            outcome = ("state", _load_checkpoint(path, method, config, identity))
        except (ValueError, OSError) as exc:
            failure, outcome = exc, ("error", f"rank 0 could not resume: {exc}")
    outcome = distributed.broadcast_object(outcome)
    if failure is not None:
        raise failure
    kind, value = outcome
    if kind == "error":
        raise ValueError(value)
    if value is not None and not distributed.is_leader():
        method.load_state_dict(value["model"])
    return value


def _untrained(method: Method, callback: Callback | None, device: torch.device) -> TrainResult:
    method.eval()
    frame = _run_callback(callback, 0, method) if distributed.is_leader() else None
    return TrainResult(history=_history_frame([]),
                       records=_concat([] if frame is None else [frame]), device=str(device))


def _run_callback(callback: Callback | None, epoch: int, method: Method) -> pd.DataFrame | None:
    if callback is None:
        return None
    was_training = method.training
    method.eval()
    try:
        frame = callback(epoch, method)
    finally:
        method.train(was_training)
    if frame is not None and not isinstance(frame, pd.DataFrame):
        raise ValueError(f"callback must return a pandas DataFrame or None; received "
                         f"{type(frame).__name__}")
    return frame


def _history_frame(rows: list[dict[str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["epoch", "loss", "seconds", "pairs_per_second"])
    return frame.astype({"epoch": "int64"})


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _save(path: Path, method: Method, config: TrainConfig, identity: str | None, epoch: int,
          optimizer: torch.optim.Optimizer, scheduler: Any, rng: dict[str, Tensor],
          history: list[dict[str, float]], frames: list[pd.DataFrame]) -> None:
    state = {"format": _FORMAT, "method": method.name, "config": _config_state(config),
             "identity": identity, "epoch": epoch, "model": method.state_dict(),
             "optimizer": optimizer.state_dict(),
             "scheduler": scheduler.state_dict(), "rng": rng,
             "history": _frame_to_state(_history_frame(history)),
             "records": [_frame_to_state(f) for f in frames]}
    _write_checkpoint(path, state)


def _write_checkpoint(path: Path, state: dict[str, Any]) -> None:
    # Serialised in memory, then written by Python: a full disk is an OSError (ENOSPC) naming
    # the file, not torch's "unexpected pos" RuntimeError.
    buffer = io.BytesIO()
    torch.save(state, buffer)
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getbuffer())


# ---------------------------------------------------------------------------- embedding
@torch.no_grad()
def embed(method: Method, data: MultimodalDataset, *, batch_size: int = 512,
          device: str | torch.device | None = None) -> np.ndarray:
    """The representation of every sample of ``data``, in order.

    Parameters
    ----------
    method : Method
    data : MultimodalDataset
    batch_size : int, default 512
        Samples per forward pass.
    device : str or torch.device, optional
        Where to compute (a name as for :func:`resolve_device`, or a device); by default the
        device of the method's parameters. The method is moved there.

    Returns
    -------
    numpy.ndarray, shape (n, d), float32
        ``method.embed`` of each sample, computed in eval mode (the previous mode is restored).
    """
    check_data(method, data)
    if (isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
            or batch_size < 1):
        raise ValueError(f"batch_size must be a positive integer; received {batch_size!r}")
    if device is None:
        first = next(method.parameters(), None)
        target = first.device if first is not None else torch.device("cpu")
    else:
        target = resolve_device(device) if isinstance(device, str) else torch.device(device)
    method.to(target)
    tensors = _Tensors(data)
    was_training = method.training
    method.eval()
    try:
        out = [method.embed(tensors.batch(torch.arange(i, min(i + batch_size, tensors.n)),
                                          target, None)).float().cpu()
               for i in range(0, tensors.n, batch_size)]
    finally:
        method.train(was_training)
    return torch.cat(out).numpy() if out else np.zeros((0, 0), dtype=np.float32)
