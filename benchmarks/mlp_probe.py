"""Which MLP to probe with: scikit-learn's MLPClassifier or a torch MLP, and what the probe costs.

Part 1 trains the same MLP twice per backend, alternately, on the same standardised embeddings:
hidden layers of ``--width`` ReLU units, Adam (step 3e-3, batches of 128), L2 penalty 1e-3 on
the weights (scikit-learn's ``alpha``; in torch the equal gradient term alpha / batch size, on
the weights only), ``--epochs`` epochs, one thread. Per backend and repeat it prints the seconds
of one fit, whether a second fit with the same seed gives bit-identical probabilities, and the
training accuracy. Part 2 times :func:`pid_bench.mlp_probe.probe_classification_mlp` (default
settings: 12 capacities and penalties, early stopping, refit) against the linear probe
:func:`pid_bench.evaluate.probe_classification` on the same task, and prints what each
captures.

The embeddings: ``--n`` samples of ``--dim`` standard normal coordinates. The label has 4
classes, 2 bits: one bit is the XOR of the signs of the first two coordinates (no linear map
reads it), the other the sign of the third (a linear map reads it).

Part 3 (with ``--config`` and ``--runs``) probes trained models: for every method of the config
whose run directory under ``--runs`` holds a checkpoint (seed ``--seed``), and for the config's
first method untrained (its initial weights at that seed), the embeddings of ``train`` and
``test`` are probed for ``--tasks`` with both probes (default settings), and it prints balanced
accuracy, captured bits and their fraction of the task's ground-truth total.

Usage::

    python benchmarks/mlp_probe.py                      # a few minutes on 2 loaded cores
    python benchmarks/mlp_probe.py --repeats 1 --n 1000
    pid-bench run CONFIG --out OUT                      # then, part 3 alone:
    python benchmarks/mlp_probe.py --config CONFIG --runs OUT --repeats 0
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from pid_bench.evaluate import _standardise, probe_classification
from pid_bench.experiment import load_config
from pid_bench.experiment.building import build_dataset, build_method
from pid_bench.mlp_probe import probe_classification_mlp
from pid_bench.train import CHECKPOINT_NAME, embed

LR, BATCH, ALPHA, CLASSES = 3e-3, 128, 1e-3, 4


def task(n: int, dim: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings (n, dim) and the 4-class label of the module docstring."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, dim))
    y = ((z[:, 0] > 0) ^ (z[:, 1] > 0)).astype(int) * 2 + (z[:, 2] > 0)
    return z, y


def fit_sklearn(z: np.ndarray, y: np.ndarray, width: int, epochs: int) -> np.ndarray:
    """Training-set probabilities after ``epochs`` epochs of scikit-learn's MLP."""
    model = MLPClassifier(hidden_layer_sizes=(width,), alpha=ALPHA, batch_size=BATCH,
                          learning_rate_init=LR, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(epochs):
            model.partial_fit(z, y, classes=np.arange(CLASSES))
    return model.predict_proba(z)


def fit_torch(z: np.ndarray, y: np.ndarray, width: int, epochs: int) -> np.ndarray:
    """Training-set probabilities after ``epochs`` epochs of the same MLP in torch."""
    x, t = torch.from_numpy(z).float(), torch.from_numpy(y)
    order = torch.Generator().manual_seed(0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Linear(z.shape[1], width), torch.nn.ReLU(),
                                  torch.nn.Linear(width, CLASSES))
    weights = [p for p in net.parameters() if p.ndim == 2]
    biases = [p for p in net.parameters() if p.ndim == 1]
    optimiser = torch.optim.Adam([{"params": weights, "weight_decay": ALPHA / BATCH},
                                  {"params": biases, "weight_decay": 0.0}], lr=LR)
    for _ in range(epochs):
        perm = torch.randperm(len(t), generator=order)
        for start in range(0, len(t), BATCH):
            index = perm[start:start + BATCH]
            loss = torch.nn.functional.cross_entropy(net(x[index]), t[index])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    with torch.no_grad():
        return torch.softmax(net(x), dim=1).numpy()


def backends(n: int, dim: int, width: int, epochs: int, repeats: int) -> pd.DataFrame:
    """Part 1: one row per (repeat, backend)."""
    z, y = task(n, dim)
    (z,) = _standardise(z)
    fits: dict[str, Callable[..., np.ndarray]] = {"sklearn": fit_sklearn, "torch": fit_torch}
    rows = []
    for repeat in range(repeats):
        for name, fit in fits.items():
            began = time.perf_counter()
            first = fit(z, y, width, epochs)
            seconds = time.perf_counter() - began
            rows.append({"repeat": repeat, "backend": name, "seconds": round(seconds, 2),
                         "deterministic": bool(np.array_equal(first, fit(z, y, width, epochs))),
                         "train_accuracy": round(float(np.mean(first.argmax(1) == y)), 3)})
    return pd.DataFrame(rows)


def probes(n: int, dim: int) -> pd.DataFrame:
    """Part 2: the MLP probe against the linear probe, half of the samples to fit."""
    z, y = task(2 * n, dim, seed=1)
    rows = []
    for name, probe in (("linear", probe_classification), ("mlp", probe_classification_mlp)):
        began = time.perf_counter()
        out = probe(z[:n], y[:n], z[n:], y[n:], n_classes=CLASSES)
        rows.append({"probe": name, "seconds": round(time.perf_counter() - began, 1),
                     "balanced_accuracy": round(out["balanced_accuracy"], 1),
                     "captured_bits": round(out["captured_bits"], 3),
                     "entropy_bits": round(out["entropy_bits"], 3),
                     "choice": {k: out[k] for k in ("c", "width", "depth", "alpha", "epochs")
                                if k in out}})
    return pd.DataFrame(rows)


def trained(config: str, runs: str, seed: int, tasks: list[str]) -> pd.DataFrame:
    """Part 3: both probes on the embeddings of the runs' checkpoints and of an untrained model."""
    grid = load_config(config)
    rows = []
    for spec in grid.datasets:
        data = build_dataset(spec)
        models = [(f"{grid.methods[0].label} (untrained)", grid.methods[0], None)]
        models += [(m.label, m, f"{runs}/runs/{spec.label}__{m.label}__seed{seed}/{CHECKPOINT_NAME}")
                   for m in grid.methods]
        for label, method, checkpoint in models:
            model = build_method(method, spec, data, seed=seed)
            if checkpoint is not None:
                if not os.path.exists(checkpoint):
                    continue
                state = torch.load(checkpoint, map_location="cpu", weights_only=True)
                model.load_state_dict(state["model"])
            model.eval()
            z = {s: embed(model, data.split(s), device="cpu") for s in ("train", "test")}
            for task in tasks:
                y = {s: np.asarray(data.tasks[task])[data.split_of == s] for s in z}
                total = float(data.ground_truth.loc[task, "total"])
                for name, probe in (("linear", probe_classification),
                                    ("mlp", probe_classification_mlp)):
                    out = probe(z["train"], y["train"], z["test"], y["test"],
                                n_classes=int(data.n_classes[task]), seed=seed)
                    rows.append({"dataset": spec.label, "model": label, "task": task,
                                 "probe": name,
                                 "balanced_accuracy": round(out["balanced_accuracy"], 2),
                                 "captured_bits": round(out["captured_bits"], 3),
                                 "gt_total": round(total, 3),
                                 "fraction": round(out["captured_bits"] / total, 2)})
                    print(pd.DataFrame(rows[-1:]).to_string(index=False, header=len(rows) == 1),
                          flush=True)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="samples (default 2000)")
    parser.add_argument("--dim", type=int, default=64, help="embedding width (default 64)")
    parser.add_argument("--width", type=int, default=64, help="hidden width (default 64)")
    parser.add_argument("--epochs", type=int, default=100, help="epochs per fit (default 100)")
    parser.add_argument("--repeats", type=int, default=2,
                        help="repeats of part 1; 0 skips parts 1 and 2 (default 2)")
    parser.add_argument("--config", help="part 3: the grid config of --runs")
    parser.add_argument("--runs", help="part 3: the results directory of --config")
    parser.add_argument("--seed", type=int, default=0, help="part 3: the runs' seed (default 0)")
    parser.add_argument("--tasks", default="synergy,synergy_xor",
                        help="part 3: comma-separated tasks (default synergy,synergy_xor)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    print(f"# load average before: {os.getloadavg()}")
    with threadpool_limits(limits=1):
        if args.repeats > 0:
            table = backends(args.n, args.dim, args.width, args.epochs, args.repeats)
            print(table.to_string(index=False))
            mean = table.groupby("backend")["seconds"].mean()
            print(f"# torch / sklearn time, mean over repeats: "
                  f"{mean['torch'] / mean['sklearn']:.2f}")
            print(probes(args.n, args.dim).to_string(index=False))
        if args.config and args.runs:
            trained(args.config, args.runs, args.seed, args.tasks.split(","))
    print(f"# load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
