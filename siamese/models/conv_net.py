"""The four-block convnet of few-shot Omniglot (Vinyals et al. 2016; Snell et al. 2017) as an embedding net."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import torch
from torch import nn

from siamese.models.base import LayeredNet, check_embedding_dim


class ConvNet(LayeredNet):
    """``len(channels)`` blocks of conv(3x3, padding 1) -> BatchNorm -> ReLU -> max-pool(2), then fc -> embedding.

    Default ``channels=(64, 64, 64, 64)`` on 28x28 input: layers ``block1`` [B,64,14,14], ``block2`` [B,64,7,7],
    ``block3`` [B,64,3,3], ``block4`` [B,64,1,1], ``embedding`` [B,embedding_dim] (a linear map of the flattened
    last block). ``image_size`` (side in pixels) fixes the width of that map (64 x 2 x 2 at 35 pixels).
    Small and fast on the CPU (about 10 M multiply-adds per 28x28 image), the standard backbone of one-shot
    Omniglot. ``channels_last``: NHWC conv weights (same values, faster on the CPU), as ``EmbeddingNet``.
    """

    def __init__(self, embedding_dim: int = 128, channels: Sequence[int] = (64, 64, 64, 64), in_channels: int = 1,
                 image_size: int = 28, channels_last: bool = True):
        check_embedding_dim(embedding_dim)
        if not channels or image_size < 2 ** len(channels):
            raise ValueError(f"model.channels needs at least 1 block and model.image_size >= 2^blocks, got "
                             f"{list(channels)} blocks for {image_size} pixels")
        stages, width = OrderedDict(), in_channels
        for i, c in enumerate(channels, start=1):
            stages[f"block{i}"] = nn.Sequential(nn.Conv2d(width, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(),
                                                nn.MaxPool2d(2))
            width = c
        side = image_size
        for _ in channels:
            side //= 2
        stages["embedding"] = nn.Sequential(nn.Flatten(), nn.Linear(width * side * side, embedding_dim))
        super().__init__(stages)
        self.embedding_dim = embedding_dim
        if channels_last:
            self.to(memory_format=torch.channels_last)
