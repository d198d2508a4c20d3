"""Learning methods behind one registry: CoMM and its baselines, and users' own methods.

``get_method("comm")`` returns a class; ``get_method("mypkg.mod:MyMethod")`` imports a user's
:class:`Method` subclass; ``register_method("name")`` adds one under a name;
``display_name("cross_self")`` is how reports name it (``"Cross+Self"``).
"""

from pid_bench.methods.base import Augmentation, Batch, Method, MethodContext
from pid_bench.methods.registry import (
    default_label,
    display_name,
    get_method,
    methods,
    register_method,
)

__all__ = [
    "Augmentation",
    "Batch",
    "Method",
    "MethodContext",
    "default_label",
    "display_name",
    "get_method",
    "methods",
    "register_method",
]
