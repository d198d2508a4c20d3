"""Logarithm bases and the names of their units."""

from __future__ import annotations

import math

from pid_bench.info.validation import validate_base

__all__ = ["unit_name", "bits_to"]


def unit_name(base: float) -> str:
    """Name of the information unit of a logarithm base: ``"bits"``, ``"nats"``, ``"dits"``."""
    b = validate_base(base)
    if b == 2:
        return "bits"
    if math.isclose(b, math.e, rel_tol=0, abs_tol=1e-12):
        return "nats"
    if b == 10:
        return "dits"
    return f"log{b:g}"


def bits_to(value: float, base: float) -> float:
    """Convert an amount of information from bits to units of ``base``."""
    return value / math.log2(validate_base(base))
