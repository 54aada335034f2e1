"""torchvision models for alignment analyses of people's own images: weights from a local file, ImageNet input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def imagenet_tensor(images: np.ndarray, size: int = 224) -> torch.Tensor:
    """uint8 images -> float [N, 3, size, size] normalized with ImageNet mean/std (for torchvision models)."""
    x = torch.as_tensor(images).float() / 255.0
    x = x[..., None].expand(*x.shape, 3) if x.ndim == 3 else x[..., :3]
    x = x.permute(0, 3, 1, 2)
    x = torch.nn.functional.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    mean, std = torch.tensor(IMAGENET_MEAN)[:, None, None], torch.tensor(IMAGENET_STD)[:, None, None]
    return (x - mean) / std


def load_torchvision_model(name: str, weights_file: str | Path | None = None) -> torch.nn.Module:
    """``torchvision.models.get_model(name)`` with weights from a local file (never downloaded); without a file
    the weights are random, which the caller should say."""
    import torchvision

    try:
        model = torchvision.models.get_model(name, weights=None)
    except ValueError as error:
        raise ValueError(f"--model {name!r}: {error}") from None
    if weights_file is not None:
        state = torch.load(weights_file, map_location="cpu", weights_only=True)
        state = state.get("state_dict", state) if isinstance(state, dict) else state
        model.load_state_dict(state)
    return model.eval()
