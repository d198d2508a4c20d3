"""Method names -> classes: the built-ins, ``register_method`` and ``module:Class`` paths; and
the names that reports show for them (``display_name``)."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from pid_bench.methods.base import Method

__all__ = ["default_label", "display_name", "get_method", "methods", "register_method"]

#: Built-in methods, imported on first use.
_BUILTIN = {
    "comm": "pid_bench.methods.comm:CoMM",
    "cross": "pid_bench.methods.cross:Cross",
    "coral": "pid_bench.methods.coral:COrAL",
    "cross_self": "pid_bench.methods.cross_self:CrossSelf",
    "factorcl": "pid_bench.methods.factorcl:FactorCL",
    "infmasking": "pid_bench.methods.infmasking:InfMasking",
    "random": "pid_bench.methods.random:RandomInit",
    "supervised": "pid_bench.methods.supervised:Supervised",
}
_REGISTERED: dict[str, type[Method]] = {}


def methods() -> list[str]:
    """Sorted names of the available methods (built-in and registered)."""
    return sorted({*_BUILTIN, *_REGISTERED})


def register_method(name: str) -> Callable[[type[Method]], type[Method]]:
    """Class decorator that makes a :class:`Method` subclass available under ``name``.

    Sets the class's ``name`` attribute to ``name``.
    """
    if not isinstance(name, str) or not name or ":" in name:
        raise ValueError(f"a method name must be a non-empty string without ':'; received {name!r}")
    if name in _BUILTIN:
        raise ValueError(f"{name!r} is a built-in method name; choose another")

    def decorate(cls: type[Method]) -> type[Method]:
        _check_class(cls, name)
        cls.name = name
        _REGISTERED[name] = cls
        return cls

    return decorate


def get_method(name: str) -> type[Method]:
    """The method class for a registered name or an import path ``"package.module:ClassName"``.

    Raises
    ------
    ValueError
        Unknown name (the message lists the known ones), a path that does not import, or a
        class that is not a :class:`Method` subclass.
    """
    if not isinstance(name, str):
        raise ValueError(f"a method is named by a string; received {type(name).__name__}")
    if name in _REGISTERED:
        return _REGISTERED[name]
    if name in _BUILTIN:
        return _import(_BUILTIN[name])
    if ":" in name:
        return _import(name)
    raise ValueError(f"unknown method {name!r}; known methods: {', '.join(methods())}, or an "
                     f"import path 'package.module:ClassName'")


def default_label(name: str) -> str:
    """A method's label in result tables when its config entry gives none.

    The registered name; for an import path ``"package.module:ClassName"``, the class's own
    ``name`` attribute, else the class name.

    Raises
    ------
    ValueError
        As :func:`get_method`.
    """
    cls = get_method(name)
    return name if ":" not in name else (vars(cls).get("name") or cls.__name__)


def display_name(name: str, label: str | None = None) -> str:
    """How tables and figures name a method of an experiment config.

    Parameters
    ----------
    name : str
        Registered name or import path ``"package.module:ClassName"``.
    label : str, optional
        The method's label in the config (its name in result tables). A label other than the
        method's default one (its registered name; for an import path the class's ``name``,
        else the class name) is the user's choice and is kept.

    Returns
    -------
    str
        ``label`` where the user chose it; else the ``display_name`` that the method's class
        itself sets (``display_name("cross_self") == "Cross+Self"``); else the default label.

    Raises
    ------
    ValueError
        As :func:`get_method`: an unknown name or an import path that does not import.
    """
    cls = get_method(name)
    default = default_label(name)
    if label is not None and label != default:
        return label
    return vars(cls).get("display_name") or default


def _import(path: str) -> type[Method]:
    module_name, _, attr = path.partition(":")
    if not module_name or not attr:
        raise ValueError(f"an import path must look like 'package.module:ClassName'; received "
                         f"{path!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"cannot import module {module_name!r} of method {path!r}: "
                         f"{exc}") from None
    try:
        cls = getattr(module, attr)
    except AttributeError:
        raise ValueError(f"module {module_name!r} has no attribute {attr!r} (method "
                         f"{path!r})") from None
    _check_class(cls, path)
    return cls


def _check_class(cls: object, label: str) -> None:
    if not (isinstance(cls, type) and issubclass(cls, Method)):
        raise ValueError(f"method {label!r} must be a subclass of pid_bench.methods.Method; "
                         f"received {cls!r}")
