"""How a model wants its images: channels, input size, the 0-255 -> tensor mapping, mean and std.

``x_c = (v(p_c) - mean_c) / std_c`` for pixel value ``p`` (0-255) of channel c, after converting the image to
``channels`` (RGB -> grey by luma 0.299 R + 0.587 G + 0.114 B, grey -> RGB by repeating) and resizing it to
``size`` (bilinear, antialiased; None keeps it), with ``v`` given by ``value_range``: ``unit`` p/255 (as
torchvision's ``ToTensor``), ``byte`` p itself (0-255 floats), ``symmetric`` p/127.5 - 1 (-1..1).
Example: MNIST's classic ``Normalize((0.1307,), (0.3081,))`` is channels 1, unit, mean 0.1307, std 0.3081: a
white pixel (255) becomes (1 - 0.1307) / 0.3081 = 2.8215.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import torch

from siamese.data.normalization import normalize_pixels
from siamese.utils.parameters import ParameterError

VALUE_RANGES = {"unit": (255.0, 0.0), "byte": (1.0, 0.0), "symmetric": (127.5, -1.0)}  # v = p / divisor + offset


def as_nchw(images) -> torch.Tensor:
    """uint8-valued ``[N, H, W]``, ``[N, H, W, C]`` (numpy layout, C = 1, 3, 4; alpha dropped) or
    ``[N, C, H, W]`` (C = 1 or 3 in dimension 1) -> float ``[N, C, H, W]`` of 0-255 values. Pixels must be finite
    and within 0-255 (as the human toolkit's image readers require); the first one that is not is named."""
    if not isinstance(images, torch.Tensor):
        images = np.asarray(images)
        images = images.copy() if any(stride < 0 for stride in images.strides) else images  # a reversed view
    x = torch.as_tensor(images)
    if x.is_floating_point() and x.numel():
        check_pixels(x)
    elif x.numel() and x.dtype != torch.uint8 and (int(x.min()) < 0 or int(x.max()) > 255):
        check_pixels(x.double())
    if x.is_floating_point() and x.numel() and 0 < float(x.abs().max()) <= 1.0:
        raise ValueError("images look scaled to 0-1 (max <= 1); pass pixel values 0-255 (uint8 or float)")
    x = x.float()
    if x.ndim == 3:
        return x[:, None]
    if x.ndim != 4:
        raise ValueError(f"images must be [N, H, W], [N, H, W, C] or [N, C, H, W], got shape {tuple(x.shape)}")
    if x.shape[1] in (1, 3):
        return x
    if x.shape[-1] in (1, 3, 4):
        return x[..., :3].permute(0, 3, 1, 2) if x.shape[-1] != 1 else x.permute(0, 3, 1, 2)
    raise ValueError(f"cannot tell the channels of images of shape {tuple(x.shape)}")


def check_pixels(x: torch.Tensor) -> None:
    """``ValueError`` naming the count and the first index of NaN/infinite pixels, then of pixels outside 0-255."""
    for bad, what in ((~torch.isfinite(x), "NaN or infinite"), ((x < 0) | (x > 255), "outside 0-255")):
        if bad.any():
            first = tuple(int(i) for i in bad.nonzero()[0])
            raise ValueError(f"images: {int(bad.sum())} pixel values are {what} (first: {float(x[first])} at index "
                             f"{first}, min {float(x[torch.isfinite(x)].min()) if torch.isfinite(x).any() else 'nan'}"
                             f", max {float(x[torch.isfinite(x)].max()) if torch.isfinite(x).any() else 'nan'}); "
                             "pass pixel values 0-255")


@dataclass(frozen=True)
class Preprocessing:
    channels: int = 1
    size: tuple[int, int] | None = None
    mean: tuple[float, ...] = (0.0,)
    std: tuple[float, ...] = (1.0,)
    value_range: str = "unit"

    def __post_init__(self):
        if self.channels not in (1, 3):
            raise ParameterError("channels", self.channels, "must be 1 or 3")
        if self.value_range not in VALUE_RANGES:
            raise ParameterError("value_range", self.value_range, f"must be one of {sorted(VALUE_RANGES)}")
        mean, std = tuple(float(v) for v in np.atleast_1d(self.mean)), tuple(float(v) for v in np.atleast_1d(self.std))
        for name, values in (("mean", mean), ("std", std)):
            if len(values) not in (1, self.channels):
                raise ParameterError(name, values, f"has {len(values)} values for {self.channels} channel(s)")
        if any(s <= 0 for s in std):
            raise ParameterError("std", std, "must be > 0")
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "std", std)
        if self.size is not None:
            size = (self.size, self.size) if isinstance(self.size, int) else tuple(int(v) for v in self.size)
            object.__setattr__(self, "size", size)

    def override(self, **changes) -> Preprocessing:
        """A copy with the given (not None) fields replaced, e.g. from command-line flags."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown preprocessing field {unknown[0]!r}; fields are {sorted(known)}")
        changes = {k: v for k, v in changes.items() if v is not None}
        if "channels" in changes and "mean" not in changes and len(self.mean) not in (1, changes["channels"]):
            changes["mean"], changes["std"] = self.mean[:1], self.std[:1]
        return replace(self, **changes)

    def __call__(self, images) -> torch.Tensor:
        """uint8-valued images (any layout of ``as_nchw``) -> the model's float ``[N, channels, *size]`` input."""
        x = as_nchw(images)
        if x.shape[1] != self.channels:
            if self.channels == 1:
                x = (x * torch.tensor([0.299, 0.587, 0.114])[None, :, None, None]).sum(1, keepdim=True)
            else:
                x = x.expand(-1, 3, -1, -1)
        if self.size is not None and tuple(x.shape[-2:]) != self.size:
            x = torch.nn.functional.interpolate(x, size=self.size, mode="bilinear", align_corners=False,
                                                antialias=True)
        mean, std = self.mean, self.std
        if self.value_range == "unit":  # the data modules' formula
            return normalize_pixels(x, mean[0] if len(mean) == 1 else mean, std[0] if len(std) == 1 else std)
        divisor, offset = VALUE_RANGES[self.value_range]
        x = x / divisor + offset
        return (x - torch.tensor(mean)[None, :, None, None]) / torch.tensor(std)[None, :, None, None]

    def describe(self) -> str:
        size = "as given" if self.size is None else f"{self.size[0]}x{self.size[1]}"
        return (f"{self.channels} channel(s), size {size}, {self.value_range} values, mean {list(self.mean)}, "
                f"std {list(self.std)}")


IMAGENET = Preprocessing(channels=3, size=(224, 224), mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))
