"""Tests of pid_bench.experiment.provenance: what environment.json records."""

from __future__ import annotations

import json
import os

from pid_bench.experiment.provenance import environment


def test_environment_records_versions_cpu_device_and_commit():
    env = environment("cpu")
    assert {"python", "platform", "cpu", "cpu_count", "device", "packages", "git_commit",
            "git_dirty"} <= set(env)
    assert env["device"] == "cpu" and env["cpu_count"] == os.cpu_count()
    assert env["packages"]["numpy"] and env["packages"]["pandas"]
    assert env["git_commit"] is None or len(env["git_commit"]) == 40
    json.dumps(env)  # plain data
