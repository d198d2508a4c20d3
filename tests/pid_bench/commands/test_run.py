"""Tests of ``pid-bench run``: the command end to end, flags, errors, and the plug-in example."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pid_bench.cli import main
from pid_bench.commands.run import format_summary

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "my_method.py"


def _tiny_config(path: Path) -> Path:
    config = {
        "datasets": [{"name": "latent", "args": {"n_pretrain": 96, "n_train": 120, "n_test": 120,
                                                 "dim": 6, "embed_dim": 4, "mixtures": []}}],
        "methods": ["cross"],
        "seeds": [0, 1],
        "train": {"epochs": 3, "batch_size": 32, "device": "cpu"},
        "probe": {"c_grid": [1.0]},
        "tasks": ["redundancy", "unique1"],
    }
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.mark.filterwarnings("ignore:precision 'bf16' on a CPU without")
def test_the_plug_in_example_runs_through_the_command(tmp_path, monkeypatch, capsys):
    monkeypatch.syspath_prepend(str(EXAMPLE.parent))
    out = tmp_path / "out"
    status = main(["run", str(_tiny_config(tmp_path / "grid.yaml")), "--out", str(out),
                   "--methods", "my_method:MyMethod", "--seeds", "3", "--epochs", "1",
                   "--precision", "bf16", "--quiet"])
    assert status == 0
    printed = capsys.readouterr().out
    assert re.search(r"latent\s+redundancy\s+my_method\s+1\s", printed)
    assert "results.csv (8 rows)" in printed
    table = pd.read_csv(out / "results.csv")
    assert set(table.method) == {"my_method"} and set(table.seed) == {3}
    assert set(table.epoch) == {1}
    done = json.loads((out / "runs" / "latent__my_method__seed3" / "done.json").read_text())
    assert done["epochs"] == 1 and done["device"] == "cpu"
    spec = json.loads((out / "runs" / "latent__my_method__seed3" / "spec.json").read_text())
    assert spec["train"]["precision"] == "bf16"
    saved = yaml.safe_load((out / "config.yaml").read_text())
    assert saved["methods"][0]["name"] == "my_method:MyMethod" and saved["seeds"] == [3]


@pytest.mark.parametrize("argv, message", [
    (["--methods", "nope"], "unknown method 'nope'"),
    (["--datasets", "mnist"], "unknown dataset 'mnist'"),
    (["--epochs", "-2"], "epochs must be an integer >= 0"),
    (["--precision", "fp16"], "precision must be one of fp32, bf16; received 'fp16'"),
    (["--scheduler", "tcp://127.0.0.1:8786"], "executor 'local' takes no scheduler (those are "
                                              "settings of dask)"),
    (["--executor", "dask", "--scheduler", "127.0.0.1"], "scheduler must be an address like "
                                                         "'tcp://HOST:PORT'"),
    (["--executor", "dask", "--partition", "gpu"], "executor 'dask' takes no partition"),
])
def test_bad_flags_fail_with_a_message_before_training(tmp_path, capsys, argv, message):
    status = main(["run", str(_tiny_config(tmp_path / "grid.yaml")), "--out",
                   str(tmp_path / "out"), "--quiet", *argv])
    assert status == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out" / "runs").exists()


def test_a_missing_config_file_is_an_error(tmp_path, capsys):
    assert main(["run", str(tmp_path / "none.yaml"), "--quiet"]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("flag, value, example", [("--seeds", "0,,1", "e.g. 0,1,2"),
                                                  ("--seeds", "0,", "e.g. 0,1,2"),
                                                  ("--methods", "comm,,cross", "e.g. comm,cross")])
def test_empty_entries_of_a_list_are_refused(tmp_path, capsys, flag, value, example):
    with pytest.raises(SystemExit) as exc:
        main(["run", str(_tiny_config(tmp_path / "grid.yaml")), flag, value])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "without empty entries" in err and example in err
    assert not (tmp_path / "results").exists()


def test_supervised_needs_a_target_task_which_the_flag_names(tmp_path, capsys):
    config = _tiny_config(tmp_path / "grid.yaml")
    grid = yaml.safe_load(config.read_text())
    grid["methods"] = [{"name": "supervised", "hparams": {"embed_dim": 8, "hidden_dim": 16}}]
    config.write_text(yaml.safe_dump(grid))
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "set 'target_task: TASK' in its config entry, or pass --target-task TASK" in err
    assert "context.target_task" not in err and not out.exists()
    assert main(["run", str(config), "--out", str(out), "--target-task", "redundancy",
                 "--seeds", "0", "--epochs", "1", "--quiet"]) == 0
    saved = yaml.safe_load((out / "config.yaml").read_text())
    assert saved["methods"][0]["target_task"] == "redundancy"


def test_executor_flags_reach_the_config(tmp_path):
    from pid_bench.cli import build_parser
    from pid_bench.experiment import read_config, with_overrides

    args = build_parser().parse_args(["run", "grid.yaml", "--executor", "slurm", "--partition",
                                      "gpu", "--workers", "16"])
    config = with_overrides(read_config(_tiny_config(tmp_path / "grid.yaml")),
                            executor=args.executor, partition=args.partition,
                            workers=args.workers)
    assert (config.executor.name, config.executor.partition, config.workers) == (
        "slurm", "gpu", 16)


def test_an_unknown_executor_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit):
        main(["run", "grid.yaml", "--executor", "ray"])
    assert "invalid choice: 'ray'" in capsys.readouterr().err


def test_format_summary_shows_macro_f1_only_where_a_task_has_it():
    gt = {f"gt_{c}": 0.0 for c in ("redundancy", "unique1", "unique2", "synergy", "total")}
    row = {"dataset": "d", "task": "y", "method": "comm", "seeds": 2, "balanced_accuracy": 81.25,
           "balanced_accuracy_sd": 1.0, "chance": 50.0, "f1_macro": float("nan"),
           "captured_bits": 0.5, **gt}
    single = format_summary(pd.DataFrame([row]))
    assert "f1_macro" not in single and "81.2" in single
    multi = {**row, "task": "genres", "balanced_accuracy": float("nan"), "chance": float("nan"),
             "balanced_accuracy_sd": float("nan"), "f1_macro": 47.5, "captured_bits": float("nan")}
    both = format_summary(pd.DataFrame([row, multi]))
    assert "f1_macro_%" in both and "47.5" in both


def test_weights_from_reprobes_without_training_and_says_so(tmp_path, capsys):
    config = _tiny_config(tmp_path / "grid.yaml")
    old, new = tmp_path / "old", tmp_path / "new"
    flags = ["--seeds", "0", "--epochs", "1", "--quiet"]
    assert main(["run", str(config), "--out", str(old), *flags]) == 0
    grid = yaml.safe_load(config.read_text())
    grid["probe"] = {"c_grid": [1.0], "kind": "both",
                     "mlp": {"widths": [8], "depths": [1], "alphas": [1e-3], "max_epochs": 20}}
    config.write_text(yaml.safe_dump(grid))
    capsys.readouterr()
    assert main(["run", str(config), "--out", str(new), "--weights-from", str(old), *flags]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"weights from {old}: 1 of 1 runs to do reuse them (no training)\n")
    assert re.search(r"latent\s+redundancy\s+cross\s+1\s", printed) and "bal_acc_mlp_%" in printed
    done = json.loads((new / "runs" / "latent__cross__seed0" / "done.json").read_text())
    assert done["weights_from"] == str((old / "runs" / "latent__cross__seed0").resolve())
    linear = pd.read_csv(new / "results.csv").query("not metric.str.endswith('_mlp')")
    pd.testing.assert_frame_equal(linear.reset_index(drop=True), pd.read_csv(old / "results.csv"))


@pytest.mark.parametrize("source, message", [
    ("missing", "missing does not exist; expected a results directory of finished runs"),
    ("grid.yaml", "grid.yaml is not a directory; expected a results directory"),
    ("out", "is the results directory being written (--out"),
    (".", "is not a results directory: expected a runs/ folder of finished runs in it"),
])
def test_weights_from_that_cannot_work_is_refused(tmp_path, capsys, source, message):
    config = _tiny_config(tmp_path / "grid.yaml")
    out = tmp_path / "out"
    out.mkdir()
    status = main(["run", str(config), "--out", str(out), "--weights-from",
                   str(tmp_path / source), "--quiet"])
    assert status == 2
    assert message in capsys.readouterr().err
    assert not (out / "runs").exists()


def test_weights_from_refuses_probing_during_training(tmp_path, capsys):
    config = _tiny_config(tmp_path / "grid.yaml")
    grid = yaml.safe_load(config.read_text())
    grid["probe_every"] = 1
    config.write_text(yaml.safe_dump(grid))
    (tmp_path / "old" / "runs").mkdir(parents=True)
    status = main(["run", str(config), "--out", str(tmp_path / "new"), "--weights-from",
                   str(tmp_path / "old"), "--quiet"])
    assert status == 2
    assert ("probe_every is 1, but re-probing (--weights-from) loads the final weights only: "
            "the intermediate epochs cannot be re-probed") in capsys.readouterr().err
    assert not (tmp_path / "new").exists()
