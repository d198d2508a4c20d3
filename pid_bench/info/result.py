"""The result of one partial information decomposition."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["PIDResult", "ATOMS"]

#: Names of the four atoms, in the order used by every table of this project.
ATOMS = ("redundancy", "unique1", "unique2", "synergy")


@dataclass(frozen=True)
class PIDResult:
    """A two-source decomposition of I(X1, X2; Y) into four atoms.

    ``total`` is derived (the sum of the atoms), so a result is consistent by
    construction: R + U1 + U2 + S = total, R + U1 = I(X1;Y), R + U2 = I(X2;Y).

    Attributes
    ----------
    redundancy, unique1, unique2, synergy : float
        The atoms, in ``unit``.
    measure : str
        Name of the measure or estimator that produced them.
    unit : str
        ``"bits"`` by default; ``"nats"`` or ``"log{base}"`` where a ``base`` was given.
    intervals : mapping, optional
        Atom or ``"total"`` -> (low, high) bootstrap percentile interval.
    details : mapping
        Measure-specific extras (e.g. the optimal distribution ``q`` and the duality gap of
        BROJA, the number of samples of a plug-in estimate).
    """

    redundancy: float
    unique1: float
    unique2: float
    synergy: float
    measure: str
    unit: str = "bits"
    intervals: Mapping[str, tuple[float, float]] | None = None
    details: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for atom in ATOMS:
            object.__setattr__(self, atom, float(getattr(self, atom)))

    @classmethod
    def from_redundancy(cls, redundancy: float, mi1: float, mi2: float, mi12: float, *,
                        measure: str, unit: str = "bits", **kwargs: Any) -> "PIDResult":
        """Build the four atoms from a redundancy and the three mutual informations.

        Parameters
        ----------
        redundancy : float
            R.
        mi1, mi2, mi12 : float
            I(X1;Y), I(X2;Y) and I(X1,X2;Y).
        measure, unit : str
            As in the class.
        **kwargs
            ``intervals`` and ``details``.
        """
        return cls(redundancy=float(redundancy), unique1=float(mi1 - redundancy),
                   unique2=float(mi2 - redundancy),
                   synergy=float(mi12 - mi1 - mi2 + redundancy), measure=measure, unit=unit,
                   **kwargs)

    @property
    def total(self) -> float:
        """I(X1, X2; Y) = R + U1 + U2 + S."""
        return self.redundancy + self.unique1 + self.unique2 + self.synergy

    @property
    def mi1(self) -> float:
        """I(X1; Y) = R + U1."""
        return self.redundancy + self.unique1

    @property
    def mi2(self) -> float:
        """I(X2; Y) = R + U2."""
        return self.redundancy + self.unique2

    def atoms(self) -> np.ndarray:
        """The atoms as an array of shape (4,): R, U1, U2, S."""
        return np.array([getattr(self, a) for a in ATOMS])

    def swapped(self) -> "PIDResult":
        """The same decomposition with the roles of X1 and X2 exchanged."""
        iv = None
        if self.intervals is not None:
            rename = {"unique1": "unique2", "unique2": "unique1"}
            iv = {rename.get(k, k): v for k, v in self.intervals.items()}
        return PIDResult(self.redundancy, self.unique2, self.unique1, self.synergy,
                         measure=self.measure, unit=self.unit, intervals=iv,
                         details=self.details)

    def to_series(self) -> pd.Series:
        """Atoms and total as a ``pandas.Series`` named after the measure."""
        values = {a: getattr(self, a) for a in ATOMS}
        values["total"] = self.total
        return pd.Series(values, name=self.measure, dtype=float)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary: atoms, total, measure, unit and intervals."""
        out: dict[str, Any] = {a: float(getattr(self, a)) for a in ATOMS}
        out.update(total=float(self.total), measure=self.measure, unit=self.unit)
        if self.intervals is not None:
            out["intervals"] = {k: [float(v[0]), float(v[1])] for k, v in self.intervals.items()}
        return out
