"""Tests of pid_bench.experiment.config: parsing and checking a grid, without torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pid_bench.experiment.config import (
    ExecutorSpec,
    ExperimentConfig,
    load_config,
    with_overrides,
)
from pid_bench.settings import ProbeSettings, TrainConfig
from experiment_stand_in import STAND_IN, tiny_config

CONFIGS = Path(__file__).resolve().parents[3] / "configs"


def test_loading_the_default_config_imports_neither_torch_nor_sklearn():
    code = ("import sys, pid_bench.experiment as e; "
            f"c = e.load_config({str(CONFIGS / 'default.yaml')!r}); "
            "assert c.train.epochs == 40 and c.methods[0].label == 'comm', c; "
            "print(sorted(m for m in ('torch', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_config_is_typed_and_a_method_changes_only_its_own_train_settings():
    config = load_config(tiny_config(methods=[STAND_IN, {"name": "comm", "train": {"lr": 0.5}}]))
    assert isinstance(config.train, TrainConfig) and isinstance(config.probe, ProbeSettings)
    assert config.probe.c_grid == (0.1, 10.0)
    shared, own = (config.method_train(m) for m in config.methods)
    assert (shared.lr, own.lr) == (1e-2, 0.5) and own.epochs == shared.epochs == 2


def test_to_dict_loads_back_equal():
    config = load_config(tiny_config(probe_every=1, executor={"name": "slurm", "partition": "gpu",
                                                              "time_min": 30}))
    data = config.to_dict()
    assert "seed" not in data["train"]
    assert data["executor"] == {"name": "slurm", "partition": "gpu", "time_min": 30,
                                "cpus_per_run": 1, "gpus_per_run": 0, "cluster": None}
    assert load_config(yaml.safe_load(yaml.safe_dump(data))) == config


def test_load_config_defaults_and_yaml(tmp_path):
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump({"datasets": ["latent"], "methods": ["comm"]}))
    config = load_config(path)
    assert isinstance(config, ExperimentConfig)
    assert config.seeds == (0,) and config.probe_every == 0 and config.workers == 1
    assert config.datasets[0].label == "latent" and config.methods[0].label == "comm"
    assert config.train.epochs == 20 and config.executor == ExecutorSpec()
    with pytest.raises(ValueError, match="does not exist"):
        load_config(tmp_path / "missing.yaml")
    (tmp_path / "bad.yaml").write_text("datasets: [latent\n")
    with pytest.raises(ValueError, match="not valid YAML"):
        load_config(tmp_path / "bad.yaml")


@pytest.mark.parametrize("change, message", [
    ({"epoch": 3}, r"unknown keys \['epoch'\]"),
    ({"datasets": [{"name": "latent", "arg": {}}]}, r"unknown keys \['arg'\]"),
    ({"methods": [STAND_IN, {"name": STAND_IN}]}, "labels must be unique"),
    ({"seeds": [0, -1]}, "every seed must be an integer >= 0"),
    ({"seeds": [1, 1]}, "seeds must be distinct"),
    ({"train": {"epochs": -1}}, "epochs must be an integer >= 0"),
    ({"train": {"seed": 3}}, "'seeds' set it per run"),
    ({"train": {"epoch": 3}}, r"unknown keys \['epoch'\] \(did you mean 'epochs'\?\)"),
    ({"probe": {"cgrid": [1.0]}}, r"unknown keys \['cgrid'\] \(did you mean 'c_grid'\?\)"),
    ({"methods": [{"name": "comm", "train": {"lr": -1}}]}, r"method 'comm': lr must be"),
    ({"methods": [{"name": "comm", "train": {"seed": 1}}]}, "'seeds' set it per run"),
    ({"datasets": [{"name": "latent", "augment": {"audio": {}}}]}, r"unknown keys \['audio'\]"),
    ({"datasets": [{"name": "trifeature", "augment": {"image": {"keep_colour": "no"}}}]},
     "keep_colour of dataset 'trifeature' must be true or false; received 'no'"),
    ({"executor": "ray"}, "executor must be one of local, dask, slurm; received 'ray'"),
    ({"executor": {"name": "local", "partition": "gpu"}},
     r"executor 'local' has unknown keys \['partition'\]"),
    ({"executor": {"name": "dask", "scheduler": "localhost:8786"}},
     "scheduler must be an address like 'tcp://HOST:PORT'; received 'localhost:8786'"),
    ({"executor": {"name": "slurm", "time_min": 0}}, "executor time_min must be an integer >= 1"),
])
def test_bad_configs_are_refused_when_loaded(change, message):
    with pytest.raises(ValueError, match=message):
        load_config(tiny_config(**change))


def test_with_overrides_selects_and_adds_entries():
    base = tiny_config(methods=[{"name": "comm", "label": "comm_t05",
                                 "hparams": {"temperature": 0.5}}, "cross"],
                       train={"epochs": 9, "warmup_epochs": 3})
    out = with_overrides(base, methods=["comm_t05", STAND_IN], seeds=[4], epochs=2,
                         device="cpu", workers=2, threads=3)
    assert [(m.name, m.label) for m in out.methods] == [("comm", "comm_t05"), (STAND_IN, "linear")]
    assert out.methods[0].hparams == {"temperature": 0.5}
    assert out.seeds == (4,) and out.workers == 2 and out.threads == 3
    assert (out.train.epochs, out.train.warmup_epochs, out.train.device) == (2, 2, "cpu")
    assert base["train"] == {"epochs": 9, "warmup_epochs": 3}
    methods = ["comm", {"name": "supervised", "label": "sup_u1", "target_task": "unique1"},
               "supervised", "nope"]
    targets = [m.target_task for m in with_overrides(tiny_config(methods=methods),
                                                      target_task="synergy").methods]
    assert targets == [None, "unique1", "synergy", None]


def test_overrides_reach_a_method_s_own_settings_only_where_it_sets_them():
    config = tiny_config(methods=[STAND_IN, {"name": STAND_IN, "label": "slow_lr",
                                             "train": {"lr": 1e-3, "epochs": 1}}])
    out = with_overrides(config, epochs=3, device="cuda", precision="bf16")
    assert out.methods[1].train == {"lr": 1e-3, "epochs": 3}  # no device where none was set
    assert (out.train.device, out.train.precision) == ("cuda", "bf16")
    assert config["methods"][1]["train"] == {"lr": 1e-3, "epochs": 1}  # input unchanged
    with_device = tiny_config(methods=[{"name": STAND_IN, "train": {"device": "cpu"}}])
    assert with_overrides(with_device, device="cuda").methods[0].train == {"device": "cuda"}
    with pytest.raises(ValueError, match="precision must be one of fp32, bf16; received 'half'"):
        with_overrides(with_device, precision="half")


def test_executor_overrides():
    config = load_config(tiny_config(executor={"name": "slurm", "partition": "cpu"}))
    assert with_overrides(config, partition="gpu").executor.partition == "gpu"
    dask = with_overrides(config, executor="dask", scheduler="tcp://10.0.0.1:8786")
    assert dask.executor == ExecutorSpec(name="dask", scheduler="tcp://10.0.0.1:8786")
    with pytest.raises(ValueError, match=r"executor 'local' takes no scheduler \(those are "
                                         r"settings of dask\)"):
        with_overrides(tiny_config(), scheduler="tcp://10.0.0.1:8786")


@pytest.mark.parametrize("name", ["default.yaml", "trifeature.yaml"])
def test_shipped_configs_load(name):
    config = load_config(CONFIGS / name)
    assert config.datasets and config.methods and config.seeds


def test_trifeature_config_trains_only_comm_in_bf16_all_for_24_epochs():
    config = load_config(CONFIGS / "trifeature.yaml")
    settings = {m.label: config.method_train(m) for m in config.methods}
    assert {label: (s.precision, s.epochs) for label, s in settings.items()} == {
        "comm": ("bf16", 24), "cross": ("fp32", 24), "cross_self": ("fp32", 24),
        "factorcl": ("fp32", 24)}


def _two_datasets(**changes) -> dict:
    """The tiny grid on two latent datasets, ``a`` and ``b``."""
    datasets = [{"name": "latent", "label": label, "augment": "none"} for label in ("a", "b")]
    return tiny_config(datasets=datasets, **changes)


def test_a_method_s_datasets_leave_it_out_of_the_other_datasets():
    config = load_config(_two_datasets(methods=["comm", {"name": "factorcl", "datasets": ["a"]}]))
    assert config.methods[1].datasets == ("a",) and config.methods[0].datasets is None
    assert [(d.label, m.label) for d, m in config.cells()] == [
        ("a", "comm"), ("a", "factorcl"), ("b", "comm")]
    data = config.to_dict()
    assert data["methods"][1]["datasets"] == ["a"]
    assert load_config(yaml.safe_load(yaml.safe_dump(data))) == config
    # Grids that do not use the key write config.yaml as before, so their config ids stay.
    assert "datasets" not in data["methods"][0]
    assert all("datasets" not in m for m in load_config(tiny_config()).to_dict()["methods"])


@pytest.mark.parametrize("methods, message", [
    ([{"name": "comm", "datasets": ["c"]}, "cross"],
     r"method 'comm': datasets \['c'\] are not labels of the config's datasets, which are "
     r"\['a', 'b'\]"),
    ([{"name": "comm", "datasets": ["bb"]}, "cross"], r"did you mean 'b' for 'bb'\?"),
    ([{"name": "comm", "datasets": []}], "datasets of method 'comm' must be a non-empty list "
                                          r"of dataset labels; received \[\]"),
    ([{"name": "comm", "datasets": "a"}], "must be a non-empty list of dataset labels; "
                                          "received 'a'"),
    ([{"name": "comm", "datasets": ["a", "a"]}], r"must be distinct; received \['a', 'a'\]"),
    ([{"name": "comm", "datasets": ["a"]}], r"datasets \['b'\] have no method to run"),
])
def test_bad_method_datasets_are_refused(methods, message):
    with pytest.raises(ValueError, match=message):
        load_config(_two_datasets(methods=methods))


def test_command_line_filters_honour_a_method_s_datasets():
    config = _two_datasets(methods=["comm", {"name": "factorcl", "datasets": ["a"]}])
    only_b = with_overrides(config, datasets=["b"])  # factorcl has nothing left: left out
    assert [m.label for m in only_b.methods] == ["comm"]
    assert [(d.label, m.label) for d, m in only_b.cells()] == [("b", "comm")]
    both = _two_datasets(methods=[{"name": "factorcl", "datasets": ["a", "b"]}])
    kept = with_overrides(both, datasets=["b"], methods=["factorcl"])
    assert kept.methods[0].datasets == ("b",) and [d.label for d in kept.datasets] == ["b"]
    with pytest.raises(ValueError, match=r"method 'factorcl' runs on none of the datasets "
                                         r"asked for, \['b'\]: its entry's datasets are \['a'\]"):
        with_overrides(config, datasets=["b"], methods=["factorcl"])
    alone = _two_datasets(methods=[{"name": "factorcl", "datasets": ["a"]}, "comm"])
    assert [d.label for d in with_overrides(alone, methods=["factorcl"]).datasets] == ["a"]
    with pytest.raises(ValueError, match=r"no method asked for runs on datasets \['b'\]: the "
                                         r"'datasets' of \['factorcl'\] leave them out"):
        with_overrides(alone, methods=["factorcl"], datasets=["a", "b"])
    only_a = tiny_config(datasets=[{"name": "latent", "label": "a"}],
                         methods=[{"name": "factorcl", "datasets": ["a"]}])
    with pytest.raises(ValueError, match=r"no method of the config runs on the datasets asked "
                                         r"for, \[.trifeature.\]"):
        with_overrides(only_a, datasets=["trifeature"])
