import pytest
import torch

from pid_bench.methods import Batch, MethodContext, get_method
from pid_bench.methods.losses import info_nce_lower_bound, nce_club_upper_bound


def _parts(method, batch, augmented):
    """The objective's bounds and the critics' training losses, from the model's own parts."""
    (s1, s2), (u1, u2) = method.features(batch.modalities)
    (s1a, s2a), (u1a, u2a) = method.features(augmented)
    c = method.critics
    cat = torch.cat
    objective = (info_nce_lower_bound(c["shared"](s1, s2))
                 - nce_club_upper_bound(c["shared_cond_club"](cat([s1, s1a], 1), cat([s2, s2a], 1)))
                 + info_nce_lower_bound(c["unique1"](u1, u1a))
                 + info_nce_lower_bound(c["unique2"](u2, u2a))
                 - 2 * nce_club_upper_bound(c["unique_club"](u1, u2))
                 + 2 * info_nce_lower_bound(c["unique_cond"](cat([u1, u1a], 1), cat([u2, u2a], 1))))
    critic_losses = (
        -info_nce_lower_bound(c["shared_cond_club"](cat([s1, s1a], 1).detach(), cat([s2, s2a], 1).detach())),
        -info_nce_lower_bound(c["unique_club"](u1.detach(), u2.detach())))
    return objective, critic_losses


def test_loss_value_is_minus_the_objective_plus_the_club_critic_losses(context, tiny, make_batch, replay):
    method = get_method("factorcl")(context, seed=0, proj_dim=4, critic_hidden=6, **tiny)
    batch = make_batch(context)
    loss = method.loss(batch)
    first, _ = replay(context, batch)
    objective, critic_losses = _parts(method, batch, first)
    torch.testing.assert_close(loss, -objective + sum(critic_losses), rtol=1e-5, atol=1e-5)


def _grads(module):
    return [None if p.grad is None else p.grad.clone() for p in module.parameters()]


def test_club_critics_learn_only_from_their_infonce_and_encoders_only_from_the_objective(
        context, tiny, make_batch, replay):
    method = get_method("factorcl")(context, seed=0, proj_dim=4, critic_hidden=6, **tiny)
    batch = make_batch(context)
    method.loss(batch).backward()
    club_grads = _grads(method.critics["unique_club"])
    encoder_grads = _grads(method.encoders)
    first, _ = replay(context, batch)

    method.zero_grad()
    objective, critic_losses = _parts(method, batch, first)
    sum(critic_losses).backward()
    for got, want in zip(club_grads, _grads(method.critics["unique_club"])):
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)
    assert all(g is None or torch.all(g == 0) for g in _grads(method.encoders))

    method.zero_grad()
    objective, _ = _parts(method, batch, first)
    (-objective).backward(inputs=list(method.encoders.parameters()))
    for got, want in zip(encoder_grads, _grads(method.encoders)):
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)


def test_embed_concatenates_the_encoder_outputs(context, tiny, make_batch):
    method = get_method("factorcl")(context, seed=0, **tiny)
    batch = make_batch(context)
    z = method.embed(Batch(batch.modalities))
    assert z.shape == (8, 2 * tiny["embed_dim"])
    torch.testing.assert_close(z[:, :8], method.encoders[0](batch.modalities[0]))


def test_needs_exactly_two_modalities(context, tiny):
    ctx = MethodContext(((3,), (3,), (3,)), (None,) * 3, {"y": 2})
    with pytest.raises(ValueError, match="exactly 2 modalities; received 3"):
        get_method("factorcl")(ctx, **tiny)
