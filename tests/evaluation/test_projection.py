"""2-D projections of embeddings with more than 2 dimensions: PCA (default) and UMAP, in the plot callback."""

import logging

import numpy as np
import pytest

from siamese.callbacks import EmbeddingPlot
from siamese.evaluation.plots import plot_embeddings
from siamese.evaluation.projection import project_2d, project_epochs


def blobs(n=60, dim=6, seed=0):
    rng = np.random.default_rng(seed)
    label = np.repeat([4, 9], n // 2)
    embedding = rng.normal(size=(n, dim)).astype(np.float32)
    embedding[:, 3] += 8 * (label == 9)
    return {"embedding": embedding, "label": label, "shift": np.zeros(n, int), "index": np.arange(n)}


def test_pca_projection_is_sklearns_pca_fitted_on_train():
    from sklearn.decomposition import PCA

    train, test = blobs(), blobs(seed=1)
    xy = project_2d({"train": train["embedding"], "test": test["embedding"]})
    np.testing.assert_allclose(xy["test"], PCA(2).fit(train["embedding"]).transform(test["embedding"]), atol=1e-5)
    two_d = {"train": train["embedding"][:, :2]}
    assert project_2d(two_d)["train"] is two_d["train"]  # 2-D: identity


def test_pca_projection_over_epochs_has_no_mirror_jumps():
    train = blobs()["embedding"]
    flipped = train.copy()
    flipped[:, 3] *= -1  # same geometry, the first principal axis mirrored
    first, second = project_epochs([{"train": train}, {"train": flipped}])
    assert (first["train"][:, 0] * second["train"][:, 0]).sum() > 0


def test_umap_projection_is_selectable_in_the_plot_callback(tmp_path):
    assert EmbeddingPlot(str(tmp_path), projection="umap").projection == "umap"
    with pytest.raises(ValueError, match="^projection='tsne': unknown projection"):
        EmbeddingPlot(str(tmp_path), projection="tsne")


@pytest.mark.slow  # umap-learn's numba compilation takes longer than every other projection test together
def test_umap_projection_keeps_the_digits_apart_and_plots():
    splits = {"train": blobs(), "test": blobs(seed=1)}
    xy = project_2d({k: v["embedding"] for k, v in splits.items()}, method="umap")
    assert xy["test"].shape == (60, 2) and np.isfinite(xy["test"]).all()
    # the digits stay apart in the UMAP view: every test point's nearest train point has its digit
    nearest = np.argmin(((xy["test"][:, None] - xy["train"][None]) ** 2).sum(-1), axis=1)
    assert (splits["train"]["label"][nearest] == splits["test"]["label"]).all()
    fig = plot_embeddings(splits, projection="umap")
    assert len(fig.axes) == 2


def test_projection_logs_what_it_fits(caplog):
    rng = np.random.default_rng(0)
    with caplog.at_level(logging.INFO, logger="siamese.evaluation.projection"):
        project_2d({"train": rng.normal(size=(50, 4)), "test": rng.normal(size=(20, 4))}, method="pca")
    assert "pca projection: fitting on 50 x 4 (train)" in caplog.text
    assert "pca projection: 2 splits projected" in caplog.text
