"""Random affine augmentation of an image batch on its device: rotation, shear, scale and translation.

Each image gets its own parameters, drawn uniformly: angle in [-degrees, degrees], shear angle in [-shear, shear]
(along x), scale in [scale_min, scale_max], translation (tx, ty) in [-translate, translate] x the image width /
height. In pixel coordinates relative to the image centre (x right, y down), a content point p moves to
``A p + t`` with ``A = R(angle) Sh(shear) s``, ``R(a) = [[cos a, -sin a], [sin a, cos a]]`` (positive = clockwise
on screen), ``Sh(f) = [[1, tan f], [0, 1]]``; so ``translate_images(x, tx=2)`` moves content 2 pixels right, as
``shift_images`` does. The output is sampled bilinearly from the input (``affine_grid`` + ``grid_sample``,
``align_corners=False``); what comes from outside the image is background (0), as for shifts. uint8 images are
sampled in float and rounded back. An image with identity parameters is returned exactly as it is.
The draws use the torch random generator of the batch's device (seeded by the run's seed), or ``generator``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from siamese.utils.parameters import ParameterError

KEYS = ("degrees", "shear", "scale", "translate")


def affine_images(images: torch.Tensor, angle: torch.Tensor, shear: torch.Tensor, scale: torch.Tensor,
                  tx: torch.Tensor, ty: torch.Tensor) -> torch.Tensor:
    """Transform each image of ``images`` (``[N, H, W]`` or ``[N, C, H, W]``) by its own parameters (``[N]``
    tensors or scalars: angles in degrees, scale factors, translations in pixels); same shape and dtype."""
    n, height, width = images.shape[0], images.shape[-2], images.shape[-1]
    device = images.device
    params = [torch.as_tensor(v, dtype=torch.float32, device=device).expand(n) for v in (angle, shear, scale, tx, ty)]
    a, f, s, tx, ty = params
    a, f = torch.deg2rad(a), torch.deg2rad(f)
    cos, sin, tan = torch.cos(a), torch.sin(a), torch.tan(f)
    # sampling needs the inverse of A = R Sh s (pixel units, centre origin): A^-1 = Sh^-1 R^T / s
    inverse = torch.stack([torch.stack([cos + tan * sin, sin - tan * cos], -1), torch.stack([-sin, cos], -1)], -2)
    inverse = inverse / s[:, None, None]
    to_norm = torch.tensor([2.0 / width, 2.0 / height], device=device)  # pixel offsets -> normalized coordinates
    linear = to_norm[None, :, None] * inverse / to_norm[None, None, :]
    offset = -(linear @ (to_norm * torch.stack([tx, ty], -1))[..., None])
    theta = torch.cat([linear, offset], dim=2)
    x = images.float() if images.ndim == 4 else images.float()[:, None]
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    out = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    out = out if images.ndim == 4 else out[:, 0]
    out = out.round().clamp(0, 255).to(torch.uint8) if images.dtype == torch.uint8 else out.to(images.dtype)
    identity = (a == 0) & (f == 0) & (s == 1) & (tx == 0) & (ty == 0)  # exact, not resampled
    return torch.where(identity.view(-1, *[1] * (images.ndim - 1)), images, out)


def translate_images(images: torch.Tensor, tx: float = 0.0, ty: float = 0.0) -> torch.Tensor:
    """Move the content of every image ``tx`` pixels right and ``ty`` down (``affine_images`` with no rotation)."""
    return affine_images(images, 0.0, 0.0, 1.0, tx, ty)


@dataclass(frozen=True)
class RandomAffine:
    """The random draw of ``affine_images`` parameters (see the module docstring); ``from_config`` checks an
    ``affine`` mapping and returns None when it is the identity (no cost)."""

    degrees: float = 0.0
    shear: float = 0.0
    scale: tuple[float, float] = (1.0, 1.0)
    translate: float = 0.0

    @classmethod
    def from_config(cls, config: Mapping | None, key: str = "affine") -> RandomAffine | None:
        config = dict(config or {})
        unknown = sorted(set(config) - set(KEYS))
        if unknown:
            raise ParameterError(f"{key}.{unknown[0]}", config[unknown[0]], f"unknown key; keys are {list(KEYS)}")
        degrees, shear = float(config.get("degrees", 0.0)), float(config.get("shear", 0.0))
        translate = float(config.get("translate", 0.0))
        scale = config.get("scale", (1.0, 1.0))
        scale = (float(scale), float(scale)) if isinstance(scale, (int, float)) else tuple(float(v) for v in scale)
        if not 0 <= degrees <= 180:
            raise ParameterError(f"{key}.degrees", degrees, "must be in [0, 180]")
        if not 0 <= shear < 90:
            raise ParameterError(f"{key}.shear", shear, "must be in [0, 90)")
        if not 0 <= translate < 1:
            raise ParameterError(f"{key}.translate", translate, "must be a fraction of the image size in [0, 1)")
        if len(scale) != 2 or not 0 < scale[0] <= scale[1]:
            raise ParameterError(f"{key}.scale", list(scale), "must be [min, max] with 0 < min <= max")
        augmentation = cls(degrees, shear, scale, translate)
        return None if augmentation == cls() else augmentation

    def __call__(self, images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        n, device = images.shape[0], images.device
        u = torch.rand(5, n, device=device, generator=generator)
        height, width = images.shape[-2], images.shape[-1]
        return affine_images(images, (2 * u[0] - 1) * self.degrees, (2 * u[1] - 1) * self.shear,
                             self.scale[0] + u[2] * (self.scale[1] - self.scale[0]),
                             (2 * u[3] - 1) * self.translate * width, (2 * u[4] - 1) * self.translate * height)
