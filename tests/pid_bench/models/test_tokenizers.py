import torch

import pytest

from pid_bench.models import (Architecture, FeatureMapTokenizer, FeatureTokenizer,
                              ModalityTokenizer, VectorTokenizer)

torch.set_num_threads(1)


def test_vector_tokenizer_splits_one_linear_map_into_tokens():
    tok = VectorTokenizer(5, 3, n_tokens=4)
    x = torch.randn(2, 5)
    out = tok(x)
    assert out.shape == (2, 4, 3)
    flat = x @ tok.proj.weight.T + tok.proj.bias
    for t in range(4):
        torch.testing.assert_close(out[:, t], flat[:, 3 * t:3 * (t + 1)])


def test_feature_map_tokenizer_is_one_token_per_position_in_row_major_order():
    tok = FeatureMapTokenizer(channels=6, embed_dim=4, n_positions=6)
    x = torch.randn(2, 6, 2, 3)
    out = tok(x)
    assert out.shape == (2, 6, 4)
    for i in range(2):
        for j in range(3):
            expected = x[:, :, i, j] @ tok.proj.weight.T + tok.proj.bias + tok.position[0, 3 * i + j]
            torch.testing.assert_close(out[:, 3 * i + j], expected)


def test_modality_tokenizer_token_counts():
    arch = Architecture(embed_dim=8, hidden_dim=6, cnn_width=4, vector_tokens=3, image_grid=2,
                        n_heads=2)
    vec = ModalityTokenizer((7,), arch)
    img = ModalityTokenizer((3, 16, 16), arch)
    assert vec.n_tokens == 3 and vec(torch.randn(5, 7)).shape == (5, 3, 8)
    assert img.n_tokens == 4 and img(torch.rand(5, 3, 16, 16)).shape == (5, 4, 8)


def test_feature_tokenizer_is_one_affine_token_per_feature():
    tok = FeatureTokenizer(4, 3)
    x = torch.randn(2, 4)
    out = tok(x)
    assert out.shape == (2, 4, 3)
    for j in range(4):
        torch.testing.assert_close(out[:, j], x[:, j:j + 1] * tok.weight[j] + tok.bias[j])


def test_modality_tokenizer_features_option_and_sequences():
    arch = Architecture(embed_dim=8, hidden_dim=6, n_heads=2, vector_tokenizer="features")
    tab = ModalityTokenizer((5,), arch)
    assert tab.n_tokens == 5 and tab(torch.randn(3, 5)).shape == (3, 5, 8)
    assert isinstance(tab.net, FeatureTokenizer)
    seq = ModalityTokenizer((6, 4), arch)
    x = torch.randn(3, 6, 4)
    assert seq.n_tokens == 6 and seq(x).shape == (3, 6, 8)
    assert seq.token_mask(x, None) is None and tab.token_mask(torch.randn(3, 5), None) is None
    mask = torch.tensor([[True] * 6, [False, True] * 3, [False] * 5 + [True]])
    assert seq.token_mask(x, mask).sum(1).tolist() == [6, 3, 1]
    assert seq(x, mask).shape == seq.token_mask(x, mask).shape + (8,)
    assert seq(x[1:], mask[1:]).shape == (2, 3, 8)  # cut to the longest real length
    with pytest.raises(ValueError, match="not a sequence"):
        tab(torch.randn(3, 5), torch.ones(3, 5, dtype=torch.bool))
