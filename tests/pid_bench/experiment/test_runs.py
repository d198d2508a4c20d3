"""Tests of pid_bench.experiment.runs: the grid runner, its results directory, resume and
validation, GPU placement."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pid_bench.data import GROUND_TRUTH_COLUMNS
from pid_bench.evaluate import RESULT_COLUMNS
from pid_bench.experiment import load_config, run_experiment, summarize
from pid_bench.experiment.runs import grid_runs, place_on_gpus
from experiment_stand_in import LATENT_ARGS, STAND_IN, LinearStandIn, tiny_config


def _read(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "results.csv")


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    out = tmp_path_factory.mktemp("grid")
    table = run_experiment(tiny_config(probe_every=1), out, progress=False)
    return out, table


def test_grid_writes_the_results_directory(finished):
    out, table = finished
    for name in ("config.yaml", "environment.json", "results.csv", "ground_truth.csv",
                 "training.csv"):
        assert (out / name).is_file(), name
    for seed in (0, 1):
        run = out / "runs" / f"latent__linear__seed{seed}"
        assert (run / "checkpoint.pt").is_file() and (run / "done.json").is_file()
        done = json.loads((run / "done.json").read_text())
        assert done["epochs"] == 2 and done["pairs_per_second"] > 0
    assert tuple(table.columns) == RESULT_COLUMNS
    # 2 seeds x 2 tasks x 4 metrics, probed after epoch 1 and at the end (epoch 2)
    assert len(table) == 2 * 2 * 4 * 2
    assert sorted(table.epoch.unique()) == [1, 2]
    assert set(table.method) == {"linear"} and set(table.dataset) == {"latent"}
    pd.testing.assert_frame_equal(table, _read(out))
    truth = pd.read_csv(out / "ground_truth.csv").set_index("task")
    assert truth.loc["redundancy", "redundancy"] == pytest.approx(2.0)
    assert truth.loc["synergy", "synergy"] == pytest.approx(0.811278, abs=1e-6)
    gt = table.drop_duplicates("task").set_index("task")
    for c in GROUND_TRUTH_COLUMNS:
        assert gt.loc["synergy", f"gt_{c}"] == pytest.approx(truth.loc["synergy", c])
    training = pd.read_csv(out / "training.csv")
    assert list(training.columns) == ["dataset", "method", "seed", "epoch", "loss", "seconds",
                                      "pairs_per_second"]
    assert len(training) == 4 and (training.pairs_per_second > 0).all()
    env = json.loads((out / "environment.json").read_text())
    assert {"python", "platform", "cpu", "device", "packages", "git_commit"} <= set(env)
    saved = yaml.safe_load((out / "config.yaml").read_text())
    assert load_config(saved) == load_config(tiny_config(probe_every=1))


def test_spec_json_is_the_identity_the_runs_had_before_the_split(finished):
    """The run identity (and so every existing results directory) is unchanged by the typed
    config: these are the keys, in order, that spec.json held before."""
    spec = json.loads((finished[0] / "runs" / "latent__linear__seed0" / "spec.json").read_text())
    assert list(spec) == ["dataset", "method", "seed", "train", "probe", "probe_every", "tasks",
                          "embed_batch_size"]
    assert list(spec["train"]) == ["epochs", "batch_size", "lr", "weight_decay",
                                   "warmup_epochs", "grad_clip", "precision"]
    assert spec["probe"] == {"c_grid": [0.1, 10.0], "alpha_grid": [0.01, 0.1, 1.0, 10.0, 100.0,
                                                                  1000.0],
                             "validation_fraction": 0.2, "max_iter": 300}
    assert spec["method"] == {"name": STAND_IN, "label": "linear", "target_task": None,
                              "hparams": {}}


def test_stand_in_captures_the_shared_factor_and_not_synergy(finished):
    # The stand-in aligns linear maps of x1 and x2: it keeps what they share (r) and cannot
    # represent the synergy label linearly. Chance is 25 % and 50 %.
    summary = summarize(finished[1]).set_index("task")
    assert summary.loc["redundancy", "balanced_accuracy"] > 60
    assert summary.loc["synergy", "balanced_accuracy"] < 65
    assert (summary.seeds == 2).all()


def test_rerun_skips_finished_runs(finished, monkeypatch):
    out, table = finished

    def never(*args, **kwargs):
        raise AssertionError("a finished run was trained again")

    monkeypatch.setattr("pid_bench.experiment.runs.execute_run", never)
    pd.testing.assert_frame_equal(run_experiment(tiny_config(probe_every=1), out, progress=False),
                                  table)


def test_interrupted_grid_resumes_to_the_uninterrupted_table(finished, tmp_path, monkeypatch):
    # One dry-run step, then two runs of 2 epochs x 4 steps: step 15 is in run 2, epoch 2.
    monkeypatch.setattr(LinearStandIn, "steps", 0)
    monkeypatch.setattr(LinearStandIn, "fail_at_step", 1 + 8 + 4 + 2)  # dry run, run 1, epoch 1
    with pytest.raises(KeyboardInterrupt):
        run_experiment(tiny_config(probe_every=1), tmp_path, progress=False)
    first, second = (tmp_path / "runs" / f"latent__linear__seed{s}" for s in (0, 1))
    assert (first / "done.json").is_file()
    assert (second / "checkpoint.pt").is_file() and not (second / "done.json").exists()
    assert set(_read(tmp_path).seed) == {0}
    monkeypatch.setattr(LinearStandIn, "fail_at_step", None)
    resumed = run_experiment(tiny_config(probe_every=1), tmp_path, progress=False)
    pd.testing.assert_frame_equal(resumed, finished[1])


def test_two_workers_give_the_same_table(finished, tmp_path):
    table = run_experiment(tiny_config(probe_every=1), tmp_path, workers=2, progress=False)
    pd.testing.assert_frame_equal(table, finished[1])


def test_a_changed_config_is_refused_in_an_existing_directory(finished):
    out, _ = finished
    with pytest.raises(ValueError, match="different config"):
        run_experiment(tiny_config(probe_every=1, probe={"c_grid": [1.0]}), out, progress=False)


@pytest.mark.parametrize("change, message", [
    ({"methods": ["nope"]}, "unknown method 'nope'; known methods: .*comm"),
    ({"methods": ["no_such_module:Thing"]}, "cannot import module"),
    ({"datasets": ["mnist"]}, "unknown dataset 'mnist'; known datasets: latent, trifeature"),
    ({"epoch": 3}, r"unknown keys \['epoch'\]"),
    ({"datasets": [{"name": "latent", "args": {"n_samples": 5}}]}, "bad arguments"),
    ({"tasks": ["colour"]}, r"tasks \['colour'\] are missing from dataset 'latent'"),
    ({"methods": [{"name": "supervised", "target_task": "colour"}]},
     "target_task 'colour' of method 'supervised' is missing"),
    ({"methods": [{"name": STAND_IN, "hparams": {"input_dim": 5}}]},
     r"cannot run \(dataset modalities \{'x1': \(6,\), 'x2': \(6,\)\}\)"),
    ({"methods": [{"name": STAND_IN, "hparams": {"width": 5}}]}, "width"),
    ({"train": {"optimizer": "sgd"}}, r"train \(fields of pid_bench.train.TrainConfig\) has "
                                      r"unknown keys \['optimizer'\]; expected keys among"),
    ({"train": {"epoch": 3}}, r"unknown keys \['epoch'\] \(did you mean 'epochs'\?\); "
                              r"expected keys among \['batch_size', 'device', 'epochs'"),
    ({"seed": [0]}, r"the config has unknown keys \['seed'\] \(did you mean 'seeds'\?\)"),
    ({"methods": ["supervised"]}, "method 'supervised' trains on the labels of one task, which "
                                  "nothing names: set 'target_task: TASK' in its config entry, "
                                  "or pass --target-task TASK"),
    ({"probe": {"c_grid": []}}, "c_grid must be a non-empty"),
    ({"methods": []}, "at least one entry under 'methods'"),
    ({"methods": [{"name": STAND_IN, "train": {"optimiser": "sgd"}}]},
     r"method '.*': train .* has unknown keys \['optimiser'\]"),
    ({"methods": [{"name": STAND_IN, "train": {"lr": -1}}]}, r"method '.*': lr must be"),
    ({"train": {"lr": -1}, "methods": [STAND_IN, {"name": STAND_IN, "label": "other"}]},
     r"^lr must be"),
    ({"datasets": [{"name": "latent", "augment": "strong"}]},
     "must be 'default', 'none' or a mapping"),
    ({"datasets": [{"name": "latent", "augment": {"vector": {"noise": 1}}}]},
     r"unknown vector augmentation options \['noise'\]; accepted: \['noise_std'"),
    ({"datasets": [{"name": "latent", "augment": {"vector": {"noise_std": -1}}}]},
     "std must be a number"),
])
def test_bad_configs_fail_before_training(tmp_path, change, message):
    with pytest.raises(ValueError, match=message):
        run_experiment(tiny_config(**change), tmp_path, progress=False)
    assert not (tmp_path / "runs").exists()


def test_a_method_trains_with_its_own_settings(tmp_path):
    config = tiny_config(methods=[STAND_IN, {"name": STAND_IN, "label": "slow_lr",
                                             "train": {"lr": 1e-3, "epochs": 1}}], seeds=[0])
    run_experiment(config, tmp_path, progress=False)
    own = json.loads((tmp_path / "runs" / "latent__slow_lr__seed0" / "spec.json").read_text())
    shared = json.loads((tmp_path / "runs" / "latent__linear__seed0" / "spec.json").read_text())
    assert (own["train"]["lr"], own["train"]["epochs"]) == (1e-3, 1)
    assert (shared["train"]["lr"], shared["train"]["epochs"]) == (1e-2, 2)
    assert "train" not in own["method"] and own["train"]["batch_size"] == 32
    training = pd.read_csv(tmp_path / "training.csv")
    assert training.groupby("method")["epoch"].max().to_dict() == {"linear": 2, "slow_lr": 1}


def test_run_i_goes_to_gpu_i_mod_the_number_of_gpus(tmp_path):
    config = load_config(tiny_config(seeds=[0, 1, 2, 3, 4], train={"device": "cuda"}))
    runs = grid_runs(config, tmp_path)
    assert [r.train.device for r in place_on_gpus(runs, 3)] == [
        "cuda:0", "cuda:1", "cuda:2", "cuda:0", "cuda:1"]
    assert [r.train.device for r in place_on_gpus(runs, 0)] == ["cuda"] * 5
    mixed = [runs[0], dataclasses.replace(runs[1], train=dataclasses.replace(runs[1].train,
                                                                             device="cpu")),
             runs[2]]
    assert [r.train.device for r in place_on_gpus(mixed, 2)] == ["cuda:0", "cpu", "cuda:1"]
    assert place_on_gpus(runs, 3)[1].identity() == runs[1].identity()  # not part of identity


def test_the_runner_places_local_workers_on_the_gpus(tmp_path, monkeypatch):
    """``--device cuda --workers 2`` with 2 GPUs (mocked): runs 0, 1, 2 train on cuda:0, 1, 0."""
    import torch

    from pid_bench.experiment import runs as runs_module

    seen = []
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(runs_module, "open_executor", _inline_executor)
    monkeypatch.setattr(runs_module, "execute_run",
                        lambda run, *args: seen.append((run.seed, run.train.device)))
    monkeypatch.setattr(runs_module, "resolve_device", lambda name: name)
    run_experiment(tiny_config(seeds=[0, 1, 2], workers=2, train={"device": "cuda"}),
                   tmp_path, progress=False)
    assert seen == [(0, "cuda:0"), (1, "cuda:1"), (2, "cuda:0")]


def _inline_executor(*args, **kwargs):
    import contextlib

    from pid_bench.experiment.executors import InlineExecutor

    return contextlib.nullcontext(InlineExecutor())


def _spawned_workers(parent: int) -> list[int]:
    """Pids of the pool workers that process ``parent`` started (Linux /proc)."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return [int(pid) for pid in children
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads Linux's /proc")
def test_workers_end_when_the_runner_is_killed(tmp_path):
    config = tiny_config(methods=["cross", "cross_self"], seeds=[0], workers=2, threads=1,
                         train={"epochs": 100_000, "batch_size": 32, "device": "cpu"})
    (tmp_path / "grid.yaml").write_text(yaml.safe_dump(config))
    runner = subprocess.Popen(
        [sys.executable, "-c", "from pid_bench.experiment import run_experiment; "
                               "run_experiment('grid.yaml', 'out', progress=False)"],
        cwd=tmp_path)
    try:
        deadline = time.monotonic() + 120
        while len(list(tmp_path.glob("out/runs/*/checkpoint.pt"))) < 2:
            assert runner.poll() is None and time.monotonic() < deadline, "no run started"
            time.sleep(0.2)
        workers = _spawned_workers(runner.pid)
        assert len(workers) == 2
    finally:
        runner.kill()
        runner.wait()
    deadline = time.monotonic() + 20
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [pid for pid in workers if _alive(pid)]
    for pid in left:   # a failing check must not leave them training
        os.kill(pid, signal.SIGKILL)
    assert not left, f"workers {left} outlived the runner"


def test_a_method_runs_only_on_its_datasets_and_keeps_its_identity(tmp_path, monkeypatch):
    latent = {"name": "latent", "augment": "none", "args": LATENT_ARGS}
    config = tiny_config(datasets=[latent, {**latent, "label": "other"}], seeds=[0],
                         methods=[STAND_IN, {"name": STAND_IN, "label": "only_latent",
                                             "datasets": ["latent"]}])
    assert [r.run_id for r in grid_runs(load_config(config), tmp_path)] == [
        "latent__linear__seed0", "latent__only_latent__seed0", "other__linear__seed0"]
    table = run_experiment(config, tmp_path, progress=False)
    assert sorted({(d, m) for d, m in zip(table.dataset, table.method)}) == [
        ("latent", "linear"), ("latent", "only_latent"), ("other", "linear")]
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == [
        "latent__linear__seed0", "latent__only_latent__seed0", "other__linear__seed0"]
    spec = json.loads((tmp_path / "runs" / "latent__only_latent__seed0" / "spec.json").read_text())
    assert list(spec["method"]) == ["name", "label", "target_task", "hparams"]

    def never(*args, **kwargs):
        raise AssertionError("a finished run was trained again")

    # The same runs named by a grid without the key are the same runs: nothing is retrained.
    monkeypatch.setattr("pid_bench.experiment.runs.execute_run", never)
    plain = tiny_config(datasets=[latent], seeds=[0],
                        methods=[{"name": STAND_IN, "label": "only_latent"}])
    assert len(run_experiment(plain, tmp_path, progress=False)) == len(table)


# ---------------------------------------------------------------------------- re-probing
#: An untrained method (no weights to load) beside the stand-in, small enough to be fast.
RANDOM = {"name": "random", "hparams": {"embed_dim": 8, "hidden_dim": 16}}
#: Both probes, with a one-setting MLP grid (seconds).
BOTH = {"c_grid": [0.1, 10.0], "kind": "both",
        "mlp": {"widths": [8], "depths": [1], "alphas": [1e-3], "max_epochs": 20}}


def _tree_digests(root: Path) -> dict[str, str]:
    import hashlib

    return {os.fspath(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def linear_grid(tmp_path_factory):
    """A finished grid probed linearly only: the stand-in and an untrained method, 2 seeds."""
    out = tmp_path_factory.mktemp("linear_grid")
    run_experiment(tiny_config(methods=[STAND_IN, RANDOM]), out, progress=False)
    return out


@pytest.fixture(scope="module")
def reprobed(linear_grid, tmp_path_factory):
    """``linear_grid`` re-probed with both probes (twice, into two directories), counting the
    stand-in's training steps and what the runner said."""
    before = _tree_digests(linear_grid)
    steps, lines, tables = [], [], []
    for name in ("first", "second"):
        LinearStandIn.steps = 0
        out = tmp_path_factory.mktemp(name)
        tables.append(run_experiment(tiny_config(methods=[STAND_IN, RANDOM], probe=BOTH), out,
                                     progress=False, weights_from=linear_grid,
                                     notify=lines.append))
        steps.append(LinearStandIn.steps)
    return {"out": out, "tables": tables, "steps": steps, "lines": lines, "before": before}


def test_reprobing_trains_nothing_and_records_where_the_weights_came_from(linear_grid,
                                                                          reprobed):
    # check_config's dry run takes one step per (dataset, method); a trained grid takes 17.
    assert reprobed["steps"] == [1, 1]
    assert reprobed["lines"] == [
        f"weights from {linear_grid}: 2 of 4 runs to do reuse them (no training), 2 runs as "
        f"usual: 2 untrained (no weights to load)"] * 2
    out = reprobed["out"]
    for seed in (0, 1):
        new, old = (d / "runs" / f"latent__linear__seed{seed}" for d in (out, linear_grid))
        assert (new / "training.csv").read_bytes() == (old / "training.csv").read_bytes()
        done = json.loads((new / "done.json").read_text())
        assert done["weights_from"] == os.fspath(old.resolve())
        assert done["epochs"] == 2
        assert done["train_seconds"] == json.loads((old / "done.json").read_text())[
            "train_seconds"]
        spec = json.loads((new / "spec.json").read_text())
        assert spec["probe"]["kind"] == "both"
        untrained = json.loads((out / "runs" / f"latent__random__seed{seed}" / "done.json")
                               .read_text())
        assert "weights_from" not in untrained and untrained["epochs"] == 0


def test_reprobing_keeps_the_linear_numbers_and_adds_the_mlp_probe(linear_grid, reprobed):
    old = _read(linear_grid)
    new = reprobed["tables"][0]
    mlp = new.metric.str.endswith("_mlp")
    assert set(new.metric[mlp]) == {f"{m}_mlp" for m in old.metric.unique()}
    pd.testing.assert_frame_equal(new[~mlp].reset_index(drop=True), old)
    assert new.loc[mlp, "value"].notna().all()


def test_reprobing_twice_gives_the_same_numbers(reprobed):
    pd.testing.assert_frame_equal(*reprobed["tables"])


def test_reprobing_leaves_the_old_directory_as_it_was(linear_grid, reprobed):
    assert _tree_digests(linear_grid) == reprobed["before"]


def test_a_reprobed_directory_is_a_normal_results_directory(reprobed, monkeypatch):
    # Rerun without the option: every run is finished, nothing runs; the checkpoint in each
    # reprobed run is its own (its identity), so --rerun-invalid could re-probe it again.
    from pid_bench.results_dir import text_digest
    from pid_bench.train import checkpoint_identity

    def never(*args, **kwargs):
        raise AssertionError("a finished run was run again")

    out = reprobed["out"]
    monkeypatch.setattr("pid_bench.experiment.runs.execute_run", never)
    config = tiny_config(methods=[STAND_IN, RANDOM], probe=BOTH)
    pd.testing.assert_frame_equal(run_experiment(config, out, progress=False),
                                  reprobed["tables"][1])
    run = out / "runs" / "latent__linear__seed0"
    assert checkpoint_identity(run / "checkpoint.pt") == text_digest(
        (run / "spec.json").read_text())


def test_runs_of_other_training_settings_are_trained_not_reused(linear_grid, tmp_path):
    lines = []
    LinearStandIn.steps = 0
    config = tiny_config(seeds=[0], probe=BOTH, methods=[
        STAND_IN, {"name": STAND_IN, "label": "slow", "train": {"lr": 1e-3}}], train={
        **tiny_config()["train"], "epochs": 1})
    run_experiment(config, tmp_path, progress=False, weights_from=linear_grid,
                   notify=lines.append)
    assert lines == [f"weights from {linear_grid}: 0 of 2 runs to do reuse them (no training), "
                     f"2 runs as usual: 1 other training settings (train.epochs), 1 not there"]
    assert LinearStandIn.steps == 2 + 2 * 4  # the dry runs, then 1 epoch of 4 steps each
    done = json.loads((tmp_path / "runs" / "latent__linear__seed0" / "done.json").read_text())
    assert "weights_from" not in done and done["epochs"] == 1


@pytest.mark.parametrize("where, change, message", [
    ("missing", {}, r"weights_from \(--weights-from\) .*missing does not exist; expected a "
                    r"results directory"),
    ("empty", {}, r"is not a results directory: expected a runs/ folder"),
    ("out", {}, r"is the results directory being written \(--out .*\); write the re-probed "
                r"runs to another --out"),
    ("old", {"probe_every": 1}, r"probe_every is 1, but re-probing \(--weights-from\) loads the "
                                r"final weights only: the intermediate epochs cannot be "
                                r"re-probed"),
])
def test_a_reprobe_that_cannot_work_is_refused_before_anything_is_written(
        linear_grid, tmp_path, where, change, message):
    out = linear_grid if where == "out" else tmp_path / "new"
    source = {"missing": tmp_path / "missing", "empty": tmp_path}.get(where, linear_grid)
    before = _tree_digests(linear_grid)
    with pytest.raises(ValueError, match=message):
        run_experiment(tiny_config(methods=[STAND_IN, RANDOM], probe=BOTH, **change), out,
                       progress=False, weights_from=source)
    assert where == "out" or not (out / "runs").exists()
    assert _tree_digests(linear_grid) == before
