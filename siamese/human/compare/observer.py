"""A SYNTHETIC benchmark that raw pixels do not solve: a hidden observer rates MNIST pairs.

NOT human data. The "human" is a fixed network of another architecture than the framework's nets, seeded and
never trained (``RandomConvObserver``), or a layer of any checkpoint given to it (``CheckpointObserver``, e.g. a
net trained on other digits). Its similarity of a pair goes through a compressive nonlinearity, and simulated
raters turn it into 1-10 ratings with their own offset and scale, noise, rounding and missing ratings:

    f(x)     = the observer's features of image x, centered by their mean over the pair set's images
    t_k      = cos(f(a_k), f(b_k))                                  (noise-free similarity of pair k)
    q_k      = tanh(z(t)_k) standardized over pairs,  z(t) = (t - mean t) / sd t   (the observer's percept)
    rating_ik = clip(round(o_i + g_i * (q_k + e_ik)), 1, 10),  e_ik ~ N(0, noise^2)
    o_i ~ U(offset_low, offset_high), g_i ~ U(scale_low, scale_high)   (per rater), each rating missing with
    probability ``missing``.

Global average pooling makes the observer tolerant to where a stroke lies, which pixel overlap is not, so the
pixel-cosine baseline sits well below the raters' noise ceiling (tests/human/compare/test_observer.py asserts it).
Every file written says SYNTHETIC in its content: ``pairs.csv`` and ``ratings_synthetic.csv`` carry a
``synthetic`` column of 1s, rater ids start with ``synthetic_``, and ``observer.json`` describes the generator.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from siamese.data.mnist import load_mnist_split
from siamese.human.compare.similarity import cosine_rows
from siamese.human.io.common import PAIR_CSV
from siamese.human.io.pair_set import load_pair_set
from siamese.human.io.study_folder import check_study_folder
from siamese.utils.files import csv_text, write_text_atomic

log = logging.getLogger(__name__)

RATINGS_FILE = "ratings_synthetic.csv"


def center_and_cosine(features_a: np.ndarray, features_b: np.ndarray) -> np.ndarray:
    """Cosine of each pair's features after subtracting the mean feature over all the images of the set."""
    features_a, features_b = (np.asarray(f, dtype=np.float64).reshape(len(f), -1) for f in (features_a, features_b))
    mean = np.concatenate([features_a, features_b]).mean(axis=0)
    return cosine_rows(features_a - mean, features_b - mean)


class RandomConvObserver:
    """conv 7x7 (1 -> 16, padding 3) ReLU, max-pool 4, conv 3x3 (16 -> 32, padding 1) ReLU, global average pool:
    32 features per image, weights drawn by PyTorch's default initialization under ``torch.manual_seed(seed)``.
    Input: pixel / 255 - 0.1307 (MNIST's mean)."""

    name = "random-conv"

    def __init__(self, seed: int = 1234):
        self.seed = seed
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.net = nn.Sequential(nn.Conv2d(1, 16, 7, padding=3), nn.ReLU(), nn.MaxPool2d(4),
                                     nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                                     nn.Flatten()).double().eval()

    @torch.no_grad()
    def features(self, images) -> np.ndarray:
        x = torch.as_tensor(np.asarray(images), dtype=torch.float64)[:, None] / 255.0 - 0.1307
        return self.net(x).numpy()

    def describe(self) -> dict:
        return {"observer": self.name, "seed": self.seed,
                "architecture": "conv7x7(1->16) ReLU maxpool4 conv3x3(16->32) ReLU global-average-pool, random"}


class CheckpointObserver:
    """A layer of a framework checkpoint (``siamese.load``), e.g. a net trained on other digits."""

    name = "checkpoint"

    def __init__(self, ckpt: str | Path, layer: str):
        from siamese.models.loading import load_net

        self.ckpt, self.layer = str(ckpt), layer
        self.loaded = load_net(ckpt)

    @torch.no_grad()
    def features(self, images) -> np.ndarray:
        return self.loaded.activations(images, [self.layer])[self.layer].reshape(len(images), -1)

    def describe(self) -> dict:
        return {"observer": self.name, "checkpoint": self.ckpt, "layer": self.layer}


@dataclass
class RaterModel:
    """How simulated raters turn the observer's percept ``q`` (mean 0, sd 1 over pairs) into 1-10 ratings."""

    n_raters: int = 8
    noise: float = 0.5
    missing: float = 0.1
    offset_low: float = 4.0
    offset_high: float = 7.0
    scale_low: float = 0.8
    scale_high: float = 2.5

    def check(self) -> None:
        if self.n_raters < 2:
            raise ValueError(f"n_raters={self.n_raters} must be >= 2 (the noise ceiling needs two)")
        if self.noise < 0:
            raise ValueError(f"noise={self.noise} must be >= 0")
        if not 0 <= self.missing < 1:
            raise ValueError(f"missing={self.missing} must be in [0, 1)")


def percept(similarity) -> np.ndarray:
    """``q = tanh(z(t))`` standardized over pairs (module doc)."""
    t = np.asarray(similarity, dtype=float)
    q = np.tanh((t - t.mean()) / t.std())
    return (q - q.mean()) / q.std()


def simulate_ratings(similarity, pair_ids, raters: RaterModel, seed: int = 0) -> tuple[list[list], list[dict]]:
    """Rows ``[rater, pair_id, rating, 1]`` and each rater's drawn ``{rater, offset, scale}`` (module doc)."""
    raters.check()
    rng = np.random.default_rng(seed)
    q = percept(similarity)
    rows, drawn = [], []
    for i in range(raters.n_raters):
        rater = f"synthetic_rater_{i + 1:02d}"
        offset = rng.uniform(raters.offset_low, raters.offset_high)
        scale = rng.uniform(raters.scale_low, raters.scale_high)
        noisy = q + rng.normal(0.0, raters.noise, size=len(q))
        ratings = np.clip(np.rint(offset + scale * noisy), 1, 10).astype(int)
        keep = rng.random(len(q)) >= raters.missing
        rows += [[rater, pair, int(rating), 1] for pair, rating, kept in zip(pair_ids, ratings, keep) if kept]
        drawn.append({"rater": rater, "offset": float(offset), "scale": float(scale)})
    return rows, drawn


def draw_within_digit_pairs(per_digit: int, digits, seed: int = 0, split: str = "test") -> list[list]:
    """``per_digit`` within-digit pairs of each of ``digits`` from MNIST ``split``, no image used twice:
    rows ``[pair_id, split, index_a, index_b]`` with ids ``d<digit>_<k>``."""
    _, labels = load_mnist_split(split)
    labels = labels.numpy()
    rng = np.random.default_rng(seed)
    rows = []
    for digit in digits:
        if not 0 <= int(digit) <= 9:
            raise ValueError(f"digits: {digit} is not a digit 0-9")
        chosen = rng.choice(np.flatnonzero(labels == int(digit)), size=2 * per_digit, replace=False)
        rows += [[f"d{digit}_{k + 1:02d}", split, int(chosen[2 * k]), int(chosen[2 * k + 1])] for k in range(per_digit)]
    return rows


def make_observer_benchmark(out_dir: str | Path, per_digit: int = 20, digits=tuple(range(10)),
                            raters: RaterModel | None = None, observer=None, seed: int = 0,
                            force: bool = False) -> dict:
    """Write the SYNTHETIC benchmark to ``out_dir``: ``pairs.csv`` (MNIST test pairs, ``synthetic`` column),
    ``ratings_synthetic.csv`` (``rater, pair_id, rating, pair_set, synthetic``), ``observer_truth.csv`` (each pair's
    noise-free ``t`` and percept ``q``) and ``observer.json``. Returns the description written to the JSON."""
    raters = raters or RaterModel()
    raters.check()
    check_study_folder(out_dir, force)  # never over a study of people's ratings, unless force
    if per_digit < 1:
        raise ValueError(f"per_digit={per_digit} must be >= 1")
    observer = observer or RandomConvObserver()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = draw_within_digit_pairs(per_digit, digits, seed)
    write_text_atomic(out / PAIR_CSV, csv_text(["pair_id", "split", "index_a", "index_b", "synthetic"],
                                               [row + [1] for row in rows]))
    pairs = load_pair_set(out)
    truth = center_and_cosine(observer.features(pairs.images_a), observer.features(pairs.images_b))
    rating_rows, drawn = simulate_ratings(truth, pairs.pair_id, raters, seed)
    write_text_atomic(out / RATINGS_FILE, csv_text(["rater", "pair_id", "rating", "pair_set", "synthetic"],
                                                   [row[:3] + [pairs.fingerprint] + row[3:] for row in rating_rows]))
    write_text_atomic(out / "observer_truth.csv", csv_text(
        ["pair_id", "t", "q", "synthetic"],
        [[p, f"{t:.6f}", f"{q:.6f}", 1] for p, t, q in zip(pairs.pair_id, truth, percept(truth))]))
    info = {"SYNTHETIC": "generated by a hidden observer network, not given by people",
            **observer.describe(), "pairs": len(pairs), "digits": [int(d) for d in digits], "per_digit": per_digit,
            "seed": seed, "rater_model": asdict(raters), "raters": drawn, "ratings": len(rating_rows)}
    write_text_atomic(out / "observer.json", json.dumps(info, indent=2) + "\n")
    log.info("wrote SYNTHETIC observer benchmark: %d pairs, %d ratings by %d raters to %s", len(pairs),
             len(rating_rows), raters.n_raters, out)
    return info
