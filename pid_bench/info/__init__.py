"""Information measures: entropy, mutual information and partial information decomposition.

This subpackage imports nothing else of pid-bench and never imports torch.
"""

from pid_bench.info.registry import (
    estimators,
    measures,
    pid,
    register_estimator,
    register_measure,
)
from pid_bench.info.result import ATOMS, PIDResult
from pid_bench.info.samples import pid_from_samples
from pid_bench.info.sampling import SamplingWarning
from pid_bench.info.shannon import conditional_mutual_information, entropy, mutual_information

__all__ = [
    "ATOMS",
    "PIDResult",
    "SamplingWarning",
    "conditional_mutual_information",
    "entropy",
    "estimators",
    "measures",
    "mutual_information",
    "pid",
    "pid_from_samples",
    "register_estimator",
    "register_measure",
]
