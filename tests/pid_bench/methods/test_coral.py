import math

import pytest
import torch

from pid_bench.methods import Batch, MethodContext, get_method
from pid_bench.methods.base import Shard
from pid_bench.methods.coral import AttentionPooling, squared_cosine
from pid_bench.methods.losses import nt_xent


def _method(context, tiny, **hparams):
    return get_method("coral")(context, **{"seed": 0, **tiny, **hparams})


def test_squared_cosine_by_hand():
    a = torch.tensor([[1.0, 0.0], [1.0, 1.0], [3.0, 4.0]])
    b = torch.tensor([[0.0, 2.0], [1.0, 1.0], [4.0, 3.0]])
    # cosines 0, 1 and 24 / 25
    assert squared_cosine(a, b).item() == pytest.approx((0 + 1 + (24 / 25) ** 2) / 3, rel=1e-6)
    with pytest.raises(ValueError, match=r"same shape \(B, D\); received \(3, 2\) and \(2, 2\)"):
        squared_cosine(a, b[:2])


def test_attention_pooling_by_hand():
    pool = AttentionPooling(2)
    with torch.no_grad():
        pool.query.copy_(torch.tensor([1.0, 0.0]))
    x = torch.tensor([[[0.0, 1.0], [math.log(3.0), 5.0]]])
    # scores 0 and ln 3: weights 1/4 and 3/4
    torch.testing.assert_close(pool(x), torch.tensor([[0.75 * math.log(3.0), 0.25 + 3.75]]))


def test_loss_equals_the_sum_of_the_written_out_terms(context, tiny, make_batch):
    method = _method(context, tiny, temperature=0.3, mask_ratio=0.5, shared_weight=0.7,
                     unique_weight=1.3, ortho_weight=2.0, vector_tokens=3)
    batch = make_batch(context)
    loss = method.loss(batch)

    g = torch.Generator().manual_seed(1)
    views = []
    for masked in (0, 1):
        x = [aug(v, g) for v, aug in zip(batch.modalities, context.augment)]
        tokens = method.fusion.tokenize(x)
        keep = torch.rand(tokens[masked].shape[:2], generator=g) >= 0.5
        tokens[masked] = tokens[masked] * keep[..., None]
        s = method.head(method.fusion.fuse(tokens))
        u = [method.unique_heads[m](method.pools[m](method.unique_maps[m](
            method.unique_tokenizers[m](x[m])))) for m in range(2)]
        views.append((s, u))
    (s1, u1), (s2, u2) = views
    t = 0.3
    expected = (0.7 * nt_xent(s1, s2, t)
                + 1.3 * (nt_xent(u1[0], u2[0], t) + nt_xent(u1[1], u2[1], t))
                + 2.0 * sum(squared_cosine(u[0], u[1]) + squared_cosine(u[0], s)
                            + squared_cosine(u[1], s) for s, u in views))
    torch.testing.assert_close(loss, expected, rtol=1e-5, atol=1e-5)


def test_the_mask_removes_the_masked_tokens_of_one_modality_only(context, tiny, make_batch):
    method = _method(context, tiny, vector_tokens=6).eval()
    batch = make_batch(context, n=32)
    tokens = method.fusion.tokenize(batch.modalities)
    masked, kept = method.mask_modality(tokens, 1, torch.Generator().manual_seed(2))
    assert torch.equal(masked[0], tokens[0])
    assert torch.all(masked[1][~kept] == 0) and torch.equal(masked[1][kept], tokens[1][kept])
    assert 0.6 < 1 - kept.float().mean().item() < 0.9  # 75 % masked on average, of 192 tokens
    changed = list(tokens)
    changed[1] = torch.where(kept[..., None], tokens[1], 50 * torch.randn(tokens[1].shape))
    again, _ = method.mask_modality(changed, 1, torch.Generator().manual_seed(2))
    torch.testing.assert_close(method.fusion.fuse(again), method.fusion.fuse(masked))
    assert not torch.allclose(method.fusion.fuse(tokens), method.fusion.fuse(masked))


def test_a_shard_masks_its_rows_as_one_process_masks_the_global_batch(context, tiny,
                                                                      make_batch):
    """Data-parallel training: each rank's mask is its rows of the single-process mask, and
    the generator ends where the single process leaves it (so the next view's augmentations
    match too)."""
    method = _method(context, tiny, vector_tokens=4).eval()
    batch = make_batch(context, n=16)
    tokens = method.fusion.tokenize(batch.modalities)
    whole_gen = torch.Generator().manual_seed(5)
    _, whole = method.mask_modality(tokens, 0, whole_gen)
    for start, stop in ((0, 8), (8, 16)):
        shard = Shard(modalities=batch.modalities, start=start, stop=stop)
        gen = torch.Generator().manual_seed(5)
        rows = [t[start:stop] for t in tokens]
        masked, kept = method.mask_modality(rows, 0, gen, shard)
        assert torch.equal(kept, whole[start:stop])
        assert torch.equal(masked[0], rows[0] * kept[..., None])
        assert torch.equal(gen.get_state(), whole_gen.get_state())


def test_a_shard_of_the_loss_is_the_single_process_loss_on_its_rows(context, tiny, make_batch):
    """With the same generator state, the loss terms on a shard see the augmentations and
    masks of the global batch's rows: rank 0's shared view equals the first rows of one
    process's."""
    method = _method(context, tiny, vector_tokens=4).eval()
    batch = make_batch(context, n=16)
    views = {}
    for name, shard in (("one", None), ("rank0", Shard(batch.modalities, 0, 8))):
        gen = torch.Generator().manual_seed(7)
        part = Batch(batch.modalities if shard is None else [x[:8] for x in batch.modalities],
                     generator=gen, shard=shard)
        views[name] = [method.projections(method.augmented(part), masked, gen, shard)[0]
                       for masked in (0, 1)]
    for one, rank0 in zip(views["one"], views["rank0"]):
        torch.testing.assert_close(rank0, one[:8])


def test_embed_concatenates_the_fused_cls_and_the_unique_embeddings(context, tiny, make_batch):
    method = _method(context, tiny).eval()
    batch = make_batch(context)
    z = method.embed(Batch(batch.modalities))
    d = tiny["embed_dim"]
    assert z.shape == (8, 2 * d)
    torch.testing.assert_close(z[:, :d], method.fusion(batch.modalities))
    torch.testing.assert_close(z[:, d:], torch.cat(method.unique_embeddings(batch.modalities), 1))


def test_unique_path_starts_as_a_copy_of_the_shared_tokenisers_and_is_trained_apart(
        context, tiny, make_batch):
    method = _method(context, tiny)
    for a, b in zip(method.fusion.tokenizers.parameters(),
                    method.unique_tokenizers.parameters()):
        assert torch.equal(a, b) and a is not b
    loss = method.loss(make_batch(context))
    loss.backward()
    assert torch.isfinite(loss) and all(p.grad is not None for p in method.parameters())


def test_bad_settings_are_refused(context, tiny):
    three = MethodContext(((6,), (5,), (4,)), context.augment[:1] * 3, context.n_classes)
    with pytest.raises(ValueError, match="exactly 2 modalities; received 3"):
        get_method("coral")(three, **tiny)
    for key, value, match in [("temperature", 0, "temperature must be > 0"),
                              ("mask_ratio", 1.0, r"mask_ratio must be in \[0, 1\)"),
                              ("ortho_weight", -1, "ortho_weight must be >= 0")]:
        with pytest.raises(ValueError, match=match):
            _method(context, tiny, **{key: value})
    with pytest.raises(ValueError, match="needs an even embed_dim.*received 7"):
        _method(context, {**tiny, "embed_dim": 7, "n_heads": 1})
    ctx = MethodContext(context.modality_shapes, (None, None), context.n_classes)
    with pytest.raises(ValueError, match="draws its masks from batch.generator"):
        _method(ctx, tiny).loss(Batch([torch.randn(4, 6), torch.randn(4, 5)]))


def test_training_is_seeded_and_resumes_from_a_checkpoint(check_resume):
    check_resume("coral")
