"""Embedding figures checked on the matplotlib objects: legends inside the figure, axis labels, drawn counts
(set SIAMESE_FIGURE_DIR to keep the PNGs for a look)."""

from __future__ import annotations

import numpy as np
import pytest
from figure_helpers import inside, keep


def splits_of(n_digits=2, n=300, dim=2, seed=0):
    rng = np.random.default_rng(seed)
    digits = np.arange(n_digits)
    out = {}
    for split, shifts in (("test", [0]), ("test_shifted", [-6, -3, 3, 6])):
        label = rng.choice(digits, size=n)
        out[split] = {"embedding": rng.normal(size=(n, dim)).astype(np.float32) + label[:, None],
                      "label": label, "shift": rng.choice(shifts, size=n), "index": np.arange(n)}
    return out



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
