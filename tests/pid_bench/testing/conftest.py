"""Fixtures for the tests of the reference wrappers."""

import importlib

import pytest


@pytest.fixture
def refuse_import(monkeypatch):
    """``refuse_import(package)`` makes ``importlib.import_module`` fail for that package."""
    real_import_module = importlib.import_module

    def refuse(package):
        def fake(name, *args):
            if name == package or name.startswith(package + "."):
                raise ImportError(f"No module named {package!r}")
            return real_import_module(name, *args)

        monkeypatch.setattr(importlib, "import_module", fake)

    return refuse
