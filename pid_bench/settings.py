"""Settings of training and probing, as plain validated dataclasses: no torch, no scikit-learn.

A config file is parsed and checked with these alone (:mod:`pid_bench.experiment.config`), so
``import pid_bench.experiment`` and loading a config import neither torch nor scikit-learn;
:mod:`pid_bench.train` and :mod:`pid_bench.evaluate` use them and re-export them under their
historical names (``pid_bench.train.TrainConfig``, ``pid_bench.evaluate.ProbeSettings``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["DEVICES", "PRECISIONS", "ProbeSettings", "TrainConfig", "check_device_name"]

#: Device names :class:`TrainConfig` accepts (besides ``"cuda:K"``).
DEVICES = ("auto", "cpu", "cuda", "mps")
#: Arithmetic of the training steps.
PRECISIONS = ("fp32", "bf16")


def check_device_name(name: object) -> None:
    """Raise ``ValueError`` unless ``name`` is one of :data:`DEVICES` or ``"cuda:K"``."""
    if not isinstance(name, str) or not (name in DEVICES or name.startswith("cuda:")):
        raise ValueError(f"device must be one of {', '.join(DEVICES)} or 'cuda:K'; "
                         f"received {name!r}")


@dataclass
class TrainConfig:
    """Optimisation settings of one training run.

    Attributes
    ----------
    epochs : int, default 20
        Passes over the training data (0 trains nothing).
    batch_size : int, default 64
        Samples per step (at least 2, at most the number of samples); the last incomplete
        batch of an epoch is dropped.
    lr : float, default 3e-4
        Peak learning rate of AdamW.
    weight_decay : float, default 1e-4
        AdamW weight decay.
    warmup_epochs : int, default 1
        Epochs of linear warm-up before the cosine decay (at most ``epochs`` of them are
        used). The fusion transformer needs it: on bimodal Trifeature, CoMM at lr 1e-3 after
        10 epochs of 4,000 pairs reached a loss of 0.95 with one warm-up epoch and 2.36
        without.
    seed : int, default 0
        Seed of the batch order, the augmentations and torch's CPU generator during training.
    device : str, default "auto"
        ``"auto"`` (CUDA, then MPS, then CPU), ``"cpu"``, ``"cuda"``, ``"cuda:K"`` or ``"mps"``.
    progress : bool, default True
        Show a progress bar with the loss and throughput.
    grad_clip : float or None, default None
        Clip the gradient norm to this value.
    precision : {"fp32", "bf16"}, default "fp32"
        Arithmetic of the training steps. ``"bf16"`` runs each loss (forward pass included)
        under :func:`torch.autocast` with bfloat16: convolutions and matrix products take
        bfloat16 inputs, while the weights, gradients and optimiser state stay float32 and the
        losses of :mod:`pid_bench.methods.losses` compute their similarities in float32.
        Embeddings for the probes are always computed in float32. On CPUs with bfloat16
        instructions (AVX512-BF16 or AMX) it trains CoMM on Trifeature about 1.5 times faster
        with one thread per run; on CPUs without them it may be slower than ``"fp32"`` (not
        measured).
    """

    epochs: int = 20
    batch_size: int = 64
    lr: float = 3e-4
    weight_decay: float = 1e-4
    warmup_epochs: int = 1
    seed: int = 0
    device: str = "auto"
    progress: bool = True
    grad_clip: float | None = None
    precision: str = "fp32"

    def __post_init__(self) -> None:
        for name, low in (("epochs", 0), ("batch_size", 2), ("warmup_epochs", 0), ("seed", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}; received {value!r}")
        if not (isinstance(self.lr, (int, float)) and math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be a finite number > 0; received {self.lr!r}")
        if not (isinstance(self.weight_decay, (int, float)) and self.weight_decay >= 0):
            raise ValueError(f"weight_decay must be a number >= 0; received {self.weight_decay!r}")
        if self.grad_clip is not None and not (isinstance(self.grad_clip, (int, float))
                                               and self.grad_clip > 0):
            raise ValueError(f"grad_clip must be None or a number > 0; received {self.grad_clip!r}")
        check_device_name(self.device)
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; received "
                             f"{self.precision!r}")



@dataclass(frozen=True)
class ProbeSettings:
    """How probes are fitted.

    Attributes
    ----------
    c_grid : tuple of float
        Inverse L2 strengths tried for logistic regression (on standardised features).
    alpha_grid : tuple of float
        Ridge penalties tried for continuous tasks (on standardised features).
    validation_fraction : float
        Fraction of ``"train"`` held out to choose the regularisation.
    max_iter : int
        L-BFGS iterations per logistic fit. A fit stopped early is still a valid probe: the
        bound holds for any predictor, so convergence warnings are not raised.
    """

    c_grid: tuple[float, ...] = (1e-3, 1e-2, 1e-1, 1.0, 10.0)
    alpha_grid: tuple[float, ...] = (1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0)
    validation_fraction: float = 0.2
    max_iter: int = 300

    def __post_init__(self) -> None:
        for name in ("c_grid", "alpha_grid"):
            grid = tuple(getattr(self, name))
            if not grid or not all(np.isfinite(g) and g > 0 for g in grid):
                raise ValueError(f"{name} must be a non-empty sequence of positive numbers; "
                                 f"received {grid!r}")
            object.__setattr__(self, name, tuple(float(g) for g in sorted(grid)))
        if not 0 < self.validation_fraction < 1:
            raise ValueError(f"validation_fraction must be in (0, 1); received "
                             f"{self.validation_fraction!r}")
        if int(self.max_iter) < 1:
            raise ValueError(f"max_iter must be a positive integer; received {self.max_iter!r}")
