import math

import pytest
import torch
import torch.nn.functional as F

from pid_bench import distributed
from pid_bench.methods import Batch, MethodContext, get_method
from pid_bench.methods.infmasking import infmasking_loss
from pid_bench.methods.losses import nt_xent

#: Vector modalities need tokens to mask: 4 tokens, of which a ratio of 0.7 keeps 1.
TOKENS = {"vector_tokens": 4}


def _loss_by_hand(q, keys, tau, lam):
    """The official ``get_mask_loss`` written out sample by sample with Python loops."""
    q = F.normalize(q, dim=1)
    keys = F.normalize(keys, dim=2)
    t, b, e = keys.shape
    total = 0.0
    spreads = []
    for i in range(b):
        mu = keys[:, i].mean(0)
        sigma = sum(torch.outer(keys[s, i] - mu, keys[s, i] - mu) for s in range(t)) / t
        v = q[i] @ sigma @ q[i]
        spreads.append(v)
        pos = (q[i] @ (mu + 0.5 * lam / tau * sigma @ q[i])) / tau
        negs = [q[i] @ keys[s, j] / tau for s in range(t) for j in range(b) if j != i]
        negs += [q[i] @ q[j] / tau for j in range(b) if j != i]
        total = total - pos + torch.logsumexp(torch.stack([pos, *negs]), 0)
    return total / b + 0.5 * lam / tau ** 2 * torch.stack(spreads).mean()


@pytest.mark.parametrize("tau, lam", [(0.1, 1.0), (0.5, 0.25), (1.0, 0.0)])
def test_loss_equals_the_hand_computation(tau, lam):
    g = torch.Generator().manual_seed(0)
    q, keys = torch.randn(5, 3, generator=g), torch.randn(4, 5, 3, generator=g)
    torch.testing.assert_close(infmasking_loss(q, keys, tau, lam), _loss_by_hand(q, keys, tau, lam),
                               rtol=1e-5, atol=1e-5)


def test_identical_keys_have_no_spread_and_give_the_nt_xent_value():
    e = torch.eye(4)
    expected = math.log(1 + 6 * math.exp(-1 / 0.5))
    assert infmasking_loss(e, e[None], 0.5, lam=3.0).item() == pytest.approx(expected, rel=1e-6)
    # T copies of the same view: spread 0, (T + 1)(B - 1) negatives, all orthogonal
    assert infmasking_loss(e, e.expand(3, 4, 4), 0.5, 3.0).item() == pytest.approx(
        math.log(1 + 4 * 3 * math.exp(-2)), rel=1e-6)


def test_loss_rejects_bad_shapes_and_settings():
    with pytest.raises(ValueError, match=r"keys of shape \(T, B, E\).*received \(4, 3\) and \(4, 3\)"):
        infmasking_loss(torch.randn(4, 3), torch.randn(4, 3))
    with pytest.raises(ValueError, match="temperature must be > 0"):
        infmasking_loss(torch.randn(4, 3), torch.randn(2, 4, 3), temperature=0)
    with pytest.raises(ValueError, match="lam must be >= 0"):
        infmasking_loss(torch.randn(4, 3), torch.randn(2, 4, 3), lam=-1)


def _method(context, tiny, **hparams):
    return get_method("infmasking")(context, **{"seed": 0, **tiny, **TOKENS, **hparams})


def test_loss_refuses_data_parallel_training(monkeypatch):
    # its negatives are one process's rows: under two ranks it would train on other negatives
    # than the single process at the same global batch, so it says so instead
    monkeypatch.setattr(distributed, "world_size", lambda: 2)
    e = torch.eye(4)
    with distributed.gathering(), pytest.raises(ValueError, match="Train InfMasking in one"):
        infmasking_loss(e, e[None])
    assert torch.isfinite(infmasking_loss(e, e[None]))


def test_method_loss_is_comm_terms_plus_two_mask_terms(context, tiny, make_batch, replay):
    method = _method(context, tiny, n_masks=3, mask_lambda=0.5, temperature=0.2)
    batch = make_batch(context)
    loss = method.loss(batch)

    g = torch.Generator().manual_seed(1)
    first = [aug(x, g) for x, aug in zip(batch.modalities, context.augment)]
    second = [aug(x, g) for x, aug in zip(batch.modalities, context.augment)]
    both = [torch.cat(p) for p in zip(first, second)]
    tokens = method.fusion.tokenize(both)
    alone = [[t if i == k else None for i, t in enumerate(tokens)] for k in range(2)]
    z = [method.head(method.fusion.fuse(v)) for v in (*alone, tokens)]
    masked = []
    for _ in range(3):
        view = []
        for x in tokens:  # keep one of 4 tokens: the one of lowest noise
            noise = torch.rand(x.shape[:2], generator=g)
            keep = noise == noise.min(dim=1, keepdim=True).values
            view.append(torch.where(keep[..., None], x, method.mask_token))
        masked.append(method.head(method.fusion.fuse(view)))
    masked = torch.stack(masked)
    t = 0.2
    comm = [0.5 * (nt_xent(a[:8], z[2][8:], t) + nt_xent(a[8:], z[2][:8], t)) for a in z]
    mask = [infmasking_loss(z[2][:8], masked[:, :8], t, 0.5),
            infmasking_loss(z[2][8:], masked[:, 8:], t, 0.5)]
    torch.testing.assert_close(loss, sum(comm + mask) / 5, rtol=1e-5, atol=1e-5)


def test_a_masked_view_does_not_depend_on_the_masked_tokens(context, tiny, make_batch):
    method = _method(context, tiny, mask_ratio=0.5).eval()
    batch = make_batch(context)
    tokens = method.fusion.tokenize(batch.modalities)
    masked, kept = method.mask_tokens(tokens, torch.Generator().manual_seed(3))
    assert [k.sum(dim=1).tolist() for k in kept] == [[2] * 8, [2] * 8]
    changed = [torch.where(k[..., None], x, x + 100 * torch.randn(x.shape)) for x, k in
               zip(tokens, kept)]
    again, kept_again = method.mask_tokens(changed, torch.Generator().manual_seed(3))
    assert all(torch.equal(a, b) for a, b in zip(kept, kept_again))
    torch.testing.assert_close(method.fusion.fuse(again), method.fusion.fuse(masked))
    # ... and does depend on the kept ones
    moved = [torch.where(k[..., None], x + torch.randn(x.shape), x) for x, k in zip(tokens, kept)]
    other, _ = method.mask_tokens(moved, torch.Generator().manual_seed(3))
    assert not torch.allclose(method.fusion.fuse(other), method.fusion.fuse(masked))


def test_padded_sequences_keep_a_fraction_of_their_real_steps_only(tiny):
    # Lengths 8, 5, 2, 1 of 8 steps: at a ratio of 0.5 each keeps floor(L / 2), at least one,
    # all of them real; before the fix the kept tokens were drawn among all 8 positions.
    ctx = MethodContext(((8, 3), (5,)), (None, None), {"y": 2})
    method = _method(ctx, tiny, mask_ratio=0.5)
    lengths = torch.tensor([8, 5, 2, 1])
    real = torch.arange(8)[None, :] < lengths[:, None]
    tokens = [torch.randn(4, 8, tiny["embed_dim"]), torch.randn(4, 4, tiny["embed_dim"])]
    masked, kept = method.mask_tokens(tokens, torch.Generator().manual_seed(0), [real, None])
    assert kept[0].sum(dim=1).tolist() == [4, 2, 1, 1]
    assert not (kept[0] & ~real).any()
    assert kept[1].sum(dim=1).tolist() == [2] * 4
    assert torch.equal(masked[0][~kept[0]],
                       method.mask_token.expand(4, 8, -1)[~kept[0]])
    with pytest.raises(ValueError, match=r"one token mask per modality \(2\); received 1"):
        method.mask_tokens(tokens, torch.Generator(), [real])


def test_padding_is_invisible_to_the_loss(tiny):
    # Every sample has 5 real steps after 4 steps of padding: the loss must equal the loss of
    # the same samples without padding (same draws of augmentations and masks).
    ctx = MethodContext(((9, 3), (5,)), (None, None), {"y": 2})
    method = _method(ctx, tiny, mask_ratio=0.5).eval()
    g = torch.Generator().manual_seed(1)
    text, other = torch.randn(8, 5, 3, generator=g), torch.randn(8, 5, generator=g)
    front = torch.cat([100 * torch.randn(8, 4, 3, generator=g), text], dim=1)
    mask = torch.cat([torch.zeros(8, 4, dtype=torch.bool), torch.ones(8, 5, dtype=torch.bool)],
                     dim=1)
    padded = Batch([front, other], masks=[mask, None], generator=torch.Generator().manual_seed(2))
    plain = Batch([text, other], generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        torch.testing.assert_close(method.loss(padded), method.loss(plain), rtol=1e-5,
                                   atol=1e-5)
        unmasked = Batch([front, other], generator=torch.Generator().manual_seed(2))
        assert (method.loss(unmasked) - method.loss(plain)).abs() > 1e-4


def test_embed_is_comms_fused_cls(context, tiny, make_batch):
    method = _method(context, tiny).eval()
    batch = make_batch(context)
    torch.testing.assert_close(method.embed(Batch(batch.modalities)),
                               method.fusion(batch.modalities))


def test_gradients_reach_every_parameter_and_the_step_counter_ramps(context, tiny, make_batch):
    method = _method(context, tiny, ramp_steps=4, mask_lambda=2.0)
    assert method.spread_weight() == 0.5
    loss = method.loss(make_batch(context))
    loss.backward()
    assert torch.isfinite(loss) and all(p.grad is not None for p in method.parameters())
    assert int(method.steps) == 1 and method.spread_weight() == 1.0
    with torch.no_grad():
        method.loss(make_batch(context))
    assert int(method.steps) == 1
    assert _method(context, tiny, mask_lambda=2.0).spread_weight() == 2.0


def test_bad_settings_are_refused(context, tiny):
    with pytest.raises(ValueError, match=r"keeps no token of modalities \[0, 1\].*vector_tokens >= 4"):
        get_method("infmasking")(context, **tiny)
    for key, value, match in [("mask_ratio", 1.0, "mask_ratio must be in"),
                              ("n_masks", 0, "n_masks must be a positive integer"),
                              ("mask_lambda", -1, "mask_lambda must be >= 0"),
                              ("ramp_steps", 0, "ramp_steps must be None or a positive")]:
        with pytest.raises(ValueError, match=match):
            _method(context, tiny, **{key: value})
    with pytest.raises(ValueError, match="draws its masks from batch.generator"):
        ctx = MethodContext(context.modality_shapes, (None, None), context.n_classes)
        _method(ctx, tiny).loss(Batch([torch.randn(4, 6), torch.randn(4, 5)]))


def test_image_modalities_mask_grid_tokens(tiny, make_batch, context):
    ctx = MethodContext(((3, 8, 8), (6,)), context.augment, context.n_classes)
    method = _method(ctx, tiny)
    assert method.keep == [1, 1]  # 2 x 2 grid and 4 vector tokens, 30 % kept
    assert torch.isfinite(method.loss(make_batch(ctx)))


def test_training_is_seeded_and_resumes_from_a_checkpoint(check_resume):
    whole, resumed = check_resume("infmasking", ramp_steps=6, **TOKENS)
    assert int(resumed.steps) == int(whole.steps) == 8  # 4 steps per epoch
