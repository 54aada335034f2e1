"""Channel conversion and torchvision transforms for training batches (configured as ``data.transforms.train``).

``data.transforms.train`` is a list of torchvision transforms (``_target_: torchvision.transforms.v2.<Name>``),
applied in order to each uint8 ``[C, H, W]`` train image, each with its own random draw, before the shift
augmentation and the normalization. They must keep the image size (e.g. ``RandomCrop(size, padding)``,
``RandomHorizontalFlip``, ``ColorJitter``, ``RandomResizedCrop(size)``); validation and test images are never
transformed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from siamese.utils.parameters import ParameterError

# ITU-R 601-2 luma, as PIL's convert("L"): L = 0.299 R + 0.587 G + 0.114 B
LUMA = (0.299, 0.587, 0.114)


def convert_channels(images: torch.Tensor, channels: int | None, key: str = "channels") -> torch.Tensor:
    """uint8 ``[N, C, H, W]`` -> ``channels`` channels: 3 -> 1 by luma (rounded), 1 -> 3 by repeating; ``None``
    keeps them."""
    if channels is None or images.shape[1] == channels:
        return images
    if channels == 1 and images.shape[1] == 3:
        weights = torch.tensor(LUMA, device=images.device)[None, :, None, None]
        return (images.float() * weights).sum(1, keepdim=True).round().clamp(0, 255).to(torch.uint8)
    if channels == 3 and images.shape[1] == 1:
        return images.repeat(1, 3, 1, 1)
    raise ParameterError(key, channels, f"cannot convert {images.shape[1]}-channel images (use 1 or 3)")


def build_transform(transforms: Sequence | None, key: str = "transforms.train") -> Callable | None:
    """A ``torchvision.transforms.v2.Compose`` of the configured transforms (entries already instantiated by
    Hydra, or ``{_target_: ...}`` mappings), or None for an empty list."""
    if not transforms:
        return None
    from hydra.utils import instantiate
    from torchvision.transforms import v2

    built = []
    for position, entry in enumerate(transforms):
        if isinstance(entry, Callable):
            built.append(entry)
        elif hasattr(entry, "get") and entry.get("_target_"):
            built.append(instantiate(entry))
        else:
            raise ParameterError(f"{key}[{position}]", entry, "must be a transform with a _target_")
    return v2.Compose(built)


def apply_per_image(transform: Callable, images: torch.Tensor) -> torch.Tensor:
    """``transform`` on each uint8 image of a batch (``[N, C, H, W]``, or ``[N, H, W]`` grey), its own random
    draw per image; the results must keep one size."""
    grey = images.ndim == 3
    out = [transform(image[None] if grey else image) for image in images]
    shapes = {tuple(o.shape) for o in out}
    if len(shapes) > 1 or tuple(out[0].shape[-2:]) != tuple(images.shape[-2:]):
        raise ValueError(f"transforms.train changed the image size ({tuple(images.shape[-2:])} -> "
                         f"{sorted(shapes)}); use transforms that keep it, e.g. RandomCrop(size, padding)")
    stacked = torch.stack(out)
    return stacked[:, 0] if grey else stacked
