"""The ``Examples`` of the docstrings run as doctests, so the values they show are checked.

Every module of ``pid_bench``, ``synthetic`` and ``analysis`` whose source holds a ``>>>`` line
is imported and its doctests are run with empty globals (an example imports what it uses, so it
can be pasted as it is). The entry points in ``REQUIRED``, and every built-in PID measure and
estimator, must have a non-empty numpydoc ``Examples`` section.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import re
from pathlib import Path

import pytest

from pid_bench.info import registry

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("pid_bench", "synthetic", "analysis")
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

#: Public entry points whose docstrings must carry runnable examples.
REQUIRED = (
    "pid_bench.info.registry.pid",
    "pid_bench.info.samples.pid_from_samples",
    "pid_bench.data.MultimodalDataset.from_arrays",
    "pid_bench.evaluate.probe_embeddings",
    "pid_bench.methods.losses.nt_xent",  # CoMM's loss
    "synthetic.latent.make_latent",
    "synthetic.gaussian.make_gaussian",
    "synthetic.trifeature.make_trifeature",
)


def _builtins() -> list[str]:
    paths = [*registry._BUILTIN_MEASURES.values(), *registry._BUILTIN_ESTIMATORS.values()]
    return [p.replace(":", ".") for p in paths]


def _modules_with_examples() -> list[str]:
    names = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if ">>>" in path.read_text(encoding="utf-8"):
                parts = path.relative_to(ROOT).with_suffix("").parts
                names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def _resolve(dotted: str) -> object:
    parts = dotted.split(".")
    for i in range(len(parts) - 1, 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(f"cannot import {dotted}")


def _examples(doc: str) -> str:
    """The body of the numpydoc Examples section of a docstring ('' if there is none)."""
    match = re.search(r"^Examples\n-{8,}\n(.*?)(?=^\S[^\n]*\n-{3,}\n|\Z)", doc, re.M | re.S)
    return match.group(1) if match else ""


@pytest.mark.parametrize("dotted", [*REQUIRED, *_builtins()])
def test_entry_point_has_examples(dotted: str) -> None:
    doc = inspect.getdoc(_resolve(dotted)) or ""
    body = _examples(doc)
    assert ">>>" in body, f"{dotted} has no Examples section with doctest lines (>>>)"
    assert doctest.DocTestParser().get_examples(body), f"{dotted}: no parsable example"


def test_required_modules_are_scanned() -> None:
    scanned = set(_modules_with_examples())
    for dotted in [*REQUIRED, *_builtins()]:
        module = inspect.getmodule(_resolve(dotted))
        assert module is not None and module.__name__ in scanned, dotted


@pytest.mark.parametrize("module_name", _modules_with_examples())
def test_doctests_pass(module_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                       ) -> None:
    # No example may write into the user's cache, even one that forgets cache_dir.
    monkeypatch.setenv("PID_BENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(module_name)
    tests = [t for t in doctest.DocTestFinder().find(module, globs={}) if t.examples]
    assert tests, f"{module_name} has '>>>' in its source but no doctest was found"
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in tests:
        runner.run(test, out=report.append)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, "".join(report)
