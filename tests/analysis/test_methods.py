from pathlib import Path

import pytest

from analysis._methods import method_names
from pid_bench.methods import get_method

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = "tests.pid_bench.methods.plugin:MyMethod"


def _config(*entries):
    return {"methods": [e if isinstance(e, str) else dict(zip(("name", "label"), e))
                        for e in entries]}


def test_config_order_and_display_names():
    config = _config(("cross_self", "cross_self"), ("comm", "comm"), ("cross", "cross"))
    shown = method_names(config, ["comm", "cross", "cross_self", "comm"])
    assert list(shown.items()) == [("cross_self", "Cross+Self"), ("comm", "CoMM"),
                                   ("cross", "Cross")]


def test_methods_absent_from_the_results_are_left_out():
    config = _config("supervised", "comm", "random")
    assert method_names(config, ["random", "comm"]) == {"comm": "CoMM", "random": "Random"}
    assert list(method_names(config, ["random", "comm"])) == ["comm", "random"]


def test_a_users_label_is_kept():
    shown = method_names(_config(("comm", "comm_small"), ("comm", "comm")),
                         ["comm", "comm_small"])
    assert list(shown.items()) == [("comm_small", "comm_small"), ("comm", "CoMM")]


def test_labels_the_config_lacks_follow_in_the_fixed_order():
    shown = method_names(None, ["zeta", "comm", "random", "alpha"])
    assert list(shown.items()) == [("random", "Random"), ("comm", "CoMM"), ("alpha", "alpha"),
                                   ("zeta", "zeta")]


def test_a_users_method_by_import_path(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    config = _config((PLUGIN, "my_method"), ("no_such_package_xyz.mod:Cls", "gone"))
    # no display name on the class: its label; a method that does not import here: its label
    assert method_names(config, ["my_method", "gone"]) == {"my_method": "my_method",
                                                           "gone": "gone"}
    monkeypatch.setattr(get_method(PLUGIN), "display_name", "My method", raising=False)
    assert method_names(config, ["my_method"]) == {"my_method": "My method"}


def test_names_shown_twice_fall_back_to_labels():
    shown = method_names(_config(("comm", "comm"), ("cross", "CoMM")), ["comm", "CoMM"])
    assert shown == {"comm": "comm", "CoMM": "CoMM"}


@pytest.mark.parametrize("config", [None, {}, {"methods": None}, {"seeds": [0]}])
def test_without_methods_in_the_config(config):
    assert method_names(config, ["cross_self"]) == {"cross_self": "Cross+Self"}
