"""Tests of pid_bench.experiment.reprobe: which finished runs give their weights, and why not."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from pid_bench.experiment import load_config, run_experiment
from pid_bench.experiment.reprobe import EVALUATION_KEYS, training_identity, why_not_reused
from pid_bench.experiment.runs import grid_runs
from pid_bench.train import retag_checkpoint
from experiment_stand_in import tiny_config


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """One finished run of the stand-in (2 epochs) and the identity a re-probe gives it."""
    out = tmp_path_factory.mktemp("old")
    run_experiment(tiny_config(seeds=[0]), out, progress=False)
    both = load_config(tiny_config(seeds=[0], tasks=["synergy"], embed_batch_size=7,
                                   probe={"kind": "both", "c_grid": [1.0]}))
    return out / "runs" / "latent__linear__seed0", grid_runs(both, out)[0].identity()


@pytest.fixture
def old(finished, tmp_path):
    """A copy of the finished run, to damage."""
    return shutil.copytree(finished[0], tmp_path / "latent__linear__seed0")


def test_only_probe_tasks_and_embed_batch_size_are_evaluation(finished):
    spec = json.loads((finished[0] / "spec.json").read_text())
    assert EVALUATION_KEYS == ("probe", "tasks", "embed_batch_size")
    assert list(training_identity(spec)) == ["dataset", "method", "seed", "train", "probe_every"]


def test_a_run_of_the_same_training_gives_its_weights(finished):
    run, identity = finished
    assert why_not_reused(identity, run, epochs=2) is None


@pytest.mark.parametrize("change, reason", [
    (lambda i: i["train"].update(lr=0.5), "other training settings (train.lr)"),
    (lambda i: i.update(seed=3), "other training settings (seed)"),
    (lambda i: i["method"]["hparams"].update(dim=2), "other training settings (method.hparams)"),
    (lambda i: i["dataset"].update(augment="default"),
     "other training settings (dataset.augment)"),
    (lambda i: i.update(probe_every=1), "other training settings (probe_every)"),
])
def test_a_run_of_other_training_settings_does_not(finished, change, reason):
    run, identity = finished
    identity = json.loads(json.dumps(identity))
    change(identity)
    assert why_not_reused(identity, run, epochs=2) == reason


def _damage_results(old):
    (old / "results.csv").write_text("changed\n")


def _retag(old):
    retag_checkpoint(old / "checkpoint.pt", old / "checkpoint.pt", "another run")


def _rewind(old):
    state = torch.load(old / "checkpoint.pt", weights_only=True)
    torch.save({**state, "epoch": 1}, old / "checkpoint.pt")


@pytest.mark.parametrize("damage, reason", [
    (lambda old: shutil.rmtree(old), "not there"),
    (lambda old: (old / "done.json").unlink(), "not finished there"),
    (_damage_results, "damaged there (files that do not match its done.json)"),
    (lambda old: (old / "checkpoint.pt").unlink(), "no checkpoint there"),
    (lambda old: (old / "checkpoint.pt").write_bytes(b"no checkpoint"),
     "unreadable checkpoint there"),
    (_retag, "its checkpoint was not written under its spec.json"),
    (_rewind, "its checkpoint holds epoch 1, not the final 2"),
])
def test_an_unfinished_damaged_or_foreign_run_does_not(finished, old, damage, reason):
    damage(old)
    assert why_not_reused(finished[1], old, epochs=2) == reason

