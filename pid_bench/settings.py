"""Settings of training and probing, as plain validated dataclasses: no torch, no scikit-learn.

A config file is parsed and checked with these alone (:mod:`pid_bench.experiment.config`), so
``import pid_bench.experiment`` and loading a config import neither torch nor scikit-learn;
:mod:`pid_bench.train` and :mod:`pid_bench.evaluate` use them and re-export them under their
historical names (``pid_bench.train.TrainConfig``, ``pid_bench.evaluate.ProbeSettings``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

import numpy as np

__all__ = ["DEVICES", "MLPProbeSettings", "MLP_SUFFIX", "PRECISIONS", "PROBE_KINDS",
           "ProbeSettings", "TrainConfig", "check_device_name"]

#: Device names :class:`TrainConfig` accepts (besides ``"cuda:K"``).
DEVICES = ("auto", "cpu", "cuda", "mps")
#: Arithmetic of the training steps.
PRECISIONS = ("fp32", "bf16")
#: Probes of classification and continuous tasks that :class:`ProbeSettings` ``kind`` names.
PROBE_KINDS = ("linear", "mlp", "both")
#: Suffix of the MLP probe's metrics in result tables (``balanced_accuracy_mlp``, ...).
MLP_SUFFIX = "_mlp"


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
class MLPProbeSettings:
    """How the MLP probe (:mod:`pid_bench.mlp_probe`) is chosen and fitted.

    Every combination of ``widths``, ``depths`` and ``alphas`` is trained on the fitting part of
    ``"train"`` with early stopping on the cross-entropy of the validation part; the one with the
    lowest validation cross-entropy is refitted on all of ``"train"`` for its best number of
    epochs.

    Attributes
    ----------
    widths : tuple of int, default (64, 256)
        Hidden widths tried.
    depths : tuple of int, default (1, 2)
        Numbers of hidden layers tried.
    alphas : tuple of float, default (1e-3, 1e-1, 1.0)
        L2 penalties tried (scikit-learn's ``alpha``, on standardised embeddings).
    validation_fraction : float, default 0.2
        Fraction of ``"train"`` held out to choose the capacity, penalty and epochs.
    max_epochs : int, default 200
        Most epochs of one fit.
    patience : int, default 10
        Epochs without a lower validation cross-entropy before a fit stops.
    batch_size : int, default 128
        Samples per Adam step.
    learning_rate : float, default 3e-3
        Adam's step size.
    """

    widths: tuple[int, ...] = (64, 256)
    depths: tuple[int, ...] = (1, 2)
    alphas: tuple[float, ...] = (1e-3, 1e-1, 1.0)
    validation_fraction: float = 0.2
    max_epochs: int = 200
    patience: int = 10
    batch_size: int = 128
    learning_rate: float = 3e-3

    def __post_init__(self) -> None:
        for name in ("widths", "depths"):
            grid = tuple(getattr(self, name))
            if not grid or not all(isinstance(g, (int, np.integer)) and not isinstance(g, bool)
                                   and g >= 1 for g in grid):
                raise ValueError(f"{name} must be a non-empty sequence of positive integers; "
                                 f"received {grid!r}")
            object.__setattr__(self, name, tuple(int(g) for g in grid))
        alphas = tuple(self.alphas)
        if not alphas or not all(np.isfinite(a) and a >= 0 for a in alphas):
            raise ValueError(f"alphas must be a non-empty sequence of numbers >= 0; received "
                             f"{alphas!r}")
        object.__setattr__(self, "alphas", tuple(float(a) for a in alphas))
        if not 0 < self.validation_fraction < 1:
            raise ValueError(f"validation_fraction must be in (0, 1); received "
                             f"{self.validation_fraction!r}")
        for name in ("max_epochs", "patience", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive integer; received {value!r}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0; received {self.learning_rate!r}")


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
    kind : {"linear", "mlp", "both"}, default "linear"
        The probes of classification and continuous tasks: the linear probe (logistic or
        ridge), the MLP probe of :mod:`pid_bench.mlp_probe` (settings ``mlp``; its metrics
        carry the suffix ``_mlp``: ``balanced_accuracy_mlp``, ``r2_mlp``, ...), or both.
        Multi-label tasks get their linear probe whatever the kind.
    mlp : MLPProbeSettings or mapping, default MLPProbeSettings()
        The MLP probe's grid, early stopping and optimiser (a mapping of its fields is
        converted).
    """

    c_grid: tuple[float, ...] = (1e-3, 1e-2, 1e-1, 1.0, 10.0)
    alpha_grid: tuple[float, ...] = (1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0)
    validation_fraction: float = 0.2
    max_iter: int = 300
    kind: str = "linear"
    mlp: MLPProbeSettings = field(default_factory=MLPProbeSettings)

    def __post_init__(self) -> None:
        if self.kind not in PROBE_KINDS:
            raise ValueError(f"kind must be one of {', '.join(PROBE_KINDS)}; received "
                             f"{self.kind!r}")
        if isinstance(self.mlp, Mapping):
            known = [f.name for f in fields(MLPProbeSettings)]
            unknown = sorted(set(self.mlp) - set(known))
            if unknown:
                raise ValueError(f"unknown mlp probe settings {unknown}; known: "
                                 f"{', '.join(known)}")
            object.__setattr__(self, "mlp", MLPProbeSettings(**self.mlp))
        if not isinstance(self.mlp, MLPProbeSettings):
            raise ValueError(f"mlp must be an MLPProbeSettings or a mapping of its fields; "
                             f"received {type(self.mlp).__name__}")
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
