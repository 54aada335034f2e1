"""Pixel normalization of images, the one formula every reader of a net's input uses.

``x_c = (pixel_c / 255 - mean_c) / std_c`` with ``mean``/``std`` of the training split's pixels (0-1 scale): one
float for grey images, one value per channel for RGB. Grey uint8 ``[N, H, W]`` gets a channel axis (``[N, 1, H,
W]``); ``[N, C, H, W]`` keeps its own. Float input must be 0-255 pixels too: float images whose values all lie in
0-1 (and are not all zero) are refused, since they were most likely scaled already.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


def normalize_pixels(images, mean: float | Sequence[float], std: float | Sequence[float]) -> torch.Tensor:
    """``(images / 255 - mean) / std`` as float32: ``[N, H, W]`` -> ``[N, 1, H, W]``, ``[N, C, H, W]`` per channel."""
    images = images if torch.is_tensor(images) else torch.as_tensor(np.asarray(images))
    if images.is_floating_point() and images.numel() and 0 < float(images.abs().max()) <= 1.0:
        raise ValueError("images look scaled to 0-1 (max <= 1); pass pixel values 0-255 (uint8 or float)")
    x = images.float() / 255.0
    if x.ndim == 3:
        x = x.unsqueeze(1)
    if isinstance(mean, (int, float)) and isinstance(std, (int, float)):
        return (x - mean) / std
    mean = torch.as_tensor(mean, dtype=torch.float32, device=x.device).reshape(1, -1, 1, 1)
    std = torch.as_tensor(std, dtype=torch.float32, device=x.device).reshape(1, -1, 1, 1)
    return (x - mean) / std
