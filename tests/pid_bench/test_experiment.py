"""Tests of pid_bench.experiment: the grid runner, its results directory, resume and validation."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from torch import nn

from pid_bench.data import GROUND_TRUTH_COLUMNS, MultimodalDataset
from pid_bench.evaluate import RESULT_COLUMNS, probe_embeddings
from pid_bench.experiment import (
    ExperimentConfig,
    _augmentations,
    _build_method,
    build_dataset,
    load_config,
    run_experiment,
    summarize,
    with_overrides,
)
from pid_bench.methods import Batch, Method, MethodContext
from pid_bench.models import ConvEncoder

LATENT_ARGS = {"n_pretrain": 128, "n_train": 160, "n_test": 160, "dim": 6, "embed_dim": 4,
               "mixtures": []}


class LinearStandIn(Method):
    """A linear map per modality, pulled together across modalities (the runner's stand-in).

    ``fail_at_step`` (class attribute) makes the loss raise at that global step, to interrupt
    a grid; ``input_dim`` fixes the expected vector width, to provoke a shape mismatch.
    """

    name = "linear"
    fail_at_step: int | None = None
    steps = 0

    def __init__(self, context: MethodContext, *, dim: int = 4, input_dim: int | None = None):
        super().__init__(context)
        if context.n_modalities != 2:
            raise ValueError(f"linear stand-in expects 2 modalities; received {context.n_modalities}")
        self.maps = nn.ModuleList(nn.Linear(input_dim or math.prod(s), dim)
                                  for s in context.modality_shapes)

    def embed(self, batch: Batch) -> torch.Tensor:
        return torch.cat([m(x.flatten(1)) for m, x in zip(self.maps, batch.modalities)], dim=1)

    def loss(self, batch: Batch) -> torch.Tensor:
        type(self).steps += 1
        if type(self).fail_at_step is not None and type(self).steps >= type(self).fail_at_step:
            raise KeyboardInterrupt("simulated interruption")
        a, b = (m(x.flatten(1)) for m, x in zip(self.maps, batch.modalities))
        return ((a - b) ** 2).mean() + ((a.std(0) - 1) ** 2 + (b.std(0) - 1) ** 2).mean()


STAND_IN = f"{__name__}:LinearStandIn"


def _config(**changes) -> dict:
    config = {
        "datasets": [{"name": "latent", "augment": "none", "args": LATENT_ARGS}],
        "methods": [STAND_IN],
        "seeds": [0, 1],
        "train": {"epochs": 2, "batch_size": 32, "lr": 1e-2, "device": "cpu", "progress": False},
        "probe": {"c_grid": [0.1, 10.0]},
        "tasks": ["redundancy", "synergy"],
    }
    config.update(changes)
    return config


def _read(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "results.csv")


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    out = tmp_path_factory.mktemp("grid")
    table = run_experiment(_config(probe_every=1), out, progress=False)
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
    assert load_config({k: v for k, v in saved.items()}) == load_config(_config(probe_every=1))


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

    monkeypatch.setattr("pid_bench.experiment._execute", never)
    pd.testing.assert_frame_equal(run_experiment(_config(probe_every=1), out, progress=False),
                                  table)


def test_interrupted_grid_resumes_to_the_uninterrupted_table(finished, tmp_path, monkeypatch):
    # One dry-run step, then two runs of 2 epochs x 4 steps: step 15 is in run 2, epoch 2.
    monkeypatch.setattr(LinearStandIn, "steps", 0)
    monkeypatch.setattr(LinearStandIn, "fail_at_step", 1 + 8 + 4 + 2)  # dry run, run 1, epoch 1
    with pytest.raises(KeyboardInterrupt):
        run_experiment(_config(probe_every=1), tmp_path, progress=False)
    first, second = (tmp_path / "runs" / f"latent__linear__seed{s}" for s in (0, 1))
    assert (first / "done.json").is_file()
    assert (second / "checkpoint.pt").is_file() and not (second / "done.json").exists()
    assert set(_read(tmp_path).seed) == {0}
    monkeypatch.setattr(LinearStandIn, "fail_at_step", None)
    resumed = run_experiment(_config(probe_every=1), tmp_path, progress=False)
    pd.testing.assert_frame_equal(resumed, finished[1])


def test_two_workers_give_the_same_table(finished, tmp_path):
    table = run_experiment(_config(probe_every=1), tmp_path, workers=2, progress=False)
    pd.testing.assert_frame_equal(table, finished[1])


def test_a_changed_config_is_refused_in_an_existing_directory(finished):
    out, _ = finished
    with pytest.raises(ValueError, match="different config"):
        run_experiment(_config(probe_every=1, probe={"c_grid": [1.0]}), out, progress=False)


def _three_modalities(path: Path) -> Path:
    rng = np.random.default_rng(0)
    data = MultimodalDataset.from_arrays(*(rng.normal(size=(40, 3)) for _ in range(3)),
                                         tasks={"y": rng.integers(0, 2, 40)}, name="three")
    data.save(path / "three.npz")
    return path / "three.npz"


@pytest.mark.parametrize("change, message", [
    ({"methods": ["nope"]}, "unknown method 'nope'; known methods: .*comm"),
    ({"methods": ["no_such_module:Thing"]}, "cannot import module"),
    ({"datasets": ["mnist"]}, "unknown dataset 'mnist'; known datasets: latent, trifeature"),
    ({"epoch": 3}, r"unknown keys \['epoch'\]"),
    ({"datasets": [{"name": "latent", "arg": {}}]}, r"unknown keys \['arg'\]"),
    ({"datasets": [{"name": "latent", "args": {"n_samples": 5}}]}, "bad arguments"),
    ({"tasks": ["colour"]}, r"tasks \['colour'\] are missing from dataset 'latent'"),
    ({"methods": [{"name": "supervised", "target_task": "colour"}]},
     "target_task 'colour' of method 'supervised' is missing"),
    ({"methods": [{"name": STAND_IN, "hparams": {"input_dim": 5}}]},
     r"cannot run \(dataset modalities \{'x1': \(6,\), 'x2': \(6,\)\}\)"),
    ({"methods": [{"name": STAND_IN, "hparams": {"width": 5}}]}, "width"),
    ({"methods": [STAND_IN, {"name": STAND_IN}]}, "labels must be unique"),
    ({"seeds": [0, -1]}, "every seed must be an integer >= 0"),
    ({"train": {"epochs": -1}}, "epochs must be an integer >= 0"),
    ({"train": {"seed": 3}}, "'seeds' set it per run"),
    ({"train": {"optimizer": "sgd"}}, r"train \(fields of pid_bench.train.TrainConfig\) has "
                                      r"unknown keys \['optimizer'\]; expected keys among"),
    ({"train": {"epoch": 3}}, r"unknown keys \['epoch'\] \(did you mean 'epochs'\?\); "
                              r"expected keys among \['batch_size', 'device', 'epochs'"),
    ({"probe": {"cgrid": [1.0]}}, r"unknown keys \['cgrid'\] \(did you mean 'c_grid'\?\)"),
    ({"seed": [0]}, r"the config has unknown keys \['seed'\] \(did you mean 'seeds'\?\)"),
    ({"methods": ["supervised"]}, "method 'supervised' trains on the labels of one task, which "
                                  "nothing names: set 'target_task: TASK' in its config entry, "
                                  "or pass --target-task TASK"),
    ({"probe": {"c_grid": []}}, "c_grid must be a non-empty"),
    ({"methods": []}, "at least one entry under 'methods'"),
    ({"methods": [{"name": STAND_IN, "train": {"optimiser": "sgd"}}]},
     r"method '.*': train .* has unknown keys \['optimiser'\]"),
    ({"methods": [{"name": STAND_IN, "train": {"lr": -1}}]}, r"method '.*': lr must be"),
    ({"methods": [{"name": STAND_IN, "train": {"seed": 1}}]}, "'seeds' set it per run"),
    ({"train": {"lr": -1}, "methods": [STAND_IN, {"name": STAND_IN, "label": "other"}]},
     r"^lr must be"),
    ({"datasets": [{"name": "latent", "augment": "strong"}]},
     "must be 'default', 'none' or a mapping"),
    ({"datasets": [{"name": "latent", "augment": {"audio": {}}}]}, r"unknown keys \['audio'\]"),
    ({"datasets": [{"name": "latent", "augment": {"vector": {"noise": 1}}}]},
     r"unknown vector augmentation options \['noise'\]; accepted: \['noise_std'"),
    ({"datasets": [{"name": "latent", "augment": {"vector": {"noise_std": -1}}}]},
     "std must be a number"),
])
def test_bad_configs_fail_before_training(tmp_path, change, message):
    with pytest.raises(ValueError, match=message):
        run_experiment(_config(**change), tmp_path, progress=False)
    assert not (tmp_path / "runs").exists()


def test_wrong_modality_count_fails_before_training(tmp_path):
    config = _config(datasets=[{"name": "file", "args": {"path": str(_three_modalities(tmp_path))},
                                "augment": "none"}], tasks=None)
    with pytest.raises(ValueError, match="expects 2 modalities; received 3"):
        run_experiment(config, tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_with_overrides_selects_and_adds_entries():
    base = _config(methods=[{"name": "comm", "label": "comm_t05", "hparams": {"temperature": 0.5}},
                            "cross"], train={"epochs": 9, "warmup_epochs": 3})
    out = with_overrides(base, methods=["comm_t05", "my:Class"], seeds=[4], epochs=2,
                         device="cpu", workers=2, threads=3)
    assert out["methods"] == [base["methods"][0], "my:Class"]
    assert out["seeds"] == [4] and out["workers"] == 2 and out["threads"] == 3
    assert out["train"] == {"epochs": 2, "warmup_epochs": 2, "device": "cpu"}
    assert base["train"] == {"epochs": 9, "warmup_epochs": 3}
    methods = ["comm", {"name": "supervised", "target_task": "unique1"}, "supervised", "nope"]
    assert with_overrides(_config(methods=methods), target_task="synergy")["methods"] == [
        "comm", {"name": "supervised", "target_task": "unique1"},
        {"name": "supervised", "target_task": "synergy"}, "nope"]


def test_a_method_trains_with_its_own_settings(tmp_path):
    config = _config(methods=[STAND_IN, {"name": STAND_IN, "label": "slow_lr",
                                         "train": {"lr": 1e-3, "epochs": 1}}], seeds=[0])
    run_experiment(config, tmp_path, progress=False)
    own = json.loads((tmp_path / "runs" / "latent__slow_lr__seed0" / "spec.json").read_text())
    shared = json.loads((tmp_path / "runs" / "latent__linear__seed0" / "spec.json").read_text())
    assert (own["train"]["lr"], own["train"]["epochs"]) == (1e-3, 1)
    assert (shared["train"]["lr"], shared["train"]["epochs"]) == (1e-2, 2)
    assert "train" not in own["method"] and own["train"]["batch_size"] == 32
    training = pd.read_csv(tmp_path / "training.csv")
    assert training.groupby("method")["epoch"].max().to_dict() == {"linear": 2, "slow_lr": 1}
    out = with_overrides(config, epochs=3, device="cuda", precision="bf16")
    assert out["methods"][1]["train"] == {"lr": 1e-3, "epochs": 3}  # no device where none was set
    assert (out["train"]["device"], out["train"]["precision"]) == ("cuda", "bf16")
    assert config["methods"][1]["train"] == {"lr": 1e-3, "epochs": 1}  # input unchanged
    with_device = _config(methods=[{"name": STAND_IN, "train": {"device": "cpu"}}])
    assert with_overrides(with_device, device="cuda")["methods"][0]["train"] == {"device": "cuda"}
    with_precision = _config(methods=[{"name": STAND_IN, "train": {"precision": "bf16"}}])
    assert with_overrides(with_precision, precision="fp32")["methods"][0]["train"] == {
        "precision": "fp32"}
    with pytest.raises(ValueError, match="precision must be one of fp32, bf16; received 'half'"):
        load_config(with_overrides(with_precision, precision="half"))


def test_augment_options_reach_the_default_augmentations():
    config = load_config(_config(datasets=[{"name": "latent", "augment": {
        "vector": {"noise_std": 0.7, "mask_fraction": 0.0}}}]))
    spec = config.datasets[0]
    assert spec.augment == {"vector": {"noise_std": 0.7, "mask_fraction": 0.0}}
    x = torch.zeros(4000, 2)
    first, _ = _augmentations(spec, build_dataset(spec))
    assert abs(float(first(x, 0).std()) - 0.7) < 0.02


def test_the_generator_asks_for_its_rotation_and_the_config_overrides_the_rest():
    args = {**LATENT_ARGS, "unique_code": "rotation", "rotation_dim": 3}
    config = load_config(_config(datasets=[{"name": "latent", "args": args, "augment": {
        "vector": {"noise_std": 0.0, "mask_fraction": 0.0, "scale": [1, 1]}}}]))
    spec = config.datasets[0]
    first, second = _augmentations(spec, build_dataset(spec))
    assert type(first.augmentations[0]).__name__ == "RandomRotation"
    assert first.augmentations[0].dim == 3 and first.augmentations[-1].std == 0.0
    x = torch.randn(8, 12)
    y = second(x, 0)
    torch.testing.assert_close(y[:, :6], x[:, :6])        # only the two 3-blocks turn
    torch.testing.assert_close(y[:, 6:].norm(dim=1), x[:, 6:].norm(dim=1))
    none = load_config(_config(datasets=[{"name": "latent", "args": args, "augment": "none"}]))
    assert _augmentations(none.datasets[0], build_dataset(none.datasets[0])) == (None, None)


@pytest.mark.parametrize("keep_colour,expected", [(None, False), (False, True), (True, False)])
def test_trifeature_keeps_colour_unless_asked(keep_colour, expected):
    image = {"crop_scale": [0.5, 1.0]} if keep_colour is None else {"keep_colour": keep_colour}
    config = load_config(_config(datasets=[{"name": "trifeature", "args": {
        "n_pretrain": 4, "n_train": 20, "n_test": 20, "resolution": 16},
        "augment": {"image": image}}]))
    spec = config.datasets[0]
    first, _ = _augmentations(spec, build_dataset(spec))
    assert ("ColourJitter" in repr(first)) is expected


def test_keep_colour_must_be_a_boolean():
    with pytest.raises(ValueError, match="keep_colour of dataset 'trifeature' must be true or "
                                         "false; received 'no'"):
        load_config(_config(datasets=[{"name": "trifeature",
                                       "augment": {"image": {"keep_colour": "no"}}}]))


def test_load_config_defaults_and_yaml(tmp_path):
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump({"datasets": ["latent"], "methods": ["comm"]}))
    config = load_config(path)
    assert isinstance(config, ExperimentConfig)
    assert config.seeds == (0,) and config.probe_every == 0 and config.workers == 1
    assert config.datasets[0].label == "latent" and config.methods[0].label == "comm"
    assert config.train["epochs"] == 20
    with pytest.raises(ValueError, match="does not exist"):
        load_config(tmp_path / "missing.yaml")
    (tmp_path / "bad.yaml").write_text("datasets: [latent\n")
    with pytest.raises(ValueError, match="not valid YAML"):
        load_config(tmp_path / "bad.yaml")


def test_summarize_means_and_spreads_over_seeds_at_the_final_epoch():
    rows = []
    for seed, acc in ((0, 60.0), (1, 70.0)):
        for epoch, shift in ((1, -30.0), (5, 0.0)):
            base = {"dataset": "d", "task": "t", "method": "m", "seed": seed, "epoch": epoch,
                    "chance": 50.0, **{f"gt_{c}": 0.5 for c in GROUND_TRUTH_COLUMNS}}
            rows.append({**base, "metric": "balanced_accuracy", "value": acc + shift, "unit": "%"})
            rows.append({**base, "metric": "captured_bits", "value": acc / 100, "unit": "bits",
                         "chance": 0.0})
    summary = summarize(pd.DataFrame(rows))
    assert len(summary) == 1
    row = summary.iloc[0]
    assert row.balanced_accuracy == 65.0 and row.balanced_accuracy_sd == pytest.approx(np.sqrt(50))
    assert row.captured_bits == pytest.approx(0.65) and row.chance == 50.0 and row.seeds == 2



def test_summarize_keeps_probes_of_embeddings_without_epoch_or_seed():
    """probe_embeddings' rows carry no epoch (and no seed for a Generator): they are final."""
    data = MultimodalDataset.from_arrays(np.eye(2)[[0, 1] * 40], np.zeros((80, 1)),
                                         tasks={"y": [0, 1] * 40})
    z = np.column_stack([data.tasks["y"], np.zeros(80)]).astype(float)
    for seed in (0, np.random.default_rng(0)):
        summary = summarize(probe_embeddings(z, data, seed=seed))
        assert len(summary) == 1 and summary.iloc[0].seeds == 1
        assert summary.iloc[0].balanced_accuracy == 100.0


CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.mark.parametrize("name", ["default.yaml", "trifeature.yaml"])
def test_shipped_configs_load(name):
    config = load_config(CONFIGS / name)
    assert config.datasets and config.methods and config.seeds


def _trifeature_config_models():
    """(label, name, built method) of every method of the shipped Trifeature config, on 4 pairs."""
    config = load_config(CONFIGS / "trifeature.yaml")
    dataset = dataclasses.replace(config.datasets[0], args={
        **config.datasets[0].args, "n_pretrain": 4, "n_train": 4, "n_test": 4, "cache_dir": False})
    data = build_dataset(dataset)
    return [(m.label, m.name, _build_method(m, dataset, data, seed=0)) for m in config.methods]


def test_trifeature_config_builds_every_method_with_a_four_block_cnn():
    for label, _, model in _trifeature_config_models():
        encoders = [m for m in model.modules() if isinstance(m, ConvEncoder)]
        assert len(encoders) >= 2, label
        blocks = {sum(isinstance(layer, nn.Conv2d) for layer in e.net) for e in encoders}
        assert blocks == {4}, label


def test_trifeature_config_gives_the_clip_methods_a_batch_normalised_head():
    clip_like = [(label, model) for label, name, model in _trifeature_config_models()
                 if name in ("cross", "cross_self")]
    assert len(clip_like) == 2
    for label, model in clip_like:
        assert model.projection == "mlp", label
        assert all(isinstance(p.net[1], nn.BatchNorm1d) for p in model.projections), label


def test_trifeature_config_gives_comm_a_batch_normalised_head():
    (model,) = [model for _, name, model in _trifeature_config_models() if name == "comm"]
    assert [type(layer).__name__ for layer in model.head.net] == [
        "Linear", "BatchNorm1d", "ReLU", "Linear"]


def test_trifeature_config_trains_only_comm_in_bf16_all_for_24_epochs():
    config = load_config(CONFIGS / "trifeature.yaml")
    settings = {m.label: {**config.train, **m.train} for m in config.methods}
    assert {label: (s["precision"], s["epochs"]) for label, s in settings.items()} == {
        "comm": ("bf16", 24), "cross": ("fp32", 24), "cross_self": ("fp32", 24),
        "factorcl": ("fp32", 24)}


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
    config = _config(methods=["cross", "cross_self"], seeds=[0], workers=2, threads=1,
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
