"""2-D views of embeddings: identity for 2-D, else PCA (default) or UMAP fitted on one split."""

from __future__ import annotations

import logging
import time

import numpy as np

from siamese.evaluation.embeddings import subsample_positions
from siamese.utils.parameters import ParameterError

log = logging.getLogger(__name__)

PROJECTIONS = ("pca", "umap")


def check_projection(method: str, parameter: str = "method") -> str:
    if method not in PROJECTIONS:
        raise ParameterError(parameter, method, f"unknown projection; choose from {list(PROJECTIONS)}")
    return method


def project_2d(embeddings: dict[str, np.ndarray], fit_split: str = "train", method: str = "pca", seed: int = 0,
               max_fit: int = 5000) -> dict[str, np.ndarray]:
    """Identity for 2-D embeddings (1-D is padded with a 0 column); otherwise ``method`` fitted on
    ``embeddings[fit_split]`` (at most ``max_fit`` of its rows, a fixed subsample) and applied to every split:
    ``pca`` (sklearn PCA, components = the 2 directions of largest variance) or ``umap`` (umap-learn,
    n_neighbors 15, min_dist 0.1, Euclidean, ``random_state=seed``)."""
    check_projection(method)
    dim = next(iter(embeddings.values())).shape[1]
    if dim == 2:
        return embeddings
    if dim == 1:
        return {k: np.hstack([v, np.zeros_like(v)]) for k, v in embeddings.items()}
    fit = embeddings[fit_split]
    fit = fit[subsample_positions(len(fit), max_fit, seed)]
    start = time.perf_counter()  # UMAP takes tens of seconds: say what runs (log lines, also without a terminal)
    log.info("%s projection: fitting on %d x %d (%s)", method, len(fit), fit.shape[1], fit_split)
    if method == "pca":
        from sklearn.decomposition import PCA

        model = PCA(n_components=2).fit(fit)
    else:
        import umap

        model = umap.UMAP(n_components=2, n_neighbors=15, min_dist=0.1, random_state=seed).fit(fit)
    out = {k: np.asarray(model.transform(v), dtype=np.float32) for k, v in embeddings.items()}
    log.info("%s projection: %d splits projected (%.1f s)", method, len(out), time.perf_counter() - start)
    return out


def project_epochs(epochs: list[dict[str, np.ndarray]], fit_split: str = "train", method: str = "pca",
                   seed: int = 0) -> list[dict[str, np.ndarray]]:
    """``project_2d`` of each epoch's splits, fitted per epoch; with PCA each axis' sign is flipped where needed
    so that consecutive epochs' ``fit_split`` coordinates correlate positively (no mirror jumps in animations)."""
    out, previous = [], None
    for splits in epochs:
        xy = project_2d(splits, fit_split, method, seed)
        dim = next(iter(splits.values())).shape[1]
        if previous is not None and dim > 2 and method == "pca":
            signs = np.where((xy[fit_split] * previous).sum(0) < 0, -1.0, 1.0).astype(np.float32)
            xy = {k: v * signs for k, v in xy.items()}
        previous = xy[fit_split]
        out.append(xy)
    return out
