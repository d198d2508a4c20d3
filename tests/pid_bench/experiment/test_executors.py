"""Tests of pid_bench.experiment.executors: in-process, local pool, Dask and SLURM (submitit)
executors, and the check that remote workers reach the results directory."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import torch

from experiment_stand_in import tiny_config
from pid_bench.experiment import run_experiment
from pid_bench.experiment.config import ExecutorSpec
from pid_bench.experiment.executors import (
    InlineExecutor,
    SlurmExecutor,
    check_reach,
    reach_token,
    thread_limits,
)
from pid_bench.results_dir import ResultsDirError


def test_inline_executor_runs_at_submission_and_keeps_the_exception():
    executor = InlineExecutor()
    assert executor.submit(pow, 2, 5).result() == 32
    failed = executor.submit(int, "x")
    assert failed.done()
    with pytest.raises(ValueError, match="invalid literal"):
        failed.result()


def test_thread_limits_apply_inside_the_block_only():
    before = torch.get_num_threads()
    with thread_limits(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_a_worker_that_cannot_see_the_token_is_refused(tmp_path):
    token = reach_token(tmp_path)
    check_reach(token)  # the submitter's own machine sees it
    (tmp_path / ".pid-bench-reach").write_text("another grid")
    with pytest.raises(ResultsDirError, match="another grid's token"):
        check_reach(token)
    (tmp_path / ".pid-bench-reach").unlink()
    with pytest.raises(ResultsDirError, match=r"cannot reach the results directory .*no such "
                                              r"file.* must be on a filesystem shared with the "
                                              r"submitting machine"):
        check_reach(token)


def _fake_slurm(bin_dir: Path, log: Path) -> None:
    """sbatch, srun, scancel and sacct stand-ins: sbatch keeps the batch script it is given."""
    scripts = {
        "sbatch": f'cp "$1" {log}/script.sh; echo "Submitted batch job 4242"',
        "srun": "exit 0", "scancel": f'echo "$@" >> {log}/scancel', "sacct": "exit 0"}
    bin_dir.mkdir()
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_slurm_submits_one_job_array_with_the_run_s_resources(tmp_path, monkeypatch):
    pytest.importorskip("submitit")
    _fake_slurm(tmp_path / "bin", tmp_path)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    spec = ExecutorSpec(name="slurm", partition="gpu", time_min=90, cpus_per_run=4,
                        gpus_per_run=1, cluster="slurm")
    executor = SlurmExecutor(tmp_path / "slurm", spec, parallelism=2, poll=60)
    assert executor.cluster == "slurm"
    with executor.batch():
        jobs = [executor.submit(pow, 2, k) for k in range(3)]
    script = (tmp_path / "script.sh").read_text()
    for line in ("#SBATCH --array=0-2%2", "#SBATCH --partition=gpu", "#SBATCH --time=90",
                 "#SBATCH --cpus-per-task=4", "#SBATCH --gpus-per-node=1",
                 "#SBATCH --job-name=pid-bench", "#SBATCH --requeue",
                 "#SBATCH --signal=USR2@90"):
        assert line in script.splitlines(), line
    executor.shutdown(wait=False, cancel_futures=True)
    assert all(job.cancelled() for job in jobs)
    assert "4242" in (tmp_path / "scancel").read_text()


@pytest.mark.slow
def test_slurm_jobs_resolve_their_futures_with_submitit_s_local_executor(tmp_path):
    pytest.importorskip("submitit")
    executor = SlurmExecutor(tmp_path, ExecutorSpec(name="slurm", cluster="local"),
                             parallelism=2, poll=0.2)
    with executor.batch():
        jobs = [executor.submit(pow, 2, k) for k in range(3)]
    failed = executor.submit(int, "x")
    assert [job.result(timeout=120) for job in jobs] == [1, 2, 4]
    with pytest.raises(Exception, match="invalid literal"):
        failed.result(timeout=120)
    executor.shutdown()


def test_slurm_s_requeued_job_is_the_same_call():
    from pid_bench.experiment.executors import _Job

    job = _Job(pow)
    again = job.checkpoint(2, 3)
    assert again.function is job and again.args == (2, 3) and job(2, 3) == 8


def _grid(tmp_path, name, **executor):
    out = tmp_path / name
    config = tiny_config(seeds=[0, 1], threads=1, workers=2,
                         train={"epochs": 1, "batch_size": 32, "lr": 1e-2, "device": "cpu"},
                         executor={"name": name, **executor})
    run_experiment(config, out, progress=False)
    assert not (out / ".pid-bench-reach").exists()
    return (out / "results.csv").read_bytes()


@pytest.mark.slow
def test_local_dask_and_slurm_give_identical_tables(tmp_path):
    """The must-show of issue 19: one grid, three executors, byte-identical results.csv."""
    pytest.importorskip("distributed")
    pytest.importorskip("submitit")
    local = _grid(tmp_path, "local")
    assert local.count(b"\n") == 1 + 2 * 2 * 4   # 2 seeds x 2 tasks x 4 metrics
    assert _grid(tmp_path, "dask") == local
    assert _grid(tmp_path, "slurm", cluster="local") == local
