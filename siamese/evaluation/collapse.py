"""How spread out a set of embeddings is (collapse: every input mapped to nearly the same point)."""

from __future__ import annotations

import numpy as np


def embedding_spread(embeddings: np.ndarray) -> tuple[float, float]:
    """``(spread, scale)`` of ``[N, D]`` embeddings: spread = sqrt(mean_i ||e_i - mean||^2) (RMS distance to the
    centroid, 0 when all are equal); scale = sqrt(mean_i ||e_i||^2) (RMS norm)."""
    embeddings = np.asarray(embeddings, dtype=np.float64)
    centred = embeddings - embeddings.mean(axis=0, keepdims=True)
    spread = float(np.sqrt((centred ** 2).sum(axis=1).mean()))
    scale = float(np.sqrt((embeddings ** 2).sum(axis=1).mean()))
    return spread, scale
