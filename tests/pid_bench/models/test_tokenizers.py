import torch

from pid_bench.models import Architecture, FeatureMapTokenizer, ModalityTokenizer, VectorTokenizer

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
