"""Real data: offline multi-view datasets, converters of user-held benchmark files, and the
interactions a dataset holds, estimated from its samples.

Modules, one job each: :mod:`~pid_bench.realdata.offline` (``digits_halves``, ``uci_mfeat``),
:mod:`~pid_bench.realdata.interactions` (estimates of R, U1, U2, S),
:mod:`~pid_bench.realdata.convert` (the converter registry), one module per file format
(:mod:`~pid_bench.realdata.affect`, :mod:`~pid_bench.realdata.mimic`,
:mod:`~pid_bench.realdata.robotics`, :mod:`~pid_bench.realdata.mmimdb`).
"""

from pid_bench.realdata.interactions import estimate_interactions, estimated_ground_truth
from pid_bench.realdata.offline import MFEAT_VIEWS, digits_halves, uci_mfeat

__all__ = ["digits_halves", "uci_mfeat", "MFEAT_VIEWS", "estimate_interactions",
           "estimated_ground_truth"]
