"""Data-parallel training: 2 CPU processes (gloo, started by torchrun) against one process.

This file is also the worker that torchrun starts (``python -m torch.distributed.run
--standalone --nproc_per_node=2 tests/pid_bench/test_distributed.py OUT first|resume``).
With ``first`` each worker trains every method of ``METHODS`` on the same seeded data as the
tests below, with checkpoints in ``OUT/full/<method>``, then CoMM again in ``OUT/killed/comm``,
where rank 0 kills itself (SIGKILL) at the end of epoch 2, before that epoch's checkpoint, and
torchrun ends the other rank. With ``resume`` the workers run that killed CoMM again. Rank 0
saves each finished run's history and weights to ``OUT/<folder>/<method>.pt``. (torchrun's
own restart, ``--max-restarts``, is not used: on gloo its second attempt at times failed to
connect, 1 of 3 tries under load.)
"""

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from pid_bench import distributed
from pid_bench.data import MultimodalDataset
from pid_bench.evaluate import probe_classification
from pid_bench.methods import Batch, MethodContext, get_method
from pid_bench.methods.losses import info_nce_lower_bound
from pid_bench.train import CHECKPOINT_NAME, TrainConfig, embed, train

TINY = {"embed_dim": 16, "hidden_dim": 16, "n_heads": 2}
CONFIG = TrainConfig(epochs=2, batch_size=16, lr=3e-3, warmup_epochs=1, seed=5, device="cpu",
                     progress=False)
#: Method -> hyper-parameters: CoMM with a batch-normalised head (NT-Xent, synced batch norm),
#: Cross+Self with the MLP projection (CLIP loss with its temperature, NT-Xent, batch norm),
#: supervised (labels of the local rows; with balanced classes, counted over the global batch),
#: FactorCL (critic scores of the local rows against the gathered ones), COrAL (NT-Xent, token
#: masks drawn for the global batch, batch-normalised heads, squared cosines averaged over
#: ranks). Label -> (method, hyper-parameters).
METHODS = {"comm": ("comm", {"batch_norm": True}),
           "cross_self": ("cross_self", {"projection": "mlp"}),
           "supervised": ("supervised", {}),
           "supervised_balanced": ("supervised", {"class_weight": "balanced"}),
           "factorcl": ("factorcl", {}), "coral": ("coral", {"vector_tokens": 3})}
ROOT = Path(__file__).resolve().parents[2]


def noise(x, generator):
    """A per-sample augmentation: Gaussian noise drawn row by row from the generator."""
    return x + 0.3 * torch.randn(x.shape, generator=generator, device=generator.device)


def _dataset(n, seed):
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=(n, 6)), rng.normal(size=(n, 5))
    y = (x1[:, 0] > 0).astype(int) + 2 * (x2[:, 0] > 0).astype(int)
    return MultimodalDataset.from_arrays(x1.astype(np.float32), x2.astype(np.float32),
                                         tasks={"y": y})


DATA, PROBE_TRAIN, PROBE_TEST = _dataset(64, 0), _dataset(300, 1), _dataset(300, 2)


def _method(label):
    name, hparams = METHODS[label]
    ctx = MethodContext.from_dataset(DATA, augment=(noise, noise),
                                     target_task="y" if name == "supervised" else None)
    return get_method(name)(ctx, seed=3, **TINY, **hparams)


def _kill_at_epoch_2(epoch, method):
    """A callback that kills its own process outright at epoch 2."""
    if epoch == 2:
        os.kill(os.getpid(), signal.SIGKILL)


def _train_and_save(name, folder, callback=None):
    method = _method(name)
    result = train(method, DATA, CONFIG, checkpoint_dir=folder / name, callback=callback)
    if distributed.is_leader():
        torch.save({"history": result.history.to_dict("list"), "model": method.state_dict(),
                    "resumed_from": result.resumed_from}, folder / f"{name}.pt")


def _worker(out, mode):
    assert distributed.init_from_env() and distributed.world_size() == 2
    torch.set_num_threads(1)
    if mode == "first":
        for name in METHODS:
            _train_and_save(name, out / "full")
    _train_and_save("comm", out / "killed", _kill_at_epoch_2 if mode == "first" else None)


def _torchrun(out, mode):
    """Run the workers of this file under torchrun; its exit status."""
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               "--nproc_per_node=2", "--monitor-interval=0.1", __file__, str(out), mode]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    with (out / f"{mode}.log").open("w") as sink:
        launcher = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        try:
            return launcher.wait(timeout=600)
        finally:  # the workers too, should the launcher hang or the test be interrupted
            with contextlib.suppress(ProcessLookupError):
                os.killpg(launcher.pid, signal.SIGKILL)


def _probe(method):
    z_train, z_test = embed(method, PROBE_TRAIN), embed(method, PROBE_TEST)
    return probe_classification(z_train, PROBE_TRAIN.tasks["y"], z_test, PROBE_TEST.tasks["y"],
                                n_classes=4)["balanced_accuracy"]


def _loaded(name, path):
    saved = torch.load(path, weights_only=True)
    method = _method(name)
    method.load_state_dict(saved["model"])
    return method, saved


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory):
    out = tmp_path_factory.mktemp("ddp")
    code = _torchrun(out, "first")
    log = (out / "first.log").read_text()
    # the three full runs finished; the killed one died at epoch 2 after epoch 1's checkpoint
    assert all((out / "full" / f"{name}.pt").exists() for name in METHODS), log[-3000:]
    assert code != 0 and "SIGKILL" in log, log[-3000:]
    assert (out / "killed" / "comm" / CHECKPOINT_NAME).exists()
    assert not (out / "killed" / "comm.pt").exists()
    return out


@pytest.mark.parametrize("name", list(METHODS))
def test_two_ranks_match_one_process(two_ranks, name):
    single = _method(name)
    history = train(single, DATA, CONFIG).history
    method, saved = _loaded(name, two_ranks / "full" / f"{name}.pt")
    losses = np.asarray(saved["history"]["loss"])
    # first epoch within 1e-4 relative (the must-show); later epochs drift by float rounding
    assert abs(losses[0] - history["loss"][0]) <= 1e-4 * abs(history["loss"][0])
    np.testing.assert_allclose(losses, history["loss"], rtol=1e-3)
    assert abs(_probe(method) - _probe(single)) <= 1.0
    # the training changed the weights: the match is not two untrained models
    assert not np.allclose(embed(method, PROBE_TEST), embed(_method(name), PROBE_TEST))


def test_killed_run_resumes_to_the_uninterrupted_result(two_ranks):
    code = _torchrun(two_ranks, "resume")
    assert code == 0, (two_ranks / "resume.log").read_text()[-3000:]
    method, saved = _loaded("comm", two_ranks / "killed" / "comm.pt")
    reference, ref_saved = _loaded("comm", two_ranks / "full" / "comm.pt")
    assert saved["resumed_from"] == 1
    np.testing.assert_allclose(saved["history"]["loss"], ref_saved["history"]["loss"],
                               rtol=1e-6)
    np.testing.assert_allclose(embed(method, PROBE_TEST), embed(reference, PROBE_TEST),
                               rtol=1e-5, atol=1e-6)


def test_one_process_gathers_nothing():
    x = torch.randn(4, 3)
    with distributed.gathering():
        gathered, first = distributed.gather_rows(x)
        assert gathered is x and first == 0
        assert not distributed.is_gathering()
        assert float(info_nce_lower_bound(torch.eye(4))) > 0  # no refusal without a group
    assert distributed.world_size() == 1 and distributed.rank() == 0 and distributed.is_leader()
    assert distributed.average(2.5) == 2.5 and distributed.broadcast_object("a") == "a"
    calls = []
    with distributed.lead(), distributed.share(calls.append, "never sent"):
        assert distributed.world_size() == 1 and not distributed.launched()
    assert calls == []  # without a group nothing is sent, and serve() has no one to wait for


def test_synced_batch_norm_shares_and_restores_the_layers():
    method = _method("comm")
    layers = [m for m in method.modules() if isinstance(m, torch.nn.BatchNorm1d)]
    assert layers
    before = {k: v.clone() for k, v in method.state_dict().items()}
    with distributed.synced_batch_norm(method):
        synced = [m for m in method.modules() if isinstance(m, distributed.SyncBatchNorm)]
        assert len(synced) == len(layers)
        assert all(s.weight is b.weight and s.running_mean is b.running_mean
                   for s, b in zip(synced, layers))
        assert set(method.state_dict()) == set(before)
        method.train()
        batch = Batch([torch.from_numpy(x[:8]) for x in DATA.modalities.values()],
                      generator=torch.Generator().manual_seed(0))
        method(batch)  # one process: a plain batch norm, which updates the shared buffers
    assert [m for m in method.modules() if isinstance(m, torch.nn.BatchNorm1d)] == layers
    assert not torch.equal(layers[0].running_mean, before[_key(method, layers[0])])


def _key(method, layer):
    name = next(n for n, m in method.named_modules() if m is layer)
    return f"{name}.running_mean"


def test_batch_size_must_divide_over_the_ranks(monkeypatch):
    monkeypatch.setattr(distributed, "world_size", lambda: 2)
    with pytest.raises(ValueError, match="batch_size 15 must be divisible by the 2 processes"):
        train(_method("comm"), DATA, TrainConfig(epochs=1, batch_size=15, device="cpu",
                                                 progress=False))


def test_bad_environment_is_named(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "two")
    with pytest.raises(ValueError, match="WORLD_SIZE must be a non-negative integer.*'two'"):
        distributed.init_from_env()
    monkeypatch.setenv("WORLD_SIZE", "1")
    assert distributed.init_from_env() is False


GRID = {
    "datasets": [{"name": "latent", "args": {"n_pretrain": 96, "n_train": 120, "n_test": 120,
                                             "dim": 6, "embed_dim": 4, "mixtures": []}}],
    "methods": [{"name": "comm", "hparams": {**TINY, "batch_norm": True}},
                {"name": "cross", "hparams": TINY}],
    "seeds": [0],
    "train": {"epochs": 2, "batch_size": 32, "device": "cpu"},
    "probe": {"c_grid": [1.0]},
    "tasks": ["redundancy", "unique1"],
}


@pytest.mark.slow
def test_pid_bench_run_under_torchrun_matches_one_process(tmp_path):
    """``torchrun --nproc_per_node=2 -m pid_bench run`` against ``python -m pid_bench run``."""
    config = tmp_path / "grid.yaml"
    config.write_text(yaml.safe_dump(GRID))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    run = ["-m", "pid_bench", "run", str(config), "--quiet", "--out"]
    launchers = {"one": [sys.executable],
                 "two": [sys.executable, "-m", "torch.distributed.run", "--standalone",
                         "--nproc_per_node=2"]}
    for name, launcher in launchers.items():
        done = subprocess.run([*launcher, *run, str(tmp_path / name)], env=env,
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
    keys = ["dataset", "method", "seed", "epoch"]
    one, two = (pd.read_csv(tmp_path / n / "training.csv") for n in launchers)
    pd.testing.assert_frame_equal(one[keys], two[keys])
    np.testing.assert_allclose(two["loss"], one["loss"], rtol=1e-4)
    keys = ["dataset", "task", "method", "seed", "epoch", "metric"]
    one, two = (pd.read_csv(tmp_path / n / "results.csv") for n in launchers)
    both = one.merge(two, on=keys, suffixes=("_one", "_two"), validate="one_to_one")
    assert len(both) == len(one) == len(two) > 0
    accuracy = both[both["metric"] == "balanced_accuracy"]
    assert (accuracy["value_one"] - accuracy["value_two"]).abs().max() <= 1.0
    # only rank 0 wrote: one run directory per run, each sealed once
    assert sorted(p.name for p in (tmp_path / "two" / "runs").iterdir()) == [
        "latent__comm__seed0", "latent__cross__seed0"]


if __name__ == "__main__":
    _worker(Path(sys.argv[1]), sys.argv[2])
