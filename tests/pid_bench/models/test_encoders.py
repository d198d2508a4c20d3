import pytest
import torch

from pid_bench.models import Architecture, ConvEncoder, MLPEncoder, VectorEncoder, is_image_shape

torch.set_num_threads(1)
SMALL = Architecture(embed_dim=16, hidden_dim=12, cnn_width=4, n_heads=2)


def test_mlp_encoder_shape_and_depth():
    enc = MLPEncoder(7, 11, 5, n_layers=3)
    assert enc(torch.randn(4, 7)).shape == (4, 5)
    linears = [m for m in enc.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(7, 11), (11, 11), (11, 11), (11, 5)]


@pytest.mark.parametrize("size, grid", [(32, 2), (48, 2), (32, 4), (9, 1)])
def test_conv_encoder_pools_to_grid(size, grid):
    enc = ConvEncoder(3, width=4, grid=grid)
    out = enc(torch.rand(2, 3, size, size))
    assert out.shape == (2, 16, grid, grid)
    assert enc.out_channels == 16


def test_conv_encoder_depth_adds_stride_one_blocks():
    enc = ConvEncoder(3, width=4, grid=2, depth=5)
    convs = [m for m in enc.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.stride[0] for c in convs] == [2, 2, 2, 1, 1]
    assert [c.out_channels for c in convs] == [4, 8, 16, 16, 16]
    assert enc(torch.rand(2, 3, 32, 32)).shape == (2, 16, 2, 2)
    with pytest.raises(ValueError, match="depth must be at least 3; received 2"):
        ConvEncoder(3, width=4, grid=2, depth=2)


def test_conv_encoder_treats_samples_independently():
    enc = ConvEncoder(3, width=4, grid=2)
    x = torch.rand(3, 3, 32, 32)
    alone = enc(x[:1])
    other = enc(torch.cat([x[:1], torch.rand(2, 3, 32, 32)]))[:1]
    torch.testing.assert_close(alone, other, rtol=0, atol=1e-6)


def test_vector_encoder_for_vectors_images_and_flattened_shapes():
    assert VectorEncoder((10,), SMALL)(torch.randn(3, 10)).shape == (3, 16)
    assert VectorEncoder((3, 16, 16), SMALL)(torch.rand(3, 3, 16, 16)).shape == (3, 16)
    flat = VectorEncoder((4, 5), SMALL)
    x = torch.randn(3, 4, 5)
    torch.testing.assert_close(flat(x), flat.net.net[1:](x.reshape(3, 20)))


def test_is_image_shape():
    assert is_image_shape((3, 32, 32))
    assert not is_image_shape((32,))
    assert not is_image_shape((4, 5))


def test_architecture_rejects_bad_options():
    with pytest.raises(ValueError, match="unknown architecture options \\['width'\\]"):
        Architecture.from_options({"width": 3})
    with pytest.raises(ValueError, match="n_heads must divide embed_dim"):
        Architecture(embed_dim=10, n_heads=4)
    with pytest.raises(ValueError, match="positive integer"):
        Architecture(hidden_dim=0)
    with pytest.raises(ValueError, match="cnn_depth must be at least 3"):
        Architecture(cnn_depth=2)
    with pytest.raises(ValueError, match="dropout"):
        Architecture(dropout=1.0)
