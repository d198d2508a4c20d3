"""``Architecture``: the widths shared by every model that pid-bench builds."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Architecture", "SEQUENCE_ENCODERS", "VECTOR_TOKENIZERS"]

#: Choices of ``Architecture.vector_tokenizer``.
VECTOR_TOKENIZERS = ("mlp", "features")
#: Choices of ``Architecture.sequence_encoder``.
SEQUENCE_ENCODERS = ("transformer", "gru")


@dataclass(frozen=True)
class Architecture:
    """Widths of the encoders, tokenisers and fusion transformer.

    The defaults scale CoMM's published recipe (embedding 512, 8 heads, AlexNet encoders at
    224 px; Dufumier et al., ICLR 2025) down so that training fits two CPU cores: embedding
    128, 4 heads, one transformer layer, a three-block CNN on 32-48 px images.

    Attributes
    ----------
    embed_dim : int, default 128
        Width d of the tokens, of the CLS embedding and of per-modality encoder outputs.
    hidden_dim : int, default 256
        Width of the hidden layers of vector (MLP) encoders.
    mlp_layers : int, default 2
        Number of hidden layers of vector encoders.
    cnn_width : int, default 32
        Channels of the first CNN block (doubled by each of the next two blocks).
    cnn_depth : int, default 3
        Blocks of the CNN (at least 3; blocks after the third keep the resolution and widen the
        receptive field: 15 px with 3 blocks, 31 px with 4, which Trifeature's shapes at 48 px
        need).
    vector_tokens : int, default 1
        Tokens per vector modality in the fusion transformer.
    image_grid : int, default 2
        Image feature maps are pooled to ``image_grid x image_grid`` tokens.
    n_heads : int, default 4
        Attention heads of the fusion transformer (must divide ``embed_dim``).
    n_layers : int, default 1
        Layers of the fusion transformer.
    dropout : float, default 0.0
        Dropout inside the fusion transformer (and the sequence encoders' transformer).
    vector_tokenizer : {"mlp", "features"}, default "mlp"
        How a vector modality becomes tokens: ``"mlp"``, an MLP then ``vector_tokens``
        tokens; ``"features"``, one token per feature (FT-Transformer's feature tokenizer,
        Gorishniy et al., NeurIPS 2021), for tabular data.
    sequence_encoder : {"transformer", "gru"}, default "transformer"
        Encoder of sequence modalities (per-sample shape (T, d)), one token per step: a
        transformer over the steps with sinusoidal positions, as CoMM's MultiBench affect
        encoders, or a GRU, as its MIMIC encoder (``Duplums/CoMM``, ``models/transformer.py``
        and ``models/gru.py``).
    sequence_layers : int, default 1
        Layers of the sequence encoder (CoMM's affect transformer has 5).
    """

    embed_dim: int = 128
    hidden_dim: int = 256
    mlp_layers: int = 2
    cnn_width: int = 32
    cnn_depth: int = 3
    vector_tokens: int = 1
    image_grid: int = 2
    n_heads: int = 4
    n_layers: int = 1
    dropout: float = 0.0
    vector_tokenizer: str = "mlp"
    sequence_encoder: str = "transformer"
    sequence_layers: int = 1

    def __post_init__(self) -> None:
        for name, choices in (("vector_tokenizer", VECTOR_TOKENIZERS),
                              ("sequence_encoder", SEQUENCE_ENCODERS)):
            if getattr(self, name) not in choices:
                raise ValueError(f"{name} must be one of {', '.join(choices)}; received "
                                 f"{getattr(self, name)!r}")
        for name in ("embed_dim", "hidden_dim", "mlp_layers", "cnn_width", "cnn_depth",
                     "vector_tokens", "image_grid", "n_heads", "n_layers", "sequence_layers"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer; received {value!r}")
        if self.cnn_depth < 3:
            raise ValueError(f"cnn_depth must be at least 3; received {self.cnn_depth}")
        if self.embed_dim % self.n_heads:
            raise ValueError(f"n_heads must divide embed_dim; received embed_dim "
                             f"{self.embed_dim} and n_heads {self.n_heads}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1); received {self.dropout!r}")

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> "Architecture":
        """Build from keyword options, rejecting names that are not fields.

        Raises
        ------
        ValueError
            An option that is not an architecture field (the message lists the fields).
        """
        names = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(options) - set(names))
        if unknown:
            raise ValueError(f"unknown architecture options {unknown}; known: {', '.join(names)}")
        return cls(**options)
