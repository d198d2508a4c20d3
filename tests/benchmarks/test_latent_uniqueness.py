"""The latent uniqueness sweep: variants are well-formed, and tiny runs go end to end."""

from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="module")
def sweep(load_benchmark):
    return load_benchmark("latent_uniqueness")


def test_variants_change_only_known_settings(sweep):
    for name, changes in sweep.VARIANTS.items():
        assert set(changes) <= set(sweep.BASE), name
        assert changes["method"] in {"comm", "cross", "random"}, name


def test_tiny_runs_report_every_task(sweep, tmp_path):
    sizes = json.dumps({"n_pretrain": 64, "n_train": 120, "n_test": 120})
    lines = sweep.main(["--only", "default_random,pairs_noise_0.3_cross", "--sizes", sizes,
                        "--out", str(tmp_path / "u.jsonl")])
    assert [line["variant"] for line in lines] == ["default_random", "pairs_noise_0.3_cross"]
    for line in lines:
        assert {"redundancy", "unique1", "unique2", "synergy", "synergy_xor"} == set(line["accuracy"])
        assert all(0 <= a <= 100 for a in line["accuracy"].values())
    assert lines[1]["data"] == {"mixing": "pairs", "depth": 0, "noise": 0.3}
    with pytest.raises(SystemExit):
        sweep.main(["--only", "nope"])
