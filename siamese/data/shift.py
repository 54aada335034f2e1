"""Horizontal translation of digit images ("shifted MNIST").

Convention: a shift of ``s`` pixels moves the content ``s`` columns to the right (``s < 0``: to the left), so the
output pixel at column ``c`` is the input pixel at column ``c - s``. Columns vacated by the move are background
(0 in uint8 pixel space); nothing wraps around. Shift 0 is the unshifted image.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


def shift_images(images: torch.Tensor, shifts: torch.Tensor | int) -> torch.Tensor:
    """Translate each ``[N, H, W]`` image by its own number of columns (``shifts``: ``[N]`` ints or one int)."""
    n, _, width = images.shape
    shifts = torch.as_tensor(shifts, dtype=torch.long, device=images.device).expand(n)
    source_cols = torch.arange(width, device=images.device)[None, :] - shifts[:, None]  # [N, W]
    inside = (source_cols >= 0) & (source_cols < width)
    gathered = images.gather(2, source_cols.clamp(0, width - 1)[:, None, :].expand_as(images))
    return gathered * inside[:, None, :].to(images.dtype)


def validate_shifts(values: Sequence[int], key: str = "data.shift.values", width: int = 28) -> tuple[int, ...]:
    """Check a configured shift list: non-empty integers with ``0 < |s| < width``; return it as a tuple."""
    values = tuple(values)
    if not values:
        raise ValueError(f"{key} must list at least one shift, got {list(values)}")
    for value in values:
        if isinstance(value, bool) or int(value) != value or value == 0 or abs(value) >= width:
            raise ValueError(f"{key}: unknown shift {value!r}; shifts are non-zero whole pixels with |s| < {width}")
    return tuple(int(v) for v in values)


def shifted_copies(images: torch.Tensor, values: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Every image once per shift value: returns ``(images [len(values)*N, H, W], shifts [len(values)*N])``."""
    n = images.shape[0]
    shifts = torch.tensor(values, dtype=torch.long).repeat_interleave(n)
    return shift_images(images.repeat(len(values), 1, 1), shifts), shifts
