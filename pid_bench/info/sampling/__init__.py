"""Statistics of the plug-in decomposition of samples: guards, bias, p-values, intervals.

``table`` builds contingency tables of coded samples by ``numpy.bincount``; ``guards`` refuses
continuous columns and oversized tables and defines :class:`SamplingWarning`; ``bias`` holds
the corrections of the plug-in bias; ``significance`` the p-values; ``intervals`` the bootstrap
intervals; ``estimate`` puts them together for ``pid_from_samples`` and ``cluster``.
"""

from pid_bench.info.sampling.guards import SamplingWarning

__all__ = ["SamplingWarning"]
