"""The latent uniqueness sweep: variants are well-formed, and tiny runs go end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest


@pytest.fixture(scope="module")
def sweep(load_benchmark):
    return load_benchmark("latent_uniqueness")


def test_variants_change_only_known_settings(sweep):
    for name, changes in sweep.VARIANTS.items():
        assert set(changes) <= set(sweep.BASE), name
        assert changes["method"] in {"comm", "cross", "cross_self", "random"}, name
        assert name.split("_")[0] in {"table", "pairs", "rotation"}, name


def test_tiny_runs_report_every_task(sweep, tmp_path):
    sizes = json.dumps({"n_pretrain": 64, "n_train": 120, "n_test": 120})
    lines = sweep.main(["--only", "table_random,pairs_noise_0.3_cross,rotation_comm_15_epochs",
                        "--sizes", sizes, "--out", str(tmp_path / "u.jsonl")])
    assert [line["variant"] for line in lines] == ["table_random", "pairs_noise_0.3_cross",
                                                   "rotation_comm_15_epochs"]
    for line in lines:
        assert {"redundancy", "unique1", "unique2", "synergy", "synergy_xor"} == set(line["accuracy"])
        assert all(0 <= a <= 100 for a in line["accuracy"].values())
        assert set(line["variance_share"]) == {"r", "u1", "u2", "s1", "s2"}
        assert all(0 <= s <= 100 for s in line["variance_share"].values())
    assert lines[0]["learned_temperature"] is None                 # random: no temperature
    assert 0 < lines[1]["learned_temperature"] < 1                 # cross: exp(-logit_scale)
    assert lines[1]["data"] == {"mixing": "pairs", "depth": 0, "noise": 0.3}
    assert lines[2]["data"] == {"unique_code": "rotation", "noise": 0.1}
    with pytest.raises(SystemExit):
        sweep.main(["--only", "nope"])


def test_variance_share_against_hand_computed_values(sweep):
    # Two groups in 2-D: group means (1, 0) and (-1, 0) around the overall mean 0, within-group
    # spread +-2 on the second axis only. Between: 4 samples x 1 = 4; total: 4 + 4 x 4 = 20.
    z = np.array([[1.0, 2.0], [1.0, -2.0], [-1.0, 2.0], [-1.0, -2.0]])
    assert sweep.variance_share(z, np.array([0, 0, 1, 1])) == pytest.approx(4 / 20)
    assert sweep.variance_share(z, np.array([0, 1, 0, 1])) == pytest.approx(16 / 20)
    assert sweep.variance_share(z, np.array([5, 5, 5, 5])) == pytest.approx(0.0)
    assert sweep.variance_share(z, np.arange(4)) == pytest.approx(1.0)


def test_variance_share_refuses_what_it_cannot_measure(sweep):
    z = np.ones((4, 2))
    with pytest.raises(ValueError, match="no variance"):
        sweep.variance_share(z, np.array([0, 0, 1, 1]))
    with pytest.raises(ValueError, match=r"received shapes \(4, 2\) and \(3,\)"):
        sweep.variance_share(z, np.array([0, 1, 1]))
    with pytest.raises(ValueError, match="finite"):
        sweep.variance_share(np.array([[0.0], [np.nan]]), np.array([0, 1]))
