"""The methods of a results directory: their order, and the names its figures and tables show.

The runner's ``config.yaml`` lists the methods in the user's order, each with the ``name`` it
was built from (a registered name or an import path ``package.module:Class``) and its
``label``, its name in the result tables. A report keeps that order and shows each label as
:func:`pid_bench.methods.display_name` names it: the user's own label where one was given, else
the display name of the method's class (``"CoMM"``, ``"Cross+Self"``), else the label.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from analysis.style import method_order
from pid_bench.methods import display_name

__all__ = ["method_names"]


def method_names(config: Mapping[str, Any] | None, labels: Iterable[str]) -> dict[str, str]:
    """Label -> name shown, for the method labels of a results directory, in report order.

    Parameters
    ----------
    config : mapping or None
        The runner's resolved config (``config.yaml``), whose ``methods`` entries are mappings
        with ``name`` and ``label`` (or plain names); ``None`` where there is none.
    labels : iterable of str
        Method labels found in the result tables.

    Returns
    -------
    dict
        One entry per distinct label, ordered as the config lists the methods, then labels
        the config lacks as ``analysis.style.method_order`` orders them. A label whose method
        does not import here, or whose display name another label would show too, is shown as
        it is.
    """
    present = set(labels)
    built_from: dict[str, str] = {}
    for entry in (config or {}).get("methods") or []:
        spec = {"name": entry} if isinstance(entry, str) else dict(entry)
        label = str(spec.get("label", spec.get("name")))
        if label in present:
            built_from[label] = str(spec.get("name", label))
    order = [*built_from, *method_order(present - set(built_from))]
    shown = {}
    for label in order:
        try:
            shown[label] = display_name(built_from.get(label, label), label)
        except ValueError:
            shown[label] = label
    taken = list(shown.values())
    return {label: name if taken.count(name) == 1 else label for label, name in shown.items()}
