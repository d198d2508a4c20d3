import pytest
import torch

from pid_bench.methods import Batch, get_method
from pid_bench.methods.losses import nt_xent


def test_loss_is_cross_plus_weighted_simclr_within_each_modality(context, tiny, make_batch, replay):
    method = get_method("cross_self")(context, seed=0, self_weight=0.5, temperature=0.3, **tiny)
    batch = make_batch(context)
    loss = method.loss(batch)
    first, second = replay(context, batch)
    f1, f2 = method.encode(first), method.encode(second)
    own = [nt_xent(g(a), g(b), 0.3) for g, a, b in zip(method.self_heads, f1, f2)]
    torch.testing.assert_close(loss, method.cross_loss(f1) + 0.5 * (own[0] + own[1]) / 2,
                               rtol=1e-6, atol=1e-6)


def test_self_weight_zero_leaves_the_cross_loss(context, tiny, make_batch, replay):
    method = get_method("cross_self")(context, seed=0, self_weight=0.0, **tiny)
    batch = make_batch(context)
    first, _ = replay(context, batch)
    torch.testing.assert_close(method.loss(batch), method.cross_loss(method.encode(first)))


def test_embed_concatenates_the_encoder_outputs(context, tiny, make_batch):
    method = get_method("cross_self")(context, seed=0, **tiny)
    batch = make_batch(context)
    z = method.embed(Batch(batch.modalities))
    assert z.shape == (8, 2 * tiny["embed_dim"])
    torch.testing.assert_close(z, torch.cat(method.encode(batch.modalities), dim=1))


def test_bad_hyperparameters(context, tiny):
    with pytest.raises(ValueError, match="self_weight must be >= 0"):
        get_method("cross_self")(context, self_weight=-1, **tiny)
    with pytest.raises(ValueError, match="temperature must be > 0"):
        get_method("cross_self")(context, temperature=0, **tiny)
