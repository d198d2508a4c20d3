import pytest
import torch

from pid_bench.models import Architecture, FusionTransformer

torch.set_num_threads(1)
ARCH = Architecture(embed_dim=16, hidden_dim=12, cnn_width=4, vector_tokens=2, n_heads=2)


@pytest.fixture
def model():
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return FusionTransformer([(6,), (3, 16, 16)], ARCH).eval()


def _inputs(seed):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(4, 6, generator=g), torch.rand(4, 3, 16, 16, generator=g)]


def test_output_shape_for_every_subset(model):
    x1, x2 = _inputs(0)
    for inputs in ([x1, x2], [x1, None], [None, x2]):
        assert model(inputs).shape == (4, 16)


def test_masked_modality_is_dropped_not_read(model):
    x1, x2 = _inputs(0)
    _, other = _inputs(1)
    with torch.no_grad():
        alone = model([x1, None])
        full, full_other = model([x1, x2]), model([x1, other])
        tokens = model.tokenize([x1, other])
        # the x1-only embedding does not change when x2 changes, ...
        torch.testing.assert_close(model.fuse([tokens[0], None]), alone, rtol=0, atol=0)
        # ... whereas x2 does change the full embedding when present
        assert (full - full_other).abs().max() > 1e-3
        assert (alone - full).abs().max() > 1e-3
        # and x1-only is the transformer run on [CLS, x1 tokens] and nothing else
        seq = torch.cat([model.cls.expand(4, -1, -1), tokens[0]], dim=1)
        by_hand = model.norm(model.transformer(seq)[:, 0])
    torch.testing.assert_close(alone, by_hand)


def test_modality_embedding_is_added_to_tokens(model):
    x1, _ = _inputs(0)
    with torch.no_grad():
        tokens = model.tokenize([x1, None])
        expected = model.tokenizers[0](x1) + model.modality_embedding[0]
    assert tokens[1] is None
    torch.testing.assert_close(tokens[0], expected)


def test_samples_do_not_interact(model):
    x1, x2 = _inputs(0)
    with torch.no_grad():
        whole = model([x1, x2])
        first = model([x1[:1], x2[:1]])
    torch.testing.assert_close(whole[:1], first, rtol=1e-5, atol=1e-5)


def test_bad_inputs(model):
    x1, x2 = _inputs(0)
    with pytest.raises(ValueError, match="one entry per modality \\(2"):
        model([x1])
    with pytest.raises(ValueError, match="at least one modality"):
        model([None, None])
    with pytest.raises(ValueError, match="at least one modality shape"):
        FusionTransformer([], ARCH)


@pytest.mark.parametrize("kind", ["transformer", "gru"])
def test_padding_tokens_are_masked_in_fusion(kind):
    """The fused embedding of a padded sequence equals that of the unpadded one, in every view."""
    arch = Architecture(embed_dim=16, hidden_dim=12, n_heads=2, sequence_encoder=kind)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = FusionTransformer([(8, 3), (6,), (5, 2)], arch)
    g = torch.Generator().manual_seed(0)
    seq, vec, other = torch.randn(3, 4, 3, generator=g), torch.randn(3, 6, generator=g), \
        torch.randn(3, 5, 2, generator=g)
    padded = torch.cat([50 * torch.randn(3, 4, 3, generator=g), seq], dim=1)
    mask = torch.cat([torch.zeros(3, 4, dtype=torch.bool), torch.ones(3, 4, dtype=torch.bool)], 1)
    for inputs in ([0, 1, 2], [0], [0, 2]):
        plain = [x if i in inputs else None for i, x in enumerate([seq, vec, other])]
        pad = [x if i in inputs else None for i, x in enumerate([padded, vec, other])]
        torch.testing.assert_close(model(pad, [mask, None, None]), model(plain),
                                   rtol=1e-5, atol=1e-5)
    assert (model([padded, vec, other]) - model([seq, vec, other])).abs().max() > 1e-3
    assert model.token_masks([padded, vec, other], [mask, None, None])[1:] == [None, None]
    with pytest.raises(ValueError, match="one entry per modality \\(3"):
        model([seq, vec, other], [mask])
