import math

import pytest
import torch

from pid_bench.models import (Architecture, ConvEncoder, MLPEncoder, SequenceEncoder,
                              VectorEncoder, is_image_shape, is_sequence_shape)
from pid_bench.models.encoders import compact_steps, sinusoidal_positions

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


def test_vector_encoder_for_vectors_images_sequences_and_flattened_shapes():
    assert VectorEncoder((10,), SMALL)(torch.randn(3, 10)).shape == (3, 16)
    assert VectorEncoder((3, 16, 16), SMALL)(torch.rand(3, 3, 16, 16)).shape == (3, 16)
    flat = VectorEncoder((2, 2, 1, 5), SMALL)  # four axes: flattened
    x = torch.randn(3, 2, 2, 1, 5)
    torch.testing.assert_close(flat(x), flat.net.net[1:](x.reshape(3, 20)))
    seq = VectorEncoder((4, 5), SMALL)
    x, mask = torch.randn(3, 4, 5), torch.tensor([[1, 1, 0, 0], [1, 1, 1, 1], [0, 1, 0, 1]]).bool()
    tokens, valid = seq.net(x, mask)
    expected = torch.stack([tokens[i, valid[i]].mean(0) for i in range(3)])
    torch.testing.assert_close(seq(x, mask), expected)
    with pytest.raises(ValueError, match="not a sequence"):
        VectorEncoder((10,), SMALL)(torch.randn(3, 10), torch.ones(3, 10, dtype=torch.bool))


def test_is_image_shape_and_is_sequence_shape():
    assert is_image_shape((3, 32, 32))
    assert not is_image_shape((32,))
    assert not is_image_shape((4, 5))
    assert is_sequence_shape((4, 5))
    assert not is_sequence_shape((5,)) and not is_sequence_shape((3, 8, 8))


def test_compact_steps_moves_real_steps_first_in_order_and_zeroes_padding():
    x = torch.arange(12.0).reshape(2, 3, 2)
    mask = torch.tensor([[False, True, True], [True, False, True]])
    steps, valid = compact_steps(x, mask)
    torch.testing.assert_close(steps[0], torch.tensor([[2.0, 3.0], [4.0, 5.0]]))
    torch.testing.assert_close(steps[1], torch.tensor([[6.0, 7.0], [10.0, 11.0]]))
    assert valid.tolist() == [[True, True], [True, True]]  # the all-padding step is cut off
    mask[1] = torch.tensor([False, False, True])
    steps, valid = compact_steps(x, mask)
    torch.testing.assert_close(steps[1], torch.tensor([[10.0, 11.0], [0.0, 0.0]]))
    assert valid.tolist() == [[True, True], [True, False]]


def test_sinusoidal_positions_follow_the_formula():
    pos = sinusoidal_positions(5, 6)
    t, i = 3, 2  # column 2i = 4 and 2i + 1 = 5
    assert pos.shape == (5, 6)
    assert pos[t, 4].item() == pytest.approx(math.sin(t / 10000 ** (4 / 6)), abs=1e-6)
    assert pos[t, 5].item() == pytest.approx(math.cos(t / 10000 ** (4 / 6)), abs=1e-6)
    assert sinusoidal_positions(4, 5).shape == (4, 5)


@pytest.mark.parametrize("kind", ["transformer", "gru"])
@pytest.mark.parametrize("training", [False, True])
def test_sequence_encoder_padding_is_invisible(kind, training):
    """A padded sample's real-step tokens equal those of the sample without padding."""
    arch = Architecture(embed_dim=16, hidden_dim=12, n_heads=2, sequence_encoder=kind,
                        sequence_layers=2)
    enc = SequenceEncoder((9, 3), arch).train(training)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 5, 3, generator=g)
    junk = 100 * torch.randn(2, 4, 3, generator=g)
    front = torch.cat([junk, x], dim=1)                    # MultiBench's front padding
    back = torch.cat([x, junk], dim=1)
    pad, real = torch.zeros(2, 4, dtype=torch.bool), torch.ones(2, 5, dtype=torch.bool)
    alone, _ = enc(x)
    for padded, mask in ((front, torch.cat([pad, real], 1)), (back, torch.cat([real, pad], 1))):
        tokens, valid = enc(padded, mask)
        assert valid.sum().item() == 10 and bool(valid[:, :5].all())
        torch.testing.assert_close(tokens[:, :5], alone, rtol=1e-5, atol=1e-5)
    # without the mask, the padding is read
    assert (enc(back)[0][:, :5] - alone).abs().max() > 1e-3 or kind == "gru"
    assert (enc(front)[0][:, :5] - alone).abs().max() > 1e-3


def test_sequence_encoder_rejects_bad_masks():
    enc = SequenceEncoder((4, 3), SMALL)
    x = torch.randn(2, 4, 3)
    with pytest.raises(ValueError, match="shape \\(B, T\\) = \\(2, 4\\); received shape \\(2, 3\\)"):
        enc(x, torch.ones(2, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match="must be bool"):
        enc(x, torch.ones(2, 4))
    with pytest.raises(ValueError, match="at least one real step"):
        enc(x, torch.tensor([[True] * 4, [False] * 4]))
    with pytest.raises(ValueError, match="per-sample shape \\(T, d\\)"):
        SequenceEncoder((4,), SMALL)


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
