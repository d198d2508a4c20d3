"""Shared fixtures of the method tests: a tiny architecture, a context and batches."""

import pytest
import torch

from pid_bench.methods import Batch, MethodContext

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
