"""Which data and training make Cross drop the unique factors of latent vectors, and CoMM keep them?

``benchmarks/comm_latent.py`` asks Cross to be near chance (25 %) on ``unique1`` and ``unique2``,
as in CoMM's Trifeature table, and CoMM at 90 % or more. This sweep measures what decides it:
for each variant of the data (``synthetic.make_latent``) and of the training (epochs, widths,
vector augmentation), one method is trained (seed 0) and probed, and one JSON line reports every
task's balanced accuracy and, for each latent factor, its share of the embedding's variance on
the test split (the between-value variance over the total, %): how much of the representation a
factor still moves, next to whether a linear probe can read it. ``random`` is the untrained
encoder: what a linear probe reads from a network that learned nothing.

Two families of data:

* ``table_*``: every factor enters the modality's random function (``unique_code="table"``, the
  generator's default, and the default grid's data until 2026-11-27): each factor is nearly
  linear in the raw vector, and every encoder keeps the unique factors, Cross included;
* ``rotation_*``: the unique factor is the angle between two blocks that a random rotation turns
  per sample (``unique_code="rotation"``, configs/default.yaml): Cross stays near chance, CoMM
  learns it, unless static noise lets CoMM tell samples apart without it.

Usage::

    python benchmarks/latent_uniqueness.py --workers 2 --out uniqueness.jsonl   # ~4 min, 2 cores
    python benchmarks/latent_uniqueness.py --only rotation_cross,rotation_comm
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from _variants import sweep

__all__ = ["VARIANTS", "main", "run_variant", "variance_share"]

_PAIRS = {"mixing": "pairs", "depth": 0}
_WIDE = {"embed_dim": 128, "hidden_dim": 256}


def _rotation(method: str, **changes: Any) -> dict[str, Any]:
    """configs/default.yaml's data and training, with ``changes`` (``data`` merged)."""
    data = {"unique_code": "rotation", "noise": 0.1, **changes.pop("data", {})}
    return {"method": method, "data": data, "augment": {"noise_std": 0.3, "mask_fraction": 0.0},
            "epochs": 40, "lr": 2e-3, **changes}


#: Variant name -> changes to the base (table-coded data, the widths of the default grid and
#: 15 epochs at lr 1e-3).
VARIANTS: dict[str, dict[str, Any]] = {
    "table_random": {"method": "random"},
    "table_cross": {"method": "cross"},
    "table_cross_150_epochs": {"method": "cross", "epochs": 150},
    "table_cross_temperature_0.01": {"method": "cross", "hparams": {"init_temperature": 0.01}},
    "table_cross_temperature_0.01_100_epochs": {"method": "cross", "epochs": 100,
                                                "hparams": {"init_temperature": 0.01}},
    "table_comm": {"method": "comm"},
    "pairs_noise_0.5_random": {"method": "random", "data": _PAIRS},
    "pairs_noise_0.5_cross": {"method": "cross", "data": _PAIRS, "epochs": 40, "hparams": _WIDE,
                              "augment": {"noise_std": 0.5}},
    "pairs_noise_0.5_comm": {"method": "comm", "data": _PAIRS, "epochs": 40, "hparams": _WIDE,
                             "augment": {"noise_std": 0.5}},
    "pairs_noise_0.3_cross": {"method": "cross", "data": {**_PAIRS, "noise": 0.3}, "epochs": 40,
                              "hparams": _WIDE, "augment": {"noise_std": 0.5}},
    "pairs_noise_0.3_comm": {"method": "comm", "data": {**_PAIRS, "noise": 0.3}, "epochs": 40,
                             "hparams": _WIDE, "augment": {"noise_std": 0.5}},
    "rotation_random": _rotation("random"),
    "rotation_cross": _rotation("cross"),
    "rotation_cross_150_epochs": _rotation("cross", epochs=150),
    "rotation_cross_self": _rotation("cross_self"),
    "rotation_comm": _rotation("comm"),
    "rotation_comm_15_epochs": _rotation("comm", epochs=15),
    "rotation_noise_0.5_cross": _rotation("cross", data={"noise": 0.5}),
    "rotation_noise_0.5_comm": _rotation("comm", data={"noise": 0.5}),
    "rotation_dim_8_cross": _rotation("cross", data={"rotation_dim": 8}),
    "rotation_dim_8_comm": _rotation("comm", data={"rotation_dim": 8}),
}

#: The base every variant starts from (seed 0): the table-coded data and the training the
#: default grid used until 2026-11-27.
BASE: dict[str, Any] = {"method": "comm", "data": {}, "augment": {}, "epochs": 15, "lr": 1e-3,
                        "batch": 256, "hparams": {}, "sizes": {}}
_SMALL = {"embed_dim": 64, "hidden_dim": 128, "vector_tokens": 2}
_DATA = {"n_pretrain": 4000, "n_train": 2000, "n_test": 2000, "dim": 32, "noise": 0.5,
         "mixtures": (), "seed": 0}


def run_variant(name: str, changes: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """Train and probe one variant.

    Returns its settings, the probes' balanced accuracies (%), each latent factor's
    :func:`variance_share` of the test embeddings (%), the learned temperature of a method
    with a ``logit_scale`` (Cross; None for the others) and the wall time (s).
    """
    import torch

    from pid_bench.evaluate import probe_embeddings
    from pid_bench.methods import MethodContext, get_method
    from pid_bench.train import TrainConfig, embed, train
    from synthetic.augment import dataset_augment
    from synthetic.latent import make_latent

    torch.set_num_threads(1)
    v = {**BASE, **changes}
    began = time.perf_counter()
    data = make_latent(**{**_DATA, **v["data"], **v["sizes"]})
    context = MethodContext.from_dataset(data, augment=dataset_augment(data, vector=v["augment"]))
    method = get_method(v["method"])(context, seed=0, **{**_SMALL, **v["hparams"]})
    train(method, data.split("pretrain"), TrainConfig(
        epochs=v["epochs"], batch_size=min(v["batch"], data.split("pretrain").n_samples),
        lr=v["lr"], seed=0, device=device, progress=False))
    embeddings = embed(method, data)
    table = probe_embeddings(embeddings, data, method=v["method"])
    accuracy = table[table.metric == "balanced_accuracy"].set_index("task")["value"]
    test = data.split_of == "test"
    shares = {f: round(100 * variance_share(embeddings[test], codes[test]), 2)
              for f, codes in data.latents.items()}
    scale = getattr(method, "logit_scale", None)
    temperature = None if scale is None else round(float(torch.exp(-scale.detach())), 4)
    return {"variant": name, **{k: v[k] for k in BASE if k != "sizes"},
            "accuracy": accuracy.round(1).to_dict(), "variance_share": shares,
            "learned_temperature": temperature,
            "seconds": round(time.perf_counter() - began, 1)}


def variance_share(embeddings: np.ndarray, codes: np.ndarray) -> float:
    """Share of the embeddings' total variance explained by a discrete factor's group means.

    Parameters
    ----------
    embeddings : numpy.ndarray, shape (n, d)
        One embedding per sample, finite, not all equal.
    codes : numpy.ndarray, shape (n,)
        The factor's value for each sample.

    Returns
    -------
    float
        sum over samples of ||mean of the sample's group - overall mean||^2, divided by sum of
        ||embedding - overall mean||^2: the between-group fraction (eta squared), in [0, 1].
        It is biased upwards: a factor of K equally frequent values that the embeddings ignore
        still gets about (K - 1) / (n - 1) (0.15 % for K = 4, n = 2000).

    Raises
    ------
    ValueError
        Shapes that do not match, non-finite embeddings, or embeddings with no variance.
    """
    embeddings, codes = np.asarray(embeddings, dtype=float), np.asarray(codes)
    if embeddings.ndim != 2 or codes.shape != (embeddings.shape[0],):
        raise ValueError(f"expected embeddings (n, d) and codes (n,); received shapes "
                         f"{embeddings.shape} and {codes.shape}")
    if not np.all(np.isfinite(embeddings)):
        raise ValueError("embeddings must be finite; received NaN or inf")
    centred = embeddings - embeddings.mean(axis=0)
    total = (centred ** 2).sum()
    if not total > 0:
        raise ValueError("the embeddings have no variance (every sample embeds the same); "
                         "a variance share is undefined")
    values, group = np.unique(codes, return_inverse=True)
    means = np.zeros((len(values), centred.shape[1]))
    np.add.at(means, group, centred)
    means /= np.bincount(group)[:, None]
    return float((means[group] ** 2).sum() / total)


def main(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Run the chosen variants and print one JSON line per run; returns the lines."""
    return sweep(__doc__.split("\n\n")[0], VARIANTS, run_variant, argv)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
