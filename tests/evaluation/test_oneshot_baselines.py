"""The one-shot baselines: modified Hausdorff distance of centred ink and pixel cosine, on hand-computed cases."""

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from siamese.data.omniglot_images import OMNIGLOT_SIZE, read_omniglot_image
from siamese.evaluation.oneshot_baselines import hausdorff_scores, ink_points, modified_hausdorff, pixel_cosine_scores

ZIP = Path(__file__).resolve().parents[2] / "data" / "omniglot" / "images_background_small1.zip"


def image(points, size=8):
    pixels = np.zeros((size, size), dtype=np.uint8)
    for r, c in points:
        pixels[r, c] = 255
    return pixels


def test_ink_is_centred_on_its_centre_of_mass():
    assert ink_points(image([(1, 1), (1, 3), (4, 2)])).tolist() == [[-1, -1], [-1, 1], [2, 0]]
    assert ink_points(image([(3, 5)]), threshold=128).tolist() == [[0, 0]]
    grey = image([(3, 5)])
    grey[0, 0] = 127  # below the threshold: not ink
    assert len(ink_points(grey)) == 1


def test_modified_hausdorff_hand_computed():
    assert modified_hausdorff(np.array([[0.0, 0], [0, 3]]), np.array([[0.0, 0]])) == 1.5
    # A: columns 0, 1, 2, 6 -> centred -2.25, -1.25, -0.25, 3.75; B: columns 0, 4 -> -2, 2.
    # from A: 0.25, 0.75, 1.75, 1.75 (mean 1.125); from B: 0.25, 1.75 (mean 1.0); MHD = 1.125
    a, b = image([(0, 0), (0, 1), (0, 2), (0, 6)]), image([(5, 0), (5, 4)])
    assert -hausdorff_scores([a], [b])[0, 0] == pytest.approx(1.125)
    assert -hausdorff_scores([b], [a])[0, 0] == pytest.approx(1.125)  # symmetric
    # a vertical and a horizontal pair: every centred point is sqrt(2) from every other
    v, h = image([(0, 0), (2, 0)]), image([(3, 3), (3, 5)])
    assert -hausdorff_scores([v], [h])[0, 0] == pytest.approx(np.sqrt(2))
    # centring: a translated copy is at distance 0; an empty image is infinitely far
    assert hausdorff_scores([a], [np.roll(a, (3, 1), axis=(0, 1))])[0, 0] == 0
    assert hausdorff_scores([a], [np.zeros((8, 8), np.uint8)])[0, 0] == -np.inf


def test_ink_of_an_omniglot_drawing_is_its_black_pixels():
    with zipfile.ZipFile(ZIP) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".png"))
        data = archive.read(name)
    raw = np.asarray(Image.open(io.BytesIO(data)))  # mode "1": False = black stroke
    ink = ink_points(read_omniglot_image(io.BytesIO(data), OMNIGLOT_SIZE))
    rows, cols = np.nonzero(~raw)
    assert len(ink) == len(rows) > 50
    assert np.allclose(ink, np.stack([rows, cols], 1) - np.stack([rows, cols], 1).mean(0))


def test_hausdorff_scores_match_brute_force_on_drawings():
    with zipfile.ZipFile(ZIP) as archive:
        names = [n for n in archive.namelist() if n.endswith(".png")][:6]
        pixels = [read_omniglot_image(io.BytesIO(archive.read(n)), OMNIGLOT_SIZE) for n in names]
    scores = hausdorff_scores(pixels[:3], pixels[3:])
    for i in range(3):
        for j in range(3):
            a, b = ink_points(pixels[i]), ink_points(pixels[3 + j])
            d = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))
            assert -scores[i, j] == pytest.approx(max(d.min(1).mean(), d.min(0).mean()), rel=1e-12)


def test_pixel_cosine_hand_computed():
    a = np.array([[[1, 0], [0, 0]], [[0, 0], [0, 0]]], dtype=np.uint8)
    b = np.array([[[1, 1], [0, 0]], [[0, 0], [0, 3]]], dtype=np.uint8)
    assert pixel_cosine_scores(a, b) == pytest.approx(np.array([[1 / np.sqrt(2), 0], [0, 0]]))
