"""The head-spread diagnostic, on a tiny Trifeature grid."""

from __future__ import annotations

import math

import pytest
import yaml


@pytest.fixture(scope="module")
def spread(load_benchmark):
    return load_benchmark("comm_head_spread")


@pytest.fixture
def tiny_config(tmp_path):
    config = {"datasets": [{"name": "trifeature", "label": "trifeature_unbiased",
                            "args": {"n_pretrain": 8, "n_train": 4, "n_test": 4,
                                     "resolution": 16, "biased": False, "cache_dir": False}}],
              "methods": [{"name": "comm", "hparams": {"cnn_width": 4, "embed_dim": 16,
                                                       "n_heads": 2, "batch_norm": True}}]}
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_one_row_per_seed_and_head_with_shared_encoders(spread, tiny_config):
    table = spread.head_spread(tiny_config, seeds=[0, 1], pairs=8)
    assert list(table.columns) == spread.COLUMNS
    assert list(zip(table.seed, table["head"])) == [(0, "plain"), (0, "batch_norm"),
                                                     (1, "plain"), (1, "batch_norm")]
    # Same seed, same encoders and fusion: the CLS embeddings agree; only the head differs.
    by_seed = table.groupby("seed")
    assert (by_seed.cos_cls.max() - by_seed.cos_cls.min()).max() < 1e-6
    assert (by_seed.cos_projection.max() - by_seed.cos_projection.min()).min() > 1e-3
    assert table[["cos_cls", "cos_projection"]].abs().le(1 + 1e-6).all().all()
    assert (table.uniform_loss == math.log(15)).all() and (table.encoder_grad > 0).all()
    again = spread.head_spread(tiny_config, seeds=[0, 1], pairs=8)
    assert again.equals(table)


def test_bad_requests(spread, tiny_config):
    with pytest.raises(ValueError, match=r"pairs must be in \[2, 8\]; received 9"):
        spread.head_spread(tiny_config, seeds=[0], pairs=9)
    with pytest.raises(ValueError, match="dataset 'trifeature_biased' is not in"):
        spread.head_spread(tiny_config, seeds=[0], pairs=4, dataset="trifeature_biased")
