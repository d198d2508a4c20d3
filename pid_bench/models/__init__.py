"""Neural building blocks: encoders, tokenisers, the fusion transformer and heads."""

from pid_bench.models.config import Architecture
from pid_bench.models.encoders import (ConvEncoder, MLPEncoder, SequenceEncoder, VectorEncoder,
                                       is_image_shape, is_sequence_shape)
from pid_bench.models.fusion import FusionTransformer
from pid_bench.models.heads import ConcatCritic, ProjectionHead
from pid_bench.models.tokenizers import (FeatureMapTokenizer, FeatureTokenizer, ModalityTokenizer,
                                         VectorTokenizer)

__all__ = [
    "Architecture",
    "ConcatCritic",
    "ConvEncoder",
    "FeatureMapTokenizer",
    "FeatureTokenizer",
    "FusionTransformer",
    "MLPEncoder",
    "ModalityTokenizer",
    "ProjectionHead",
    "SequenceEncoder",
    "VectorEncoder",
    "VectorTokenizer",
    "is_image_shape",
    "is_sequence_shape",
]
