"""How images of pair and image sets are shown to people (rating page, printed sheets).

Grey images (``[H, W]``, e.g. MNIST's white digit on black) are inverted to a dark digit on white paper; RGB
images (``[H, W, 3]``) are shown as they are. ``display_scale`` picks the on-screen size: small images are
enlarged by a whole factor without blur (nearest neighbour, 28x28 -> 224x224), large ones scaled down
to fit, so the longer side is between ``low`` and ``high`` pixels where a whole factor allows.
"""

from __future__ import annotations

import numpy as np


def display_pixels(image) -> np.ndarray:
    """uint8 pixels to show: grey inverted (dark on white), RGB unchanged."""
    image = np.asarray(image, dtype=np.uint8)
    return 255 - image if image.ndim == 2 else image


def display_size(height: int, width: int, low: int = 224, high: int = 320) -> tuple[tuple[int, int], bool]:
    """``((height, width) on screen, enlarged_without_blur)``: small images by the whole factor ``ceil(low /
    longer side)`` (nearest neighbour) unless that exceeds ``high``; images longer than ``high`` scaled down to it
    (antialiased); the rest as they are."""
    longer = max(height, width)
    if longer < low:
        factor = max(1, -(-low // longer))
        while factor > 1 and factor * longer > high:
            factor -= 1
        return (height * factor, width * factor), True
    if longer > high:
        scale = high / longer
        return (max(1, round(height * scale)), max(1, round(width * scale))), False
    return (height, width), False


def display_image(image):
    """A PIL image of ``image`` at its display size (``display_pixels`` + ``display_size``)."""
    from PIL import Image

    pixels = display_pixels(image)
    (h, w), nearest = display_size(*pixels.shape[:2])
    shown = Image.fromarray(pixels)
    if (h, w) != pixels.shape[:2]:
        shown = shown.resize((w, h), Image.NEAREST if nearest else Image.LANCZOS)
    return shown
