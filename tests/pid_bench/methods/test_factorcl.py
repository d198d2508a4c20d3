import pytest
import torch

from pid_bench.methods import Batch, MethodContext, get_method
from pid_bench.methods.factorcl import TERMS
from pid_bench.methods.losses import info_nce_lower_bound, nce_club_upper_bound


def _parts(method, batch, augmented):
    """The objective and the CLUB critics' training losses, written out term by term."""
    f = [enc(x) for enc, x in zip(method.encoders, batch.modalities)]
    fa = [enc(x) for enc, x in zip(method.encoders, augmented)]
    h, c, cat = method.heads, method.critics, torch.cat

    def cond(term):
        return [cat([h[term][i](f[i]), h[term][i](fa[i])], 1) for i in range(2)]

    shared = [h["shared_club"][i](f[i]) for i in range(2)]
    objective = (info_nce_lower_bound(c["shared_nce"](h["shared_nce"][0](f[0]), h["shared_nce"][1](f[1])))
                 - nce_club_upper_bound(c["shared_club"](*shared))
                 + info_nce_lower_bound(c["self_nce1"](h["self_nce"][0](f[0]), h["self_nce"][0](fa[0])))
                 + info_nce_lower_bound(c["self_nce2"](h["self_nce"][1](f[1]), h["self_nce"][1](fa[1])))
                 + info_nce_lower_bound(c["cond_nce"](*cond("cond_nce")))
                 - nce_club_upper_bound(c["cond_club"](*cond("cond_club"))))
    critic_losses = (-info_nce_lower_bound(c["shared_club"](*[s.detach() for s in shared])),
                     -info_nce_lower_bound(c["cond_club"](*[s.detach() for s in cond("cond_club")])))
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


@pytest.mark.parametrize("club", ["shared_club", "cond_club"])
def test_club_critics_learn_only_from_their_infonce_and_encoders_only_from_the_objective(
        context, tiny, make_batch, replay, club):
    method = get_method("factorcl")(context, seed=0, proj_dim=4, critic_hidden=6, **tiny)
    batch = make_batch(context)
    method.loss(batch).backward()
    club_grads = _grads(method.critics[club])
    encoder_grads = _grads(method.encoders)
    head_grads = _grads(method.heads)
    first, _ = replay(context, batch)

    method.zero_grad()
    objective, critic_losses = _parts(method, batch, first)
    sum(critic_losses).backward()
    for got, want in zip(club_grads, _grads(method.critics[club])):
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)
    assert all(g is None or torch.all(g == 0) for g in _grads(method.encoders))

    method.zero_grad()
    objective, _ = _parts(method, batch, first)
    (-objective).backward(inputs=[*method.encoders.parameters(), *method.heads.parameters()])
    for got, want in zip(encoder_grads + head_grads,
                         _grads(method.encoders) + _grads(method.heads)):
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)


def test_every_terms_heads_are_trained(context, tiny, make_batch):
    """Each head gets a gradient from its term (CLUB heads too, through the frozen critic)."""
    method = get_method("factorcl")(context, seed=0, proj_dim=4, critic_hidden=6, **tiny)
    batch = make_batch(context)
    method.loss(batch).backward()
    for term, heads in method.heads.items():
        assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in heads.parameters()), term


def test_embed_concatenates_every_heads_output_modality_by_modality(context, tiny, make_batch):
    method = get_method("factorcl")(context, seed=0, proj_dim=4, **tiny)
    batch = make_batch(context)
    z = method.embed(Batch(batch.modalities))
    assert z.shape == (8, 2 * len(TERMS) * 4)
    f1 = method.encoders[0](batch.modalities[0])
    f2 = method.encoders[1](batch.modalities[1])
    torch.testing.assert_close(z[:, :4], method.heads["shared_nce"][0](f1))
    torch.testing.assert_close(z[:, 4 * len(TERMS):4 * len(TERMS) + 4], method.heads["shared_nce"][1](f2))
    torch.testing.assert_close(z[:, -4:], method.heads["cond_club"][1](f2))


def test_needs_exactly_two_modalities(context, tiny):
    ctx = MethodContext(((3,), (3,), (3,)), (None,) * 3, {"y": 2})
    with pytest.raises(ValueError, match="exactly 2 modalities; received 3"):
        get_method("factorcl")(ctx, **tiny)
