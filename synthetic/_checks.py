"""Argument checks shared by the generators: each raises a ValueError that names the argument,
what it must be and what was received."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["check_int", "check_positive", "check_real", "check_seed"]


def check_int(name: str, value: object, minimum: int) -> int:
    """``value`` as an int, which must be an integer >= ``minimum`` (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer >= {minimum}; received {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; received {value}")
    return int(value)


def check_real(name: str, value: object, low: float, high: float = math.inf) -> float:
    """``value`` as a float, which must be a finite number in [``low``, ``high``]."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number in [{low}, {high}]; received {value!r}")
    v = float(value)
    if not math.isfinite(v) or not low <= v <= high:
        raise ValueError(f"{name} must be a finite number in [{low}, {high}]; received {value!r}")
    return v


def check_positive(name: str, value: object) -> float:
    """``value`` as a float, which must be a finite number > 0."""
    v = check_real(name, value, 0.0)
    if not v > 0:
        raise ValueError(f"{name} must be > 0; received {v!r}")
    return v


def check_seed(seed: object) -> np.random.Generator:
    """A generator from an int seed (>= 0) or a ``numpy.random.Generator`` (used as is)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(check_int("seed", seed, 0))
