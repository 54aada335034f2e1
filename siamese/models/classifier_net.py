"""The convnet of the digit-similarity study (the classic PyTorch MNIST example net)."""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

from siamese.models.base import LayeredNet, check_embedding_dim


class ClassifierNet(LayeredNet):
    """conv1 (10 maps 5x5) -> max-pool 2 -> ReLU; conv2 (20 maps 5x5) -> max-pool 2 -> ReLU; fc 320->50 ReLU; output.

    Layers: ``conv1`` [B,10,12,12], ``conv2`` [B,20,4,4], ``fc`` [B,50], and the output layer named
    ``embedding`` (``out_features`` = embedding_dim, used as an embedding net) or ``logits`` (``num_classes``
    outputs, used as a classifier when ``num_classes`` is given). ``in_channels``: 1 (grey) or 3 (RGB); other
    image sizes (>= 20 pixels) are pooled to conv2's 4x4 by an adaptive average pool (identity for 28x28 input).
    """

    def __init__(self, embedding_dim: int = 2, num_classes: int | None = None, dropout: float = 0.0,
                 in_channels: int = 1):
        out_name, out_features = ("logits", num_classes) if num_classes else ("embedding", embedding_dim)
        check_embedding_dim(out_features, "num_classes" if num_classes else "embedding_dim")
        super().__init__(OrderedDict([
            ("conv1", nn.Sequential(nn.Conv2d(in_channels, 10, 5), nn.MaxPool2d(2), nn.ReLU())),
            ("conv2", nn.Sequential(nn.Conv2d(10, 20, 5), nn.Dropout2d(dropout), nn.MaxPool2d(2), nn.ReLU(),
                                   nn.AdaptiveAvgPool2d(4))),
            ("fc", nn.Sequential(nn.Flatten(), nn.Linear(320, 50), nn.ReLU(), nn.Dropout(dropout))),
            (out_name, nn.Linear(50, out_features)),
        ]))
        self.embedding_dim = out_features
