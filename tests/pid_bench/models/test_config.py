"""Tests of the Architecture widths and their validation."""

import pytest

from pid_bench.models import Architecture


def test_from_options_overrides_only_the_named_fields():
    arch = Architecture.from_options({"embed_dim": 64, "n_heads": 8})
    assert (arch.embed_dim, arch.n_heads, arch.hidden_dim) == (64, 8, Architecture().hidden_dim)


def test_unknown_option_lists_the_fields():
    with pytest.raises(ValueError, match=r"unknown architecture options \['width'\]; known: embed_dim"):
        Architecture.from_options({"width": 3})


@pytest.mark.parametrize("options, message", [
    ({"embed_dim": 0}, "embed_dim must be a positive integer"),
    ({"mlp_layers": True}, "mlp_layers must be a positive integer"),
    ({"cnn_depth": 2}, "cnn_depth must be at least 3"),
    ({"embed_dim": 30, "n_heads": 4}, "n_heads must divide embed_dim"),
    ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
    ({"sequence_encoder": "lstm"}, "sequence_encoder must be one of transformer, gru; received 'lstm'"),
    ({"vector_tokenizer": "one"}, "vector_tokenizer must be one of mlp, features; received 'one'"),
    ({"sequence_layers": 0}, "sequence_layers must be a positive integer"),
])
def test_bad_widths_are_rejected(options, message):
    with pytest.raises(ValueError, match=message):
        Architecture(**options)
