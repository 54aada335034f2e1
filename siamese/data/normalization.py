"""Pixel normalization of digit images, the one formula every reader of a net's input uses.

``x = (pixel / 255 - mean) / std`` with ``mean``/``std`` of the training split's pixels (0-1 scale), plus a
channel axis: uint8 ``[N, 28, 28]`` -> float ``[N, 1, 28, 28]``. Float input must be 0-255 pixels too: float images
whose values all lie in 0-1 (and are not all zero) are refused, since they were most likely scaled already.
"""

from __future__ import annotations

import numpy as np
import torch


def normalize_pixels(images, mean: float, std: float) -> torch.Tensor:
    """``(images / 255 - mean) / std`` as float32 with a channel axis added (``[N, H, W]`` -> ``[N, 1, H, W]``)."""
    images = images if torch.is_tensor(images) else torch.as_tensor(np.asarray(images))
    if images.is_floating_point() and images.numel() and 0 < float(images.abs().max()) <= 1.0:
        raise ValueError("images look scaled to 0-1 (max <= 1); pass pixel values 0-255 (uint8 or float)")
    return ((images.float() / 255.0 - mean) / std).unsqueeze(1)
