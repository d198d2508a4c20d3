import torch

from pid_bench.methods import Batch, get_method


def test_random_is_comm_untrained(context, tiny, make_batch):
    random_cls = get_method("random")
    assert random_cls.trainable is False and get_method("comm").trainable is True
    rnd = random_cls(context, seed=2, **tiny)
    comm = get_method("comm")(context, seed=2, **tiny)
    for (key, a), b in zip(rnd.state_dict().items(), comm.state_dict().values()):
        assert torch.equal(a, b), key
    batch = make_batch(context)
    z = rnd.embed(Batch(batch.modalities))
    assert z.shape == (8, tiny["embed_dim"])
    torch.testing.assert_close(z, comm.embed(Batch(batch.modalities)))
