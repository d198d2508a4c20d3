"""The untrained reference: CoMM's architecture at its random initialisation."""

from __future__ import annotations

from typing import ClassVar

from pid_bench.methods.comm import CoMM

__all__ = ["RandomInit"]


class RandomInit(CoMM):
    """CoMM's model, never trained (``trainable = False``): a lower reference for the probes.

    ``embed`` returns the fused CLS embedding of the randomly initialised model (its weights
    depend on the ``seed`` keyword only); ``loss`` is CoMM's loss, which the trainer does not
    optimise. Takes the same hyperparameters as :class:`~pid_bench.methods.comm.CoMM`.
    """

    name: ClassVar[str] = "random"
    display_name: ClassVar[str] = "Random"
    trainable: ClassVar[bool] = False
