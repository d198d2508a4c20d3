import json

import numpy as np
import pandas as pd
import pytest

from pid_bench.info.result import ATOMS, PIDResult


def make():
    return PIDResult.from_redundancy(0.25, mi1=0.75, mi2=0.5, mi12=1.5, measure="demo",
                                     intervals={"unique1": (0.4, 0.6), "total": (1.0, 2.0)},
                                     details={"q": np.ones(2)})


def test_atoms_from_redundancy_and_mutual_informations():
    r = make()
    assert (r.redundancy, r.unique1, r.unique2, r.synergy) == (0.25, 0.5, 0.25, 0.5)
    assert r.total == pytest.approx(1.5, abs=1e-15)
    assert r.mi1 == pytest.approx(0.75, abs=1e-15)
    assert r.mi2 == pytest.approx(0.5, abs=1e-15)
    np.testing.assert_array_equal(r.atoms(), [0.25, 0.5, 0.25, 0.5])


def test_swapped_exchanges_unique_atoms_and_their_intervals():
    s = make().swapped()
    assert (s.unique1, s.unique2) == (0.25, 0.5)
    assert s.intervals == {"unique2": (0.4, 0.6), "total": (1.0, 2.0)}
    assert s.swapped() == make()


def test_series_and_dict_are_ready_for_tables_and_json():
    r = make()
    series = r.to_series()
    assert list(series.index) == [*ATOMS, "total"]
    assert series.name == "demo"
    pd.testing.assert_series_equal(series, pd.Series([0.25, 0.5, 0.25, 0.5, 1.5],
                                                     index=[*ATOMS, "total"], name="demo"))
    d = json.loads(json.dumps(r.to_dict()))
    assert d["unit"] == "bits" and d["measure"] == "demo" and d["total"] == 1.5
    assert d["intervals"]["unique1"] == [0.4, 0.6]
    assert "details" not in d


def test_details_do_not_take_part_in_equality():
    a = make()
    b = PIDResult.from_redundancy(0.25, 0.75, 0.5, 1.5, measure="demo",
                                  intervals=a.intervals, details={"other": 1})
    assert a == b
