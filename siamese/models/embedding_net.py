"""The embedding net of the Siamese/triplet studies (as in adambielski/siamese-triplet), and a smaller variant."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import torch
from torch import nn

from siamese.models.base import LayeredNet, check_embedding_dim
from siamese.utils.parameters import ParameterError


class EmbeddingNet(LayeredNet):
    """conv(c1, 5x5) PReLU max-pool -> conv(c2, 5x5) PReLU max-pool -> fc hidden... PReLU -> fc embedding_dim.

    Default (``channels=(32, 64)``, ``hidden=(256, 256)``): layers ``conv1`` [B,32,12,12], ``conv2`` [B,64,4,4]
    (feature maps), ``fc1`` [B,256], ``fc2`` [B,256] (alias ``fc`` = the last hidden layer), ``embedding``
    [B,embedding_dim].
    The smaller preset uses ``channels=(16, 64)``, ``hidden=(128,)``. ``in_channels``: 1 (grey) or 3 (RGB).
    Other image sizes (>= 20 pixels, e.g. 32x32 CIFAR): ``conv2`` ends in an adaptive average pool to 4x4, an
    identity for 28x28 input (where conv2 already gives 4x4).

    ``channels_last`` (default): the conv weights are stored NHWC (``torch.channels_last``), so the convolutions,
    PReLU and max-pool run on NHWC feature maps: the same values (to float rounding, ~1e-7), more images per second
    than NCHW on the CPU (measured in benchmarks/README.md); cuDNN prefers it too under mixed precision.
    """

    def __init__(self, embedding_dim: int = 2, channels: Sequence[int] = (32, 64), hidden: Sequence[int] = (256, 256),
                 in_channels: int = 1, channels_last: bool = True):
        check_embedding_dim(embedding_dim)
        if len(channels) != 2 or not hidden:
            raise ParameterError("channels" if len(channels) != 2 else "hidden", channels if len(channels) != 2
                                 else hidden, "channels needs 2 values and hidden at least 1")
        c1, c2 = channels
        stages = OrderedDict([
            ("conv1", nn.Sequential(nn.Conv2d(in_channels, c1, 5), nn.PReLU(), nn.MaxPool2d(2))),
            ("conv2", nn.Sequential(nn.Conv2d(c1, c2, 5), nn.PReLU(), nn.MaxPool2d(2), nn.AdaptiveAvgPool2d(4))),
        ])
        width = c2 * 4 * 4
        for i, size in enumerate(hidden, start=1):
            flatten = [nn.Flatten()] if i == 1 else []
            stages[f"fc{i}"] = nn.Sequential(*flatten, nn.Linear(width, size), nn.PReLU())
            width = size
        stages["embedding"] = nn.Linear(width, embedding_dim)
        super().__init__(stages)
        self.embedding_dim = embedding_dim
        self.fc_name = f"fc{len(hidden)}"
        if channels_last:  # 4-D weights only; a [B, 1, 28, 28] input is already NHWC-contiguous (one channel)
            self.to(memory_format=torch.channels_last)

    def activations(self, x, layers=None):
        # "fc" is the common name across models for the last hidden layer.
        if layers is None or "fc" not in layers:
            return super().activations(x, layers)
        names = [self.fc_name if name == "fc" else name for name in layers]
        out = super().activations(x, names)
        out["fc"] = out[self.fc_name]
        return {name: out[name] for name in layers}
