"""Issue 15, item 15: figure fixes, checked on the matplotlib objects (legends inside the figure, labels, counts);
each figure was also looked at (see /work/notes/issue15.md)."""

from __future__ import annotations

import numpy as np
import pytest

SCREENS = None  # set SIAMESE_FIGURE_DIR to keep the PNGs for a look


def splits_of(n_digits=2, n=300, dim=2, seed=0):
    rng = np.random.default_rng(seed)
    digits = np.arange(n_digits)
    out = {}
    for split, shifts in (("test", [0]), ("test_shifted", [-6, -3, 3, 6])):
        label = rng.choice(digits, size=n)
        out[split] = {"embedding": rng.normal(size=(n, dim)).astype(np.float32) + label[:, None],
                      "label": label, "shift": rng.choice(shifts, size=n), "index": np.arange(n)}
    return out


def inside(fig, artist) -> bool:
    fig.canvas.draw()
    box, page = artist.get_window_extent(), fig.bbox
    return box.x0 >= page.x0 - 1 and box.x1 <= page.x1 + 1 and box.y0 >= page.y0 - 1 and box.y1 <= page.y1 + 1


def keep(fig, name, tmp_path):
    import os

    folder = os.environ.get("SIAMESE_FIGURE_DIR")
    fig.savefig(f"{folder or tmp_path}/{name}.png", dpi=90)


@pytest.mark.parametrize("n_digits", [2, 10])
def test_evolution_grid_legend_fits_and_says_the_splits_are_pooled(n_digits, tmp_path):
    from siamese.evaluation.plots import evolution_grid

    data = splits_of(n_digits)
    fig = evolution_grid([0, 1, 2], lambda e: data, name="run", max_points=200)
    keep(fig, f"evolution_grid_{n_digits}", tmp_path)
    assert all(inside(fig, legend) for legend in fig.legends)
    title = fig._suptitle.get_text()
    assert "test + shifted test pooled" in title and "200 of 600 points" in title


@pytest.mark.parametrize("n_digits", [2, 10])
def test_evolution_gif_legend_fits(n_digits, tmp_path):
    from siamese.evaluation.plots import evolution_animation

    data = splits_of(n_digits)
    fig, animation = evolution_animation([0, 1], lambda e: data, name="run", max_points=200)
    animation._init_draw()
    keep(fig, f"evolution_gif_frame_{n_digits}", tmp_path)
    assert fig.legends and all(inside(fig, legend) for legend in fig.legends)
    assert "pooled" in fig._suptitle.get_text()


def test_scatter_titles_give_the_drawn_count_and_axes_are_labelled(tmp_path):
    from siamese.evaluation.plots import plot_embeddings

    data = splits_of(2, n=500, dim=8)
    data["train"] = data["test"]  # the projection is fitted on train
    fig = plot_embeddings(data, title="epoch 3", max_points=200, projection="pca")
    keep(fig, "scatter_pca", tmp_path)
    axes = fig.axes
    assert axes[0].get_title() == "test (200 of 500 drawn)"
    assert axes[0].get_xlabel() == "PC 1" and axes[0].get_ylabel() == "PC 2"
    assert all(inside(fig, legend) for legend in fig.legends)
    two_d = plot_embeddings(splits_of(2, n=100, dim=2), max_points=4000)
    assert two_d.axes[0].get_title() == "test (n=100)"
    assert two_d.axes[0].get_xlabel() == "embedding 1" and two_d.axes[0].get_ylabel() == "embedding 2"
    sampled = plot_embeddings(splits_of(2, n=100, dim=2), split_sizes={"test": 1991})  # a saved subsample
    assert sampled.axes[0].get_title() == "test (100 of 1991 drawn)"


def test_the_pair_sheet_title_wraps_inside_the_page(tmp_path):
    from siamese.human.compare.figures import sheet_figure
    from siamese.human.io.pair_set import PairSet

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(2, 9, 28, 28)).astype(np.uint8)
    pairs = PairSet([f"p{k}" for k in range(9)], images[0], images[1])
    fig = sheet_figure(pairs, title="pairs with SYNTHETIC ratings (not from people) mean rating (normalized) and "
                                    "model similarity (min-max normalized), a long title that used to run off",
                       notes=["human 5.0 (0.50)\nconv1 0.10, conv2 0.20, fc 0.30"] * 9)
    keep(fig, "sheet", tmp_path)
    assert "\n" in fig._suptitle.get_text() and inside(fig, fig._suptitle)


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
