"""Translation of images ("shifted MNIST", and the same for images of any size and channel count).

Convention: a shift of ``s`` pixels moves the content ``s`` columns to the right (``s < 0``: to the left), so the
output pixel at column ``c`` is the input pixel at column ``c - s``. Along ``axis="vertical"`` it moves the
content ``s`` rows down (``s < 0``: up): output row ``r`` is input row ``r - s``. Pixels vacated by the move are
background (0 in uint8 pixel space, black for RGB); nothing wraps around. Shift 0 is the unshifted image.
Images are ``[N, H, W]`` or ``[N, C, H, W]`` (every channel moves together).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from siamese.utils.parameters import ParameterError, ParameterTypeError

AXES = ("horizontal", "vertical")
UNITS = ("pixels", "fraction")


def shift_images(images: torch.Tensor, shifts: torch.Tensor | int, axis: str = "horizontal") -> torch.Tensor:
    """Translate each image by its own number of pixels (``shifts``: ``[N]`` ints or one int) along ``axis``."""
    if axis == "vertical":
        return shift_images(images.transpose(-1, -2), shifts).transpose(-1, -2)
    if axis != "horizontal":
        raise ValueError(f"shift axis must be one of {AXES}, got {axis!r}")
    n, width = images.shape[0], images.shape[-1]
    shifts = torch.as_tensor(shifts, dtype=torch.long, device=images.device).expand(n)
    source_cols = torch.arange(width, device=images.device)[None, :] - shifts[:, None]  # [N, W]
    inside = (source_cols >= 0) & (source_cols < width)
    view = (n,) + (1,) * (images.ndim - 2) + (width,)
    gathered = images.gather(-1, source_cols.clamp(0, width - 1).view(view).expand_as(images))
    return gathered * inside.view(view).to(images.dtype)


def validate_shifts(values: Sequence[float], key: str = "shift.values", width: int = 28,
                    unit: str = "pixels") -> tuple[int, ...]:
    """Check a configured shift list and return it in whole pixels.

    ``unit="pixels"``: non-zero integers with ``|s| < width``; ``unit="fraction"``: non-zero numbers in (-1, 1),
    ``s_pixels = round(s * width)`` (``width`` is the image size along the shift axis; e.g. 0.1 of a 32-pixel
    CIFAR image is 3 pixels), which must not round to 0."""
    if unit not in UNITS:
        raise ParameterError("shift.unit", unit, f"must be one of {UNITS}")
    values = tuple(values)
    if not values:
        raise ParameterError(key, list(values), "must list at least one shift")
    pixels = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParameterTypeError(key, list(values), f"unknown shift {value!r}; shifts are numbers")
        if unit == "fraction":
            if not 0 < abs(value) < 1 or round(value * width) == 0:
                raise ParameterError(key, list(values), f"shift {value!r} (unit=fraction) must be in (-1, 1) and at "
                                     f"least one pixel of the {width}-pixel image")
            pixels.append(round(value * width))
        else:
            if int(value) != value or value == 0 or abs(value) >= width:
                raise ParameterError(key, list(values), f"unknown shift {value!r}; shifts are non-zero whole pixels "
                                     f"with |s| < {width}")
            pixels.append(int(value))
    return tuple(pixels)


def shifted_copies(images: torch.Tensor, values: Sequence[int], axis: str = "horizontal"
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """Every image once per shift value: returns ``(images [len(values)*N, ...], shifts [len(values)*N])``."""
    n = images.shape[0]
    shifts = torch.tensor(values, dtype=torch.long).repeat_interleave(n)
    repeated = images.repeat(len(values), *([1] * (images.ndim - 1)))
    return shift_images(repeated, shifts.to(images.device), axis), shifts
