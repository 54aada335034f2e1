"""SYNTHETIC odd-one-out answers in the THINGS layout, for demos, tests and the scaling benchmark (not people's).

The simulated observer sees pixel cosine similarity: on trial ``(i, j, k)`` with pair similarities ``s_m`` (the
pair that leaves image m out, ``siamese.human.compare.odd_one_out.pair_similarities``) it names image m the odd one
with probability ``softmax(s / temperature)_m`` (the THINGS/SPoSE choice model). A share ``repeat_share`` of the
trials is asked ``repeats`` times (the repeats feed the noise ceiling).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from siamese.human.compare.odd_one_out import pair_similarities
from siamese.human.compare.similarity import cosine_matrix, pixel_vectors


def random_triplets(n_images: int, n_triplets: int, rng: np.random.Generator) -> np.ndarray:
    """``[T, 3]`` triplets of three different images, uniformly at random (vectorized)."""
    first = rng.integers(0, n_images, n_triplets)
    second = (first + rng.integers(1, n_images, n_triplets)) % n_images
    third = rng.integers(0, n_images - 2, n_triplets)
    low, high = np.minimum(first, second), np.maximum(first, second)
    third = third + (third >= low)
    third = third + (third >= high)
    return np.column_stack([first, second, third])


def simulate_odd_one_out(images, n_triplets: int, temperature: float = 0.05, repeat_share: float = 0.02,
                         repeats: int = 5, seed: int = 0) -> np.ndarray:
    """``[A, 3]`` answers in the THINGS layout (odd one last) on ``images`` (module doc)."""
    rng = np.random.default_rng(seed)
    n = len(images)
    if n < 3:
        raise ValueError(f"odd-one-out trials need at least 3 images, got {n}")
    triplets = random_triplets(n, n_triplets, rng)
    n_repeated = int(round(repeat_share * n_triplets))
    triplets = np.concatenate([triplets, np.repeat(triplets[:n_repeated], repeats - 1, axis=0)])
    sims = pair_similarities(cosine_matrix(pixel_vectors(images)), triplets)
    logits = (sims - sims.max(axis=1, keepdims=True)) / temperature
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    odd = (rng.random(len(p))[:, None] > np.cumsum(p, axis=1)).sum(axis=1).clip(max=2)
    pair = np.array([[1, 2], [0, 2], [0, 1]])[odd]
    rows = np.arange(len(triplets))[:, None]
    return np.column_stack([triplets[rows, pair], triplets[np.arange(len(triplets)), odd]])


def write_synthetic_things(directory: str | Path, n_images: int = 200, n_triplets: int = 5000,
                           seed: int = 0, **observer) -> Path:
    """A SYNTHETIC local THINGS copy: ``images.npz`` (``n_images`` seeded MNIST test digits, ``synthetic`` True)
    and ``train_90.txt`` (the simulated answers)."""
    from siamese.data.mnist import load_mnist_split
    from siamese.human.io.things import write_things_triplets

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    images, _ = load_mnist_split("test")
    images = np.asarray(images)[np.random.default_rng(seed).choice(len(images), n_images, replace=False)]
    np.savez(directory / "images.npz", images=images, image_id=np.array([f"digit{k}" for k in range(n_images)]),
             synthetic=np.bool_(True))
    write_things_triplets(directory / "train_90.txt", simulate_odd_one_out(images, n_triplets, seed=seed,
                                                                           **observer))
    return directory
