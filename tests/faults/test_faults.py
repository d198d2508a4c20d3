"""Fault injection on a results directory: each test breaks a copy of a finished grid and
states its promise, *identical results* or *a clear error and nothing changed* (see
conftest.py). The default run holds one case of each kind of fault; ``-m slow`` runs every
file, every cut and every write that a full disk can fail, and the faults that need real
processes or mounts.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys

import numpy as np
import pytest
import yaml

from pid_bench.results_dir import writer_lock
from synthetic.latent import make_latent

#: (file of a run, damage): "line" / "mid" cut it at a line boundary / inside a record,
#: "edit" changes one digit (of a spec: one setting) and keeps the file well-formed.
DAMAGES = [(name, how) for name in ("results.csv", "training.csv", "ground_truth.csv",
                                    "spec.json", "done.json")
           for how in ("line", "mid", "delete", "edit")
           if (name, how) not in {("done.json", "delete"), ("done.json", "edit")}]
FAST_DAMAGES = {("results.csv", "line"), ("results.csv", "mid"), ("spec.json", "delete"),
                ("done.json", "mid")}


def _run(kit, config, out, *flags):
    return kit.cli("run", str(config), "--out", str(out), "--quiet", *flags)


@pytest.mark.parametrize("name, how", [
    pytest.param(n, h, marks=() if (n, h) in FAST_DAMAGES else pytest.mark.slow)
    for n, h in DAMAGES])
def test_a_damaged_run_is_named_and_rerun_invalid_restores_it(kit, copy, pristine, name, how):
    """Promise: a clear error and nothing changed; then, with --rerun-invalid, identical
    results (re-probed from the run's own checkpoint)."""
    out, config = copy
    target = out / kit.RUN / name
    if how == "delete":
        target.unlink()
    elif how == "edit" and name == "spec.json":
        spec = json.loads(target.read_text())
        target.write_text(json.dumps({**spec, "embed_batch_size": 7}, indent=2))
    elif how == "edit":
        header, body = target.read_text().split("\n", 1)
        digit = next(c for c in body if c.isdigit())
        target.write_text(f"{header}\n{body.replace(digit, str((int(digit) + 1) % 10), 1)}")
    else:
        kit.cut(target, how)
    before = kit.snapshot(out)
    status, printed, err = _run(kit, config, out)
    kit.assert_clear_error(status, err, "run latent__cross__seed0", name, "--rerun-invalid")
    assert printed == "" and kit.snapshot(out) == before
    status, _, err = _run(kit, config, out, "--rerun-invalid")
    assert status == 0, err
    kit.same_tables(out, pristine)


def test_a_deleted_done_marker_reruns_the_run_to_identical_results(kit, copy, pristine):
    """Promise: identical results (the run is unfinished, and resumes at its last epoch)."""
    out, config = copy
    (out / kit.RUN / "done.json").unlink()
    status, _, err = _run(kit, config, out)
    assert status == 0, err
    kit.same_tables(out, pristine)


@pytest.mark.parametrize("name, how", [
    ("results.csv", "mid"),
    pytest.param("results.csv", "line", marks=pytest.mark.slow),
    pytest.param("training.csv", "delete", marks=pytest.mark.slow),
    pytest.param("ground_truth.csv", "mid", marks=pytest.mark.slow),
    pytest.param("config.yaml", "delete", marks=pytest.mark.slow),
    pytest.param("environment.json", "mid", marks=pytest.mark.slow),
    pytest.param("runs/latent__cross__seed0/checkpoint.pt", "delete", marks=pytest.mark.slow),
])
def test_damaged_directory_files_are_rebuilt_from_the_runs(kit, copy, pristine, name, how):
    """Promise: identical results (the tables are rebuilt from the verified runs)."""
    out, config = copy
    if how == "delete":
        (out / name).unlink()
    else:
        kit.cut(out / name, how)
    status, _, err = _run(kit, config, out)
    assert status == 0, err
    kit.same_tables(out, pristine)


def test_specs_deleted_and_a_changed_config_is_refused(kit, copy):
    """The issue's silent case (every spec.json deleted, rerun with other epochs). Promise: a
    clear error and nothing changed."""
    out, config = copy
    for spec in out.glob("runs/*/spec.json"):
        spec.unlink()
    before = kit.snapshot(out)
    status, _, err = _run(kit, config, out, "--epochs", "5")
    kit.assert_clear_error(status, err, "latent__cross__seed0", "made with a different config")
    assert kit.snapshot(out) == before


def test_a_subset_rerun_keeps_every_run_in_the_tables(kit, copy, pristine):
    """Promise: identical results: the tables hold every finished run of the directory, and
    every grid's config is kept."""
    out, config = copy
    status, printed, err = _run(kit, config, out, "--seeds", "1")
    assert status == 0, err
    kit.same_tables(out, pristine)
    assert "(16 rows)" in printed
    assert yaml.safe_load((out / "config.yaml").read_text())["seeds"] == [1]
    kept = [yaml.safe_load(p.read_text())["seeds"] for p in (out / "configs").glob("*.yaml")]
    assert sorted(kept) == [[0, 1], [1]]


def test_other_settings_under_the_same_labels_are_refused(kit, copy):
    """A new seed trained with other epochs would join the old seeds' rows under one label.
    Promise: a clear error (naming the setting) and nothing changed."""
    out, config = copy
    before = kit.snapshot(out)
    status, _, err = _run(kit, config, out, "--seeds", "2", "--epochs", "1")
    kit.assert_clear_error(status, err, "other settings for method 'cross' on dataset "
                                        "'latent'", "train.epochs: 2 there, 1 here")
    assert kit.snapshot(out) == before


def test_a_second_writer_is_refused(kit, copy):
    """Promise: a clear error (naming the writer) and nothing changed."""
    out, config = copy
    before = kit.snapshot(out)
    with writer_lock(out):
        status, _, err = _run(kit, config, out)
    kit.assert_clear_error(status, err, f"another pid-bench run (pid {os.getpid()}, started ",
                           f"is writing {out}")
    assert kit.snapshot(out) == before


def test_the_lock_ends_with_its_holder(kit, copy, pristine):
    """A writer killed outright (kill -9) leaves no stale lock. Promise: identical results."""
    out, config = copy
    (out / kit.RUN / "done.json").unlink()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
                               "from pid_bench.results_dir import writer_lock\n"
                               f"with writer_lock(Path({str(out)!r})):\n"
                               "    print('locked', flush=True); time.sleep(120)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        status, _, err = _run(kit, config, out)
        kit.assert_clear_error(status, err, f"pid {holder.pid}")
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    status, _, err = _run(kit, config, out)
    assert status == 0, err
    kit.same_tables(out, pristine)


def test_a_finished_grid_reads_in_a_read_only_directory(kit, copy, pristine):
    """Promise: the tables are read and printed, and no write is tried but the lock's."""
    out, config = copy
    before = kit.snapshot(out)
    guard = kit.read_only(out)
    status, printed, err = _run(kit, config, out)
    assert status == 0, err
    assert "latent redundancy  cross      2" in printed and "(16 rows)" in printed
    assert guard.attempts == [str(out / ".pid-bench.lock")]
    assert kit.snapshot(out) == before


def test_a_read_only_directory_with_runs_to_do_is_a_clear_error(kit, copy):
    """Promise: a clear error and nothing changed."""
    out, config = copy
    (out / kit.RUN / "done.json").unlink()
    before = kit.snapshot(out)
    kit.read_only(out)
    status, _, err = _run(kit, config, out)
    kit.assert_clear_error(status, err, f"results directory {out} cannot be written (Read-only "
                                        f"file system)", "1 of the grid's 2 runs are not "
                                        "finished", "another --out")
    assert kit.snapshot(out) == before


@pytest.mark.parametrize("failing", [5, *(pytest.param(k, marks=pytest.mark.slow)
                                          for k in range(1, 30) if k != 5)])
def test_a_full_disk_is_a_clear_error_and_a_rerun_recovers(kit, pristine, tmp_path,
                                                            monkeypatch, failing):
    """From the ``failing``-th atomic write on (the 5th: the first checkpoint), every one fails
    with ENOSPC. Promise: a clear error (naming a file of the directory and disk space) and no
    temporary file left; then, with space again, identical results."""
    config, out = kit.write_grid(tmp_path / "grid.yaml"), tmp_path / "out"
    calls = []
    real = os.fsync

    def fsync(fd):
        calls.append(fd)
        if len(calls) >= failing:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    status, _, err = _run(kit, config, out)
    if len(calls) < failing:  # the grid made fewer writes than that
        assert status == 0, err
        return
    kit.assert_clear_error(status, err, "No space left on device", f"{out}{os.sep}",
                           "free disk space")
    assert not [p for p in out.rglob("*") if ".tmp" in p.name]
    monkeypatch.setattr(os, "fsync", real)
    status, _, err = _run(kit, config, out)
    assert status == 0, err
    kit.same_tables(out, pristine)


def test_a_truncated_dataset_file_is_a_clear_error(kit, tmp_path):
    """Promise: a clear error (naming the file) and nothing written."""
    data = make_latent(n_pretrain=64, n_train=120, n_test=120, dim=6, embed_dim=4,
                       mixtures=[], seed=0)
    path = tmp_path / "data.npz"
    data.save(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    grid = {**kit.GRID, "datasets": [{"name": "file", "args": {"path": str(path)},
                                      "augment": "none"}]}
    config = kit.write_grid(tmp_path / "grid.yaml", grid)
    status, _, err = _run(kit, config, tmp_path / "out")
    kit.assert_clear_error(status, err, f"cannot read dataset file '{path}'", "truncated",
                           "write it again")
    assert not (tmp_path / "out").exists()


def test_a_binary_config_is_a_clear_error(kit, tmp_path):
    """Promise: a clear error (naming the file) and nothing written."""
    config = tmp_path / "grid.yaml"
    config.write_bytes(np.random.default_rng(0).bytes(256))
    status, _, err = _run(kit, config, tmp_path / "out")
    kit.assert_clear_error(status, err, f"config file '{config}' is not UTF-8 text")
    assert not (tmp_path / "out").exists()


def test_a_truncated_checkpoint_is_a_clear_error(kit, copy, pristine):
    """An unfinished run whose checkpoint is cut. Promise: a clear error (naming the
    checkpoint and the fix) and the run's files unchanged; once it is deleted, identical
    results."""
    out, config = copy
    run = out / "runs" / "latent__cross__seed1"
    for name in ("done.json", *kit.TABLES):
        (run / name).unlink()
    kit.cut(run / "checkpoint.pt", "mid")
    before = kit.snapshot(run)
    status, _, err = _run(kit, config, out)
    kit.assert_clear_error(status, err, f"cannot read checkpoint '{run / 'checkpoint.pt'}'",
                           "delete it to start again")
    assert kit.snapshot(run) == before
    (run / "checkpoint.pt").unlink()
    status, _, err = _run(kit, config, out)
    assert status == 0, err
    kit.same_tables(out, pristine)


@pytest.mark.parametrize("fault, message", [
    ("cut results.csv", "results.csv does not hold exactly the 2 finished runs"),
    ("cut run", "run latent__cross__seed0"),
    ("binary config", "config.yaml is not UTF-8 text"),
    ("text config", "config.yaml is not a pid-bench config (a YAML mapping)"),
    ("cut environment", "environment.json is not valid JSON"),
])
def test_report_refuses_a_damaged_directory(kit, copy, fault, message):
    """Promise: a clear error and nothing written (no report)."""
    out, _ = copy
    if fault == "cut results.csv":
        kit.cut(out / "results.csv", "line")
    elif fault == "cut run":
        kit.cut(out / kit.RUN / "results.csv", "mid")
    elif fault == "binary config":
        (out / "config.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    elif fault == "text config":
        (out / "config.yaml").write_text("just some words, not a config\n")
    else:
        kit.cut(out / "environment.json", "mid")
    status, _, err = kit.cli("report", str(out), "--format", "md", "--dpi", "10",
                             "--figure-formats", "png")
    kit.assert_clear_error(status, err, message)
    assert not (out / "report").exists()


def test_report_says_which_runs_it_shows(kit, copy):
    out, _ = copy
    status, _, err = kit.cli("report", str(out), "--format", "md", "--dpi", "10",
                             "--figure-formats", "png")
    assert status == 0, err
    assert ("Runs shown: all 2 finished runs of runs/, each checked against the digests of its "
            "done.json (latent / cross: seeds 0, 1).") in (out / "report" / "report.md").read_text()


# ---------------------------------------------------------------------------- real processes
def _pid_bench(*argv, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "pid_bench.cli", *argv],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


@pytest.mark.slow
@pytest.mark.parametrize("epochs", [2, 5])
def test_two_runners_at_once(kit, pristine, tmp_path, epochs):
    """Two `pid-bench run` into one new directory, started together, the second with the same
    (2) or other (5) epochs. Promise: one trains, the other ends in a clear error; the
    directory then holds only the first's runs, and a rerun with the first's config gives
    identical results."""
    config, out = kit.write_grid(tmp_path / "grid.yaml"), tmp_path / "out"
    first = _pid_bench("run", str(config), "--out", str(out), "--quiet")
    second = _pid_bench("run", str(config), "--out", str(out), "--quiet", "--epochs",
                        str(epochs))
    results = [p.communicate(timeout=600) for p in (first, second)]
    codes = sorted((first.returncode, second.returncode))
    assert codes == [0, 2], results
    refused = results[[first.returncode, second.returncode].index(2)][1]
    kit.assert_clear_error(2, refused, "another pid-bench run (pid ", f"is writing {out}")
    winner = 2 if first.returncode == 0 else epochs
    specs = [yaml.safe_load(p.read_text())["train"]["epochs"]
             for p in out.glob("runs/*/spec.json")]
    assert specs == [winner] * len(specs)
    if winner == 2:
        status, _, err = _run(kit, config, out)
        assert status == 0, err
        kit.same_tables(out, pristine)
    else:
        status, _, err = _run(kit, config, out)
        kit.assert_clear_error(status, err, "made with a different config")


def _unshare() -> bool:
    try:
        return subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode == 0
    except OSError:
        return False


needs_unshare = pytest.mark.skipif(not _unshare(), reason="needs unprivileged `unshare -rm` "
                                                          "(user and mount namespaces)")


@pytest.mark.slow
@needs_unshare
def test_a_real_read_only_mount(kit, copy, pristine):
    """The directory bind-mounted read-only (EROFS from the kernel, in a mount namespace).
    Promise: a finished grid is read and printed; with a run to do, a clear error; nothing
    changed either way."""
    out, config = copy
    before = kit.snapshot(out)

    def read_only_run():
        script = (f"mount --bind {out} {out} && mount -o remount,ro,bind {out} && "
                  f"exec {sys.executable} -m pid_bench.cli run {config} --out {out} --quiet")
        return subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True,
                              text=True, timeout=600)

    done = read_only_run()
    assert done.returncode == 0, done.stderr
    assert "(16 rows)" in done.stdout and kit.snapshot(out) == before
    (out / kit.RUN / "done.json").unlink()
    before = kit.snapshot(out)
    todo = read_only_run()
    kit.assert_clear_error(todo.returncode, todo.stderr, "Read-only file system",
                           "1 of the grid's 2 runs are not finished")
    assert kit.snapshot(out) == before


@pytest.mark.slow
@needs_unshare
def test_a_real_full_disk(kit, pristine, tmp_path):
    """The directory on a 96 KiB tmpfs (ENOSPC from the kernel, checkpoints included).
    Promise: a clear error naming disk space; copied out and rerun with space, identical
    results."""
    config, out = kit.write_grid(tmp_path / "grid.yaml"), tmp_path / "out"
    out.mkdir()
    saved = tmp_path / "saved"
    script = (f"mount -t tmpfs -o size=96k tmpfs {out} && "
              f"{sys.executable} -m pid_bench.cli run {config} --out {out} --quiet; "
              f"status=$?; cp -a {out} {saved}; exit $status")
    full = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True,
                          text=True, timeout=600)
    kit.assert_clear_error(full.returncode, full.stderr, "No space left on device",
                           "free disk space")
    shutil.rmtree(out)
    saved.rename(out)
    assert not [p for p in out.rglob("*") if ".tmp" in p.name]
    status, _, err = _run(kit, config, out)
    assert status == 0, err
    kit.same_tables(out, pristine)
