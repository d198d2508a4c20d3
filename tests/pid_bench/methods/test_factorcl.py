import pytest
import torch

from pid_bench.methods import Batch, MethodContext, get_method
from pid_bench.methods.factorcl import TERMS
from pid_bench.methods.losses import info_nce_lower_bound, nce_club_upper_bound


def _parts(method, views):
    """The objective and the CLUB critics' training losses, written out term by term, from the
    two augmented views (X', X'') that play x and x'."""
    f = [enc(x) for enc, x in zip(method.encoders, views[0])]
    fa = [enc(x) for enc, x in zip(method.encoders, views[1])]
    h, c, cat = method.heads, method.critics, torch.cat

    def cond(term):
        return [cat([h[term][i](f[i]), h[term][i](fa[i])], 1) for i in range(2)]

    def nce(name, a, b):
        return info_nce_lower_bound(c[name](a, b))

    def club(name, a, b):
        return nce_club_upper_bound(c[name](a, b))

    shared = [h["shared_club"][i](f[i]) for i in range(2)]
    own_view = [h["self_nce"][i](f[i]) for i in range(2)]
    other_view = [h["self_nce"][i](fa[i]) for i in range(2)]
    objective = (nce("shared_nce", h["shared_nce"][0](f[0]), h["shared_nce"][1](f[1]))
                 - club("shared_club", *shared)
                 + nce("self_nce1", own_view[0], other_view[0])
                 + nce("self_nce2", own_view[1], other_view[1])
                 + nce("cond_nce", *cond("cond_nce"))
                 - club("cond_club", *cond("cond_club")))
    critic_losses = (-nce("shared_club", *[s.detach() for s in shared]),
                     -nce("cond_club", *[s.detach() for s in cond("cond_club")]))
    return objective, critic_losses


def test_loss_value_is_minus_the_objective_plus_the_club_critic_losses(
        context, tiny, make_batch, replay):
    method = get_method("factorcl")(context, seed=0, proj_dim=4, critic_hidden=6, **tiny)
    batch = make_batch(context)
    loss = method.loss(batch)
    objective, critic_losses = _parts(method, replay(context, batch))
    torch.testing.assert_close(loss, -objective + sum(critic_losses), rtol=1e-5, atol=1e-5)


def _grads(module):
    return [None if p.grad is None else p.grad.clone() for p in module.parameters()]


def test_gradients_are_those_of_the_written_out_objective_and_critic_losses(
        context, tiny, make_batch, replay):
    """CLUB critics learn from their own InfoNCE only; everything else from the objective."""
    method = get_method("factorcl")(context, seed=0, proj_dim=4, critic_hidden=6, **tiny)
    batch = make_batch(context)
    method.loss(batch).backward()
    got = _grads(method)
    views = replay(context, batch)

    method.zero_grad()
    objective, critic_losses = _parts(method, views)
    club = [p for name in ("shared_club", "cond_club") for p in method.critics[name].parameters()]
    rest = [p for p in method.parameters() if all(p is not q for q in club)]
    sum(critic_losses).backward(inputs=club, retain_graph=True)
    (-objective).backward(inputs=rest)
    for g, w in zip(got, _grads(method)):
        if w is None:
            assert g is None or torch.all(g == 0)
        else:
            torch.testing.assert_close(g, w, rtol=1e-5, atol=1e-6)


def _is_zero(grads):
    return all(g is None or torch.all(g == 0) for g in grads)


@pytest.mark.parametrize("club", ["shared_club", "cond_club"])
def test_a_club_critic_learns_from_its_loss_and_the_features_from_its_estimate(
        context, tiny, make_batch, club):
    method = get_method("factorcl")(context, seed=0, proj_dim=4, critic_hidden=6, **tiny)
    bound, a, b = method.scored_pairs(make_batch(context))[club]
    assert bound == "club"
    estimate, critic_loss = method._club(club, a, b)
    critic_loss.backward(retain_graph=True)
    assert not _is_zero(_grads(method.critics[club]))
    assert _is_zero(_grads(method.encoders)) and _is_zero(_grads(method.heads))
    method.zero_grad()
    estimate.backward()
    assert _is_zero(_grads(method.critics[club]))
    assert not _is_zero(_grads(method.heads[club])) and not _is_zero(_grads(method.encoders))


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
    second = 4 * len(TERMS)
    torch.testing.assert_close(z[:, second:second + 4], method.heads["shared_nce"][1](f2))
    torch.testing.assert_close(z[:, -4:], method.heads["cond_club"][1](f2))


def test_needs_exactly_two_modalities(context, tiny):
    ctx = MethodContext(((3,), (3,), (3,)), (None,) * 3, {"y": 2})
    with pytest.raises(ValueError, match="bimodal by construction .* exactly 2 modalities; "
                                         "received 3: select two"):
        get_method("factorcl")(ctx, **tiny)
