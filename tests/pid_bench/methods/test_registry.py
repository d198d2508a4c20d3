from pathlib import Path

import pytest

from pid_bench.methods import Method, display_name, get_method, methods, register_method
from pid_bench.methods import registry

ROOT = Path(__file__).resolve().parents[3]
BUILTIN = ["comm", "coral", "cross", "cross_self", "factorcl", "infmasking", "random", "supervised"]


def test_builtins_are_listed_and_named():
    assert set(BUILTIN) <= set(methods()) and methods() == sorted(methods())
    for name in BUILTIN:
        cls = get_method(name)
        assert issubclass(cls, Method) and cls.name == name


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError) as info:
        get_method("coMM")
    message = str(info.value)
    assert "unknown method 'coMM'" in message
    assert all(name in message for name in BUILTIN) and "package.module:ClassName" in message


def test_import_path_of_a_users_method(monkeypatch, context, make_batch):
    monkeypatch.syspath_prepend(str(ROOT))
    cls = get_method("tests.pid_bench.methods.plugin:MyMethod")
    assert cls.name == "my_method"
    method = cls(context, dim=3, seed=1)
    batch = make_batch(context)
    assert method.loss(batch).ndim == 0 and method.embed(batch).shape == (8, 3)


@pytest.mark.parametrize("path, match", [
    ("tests.pid_bench.methods.plugin:NotAMethod", "must be a subclass of pid_bench.methods.Method"),
    ("tests.pid_bench.methods.plugin:Missing", "has no attribute 'Missing'"),
    ("no_such_package_xyz.mod:Cls", "cannot import module 'no_such_package_xyz.mod'"),
    ("tests.pid_bench.methods.plugin:", "must look like 'package.module:ClassName'"),
])
def test_bad_import_paths(monkeypatch, path, match):
    monkeypatch.syspath_prepend(str(ROOT))
    with pytest.raises(ValueError, match=match):
        get_method(path)


def test_register_method(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTERED", {})

    @register_method("mine")
    class Mine(Method):
        pass

    assert get_method("mine") is Mine and Mine.name == "mine" and "mine" in methods()
    with pytest.raises(ValueError, match="built-in method name"):
        register_method("comm")
    with pytest.raises(ValueError, match="without ':'"):
        register_method("a:b")
    with pytest.raises(ValueError, match="must be a subclass"):
        register_method("other")(dict)


def test_display_names_of_the_builtins():
    shown = {name: display_name(name) for name in BUILTIN}
    assert shown == {"comm": "CoMM", "coral": "COrAL", "cross": "Cross",
                     "cross_self": "Cross+Self", "factorcl": "FactorCL",
                     "infmasking": "InfMasking", "random": "Random", "supervised": "Supervised"}
    # the default label is no choice of the user's; any other label is kept
    assert display_name("cross_self", "cross_self") == "Cross+Self"
    assert display_name("comm", "comm_small") == "comm_small"


def test_display_name_of_a_users_method(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    path = "tests.pid_bench.methods.plugin:MyMethod"
    # MyMethod sets no display_name: shown by its label (default: its name attribute)
    assert display_name(path) == "my_method" == display_name(path, "my_method")
    assert display_name(path, "mine") == "mine"
    monkeypatch.setattr(get_method(path), "display_name", "My method", raising=False)
    assert display_name(path) == "My method" and display_name(path, "mine") == "mine"


def test_display_name_is_not_inherited(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTERED", {})

    @register_method("comm_variant")
    class Variant(get_method("comm")):
        pass

    assert display_name("comm_variant") == "comm_variant"
    with pytest.raises(ValueError, match="unknown method"):
        display_name("no_such_method")
