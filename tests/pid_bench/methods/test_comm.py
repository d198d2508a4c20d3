import math

import pytest
import torch

from pid_bench.methods import Batch, MethodContext, get_method
from pid_bench.methods.losses import nt_xent


def _by_hand(method, first, second):
    """CoMM's loss assembled from the model's own embeddings of each view.

    Each view of both augmentations goes through the head as one batch of 2B rows, so that a
    batch-normalised head takes its statistics over both, as CoMM's does.
    """
    m, n = len(first), first[0].shape[0]
    both = [torch.cat(pair) for pair in zip(first, second)]
    alone = [[x if i == k else None for i, x in enumerate(both)] for k in range(m)]
    heads = [method.head(method.fusion(v)) for v in (*alone, both)]
    z1, z2 = [z[:n] for z in heads], [z[n:] for z in heads]
    t = method.temperature
    terms = [0.5 * (nt_xent(z1[v], z2[m], t) + nt_xent(z2[v], z1[m], t)) for v in range(m + 1)]
    return sum(terms) / (m + 1)


@pytest.mark.parametrize("batch_norm", [False, True])
@pytest.mark.parametrize("shapes", [((6,), (5,)), ((6,), (3, 8, 8), (4,))])
def test_loss_equals_the_formula_from_the_models_embeddings(shapes, batch_norm, context, tiny,
                                                            make_batch, replay):
    ctx = MethodContext(shapes, context.augment[:1] * len(shapes), context.n_classes)
    method = get_method("comm")(ctx, seed=0, temperature=0.2, batch_norm=batch_norm, **tiny)
    batch = make_batch(ctx)
    loss = method.loss(batch)
    first, second = replay(ctx, batch)
    torch.testing.assert_close(loss, _by_hand(method, first, second), rtol=1e-5, atol=1e-5)


def test_embed_is_the_fused_cls_of_the_unaugmented_input(context, tiny, make_batch):
    method = get_method("comm")(context, seed=0, **tiny).eval()
    batch = make_batch(context)
    z = method.embed(Batch(batch.modalities))
    assert z.shape == (8, tiny["embed_dim"])
    torch.testing.assert_close(z, method.fusion(batch.modalities))


def test_loss_trains(context, tiny, make_batch):
    method = get_method("comm")(context, seed=0, **tiny)
    loss = method.loss(make_batch(context))
    loss.backward()
    assert loss.ndim == 0 and torch.isfinite(loss)
    assert all(p.grad is not None for p in method.parameters())


def test_bad_hyperparameters_and_batches(context, tiny, make_batch):
    with pytest.raises(ValueError, match="temperature must be > 0"):
        get_method("comm")(context, temperature=0, **tiny)
    method = get_method("comm")(context, **tiny)
    batch = make_batch(context)
    with pytest.raises(ValueError, match="expects 2 modalities; received 1"):
        method.loss(Batch(batch.modalities[:1], generator=batch.generator))
    with pytest.raises(ValueError, match="per-sample shape \\(6,\\)"):
        method.embed(Batch([torch.randn(8, 7), batch.modalities[1]]))


def test_batch_norm_adds_a_hidden_normalisation_and_the_probe_still_reads_the_fused_cls(
        context, tiny, make_batch):
    plain = get_method("comm")(context, seed=0, **tiny)
    normed = get_method("comm")(context, seed=0, batch_norm=True, **tiny)
    assert [type(layer).__name__ for layer in normed.head.net] == [
        "Linear", "BatchNorm1d", "ReLU", "Linear"]
    assert [type(layer).__name__ for layer in plain.head.net] == ["Linear", "ReLU", "Linear"]
    batch = make_batch(context)
    loss = normed.loss(batch)
    loss.backward()
    assert torch.isfinite(loss) and all(p.grad is not None for p in normed.parameters())
    plain.eval()
    normed.eval()
    torch.testing.assert_close(normed.embed(Batch(batch.modalities)),
                               plain.embed(Batch(batch.modalities)))


# ---------------------------------------------------------------------------- 3 modalities, sequences
def _nt_xent_by_hand(a, b, t):
    """SimCLR's loss written out: mean over the 2B anchors of -log softmax of the positive."""
    z = torch.nn.functional.normalize(torch.cat([a, b]).double(), dim=1)
    n = a.shape[0]
    total = 0.0
    for i in range(2 * n):
        j = (i + n) % (2 * n)
        logits = [float(z[i] @ z[k]) / t for k in range(2 * n) if k != i]
        positive = float(z[i] @ z[j]) / t
        total += -(positive - math.log(sum(math.exp(v) for v in logits)))
    return total / (2 * n)


def test_three_modality_loss_against_a_hand_computation(tiny, make_batch, monkeypatch):
    """With fixed view projections (3 modalities alone + the full view), the loss is
    1/4 sum_v 1/2 [NT-Xent(z'_v, z''_full) + NT-Xent(z''_v, z'_full)], as CoMM's CoMMLoss
    averages its M + 1 terms."""
    ctx = MethodContext(((3,), (2,), (4,)), (None,) * 3, {"y": 2})
    method = get_method("comm")(ctx, temperature=0.5, **tiny)
    g = torch.Generator().manual_seed(0)
    projections = [torch.randn(6, 2, generator=g) for _ in range(4)]  # 2B = 6 rows per view
    monkeypatch.setattr(method, "view_projections", lambda inputs, masks=None: projections)
    loss = method.loss(make_batch(ctx, n=3))
    first, second = [z[:3] for z in projections], [z[3:] for z in projections]
    expected = sum(0.5 * (_nt_xent_by_hand(first[v], second[3], 0.5)
                          + _nt_xent_by_hand(second[v], first[3], 0.5)) for v in range(4)) / 4
    assert loss.item() == pytest.approx(expected, rel=1e-6)


def test_each_masked_view_reads_its_modality_only(tiny):
    """View m of three modalities does not change when the other two change; the full view does."""
    ctx = MethodContext(((4, 3), (5,), (2,)), (None,) * 3, {"y": 2})
    method = get_method("comm")(ctx, seed=0, **tiny).eval()
    g = torch.Generator().manual_seed(0)
    inputs = [torch.randn(4, 4, 3, generator=g), torch.randn(4, 5, generator=g),
              torch.randn(4, 2, generator=g)]
    masks = [torch.tensor([[True] * 4, [False, True, True, True], [True, False] * 2,
                           [False] * 3 + [True]]), None, None]
    with torch.no_grad():
        views = method.view_projections(inputs, masks)
        for m in range(3):
            changed = [x if i == m else 10 * torch.randn(x.shape, generator=g)
                       for i, x in enumerate(inputs)]
            other = method.view_projections(changed, masks)
            torch.testing.assert_close(other[m], views[m], rtol=0, atol=0)
            assert (other[3] - views[3]).abs().max() > 1e-3


@pytest.mark.parametrize("kind", ["transformer", "gru"])
@pytest.mark.parametrize("training", [False, True])
def test_padding_is_invisible_through_comms_pipeline(kind, training, tiny):
    """The embedding and every view projection of a padded sample equal those of the same
    sample without padding (a shorter T), fusion included."""
    ctx = MethodContext(((9, 3), (5,), (6, 2)), (None,) * 3, {"y": 2})
    method = get_method("comm")(ctx, seed=0, sequence_encoder=kind, sequence_layers=2,
                                **tiny).train(training)
    g = torch.Generator().manual_seed(1)
    text, audio = torch.randn(2, 5, 3, generator=g), torch.randn(2, 5, generator=g)
    vision = torch.randn(2, 6, 2, generator=g)
    front = torch.cat([100 * torch.randn(2, 4, 3, generator=g), text], dim=1)
    mask = torch.cat([torch.zeros(2, 4, dtype=torch.bool), torch.ones(2, 5, dtype=torch.bool)], 1)
    padded = Batch([front, audio, vision], masks=[mask, None, None])
    plain = Batch([text, audio, vision])
    torch.testing.assert_close(method.embed(padded), method.embed(plain), rtol=1e-5, atol=1e-5)
    for a, b in zip(method.view_projections(padded.modalities, padded.masks),
                    method.view_projections(plain.modalities)):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)
    unmasked = method.embed(Batch([front, audio, vision]))
    assert (unmasked - method.embed(plain)).abs().max() > 1e-3


def test_loss_with_masks_trains_and_bad_masks_are_refused(tiny, make_batch):
    ctx = MethodContext(((4, 3), (5,)), (None, None), {"y": 2})
    method = get_method("comm")(ctx, seed=0, **tiny)
    batch = make_batch(ctx)
    batch.masks = [torch.arange(4)[None, :].expand(8, 4) >= torch.arange(8)[:, None] % 4, None]
    loss = method.loss(batch)
    loss.backward()
    assert torch.isfinite(loss)
    with pytest.raises(ValueError, match=r"mask of modality 0 must be a bool \(B, T\) = \(8, 4\)"):
        method.embed(Batch(batch.modalities, masks=[torch.ones(8, 3, dtype=torch.bool), None]))
    with pytest.raises(ValueError, match="mask of modality 1"):
        method.embed(Batch(batch.modalities, masks=[None, torch.ones(8, 5, dtype=torch.bool)]))
    with pytest.raises(ValueError, match="one entry \\(mask or None\\) per modality \\(2\\)"):
        method.embed(Batch(batch.modalities, masks=[None]))
    with pytest.raises(ValueError, match=r"per-sample shape \(T, 3\) for any T"):
        method.embed(Batch([torch.randn(8, 4, 2), batch.modalities[1]]))
    shorter = method.eval().embed(Batch([batch.modalities[0][:, :2], batch.modalities[1]]))
    assert shorter.shape == (8, tiny["embed_dim"])
