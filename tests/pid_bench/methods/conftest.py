"""Shared fixtures of the method tests: a tiny architecture, a context and batches."""

import numpy as np
import pytest
import torch

from pid_bench.data import MultimodalDataset
from pid_bench.methods import Batch, MethodContext, get_method
from pid_bench.train import TrainConfig, train

torch.set_num_threads(1)

#: Architecture options small enough for fast tests.
TINY = {"embed_dim": 8, "hidden_dim": 8, "n_heads": 2, "cnn_width": 2}


def noise(x, generator):
    """Additive Gaussian noise drawn from ``generator``."""
    return x + 0.1 * torch.randn(x.shape, generator=generator, dtype=x.dtype)


@pytest.fixture
def tiny():
    return dict(TINY)


@pytest.fixture
def context():
    """Two vector modalities with noise augmentations, a 3-class and a continuous task."""
    return MethodContext(modality_shapes=((6,), (5,)), augment=(noise, noise),
                         n_classes={"y": 3, "t": 0}, target_task="y")


@pytest.fixture
def make_batch():
    """``make_batch(context, n=8, seed=0, generator_seed=1)``: random inputs and labels."""

    def make(context, n=8, seed=0, generator_seed=1):
        g = torch.Generator().manual_seed(seed)
        mods = [torch.randn((n, *s), generator=g) for s in context.modality_shapes]
        labels = {k: (torch.randn(n, generator=g) if c == 0 else torch.randint(0, c, (n,), generator=g))
                  for k, c in context.n_classes.items()}
        return Batch(mods, labels, torch.Generator().manual_seed(generator_seed))

    return make


@pytest.fixture
def replay():
    """``replay(context, batch, generator_seed=1)``: the views X', X'' a method draws, in order."""

    def draw(context, batch, generator_seed=1):
        g = torch.Generator().manual_seed(generator_seed)
        first = [aug(x, g) for x, aug in zip(batch.modalities, context.augment)]
        second = [aug(x, g) for x, aug in zip(batch.modalities, context.augment)]
        return first, second

    return draw


@pytest.fixture
def check_resume(tmp_path, tiny):
    """``check_resume(name, **hparams)``: two seeded runs of 2 epochs agree, and a run killed
    after its first checkpoint resumes to the same weights and losses; returns the
    uninterrupted and the resumed method."""
    rng = np.random.default_rng(0)
    x1, x2 = (rng.normal(size=(32, k)).astype(np.float32) for k in (6, 5))
    data = MultimodalDataset.from_arrays(x1, x2, tasks={"y": (x1[:, 0] > 0).astype(int)})
    context = MethodContext.from_dataset(data, augment=(noise, noise))
    config = TrainConfig(epochs=2, batch_size=8, seed=3, device="cpu", progress=False)

    class Killed(Exception):
        pass

    def killed_at_epoch_2(epoch, method):
        if epoch == 2:
            raise Killed

    def run(name, seed=0, hparams=None, **options):
        method = get_method(name)(context, seed=seed, **tiny, **(hparams or {}))
        return method, train(method, data, config, **options)

    def check(name, **hparams):
        whole, result = run(name, hparams=hparams)
        assert result.history["loss"].tolist() == run(name, hparams=hparams)[1].history[
            "loss"].tolist()
        with pytest.raises(Killed):
            run(name, hparams=hparams, checkpoint_dir=tmp_path, callback=killed_at_epoch_2)
        resumed, out = run(name, seed=5, hparams=hparams, checkpoint_dir=tmp_path)
        assert out.resumed_from == 1
        assert all(torch.equal(a, b) for a, b in zip(whole.state_dict().values(),
                                                     resumed.state_dict().values()))
        assert out.history["loss"].tolist() == result.history["loss"].tolist()
        return whole, resumed

    return check
