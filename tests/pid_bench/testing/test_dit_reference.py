import numpy as np
import pytest

from pid_bench.testing.dit_reference import DIT_MEASURES, dit_pid
from synthetic.discrete import and_, copy


def test_and_gate_through_dit():
    r = dit_pid(and_(), "imin")
    np.testing.assert_allclose(r.atoms(), [1.5 - 0.75 * np.log2(3), 0, 0, 0.5], rtol=0,
                               atol=1e-12)
    assert r.measure == "dit:imin" and r.unit == "bits"
    assert r.details["dit_version"]


def test_measures_map_to_the_right_dit_classes():
    # I_min and CCS differ on the two-bit copy: 1/0/0/1 against 0/1/1/0
    np.testing.assert_allclose(dit_pid(copy(), "imin").atoms(), [1, 0, 0, 1], atol=1e-12)
    np.testing.assert_allclose(dit_pid(copy(), "ccs").atoms(), [0, 1, 1, 0], atol=1e-12)
    assert set(DIT_MEASURES) == {"imin", "mmi", "ccs", "broja"}


def test_bad_input():
    with pytest.raises(ValueError, match="unknown dit reference measure 'wb'; known: broja, "
                                         "ccs, imin, mmi"):
        dit_pid(and_(), "wb")
    with pytest.raises(ValueError, match="must sum to 1"):
        dit_pid(np.ones((2, 2, 2)), "mmi")


def test_missing_dit_is_reported_with_the_install_command(refuse_import):
    refuse_import("dit")
    with pytest.raises(ImportError, match=r"pip install pid-bench\[test\]"):
        dit_pid(and_(), "mmi")
