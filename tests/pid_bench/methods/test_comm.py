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
