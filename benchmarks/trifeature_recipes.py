"""How the Trifeature recipe of ``configs/trifeature.yaml`` was chosen: one run per variant.

Each variant changes one or two things in a base recipe (32 px, blur on, lr 1e-3, 20 epochs,
batch 128, CoMM, seed 0, biased pretraining) and reports the linear-probe balanced accuracy of
every task, the training time and the loss. ``supervised`` variants give the ceiling a trained
encoder of this size reaches on one task. Each run prints one JSON line as it ends, and ``--out``
collects them (a JSON-lines file, appended to). With ``--workers`` above 1 the runs go in
parallel processes; by default they run one after the other.

The first 16 variants were run on one GPU (``--device cuda --workers 16``, about 4 minutes); on 2
CPU cores they take about 2 hours. The ``r2_`` variants start from the recipe the first round
chose (48 px, no blur, lr 2e-3) with 12 epochs: ``--only`` with a comma list picks a round.

Usage::

    python benchmarks/trifeature_recipes.py --device cuda --workers 16 --out recipes.jsonl
    python benchmarks/trifeature_recipes.py --only base,res48 --device cpu --workers 2
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from typing import Any

from _variants import sweep

__all__ = ["VARIANTS", "run_variant", "main"]

#: Variant name -> changes to the base recipe.
VARIANTS: dict[str, dict[str, Any]] = {
    "base": {},
    "no_blur": {"blur": False},
    "no_blur_seed1": {"blur": False, "seed": 1},
    "no_blur_30_epochs": {"blur": False, "epochs": 30},
    "lr_2e-3": {"lr": 2e-3},
    "crop_0.3": {"crop": (0.3, 1.0)},
    "crop_0.8": {"crop": (0.8, 1.0)},
    "cnn_width_48": {"hparams": {"cnn_width": 48}},
    "temperature_0.2": {"hparams": {"temperature": 0.2}},
    "batch_64": {"batch": 64},
    "res48": {"resolution": 48},
    "unbiased": {"biased": False},
    "unbiased_no_blur_30_epochs": {"biased": False, "blur": False, "epochs": 30},
    "cross_self": {"method": "cross_self"},
    "supervised_shape": {"method": "supervised", "target": "redundancy"},
    "supervised_texture2": {"method": "supervised", "target": "unique2"},
}

#: Second round, from the recipe the first round chose (48 px, no blur, lr 2e-3), 12 epochs.
_ROUND2 = {"resolution": 48, "blur": False, "lr": 2e-3, "epochs": 12}
VARIANTS.update({f"r2_{name}": {**_ROUND2, **changes} for name, changes in {
    "base": {},
    "seed4": {"seed": 4},
    "embed_256": {"hparams": {"embed_dim": 256}},
    "lr_3e-3": {"lr": 3e-3},
    "image_grid_3": {"hparams": {"image_grid": 3}},
    "image_grid_1": {"hparams": {"image_grid": 1}},
    "cnn_width_40": {"hparams": {"cnn_width": 40}},
    "crop_0.6": {"crop": (0.6, 1.0)},
    "crop_0.4": {"crop": (0.4, 1.0)},
    "fusion_layers_2": {"hparams": {"n_layers": 2}},
    "proj_128": {"hparams": {"proj_dim": 128}},
    "batch_256_lr_3e-3": {"batch": 256, "lr": 3e-3},
    "supervised_shape": {"method": "supervised", "target": "redundancy"},
    "cross_lr_1e-3": {"method": "cross", "lr": 1e-3},
    "factorcl_lr_1e-3": {"method": "factorcl", "lr": 1e-3},
    "factorcl_lr_3e-4": {"method": "factorcl", "lr": 3e-4},
}.items()})

#: The base recipe every variant starts from.
BASE: dict[str, Any] = {"method": "comm", "target": None, "seed": 0, "resolution": 32,
                        "biased": True, "blur": True, "crop": (0.5, 1.0), "lr": 1e-3,
                        "epochs": 20, "batch": 128, "hparams": {}, "sizes": {}}


def run_variant(name: str, changes: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """Train and probe one variant; returns its settings, accuracies (%) and times (s)."""
    import torch

    from pid_bench.evaluate import probe_embeddings
    from pid_bench.methods import MethodContext, get_method
    from pid_bench.train import TrainConfig, embed, train
    from synthetic.augment import default_augment
    from synthetic.trifeature import make_trifeature

    torch.set_num_threads(1)
    v = {**BASE, **changes}
    began = time.perf_counter()
    data = make_trifeature(resolution=v["resolution"], biased=v["biased"], seed=0, **v["sizes"])
    shapes = [tuple(x.shape[1:]) for x in data.modalities.values()]
    augment = default_augment(shapes, keep_colour=True, image={
        "crop_scale": tuple(v["crop"]), "blur_sigma": (0.1, 1.0) if v["blur"] else None})
    context = MethodContext.from_dataset(data, augment=augment, target_task=v["target"])
    method = get_method(v["method"])(context, seed=v["seed"], **v["hparams"])
    result = train(method, data.split("pretrain"), TrainConfig(
        epochs=v["epochs"], batch_size=v["batch"], lr=v["lr"], weight_decay=1e-4,
        warmup_epochs=2, seed=v["seed"], device=device, progress=False))
    trained = time.perf_counter() - began
    table = probe_embeddings(embed(method, data), data, method=v["method"], seed=v["seed"])
    accuracy = table[table.metric == "balanced_accuracy"].set_index("task")["value"]
    return {"variant": name, **{k: v[k] for k in BASE if k != "sizes"},
            "accuracy": accuracy.round(1).to_dict(), "train_seconds": round(trained, 1),
            "seconds": round(time.perf_counter() - began, 1),
            "loss_every_5_epochs": result.history["loss"].round(3).tolist()[::5]}


def render(jobs: dict[str, dict[str, Any]]) -> None:
    """Render (or find in the cache) each dataset the jobs need, once, before they start."""
    from synthetic.trifeature import make_trifeature

    for resolution, biased, sizes in {(c.get("resolution", BASE["resolution"]),
                                       c.get("biased", BASE["biased"]),
                                       json.dumps(c.get("sizes", {}), sort_keys=True))
                                      for c in jobs.values()}:
        make_trifeature(resolution=resolution, biased=biased, seed=0, **json.loads(sizes))


def main(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Run the chosen variants and print one JSON line per run; returns the lines."""
    return sweep(__doc__.split("\n\n")[0], VARIANTS, run_variant, argv, prepare=render)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
