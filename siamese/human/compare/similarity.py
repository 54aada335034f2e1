"""Model similarity of image pairs: cosine similarity of flattened activations at named layers, and baselines.

For a pair (a, b) and a layer L: ``s_L(a, b) = <f_L(a), f_L(b)> / (|f_L(a)| |f_L(b)|)`` with ``f_L`` the
layer's output flattened to a vector (0 when either vector is all zeros). Images are normalized exactly as the
evaluated model was trained (``LoadedNet.normalize``: ``(pixel/255 - mean) / std`` with the mean/std its data
module stored); activations are read by ``siamese.models.layer_reader`` (eval mode, no_grad, batched).
"""

from __future__ import annotations

import numpy as np
import torch

from siamese.data.mnist import load_mnist_split
from siamese.models.loading import LoadedNet


def unit_rows(x) -> torch.Tensor:
    """Rows of ``x`` [N, ...] flattened to float64 vectors and scaled to length 1 (an all-zero row stays 0): the one
    normalization every cosine here divides by, so ``cosine_rows`` and ``cosine_matrix`` agree exactly."""
    x = torch.as_tensor(np.asarray(x), dtype=torch.float64).reshape(len(x), -1)
    norms = x.norm(dim=1, keepdim=True)
    return torch.where(norms > 0, x / norms.clamp_min(1e-300), torch.zeros_like(x))


def cosine_rows(a, b) -> np.ndarray:
    """Cosine similarity of each row of ``a`` [N, D] with the same row of ``b`` (0 where a row is all zeros)."""
    return (unit_rows(a) * unit_rows(b)).sum(dim=1).numpy()


def cosine_matrix(a, b=None) -> np.ndarray:
    """``[N, M]`` cosine similarity of every row of ``a`` [N, D] with every row of ``b`` [M, D] (default ``a``);
    0 where a row is all zeros. Memory O((N + M) D + N M), not O(N M D)."""
    unit_a = unit_rows(a)
    return (unit_a @ (unit_a if b is None else unit_rows(b)).T).numpy()


def layer_similarity(model: LoadedNet, images_a, images_b, layers=None, batch_size: int = 512) -> dict[str, np.ndarray]:
    """``{layer: cosine similarity per pair}`` for the named ``layers`` (default: every layer of the net)."""
    if not hasattr(model.net, "layer_names"):
        raise TypeError(f"{type(model.net).__name__} has no named layers; use a siamese.models net")
    acts_a = model.activations(images_a, layers, batch_size, as_numpy=False)
    acts_b = model.activations(images_b, layers, batch_size, as_numpy=False)
    return {layer: cosine_rows(acts_a[layer], acts_b[layer]) for layer in acts_a}


def similarity_matrix(model: LoadedNet | None, images, layer: str | None) -> np.ndarray:
    """N x N cosine similarity matrix of the images at ``layer`` (raw pixels when ``model`` is None)."""
    if model is None:
        return cosine_matrix(pixel_vectors(images))
    return cosine_matrix(model.activations(images, [layer])[layer].reshape(len(images), -1))


# ------------------------------------------------------------------------------------------------------ baselines
def pixel_vectors(images, dtype=np.float64) -> np.ndarray:
    """Images as flat pixel vectors of 0-1 intensities, ``[N, H * W]`` (0 = black background)."""
    images = images.numpy() if torch.is_tensor(images) else np.asarray(images)
    return images.astype(dtype).reshape(len(images), -1) / 255.0


def pixel_similarity(images_a, images_b) -> np.ndarray:
    """Cosine similarity of the raw pixel vectors (0-1 intensities; 0 = black background)."""
    return cosine_rows(pixel_vectors(images_a), pixel_vectors(images_b))


class PixelPCA:
    """PCA of pixel vectors fitted on MNIST train (``n_components``, centered); similarity = cosine of the
    two images' component scores (so it is the cosine of the centered, projected images)."""

    def __init__(self, n_components: int = 50, max_samples: int | None = 20000, seed: int = 0):
        from sklearn.decomposition import PCA

        images, _ = load_mnist_split("train")
        pixels = pixel_vectors(images, np.float32)
        if max_samples is not None and max_samples < len(pixels):
            pixels = pixels[np.random.default_rng(seed).choice(len(pixels), max_samples, replace=False)]
        self.pca = PCA(n_components=n_components, random_state=seed).fit(pixels)

    def similarity(self, images_a, images_b) -> np.ndarray:
        return cosine_rows(self.pca.transform(pixel_vectors(images_a, np.float32)),
                           self.pca.transform(pixel_vectors(images_b, np.float32)))
