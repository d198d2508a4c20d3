"""Exact atoms of every canonical distribution under every measure, in bits.

Provenance of the expected values (R, U1, U2, S):

* BROJA: Bertschinger et al. (2014) and Griffith and Koch (2014) for XOR, AND, RDN, COPY,
  RDNXOR, RDNUNQXOR, XORAND; Harder, Salge and Polani (2013) for SUM and the dice; W from
  its closed form R = log2(3) - 4/3 (``/work/shared/REFERENCES.md``). UNQ (Y = X1, X2
  independent) by hand: R <= I(X2;Y) = 0, so U1 = I(X1;Y) = 1 and S = 0.
* I_min: equal to BROJA except where I_min's "two-bit copy" over-count shows (COPY,
  RDNUNQXOR, dice with Y = X1 + 6 X2), values from Harder et al. (2013). MMI equals I_min on
  every row (same references; by hand: min(I(X1;Y), I(X2;Y))).
* CCS: AND from Ince (2017). By hand on the maximum-entropy q: XOR (q uniform on 8 cells,
  i(x1;y) = 0 everywhere, R = 0); RDN (q = p, every local term 1 bit, R = 1); UNQ
  (i(x2;y) = 0, R = 0); COPY (q = p, c = 1 + 1 - 2 = 0, R = 0); RDNXOR (q uniform on the
  16 cells consistent with r, c = 1 + 1 - 1 = 1 bit, R = 1); OR (AND with every outcome
  complemented); W (q = p, each outcome has i(x1;y) and i(x2;y) of opposite sign or c of
  the other sign, R = 0). RDNUNQXOR, XORAND, SUM and the dice: dit 2.3 ``PID_CCS``, which
  agrees with this package to 1e-9 on these rows except "dice_sum_a0.5", where dit's
  maximum-entropy fit misses the marginals by ~3e-5 (its value is R = 0.857029); there the
  reference is an exponential-cone solve of the maximum-entropy problem with Ince's sum
  written out (``test_ccs.py::test_correlated_dice_sum_against_the_independent_solve``),
  which gives R = 0.856998.
"""

import numpy as np
import pytest

from pid_bench import pid
from synthetic.discrete import CANONICAL

L3 = np.log2(3)
D = np.log2(6)  # one die: 2.584963

BROJA = {
    "xor": (0, 0, 0, 1),
    "and": (1.5 - 0.75 * L3, 0, 0, 0.5),
    "or": (1.5 - 0.75 * L3, 0, 0, 0.5),
    "rdn": (1, 0, 0, 0),
    "unq": (0, 1, 0, 0),
    "copy": (0, 1, 1, 0),
    "rdnxor": (1, 0, 0, 1),
    "rdnunqxor": (1, 1, 1, 1),
    "xorand": (0.5, 0, 0, 1),
    "sum": (0.5, 0, 0, 1),
    "w": (L3 - 4 / 3, 0, 0, 2 / 3),
    "dice_sum": (0.689439, 0, 0, D),
    "dice_x1+6x2": (0, D, D, 0),
    "dice_sum_a0.5": (1.333991, 0, 0, 1.947339),
    "dice_x1+6x2_a0.5": (0.637624, 1.947339, 1.947339, 0),
}

IMIN = {**BROJA,
        "copy": (1, 0, 0, 1),
        "rdnunqxor": (2, 0, 0, 2),
        "dice_x1+6x2": (D, 0, 0, D),
        "dice_x1+6x2_a0.5": (D, 0, 0, 1.947339)}

CCS = {
    "xor": (0, 0, 0, 1),
    "and": (0.103759, 0.207519, 0.207519, 0.292481),
    "or": (0.103759, 0.207519, 0.207519, 0.292481),
    "rdn": (1, 0, 0, 0),
    "unq": (0, 1, 0, 0),
    "copy": (0, 1, 1, 0),
    "rdnxor": (1, 0, 0, 1),
    "rdnunqxor": (1, 1, 1, 1),
    "xorand": (0, 0.5, 0.5, 0.5),
    "sum": (0, 0.5, 0.5, 0.5),
    "w": (0, L3 - 4 / 3, L3 - 4 / 3, np.log2(4 / 3)),
    "dice_sum": (0, 0.689439, 0.689439, 1.895523),
    "dice_x1+6x2": (0, D, D, 0),
    "dice_sum_a0.5": (0.856998, 0.476993, 0.476993, 1.470346),
    "dice_x1+6x2_a0.5": (1.054290, 1.530672, 1.530672, 0.416667),
}

EXPECTED = {"broja": BROJA, "imin": IMIN, "mmi": IMIN, "ccs": CCS}

#: Values written with 6 decimals are checked to 1e-6; closed forms and integers to 1e-9.
SIX_DECIMALS = {("broja", "dice_sum"), ("broja", "dice_sum_a0.5"),
                ("broja", "dice_x1+6x2_a0.5"), ("imin", "dice_sum"), ("imin", "dice_sum_a0.5"),
                ("imin", "dice_x1+6x2_a0.5"), ("mmi", "dice_sum"), ("mmi", "dice_sum_a0.5"),
                ("mmi", "dice_x1+6x2_a0.5"), ("ccs", "and"), ("ccs", "or"), ("ccs", "dice_sum"),
                ("ccs", "dice_sum_a0.5"), ("ccs", "dice_x1+6x2_a0.5")}


def test_every_canonical_distribution_has_expected_atoms_for_every_measure():
    assert set(CANONICAL) == set(BROJA) == set(IMIN) == set(CCS)


@pytest.mark.parametrize("measure", sorted(EXPECTED))
@pytest.mark.parametrize("name", list(CANONICAL))
def test_atoms(measure, name):
    result = pid(CANONICAL[name](), measure)
    tol = 1e-6 if (measure, name) in SIX_DECIMALS else 1e-9
    np.testing.assert_allclose(result.atoms(), EXPECTED[measure][name], rtol=0, atol=tol)


@pytest.mark.parametrize("name, total", [
    ("and", 2 - 0.75 * L3), ("copy", 2.0), ("rdnunqxor", 4.0), ("w", 0.918296),
    ("dice_sum", 3.274402), ("dice_x1+6x2", 2 * D), ("dice_sum_a0.5", 3.281329),
    ("dice_x1+6x2_a0.5", 4.532301)])
def test_totals(name, total):
    for measure in EXPECTED:
        assert pid(CANONICAL[name](), measure).total == pytest.approx(total, abs=1e-6)
