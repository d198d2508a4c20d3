import math

import numpy as np
import pytest

from pid_bench.info import registry
from pid_bench.info.discrete.mmi import mmi
from pid_bench.info.result import PIDResult
from synthetic.discrete import and_, random_distribution


@pytest.fixture
def clean_registry(monkeypatch):
    monkeypatch.setattr(registry, "_user_measures", {})
    monkeypatch.setattr(registry, "_user_estimators", {})


def test_builtin_names_are_listed_sorted():
    assert registry.measures() == ["broja", "ccs", "imin", "mmi"]
    assert registry.estimators() == sorted(registry.estimators())
    assert {"gaussian_mmi", "gaussian_broja"} <= set(registry.estimators())


def test_unknown_measure_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown PID measure 'nope'; known measures: broja, "
                                         "ccs, imin, mmi"):
        registry.pid(and_(), "nope")
    with pytest.raises(ValueError, match="unknown PID estimator 'nope'; known estimators: "):
        registry.get_estimator("nope")


def test_pid_dispatches_to_the_measure():
    p = random_distribution((3, 3, 2), seed=0)
    assert registry.pid(p, "mmi") == mmi(p)


def test_pid_validates_before_computing():
    with pytest.raises(ValueError, match="must have 3 axes"):
        registry.pid(np.full((2, 2), 0.25), "mmi")
    with pytest.raises(ValueError, match="normalize=True"):
        registry.pid(np.ones((2, 2, 2)), "mmi")


def test_counts_with_normalize_equal_probabilities():
    counts = np.arange(1, 9, dtype=float).reshape(2, 2, 2)
    assert registry.pid(counts, "imin", normalize=True) == registry.pid(counts / 36, "imin")


def test_base_converts_every_atom_and_names_the_unit():
    p = and_()
    bits = registry.pid(p, "mmi")
    nats = registry.pid(p, "mmi", base=math.e)
    assert nats.unit == "nats"
    np.testing.assert_allclose(nats.atoms(), bits.atoms() * math.log(2), rtol=0, atol=1e-15)
    assert registry.pid(p, "mmi", base=10).unit == "dits"
    with pytest.raises(ValueError, match="base must be"):
        registry.pid(p, "mmi", base=1)


def test_in_base_converts_intervals():
    r = PIDResult(1.0, 0.0, 0.0, 0.0, measure="m", intervals={"total": (0.5, 2.0)})
    converted = registry.in_base(r, 4)
    assert converted.redundancy == pytest.approx(0.5)
    assert converted.intervals["total"] == pytest.approx((0.25, 1.0))
    assert converted.unit == "log4"


def test_user_measures_register_once(clean_registry):
    def constant(p):
        return PIDResult(0.0, 0.0, 0.0, 0.0, measure="zero")

    registry.register_measure("zero", constant)
    assert "zero" in registry.measures()
    assert registry.pid(and_(), "zero").measure == "zero"
    with pytest.raises(ValueError, match="already registered"):
        registry.register_measure("zero", constant)
    with pytest.raises(ValueError, match="already registered"):
        registry.register_measure("mmi", constant)
    with pytest.raises(ValueError, match="non-empty string"):
        registry.register_measure("", constant)


def test_user_estimators_register_once(clean_registry):
    def constant(x1, x2, y):
        return PIDResult(0.0, 0.0, 0.0, 0.0, measure="zero")

    registry.register_estimator("zero", constant)
    assert registry.get_estimator("zero") is constant
    with pytest.raises(ValueError, match="already registered"):
        registry.register_estimator("zero", constant)


def test_unknown_options_are_refused_with_the_accepted_ones():
    p = np.full((2, 2, 2), 1 / 8)
    with pytest.raises(ValueError, match=r"'mmi' does not take the options \['foo'\]; it takes: none"):
        registry.pid(p, "mmi", foo=1)
    with pytest.raises(ValueError, match=r"'broja' does not take the options \['tolerance'\]; it takes: tol"):
        registry.pid(p, "broja", tolerance=1e-6)
