"""Embedding evolution (one frame per saved epoch) and the error gallery (exactly the 1-NN errors)."""

import numpy as np
import pytest
from PIL import Image
from review_helpers import fake_run

from siamese.review.figures import error_gallery, evolution_gif, evolution_grid, misclassified, write_run_figures
from siamese.review.runs import load_run


def test_evolution_has_one_frame_per_saved_epoch(tmp_path):
    run = load_run(fake_run(tmp_path / "run", seed=0, epochs=(0, 1, 3, 5)))
    fig = evolution_grid(run)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["epoch 0", "epoch 1", "epoch 3", "epoch 5"]
    limits = {(ax.get_xlim(), ax.get_ylim()) for ax in fig.axes}
    assert len(limits) == 1  # the same axes in every panel
    gif = evolution_gif(run, tmp_path / "evolution.gif")
    with Image.open(gif) as image:
        assert image.n_frames == 4


def test_evolution_of_higher_dimensional_embeddings_uses_the_projection(tmp_path):
    run = load_run(fake_run(tmp_path / "run", seed=0, epochs=(0, 1), dim=5))
    assert len(evolution_grid(run, projection="pca").axes) == 2


# references: digit 4 at x = 0, 1, 2, digit 9 at x = 10, 11, 12
REFERENCE = {"embedding": np.array([[0, 0], [1, 0], [2, 0], [10, 0], [11, 0], [12, 0]], np.float32),
             "label": np.array([4, 4, 4, 9, 9, 9]), "index": np.arange(6), "shift": np.zeros(6, int)}
# q0 4 at 0.4 (right), q1 9 at 2.6 (nearest x=2: wrong, d 0.6), q2 4 at 5.8 (nearest x=2: right),
# q3 9 at 7.1 (right), q4 4 at 9.5 (nearest x=10: wrong, d 0.5)
QUERY = {"embedding": np.array([[0.4, 0], [2.6, 0], [5.8, 0], [7.1, 0], [9.5, 0]], np.float32),
         "label": np.array([4, 9, 4, 9, 4]), "index": np.arange(5), "shift": np.array([0, 0, 3, 0, -3])}


def test_gallery_picks_exactly_the_misclassified_queries():
    errors = misclassified(QUERY, REFERENCE, k=3)
    assert errors["query"].tolist() == [4, 1]  # the most confident error (smallest distance) first
    assert errors["neighbours"].tolist() == [[3, 4, 5], [2, 1, 0]]
    np.testing.assert_allclose(errors["distances"], [[0.5, 1.5, 2.5], [0.6, 1.6, 2.6]], rtol=1e-5)
    fig, same = error_gallery(QUERY, REFERENCE, "test", k=3)
    assert same["query"].tolist() == [4, 1]
    assert len(fig.axes) == 2 * (1 + 3)
    assert fig.axes[0].get_title().startswith("query 4 (-3)")
    assert fig.axes[4].get_title().startswith("query 9 (+0)")
    right = {key: value[[0, 2, 3]] for key, value in QUERY.items()}
    fig, none = error_gallery(right, REFERENCE, "test", k=3)
    assert fig is None and len(none["query"]) == 0


def test_write_run_figures(tmp_path):
    run = load_run(fake_run(tmp_path / "run", seed=0))
    names = sorted(path.name for path in write_run_figures(run, k=3, max_rows=4))
    # the fake embedding puts every digit but 9 in one blob: plenty of 1-NN errors in both test splits
    assert names == ["error_gallery_test.png", "error_gallery_test_shifted.png", "evolution.gif",
                     "evolution_grid.png"]
    assert all((run.path / "review" / name).stat().st_size > 1000 for name in names)
    with pytest.raises(ValueError, match="unknown projection"):
        evolution_grid(run, projection="tsne")


def test_review_reads_mnist_through_siamese_cache(tmp_path, monkeypatch):
    """The review's digit thumbnails come from the MNIST cache the training config uses ($SIAMESE_CACHE)."""
    from siamese.review.report import ImageStore

    cache = tmp_path / "cache"
    monkeypatch.setenv("SIAMESE_CACHE", str(cache))
    store = ImageStore()
    store.add("test", np.array([0, 1]), np.array([0, 3]))
    assert len(store.encode()) > 0
    assert (cache / "MNIST" / "raw" / "t10k-images-idx3-ubyte").is_file()
