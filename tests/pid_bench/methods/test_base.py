import numpy as np
import pytest
import torch

from pid_bench.data import MultimodalDataset
from pid_bench.methods import Batch, Method, MethodContext, get_method
from pid_bench.methods.base import Shard, seed_to_int


def test_context_normalises_and_validates(context):
    noise = context.augment[0]
    ctx = MethodContext([[3], (2, 4, 4)], [None, noise], {"a": 2})
    assert ctx.modality_shapes == ((3,), (2, 4, 4)) and ctx.n_modalities == 2
    assert ctx.augment == (None, noise)
    with pytest.raises(ValueError, match=r"one entry \(callable or None\) per modality \(2\); "
                                         r"received 1"):
        MethodContext(((3,), (3,)), (None,), {"a": 2})
    with pytest.raises(ValueError, match="positive sizes"):
        MethodContext(((3,), (0,)), (None, None), {"a": 2})
    with pytest.raises(ValueError, match="target_task 'b' is not a task; known tasks: a"):
        MethodContext(((3,), (3,)), (None, None), {"a": 2}, target_task="b")
    with pytest.raises(ValueError, match="callables or None; entries \\[1\\]"):
        MethodContext(((3,), (3,)), (None, 3), {"a": 2})


def test_context_from_dataset():
    rng = np.random.default_rng(0)
    ds = MultimodalDataset.from_arrays(rng.normal(size=(10, 4)), rng.random((10, 3, 8, 8)),
                                       tasks={"y": rng.integers(0, 3, 10)})
    ctx = MethodContext.from_dataset(ds, target_task="y")
    assert ctx.modality_shapes == ((4,), (3, 8, 8))
    assert ctx.augment == (None, None) and ctx.n_classes == {"y": 3}


def test_seed_fixes_initial_weights_and_leaves_global_rng_alone(context, tiny):
    before = torch.get_rng_state()
    comm = get_method("comm")
    a, b, c = comm(context, seed=3, **tiny), comm(context, seed=3, **tiny), comm(context, seed=4, **tiny)
    assert torch.equal(torch.get_rng_state(), before)
    for (key, va), vb, vc in zip(a.state_dict().items(), b.state_dict().values(),
                                 c.state_dict().values()):
        assert torch.equal(va, vb), key
    assert any(not torch.equal(va, vc) for va, vc in zip(a.state_dict().values(),
                                                         c.state_dict().values()))
    assert a.seed == 3 and a.hparams == tiny


def test_numpy_generator_seeds():
    assert seed_to_int(np.random.default_rng(5)) == seed_to_int(np.random.default_rng(5))
    with pytest.raises(ValueError, match="non-negative int or a numpy Generator; received -1"):
        seed_to_int(-1)


def test_unknown_hyperparameters_and_bad_context(context):
    class Bare(Method):
        name = "bare"

    with pytest.raises(ValueError, match="unknown hyperparameters \\['width'\\]"):
        Bare(context, width=3)
    with pytest.raises(ValueError, match="built from a MethodContext; received dict"):
        Bare({"modality_shapes": ((3,),)})
    with pytest.raises(ValueError, match="unknown architecture options \\['widht'\\]"):
        get_method("comm")(context, widht=3)


def test_check_batch_and_augmented(context, make_batch):
    method = Method(context)
    batch = make_batch(context)
    method.check_batch(batch)
    with pytest.raises(ValueError, match="expects 2 modalities; received 1"):
        method.check_batch(Batch(batch.modalities[:1]))
    with pytest.raises(ValueError, match=r"modality 1 must have per-sample shape \(5,\); "
                                         r"received a batch of shape \(8, 4\)"):
        method.check_batch(Batch([batch.modalities[0], torch.randn(8, 4)]))
    with pytest.raises(ValueError, match="same batch size"):
        method.check_batch(Batch([batch.modalities[0], torch.randn(7, 5)]))
    views = method.augmented(batch)
    g = torch.Generator().manual_seed(1)
    for x, view, aug in zip(batch.modalities, views, context.augment):
        torch.testing.assert_close(view, aug(x, g))
    with pytest.raises(ValueError, match="needs a torch.Generator"):
        method.augmented(Batch(batch.modalities))
    plain = Method(MethodContext(context.modality_shapes, (None, None), context.n_classes))
    assert all(v is x for v, x in zip(plain.augmented(Batch(batch.modalities)), batch.modalities))


def test_forward_is_the_loss(context, make_batch, tiny):
    method = get_method("comm")(context, **tiny)
    batch = make_batch(context)
    again = make_batch(context)  # the same inputs and generator seed: the same draws
    assert torch.equal(method(batch), method.loss(again))


def test_augmented_rows_of_a_shard_are_those_of_the_global_batch(context, make_batch):
    method = Method(context)
    full = make_batch(context, n=8)
    rows = [x[2:6] for x in full.modalities]
    shard = Batch(rows, generator=torch.Generator().manual_seed(1),
                  shard=Shard(modalities=full.modalities, start=2, stop=6))
    for view, whole in zip(method.augmented(shard), method.augmented(full)):
        assert torch.equal(view, whole[2:6])
    # drawn on the shard's rows alone, the noise would differ
    alone = method.augmented(Batch(rows, generator=torch.Generator().manual_seed(1)))
    assert not torch.equal(alone[0], method.augmented(shard)[0])
