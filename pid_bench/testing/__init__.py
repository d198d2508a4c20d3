"""Helpers for testing pid-bench against independent references (test-only dependencies).

Import the submodules directly (``pid_bench.testing.cvxpy_broja``,
``pid_bench.testing.dit_reference``); they load their optional dependencies on first use.
"""

__all__: list[str] = []
