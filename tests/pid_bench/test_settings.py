"""Tests of pid_bench.settings: torch-free training and probe settings, re-exported by their
historical modules."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pid_bench.settings import ProbeSettings, TrainConfig, check_device_name


def test_settings_import_neither_torch_nor_sklearn():
    code = ("import sys, pid_bench.settings as s; s.TrainConfig(epochs=2); s.ProbeSettings(); "
            "print(sorted(m for m in ('torch', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_train_and_evaluate_re_export_the_same_classes():
    from pid_bench.evaluate import ProbeSettings as from_evaluate
    from pid_bench.train import TrainConfig as from_train

    assert from_train is TrainConfig and from_evaluate is ProbeSettings


@pytest.mark.parametrize("name", ["cpu", "auto", "cuda", "cuda:1", "mps"])
def test_known_device_names_pass(name):
    check_device_name(name)
    assert TrainConfig(device=name).device == name


@pytest.mark.parametrize("name", ["gpu", "", 0, None])
def test_unknown_device_names_are_refused(name):
    with pytest.raises(ValueError, match=r"device must be one of auto, cpu, cuda, mps or "
                                         r"'cuda:K'; received"):
        check_device_name(name)


def test_probe_grids_are_sorted_floats():
    assert ProbeSettings(c_grid=[10, 1]).c_grid == (1.0, 10.0)
    with pytest.raises(ValueError, match="c_grid must be a non-empty sequence"):
        ProbeSettings(c_grid=[])


def test_probe_kind_and_mlp_settings_are_checked_and_mappings_converted():
    from pid_bench.settings import MLPProbeSettings

    assert ProbeSettings().kind == "linear" and ProbeSettings().mlp == MLPProbeSettings()
    settings = ProbeSettings(kind="both", mlp={"widths": [32], "patience": 3})
    assert settings.mlp == MLPProbeSettings(widths=(32,), patience=3)
    with pytest.raises(ValueError, match="kind must be one of linear, mlp, both; received 'deep'"):
        ProbeSettings(kind="deep")
    with pytest.raises(ValueError, match=r"unknown mlp probe settings \['width'\]; known: widths"):
        ProbeSettings(mlp={"width": 3})
    with pytest.raises(ValueError, match="mlp must be an MLPProbeSettings or a mapping of its "
                                         "fields; received int"):
        ProbeSettings(mlp=3)
