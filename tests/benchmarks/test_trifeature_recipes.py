"""The Trifeature recipe sweep: every variant is well-formed, and a tiny run goes end to end."""

from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="module")
def recipes(load_benchmark):
    return load_benchmark("trifeature_recipes")


def test_variants_change_only_known_settings(recipes):
    for name, changes in recipes.VARIANTS.items():
        assert set(changes) <= set(recipes.BASE), name
    assert recipes.VARIANTS["base"] == {}


def test_a_tiny_run_reports_every_task(recipes, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PID_BENCH_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "recipes.jsonl"
    sizes = json.dumps({"n_pretrain": 128, "n_train": 200, "n_test": 200})
    lines = recipes.main(["--only", "base,supervised_shape", "--sizes", sizes,
                          "--out", str(out), "--workers", "1"])
    assert sorted(line["variant"] for line in lines) == ["base", "supervised_shape"]
    for line in lines:
        assert set(line["accuracy"]) == {"redundancy", "unique1", "unique2", "synergy"}
        assert all(0 <= a <= 100 for a in line["accuracy"].values())
        assert line["seconds"] >= line["train_seconds"] > 0
    assert len(out.read_text().splitlines()) == 2
    with pytest.raises(SystemExit):
        recipes.main(["--only", "nope"])
    assert "unknown variants ['nope']" in capsys.readouterr().err
    for bad in ('{"seed": 1}', "not json", '{"n_train": 0}'):
        with pytest.raises(SystemExit):
            recipes.main(["--only", "base", "--sizes", bad])
        assert "--sizes must" in capsys.readouterr().err


def test_a_broken_variant_is_recorded_and_the_others_go_on(recipes, tmp_path, monkeypatch):
    monkeypatch.setitem(recipes.VARIANTS, "broken", {"hparams": {"no_such_option": 1}})
    monkeypatch.setenv("PID_BENCH_CACHE", str(tmp_path / "cache"))
    sizes = json.dumps({"n_pretrain": 128, "n_train": 200, "n_test": 200})
    lines = recipes.main(["--only", "broken,supervised_shape", "--sizes", sizes])
    assert lines[0]["variant"] == "broken" and "no_such_option" in lines[0]["error"]
    assert lines[1]["variant"] == "supervised_shape" and "accuracy" in lines[1]
