"""Small, realistic fixture tables in the formats the runner and the benchmarks write.

Results (contract C, schema of docs/architecture.md "Result tables"): two datasets, methods
comm, cross and cross_self, five tasks, three seeds, probes after epochs 1..4, metrics
balanced accuracy, captured bits and captured fraction. Values are drawn from a seeded
generator around capture rates that mimic CoMM's findings (cross-modal methods capture
redundancy only, CoMM also synergy); their exact values matter only through the tables.
"""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pandas as pd
import pytest
import yaml

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (after choosing the headless backend)

DATASETS = {
    # task -> (n_classes, redundancy, unique1, unique2, synergy), bits
    "latent_bits": {
        "redundancy": (4, 2.0, 0.0, 0.0, 0.0),
        "unique1": (4, 0.0, 2.0, 0.0, 0.0),
        "unique2": (2, 0.0, 0.0, 1.0, 0.0),
        "synergy": (2, 0.0, 0.0, 0.0, 0.468996),
        "synergy_xor": (2, 0.0, 0.0, 0.0, 1.0),
    },
    "trifeature_small": {
        "redundancy": (10, 3.321928, 0.0, 0.0, 0.0),
        "unique1": (10, 0.0, 3.321928, 0.0, 0.0),
        "unique2": (10, 0.0, 0.0, 3.321928, 0.0),
        "synergy": (2, 0.0, 0.0, 0.0, 0.468996),
        "synergy_xor": (2, 0.0, 0.0, 0.0, 1.0),
    },
}
#: Fraction of each task's information captured at the final epoch, per method.
CAPTURE = {
    "comm": {"redundancy": 0.97, "unique1": 0.88, "unique2": 0.85, "synergy": 0.62,
             "synergy_xor": 0.74},
    "cross": {"redundancy": 0.99, "unique1": 0.06, "unique2": 0.05, "synergy": 0.02,
              "synergy_xor": 0.01},
    "cross_self": {"redundancy": 0.96, "unique1": 0.83, "unique2": 0.80, "synergy": 0.03,
                   "synergy_xor": 0.02},
}
SEEDS = (0, 1, 2)
EPOCHS = (1, 2, 3, 4)
ATOMS = ("redundancy", "unique1", "unique2", "synergy")


def make_ground_truth() -> pd.DataFrame:
    rows = []
    for dataset, tasks in DATASETS.items():
        for task, (_, *atoms) in tasks.items():
            rows.append({"dataset": dataset, "task": task, **dict(zip(ATOMS, atoms)),
                         "total": float(sum(atoms))})
    return pd.DataFrame(rows)


def make_results() -> pd.DataFrame:
    rng = np.random.default_rng(20250101)
    rows = []
    for dataset, tasks in DATASETS.items():
        for method, rates in CAPTURE.items():
            for seed in SEEDS:
                for epoch in EPOCHS:
                    growth = (1 - np.exp(-epoch / 1.5)) / (1 - np.exp(-EPOCHS[-1] / 1.5))
                    for task, (k, *atoms) in tasks.items():
                        total = float(sum(atoms))
                        frac = float(np.clip(rates[task] * growth + rng.normal(0, 0.03), 0, 1))
                        chance = 100.0 / k
                        gt = {f"gt_{a}": v for a, v in zip(ATOMS, atoms)} | {"gt_total": total}
                        base = {"dataset": dataset, "task": task, "method": method,
                                "seed": seed, "epoch": epoch, **gt}
                        rows.append(base | {"metric": "balanced_accuracy",
                                            "value": chance + (100 - chance) * frac ** 0.7,
                                            "unit": "%", "chance": chance})
                        rows.append(base | {"metric": "captured_bits", "value": frac * total,
                                            "unit": "bits", "chance": 0.0})
                        rows.append(base | {"metric": "captured_fraction", "value": frac,
                                            "unit": "fraction", "chance": 0.0})
    return pd.DataFrame(rows)


#: Methods probed by the MLP too in ``make_results_both``, and the seeds each was probed at.
MLP_SEEDS = {"comm": SEEDS, "cross": SEEDS[:1]}


def make_results_both() -> pd.DataFrame:
    """``make_results()`` plus MLP-probe rows (suffix ``_mlp``) for ``MLP_SEEDS``, as a run with
    ``probe: {kind: both}`` writes them: the MLP reads a seeded 0-10 % more of each task."""
    results = make_results()
    rng = np.random.default_rng(11)
    probed = results["metric"].isin(["balanced_accuracy", "captured_bits", "captured_fraction"])
    rows = []
    for method, seeds in MLP_SEEDS.items():
        part = results[probed & (results["method"] == method)
                       & results["seed"].isin(seeds)].copy()
        gain = 1 + rng.uniform(0, 0.1, len(part))
        part["value"] = np.where(part["metric"] == "balanced_accuracy",
                                 np.minimum(part["value"] * gain, 100.0), part["value"] * gain)
        rows.append(part.assign(metric=part["metric"] + "_mlp"))
    return pd.concat([results, *rows], ignore_index=True)


def make_training() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for dataset in DATASETS:
        for i, method in enumerate(CAPTURE):
            for seed in SEEDS:
                for epoch in EPOCHS:
                    loss = 4.0 - 0.3 * i - 0.5 * np.log(epoch) + rng.normal(0, 0.05)
                    seconds = 2.0 + rng.uniform(0, 0.2)
                    rows.append({"dataset": dataset, "method": method, "seed": seed,
                                 "epoch": epoch, "loss": loss, "seconds": seconds,
                                 "pairs_per_second": 2000 / seconds})
    return pd.DataFrame(rows)


def make_accuracy() -> pd.DataFrame:
    """Contract D: estimator accuracy benchmark table."""
    rng = np.random.default_rng(3)
    rows = []
    truths = {"mixed": (0.5, 0.2, 0.1, 0.3), "redundant": (1.0, 0.0, 0.0, 0.1)}
    for estimator, bias in (("gaussian_mmi", 0.0), ("gaussian_broja", 0.02), ("cluster", 0.1)):
        for family in ("gaussian", "latent"):
            for dataset, truth in truths.items():
                for n in (200, 1000, 5000):
                    for seed in SEEDS:
                        for atom, true in zip(ATOMS, truth):
                            est = true + bias + rng.normal(0, 2.0 / np.sqrt(n))
                            rows.append({"estimator": estimator, "family": family,
                                         "dataset": dataset, "n": n, "d": 2, "seed": seed,
                                         "atom": atom, "true": true, "estimate": est,
                                         "abs_error": abs(est - true),
                                         "seconds": 1e-4 * n * (1 + bias)})
    return pd.DataFrame(rows)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def results() -> pd.DataFrame:
    return make_results()


@pytest.fixture(scope="session")
def results_both() -> pd.DataFrame:
    return make_results_both()


@pytest.fixture(scope="session")
def ground_truth() -> pd.DataFrame:
    return make_ground_truth()


@pytest.fixture(scope="session")
def training() -> pd.DataFrame:
    return make_training()


@pytest.fixture(scope="session")
def accuracy() -> pd.DataFrame:
    return make_accuracy()


def write_results_dir(path, results: pd.DataFrame, ground_truth: pd.DataFrame,
                      training: pd.DataFrame):
    """A results directory laid out as contract C describes."""
    path.mkdir(parents=True, exist_ok=True)
    config = {"datasets": list(DATASETS), "methods": list(CAPTURE), "seeds": list(SEEDS),
              "train": {"epochs": EPOCHS[-1], "batch_size": 64, "lr": 3e-4}}
    (path / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {"python": "3.12.0", "platform": "Linux-x86_64", "cpu": "test CPU",
           "device": "cpu", "git_commit": "abc1234",
           "packages": {"numpy": np.__version__, "pandas": pd.__version__}}
    (path / "environment.json").write_text(json.dumps(env), encoding="utf-8")
    results.to_csv(path / "results.csv", index=False)
    ground_truth.to_csv(path / "ground_truth.csv", index=False)
    training.to_csv(path / "training.csv", index=False)
    for dataset in DATASETS:
        for method in CAPTURE:
            for seed in SEEDS:
                run = path / "runs" / f"{dataset}__{method}__seed{seed}"
                run.mkdir(parents=True)
                (run / "done.json").write_text("{}", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def results_dir_factory():
    """``write_results_dir(path, results, ground_truth, training) -> path``."""
    return write_results_dir
