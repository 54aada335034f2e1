"""Omniglot drawings as MNIST-style pixels, the one conversion that training, one-shot scoring and baselines share.

An Omniglot PNG is 105 x 105, mode "1": background 1 (white), strokes 0 (black). The project's convention (MNIST's)
is strokes bright on a dark background, so a drawing becomes uint8 pixels with strokes 255 and background 0,
then is resized to ``size`` x ``size`` by area averaging (PIL's BOX filter: each output pixel is the mean of the
input pixels it covers, so thin strokes stay visible as grey rather than vanishing between samples).
Any other image mode (a user's own runs in RGB or greyscale, white background) is converted to greyscale first.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

import numpy as np
from PIL import Image

OMNIGLOT_SIZE = 105  # the dataset's own image side, in pixels


def omniglot_pixels(image: Image.Image, size: int) -> np.ndarray:
    """uint8 ``[size, size]`` pixels of one drawing: strokes bright (255), background dark (0).

    ``image``: a PIL image with dark strokes on a light background (Omniglot's mode "1", or greyscale / RGB).
    ``size``: the output side in pixels (>= 1); ``OMNIGLOT_SIZE`` keeps the original resolution.
    """
    if int(size) != size or size < 1:
        raise ValueError(f"size must be a positive whole number of pixels, got {size!r}")
    grey = image.convert("L")
    inverted = Image.fromarray(255 - np.asarray(grey, dtype=np.uint8))
    if inverted.size != (size, size):
        inverted = inverted.resize((int(size), int(size)), Image.Resampling.BOX)
    return np.asarray(inverted, dtype=np.uint8)


def read_omniglot_image(source: str | Path | IO[bytes], size: int) -> np.ndarray:
    """``omniglot_pixels`` of the image file ``source`` (a path or an open binary file, e.g. a zip member).

    Raises ``ValueError`` naming the file when it is not a readable image.
    """
    try:
        with Image.open(source) as image:
            image.load()
            return omniglot_pixels(image, size)
    except (OSError, Image.UnidentifiedImageError, SyntaxError) as error:
        name = getattr(source, "name", source)
        raise ValueError(f"{name}: not a readable image ({error})") from error
