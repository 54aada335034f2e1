import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from siamese.data.omniglot_images import omniglot_pixels, read_omniglot_image


def drawing(bits):
    """A mode-"1" image like Omniglot's: 1 = white background, 0 = black stroke."""
    return Image.fromarray(np.asarray(bits, dtype=bool))


def test_strokes_become_bright_on_dark():
    pixels = omniglot_pixels(drawing([[1, 0], [0, 1]]), 2)
    assert pixels.dtype == np.uint8
    assert pixels.tolist() == [[0, 255], [255, 0]]


def test_area_average_by_hand():
    # one stroke pixel in each 2 x 2 block's top-left corner, plus one full block: (255 + 0 + 0 + 0) / 4 = 63.75
    bits = np.ones((4, 4), dtype=int)
    bits[0, 0] = bits[0, 2] = bits[2, 0] = 0
    bits[2:, 2:] = 0
    assert omniglot_pixels(drawing(bits), 2).tolist() == [[64, 64], [64, 255]]


def test_greyscale_white_background_is_inverted():
    grey = Image.fromarray(np.array([[255, 200], [0, 255]], dtype=np.uint8))
    assert omniglot_pixels(grey, 2).tolist() == [[0, 55], [255, 0]]


def test_reads_a_shipped_drawing_from_the_zip():
    path = Path(__file__).resolve().parents[2] / "data" / "omniglot" / "images_background_small1.zip"
    with zipfile.ZipFile(path) as archive:
        name = "images_background_small1/Balinese/character01/0108_01.png"
        full = read_omniglot_image(archive.open(name), 105)
        small = read_omniglot_image(archive.open(name), 28)
    assert full.shape == (105, 105) and set(np.unique(full)) <= {0, 255}
    assert small.shape == (28, 28)
    # the mean brightness is kept by area averaging (up to rounding: 105 / 28 is not whole)
    assert abs(float(small.mean()) - float(full.mean())) < 2.0


def test_bad_size_and_unreadable_file_are_named():
    with pytest.raises(ValueError, match="size must be a positive"):
        omniglot_pixels(drawing([[1]]), 0)
    broken = io.BytesIO(b"not a png")
    broken.name = "broken.png"
    with pytest.raises(ValueError, match="broken.png: not a readable image"):
        read_omniglot_image(broken, 28)
