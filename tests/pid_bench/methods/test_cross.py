import math

import pytest
import torch

from pid_bench.methods import Batch, MethodContext, get_method
from pid_bench.methods.losses import clip_loss


def test_loss_is_clip_between_the_projections_of_one_augmented_view(context, tiny, make_batch, replay):
    method = get_method("cross")(context, seed=0, proj_dim=4, **tiny)
    batch = make_batch(context)
    loss = method.loss(batch)
    first, _ = replay(context, batch)
    z = [p(e(x)) for p, e, x in zip(method.projections, method.encoders, first)]
    torch.testing.assert_close(loss, clip_loss(z[0], z[1], method.logit_scale), rtol=1e-6, atol=1e-6)
    assert method.logit_scale.item() == pytest.approx(math.log(1 / 0.07))


def test_three_modalities_average_the_three_pairs(context, tiny, make_batch, replay):
    ctx = MethodContext(((6,), (5,), (3,)), context.augment[:1] * 3, context.n_classes)
    method = get_method("cross")(ctx, seed=0, **tiny)
    batch = make_batch(ctx)
    first, _ = replay(ctx, batch)
    z = [p(e(x)) for p, e, x in zip(method.projections, method.encoders, first)]
    s = method.logit_scale
    expected = (clip_loss(z[0], z[1], s) + clip_loss(z[0], z[2], s) + clip_loss(z[1], z[2], s)) / 3
    torch.testing.assert_close(method.loss(batch), expected, rtol=1e-6, atol=1e-6)


def test_inverse_temperature_is_capped_at_100(context, tiny, make_batch, replay):
    method = get_method("cross")(context, seed=0, **tiny)
    with torch.no_grad():
        method.logit_scale.fill_(10.0)
    batch = make_batch(context)
    first, _ = replay(context, batch)
    z = [p(e(x)) for p, e, x in zip(method.projections, method.encoders, first)]
    torch.testing.assert_close(method.loss(batch), clip_loss(z[0], z[1], torch.tensor(math.log(100.0))))


def test_embed_concatenates_the_projections(context, tiny, make_batch):
    method = get_method("cross")(context, seed=0, proj_dim=4, **tiny)
    batch = make_batch(context)
    z = method.embed(Batch(batch.modalities))
    assert z.shape == (8, 8)
    torch.testing.assert_close(z[:, 4:], method.projections[1](method.encoders[1](batch.modalities[1])))


def test_needs_two_modalities(tiny):
    with pytest.raises(ValueError, match="at least 2 modalities; received 1"):
        get_method("cross")(MethodContext(((4,),), (None,), {"y": 2}), **tiny)
    with pytest.raises(ValueError, match="init_temperature must be > 0"):
        get_method("cross")(MethodContext(((4,), (4,)), (None, None), {"y": 2}),
                            init_temperature=-1, **tiny)


def test_mlp_projection_is_a_batch_normalised_head_and_probes_read_its_outputs(
        context, tiny, make_batch, replay):
    method = get_method("cross")(context, seed=0, proj_dim=4, projection="mlp", **tiny)
    head = method.projections[0].net
    assert [type(layer).__name__ for layer in head] == ["Linear", "BatchNorm1d", "ReLU", "Linear"]
    batch = make_batch(context)
    first, _ = replay(context, batch)
    z = [p(e(x)) for p, e, x in zip(method.projections, method.encoders, first)]
    torch.testing.assert_close(method.loss(batch), clip_loss(z[0], z[1], method.logit_scale),
                               rtol=1e-6, atol=1e-6)
    method.eval()
    heads = [p(e(x)) for p, e, x in zip(method.projections, method.encoders, batch.modalities)]
    torch.testing.assert_close(method.embed(Batch(batch.modalities)), torch.cat(heads, dim=1))


def _mean_pairwise_cosine(z):
    z = torch.nn.functional.normalize(z, dim=1)
    n = z.shape[0]
    return ((z @ z.T).sum() - n) / (n * (n - 1))


def test_batch_normalised_head_spreads_nearly_parallel_encoder_outputs(context, tiny):
    gen = torch.Generator().manual_seed(0)
    d = tiny["embed_dim"]
    nearly_parallel = torch.ones(64, d) + 0.1 * torch.randn(64, d, generator=gen)
    assert _mean_pairwise_cosine(nearly_parallel) > 0.98
    linear = get_method("cross")(context, seed=0, **tiny).projections[0]
    mlp = get_method("cross")(context, seed=0, projection="mlp", **tiny).projections[0]
    assert _mean_pairwise_cosine(linear(nearly_parallel)) > 0.95
    assert _mean_pairwise_cosine(mlp(nearly_parallel)) < 0.75


def test_unknown_projection_is_refused(context, tiny):
    with pytest.raises(ValueError, match="projection must be one of linear, mlp; received 'conv'"):
        get_method("cross")(context, projection="conv", **tiny)


@pytest.mark.parametrize("name", ["cross", "cross_self"])
def test_sequence_modalities_are_the_mean_over_real_steps_and_padding_is_invisible(name, tiny):
    ctx = MethodContext(((7, 3), (5,), (4, 2)), (None,) * 3, {"y": 2})
    method = get_method(name)(ctx, seed=0, **tiny).eval()
    g = torch.Generator().manual_seed(0)
    seq, vec, other = torch.randn(3, 4, 3, generator=g), torch.randn(3, 5, generator=g), \
        torch.randn(3, 4, 2, generator=g)
    padded = torch.cat([seq, 50 * torch.randn(3, 3, 3, generator=g)], dim=1)
    mask = torch.arange(7)[None, :].expand(3, 7) < 4
    torch.testing.assert_close(method.embed(Batch([padded, vec, other], masks=[mask, None, None])),
                               method.embed(Batch([seq, vec, other])), rtol=1e-5, atol=1e-5)
    features = method.encode([padded, vec, other], [mask, None, None])
    tokens, _ = method.encoders[0].net(seq)
    torch.testing.assert_close(features[0], tokens.mean(dim=1), rtol=1e-5, atol=1e-5)
    method.train()
    loss = method.loss(Batch([padded, vec, other], masks=[mask, None, None]))
    assert torch.isfinite(loss)
