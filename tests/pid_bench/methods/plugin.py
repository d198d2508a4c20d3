"""A user's own method, outside pid-bench's registry: found by its import path.

``get_method("tests.pid_bench.methods.plugin:MyMethod")`` and ``pid-bench run`` with
``--method tests.pid_bench.methods.plugin:MyMethod`` use it with no change to pid-bench.
"""

import torch
from torch import Tensor, nn

from pid_bench.methods import Batch, Method, MethodContext
from pid_bench.methods.losses import nt_xent


class MyMethod(Method):
    """SimCLR on the concatenated, flattened modalities with one linear encoder."""

    name = "my_method"

    def __init__(self, context: MethodContext, *, dim: int = 8) -> None:
        super().__init__(context)
        width = sum(int(torch.Size(s).numel()) for s in context.modality_shapes)
        self.encoder = nn.Linear(width, dim)

    def _encode(self, inputs: list[Tensor]) -> Tensor:
        return self.encoder(torch.cat([x.flatten(1) for x in inputs], dim=1))

    def loss(self, batch: Batch) -> Tensor:
        self.check_batch(batch)
        return nt_xent(self._encode(self.augmented(batch)), self._encode(self.augmented(batch)))

    def embed(self, batch: Batch) -> Tensor:
        self.check_batch(batch)
        return self._encode(batch.modalities)


class NotAMethod:
    """Anything that is not a Method subclass is refused."""
