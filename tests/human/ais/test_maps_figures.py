"""AIS heatmaps: what every image shares does not light up, padding cells are left out, receptive fields
place each cell; the heatmap figure's colourbar and labels."""

from __future__ import annotations

import numpy as np
from figure_helpers import inside, keep


def test_ais_heatmaps_do_not_light_up_what_every_image_shares():
    """A map that fires on the top border for every image (zero padding) must not be the hot spot: the heatmap
    weighs each map's activation above its mean over the images."""
    from siamese.human.ais.maps import ais_heatmaps

    maps = np.zeros((3, 2, 7, 7))
    maps[:, :, 0, :] = 5.0  # both maps: a strong response on the top row of every image
    for i in range(3):
        maps[i, 1, 3 + i, 3] = 1.0  # map 1: where this image has its stroke
    heat = ais_heatmaps(maps, np.array([0.5, 0.5]), (28, 28))
    for i in range(3):
        row, col = np.unravel_index(heat[i].argmax(), heat[i].shape)
        assert 4 * (3 + i) <= row < 4 * (4 + i) and 12 <= col < 16, (i, row, col)
        assert heat[i][:4].max() < 0.05


def test_ais_heatmap_figure_has_a_colourbar_and_explained_labels(tmp_path):
    from siamese.human.ais.maps import heatmap_figure

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(12, 28, 28)).astype(np.uint8)
    heat = rng.random((12, 28, 28))
    scores = np.linspace(0, 1, 12)
    fig = heatmap_figure(images, heat, scores, n=4, title="AIS-weighted maps of conv2")
    keep(fig, "heatmaps", tmp_path)
    assert any(getattr(ax, "_colorbar", None) is not None for ax in fig.axes)  # a colourbar axis
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert "image 11: alignment 1.00" in titles
    assert "alignment" in fig._suptitle.get_text() and "rank agreement" in fig._suptitle.get_text()
    assert inside(fig, fig._suptitle)


def test_ais_heatmaps_leave_out_the_cells_that_see_the_padding():
    from siamese.human.ais.maps import ais_heatmaps

    maps = np.zeros((2, 1, 7, 7))
    maps[0, 0, 0, 3] = 9.0  # image 0 only: a strong response in the top ring (receptive field in the padding)
    maps[0, 0, 3, 3], maps[1, 0, 3, 3] = 1.0, 0.5  # the stroke in the middle, stronger in image 0
    heat = ais_heatmaps(maps, np.array([1.0]), (28, 28))
    row, col = np.unravel_index(heat[0].argmax(), heat[0].shape)
    assert 12 <= row < 16 and 12 <= col < 16 and heat[0][:4].max() < 0.05
    assert ais_heatmaps(maps, np.array([1.0]), (28, 28), border=0)[0][:4].max() > 0.9  # without: the ring wins


def test_receptive_fields_place_each_cell_where_it_looks():
    """A probe whose single cell sums pixels 10-12 of row 14: the cell's field is exactly those pixels, and its
    heat lands there (the plain upsampling would spread one cell over the whole image)."""
    from siamese.human.ais.maps import ais_heatmaps, receptive_fields

    def probe(images):
        images = np.asarray(images, dtype=np.float64)
        return images[:, 14, 10:13].sum(axis=1)[:, None, None, None]  # [N, K=1, h=1, w=1]

    fields = receptive_fields(probe, np.zeros((28, 28), dtype=np.uint8))
    assert fields.shape == (1, 1, 28, 28)
    assert set(zip(*np.nonzero(fields[0, 0]))) == {(14, 10), (14, 11), (14, 12)}
    assert np.allclose(fields[0, 0][14, 10:13], 255)
    maps = np.array([[[[2.0]]], [[[0.0]]]])  # image 0 responds, image 1 not
    heat = ais_heatmaps(maps, np.array([1.0]), (28, 28), fields=fields)
    assert heat[0][14, 10:13].tolist() == [1.0, 1.0, 1.0] and heat[0].sum() == 3.0
