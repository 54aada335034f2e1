"""Scoring the standard one-shot runs: a model and the two baselines, per run, with the mean and its 95% CI.

A method turns the test items and the candidates of a run, as MNIST-style pixels at its own ``size``, into a
score matrix [T, C] (higher = more alike); each test item is classified as its highest-scoring candidate (the
first on a tie, as Lake's ``argmin`` of a cost), and a run's error is the fraction of its test items classified
wrong. Over runs: the mean of the run errors (with 20 items per run, the error over all items) and the 95% CI
mean +- t_{0.975, R-1} * sd / sqrt(R) (``siamese.evaluation.oneshot.mean_ci``).

Methods (``model_method``, ``pixel_method``, ``hausdorff_method``):

- a model: its embeddings of both, scored by its own ``pair_scores(emb_a, emb_b)`` when the net has one (a
  verification net), else by -Euclidean (or cosine) distance; the images are read at the size the model wants
  (a checkpoint's stored image size, ``data.image_size`` of its config, else 28) and normalized as it was trained;
- ``pixels``: cosine similarity of the raw pixels at 28 x 28;
- ``hausdorff``: -MHD of the centred ink at the drawings' own 105 x 105 (the dataset's baseline, 38.8% on the
  real runs).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from siamese.data.omniglot_images import OMNIGLOT_SIZE
from siamese.evaluation.oneshot import embedding_scores, mean_ci
from siamese.evaluation.oneshot_baselines import hausdorff_scores, pixel_cosine_scores
from siamese.models.hooked_net import HookedNet
from siamese.oneshot.runs import OneShotRuns
from siamese.utils.checkpoints import resolve_ckpt_path

log = logging.getLogger(__name__)
PIXEL_SIZE = 28


@dataclass
class Method:
    """``name`` (a column of the results), ``size`` (image side it reads), ``scores(test, candidates) -> [T, C]``
    and a one-line ``description``."""

    name: str
    size: int
    scores: Callable[[np.ndarray, np.ndarray], np.ndarray]
    description: str = ""


@dataclass
class MethodResult:
    """Per-run ``wrong`` / ``items`` of one method, its mean error with the 95% CI over runs, and the wall time."""

    method: Method
    runs: list[str] = field(default_factory=list)
    wrong: list[int] = field(default_factory=list)
    items: list[int] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def errors(self) -> list[float]:
        return [w / n for w, n in zip(self.wrong, self.items)]

    @property
    def summary(self) -> tuple[float, float, float]:
        """(mean, ci_low, ci_high) of the run errors, 0-1."""
        return mean_ci(self.errors)


def pixel_method() -> Method:
    return Method("pixels", PIXEL_SIZE, pixel_cosine_scores, "cosine similarity of the raw pixels at 28 x 28")


def hausdorff_method() -> Method:
    return Method("hausdorff", OMNIGLOT_SIZE, hausdorff_scores,
                  "modified Hausdorff distance of the centred ink pixels at 105 x 105 (Dubuisson & Jain 1994)")


def model_image_size(loaded) -> int:
    """The side at which a model reads a drawing: its preprocessing size, else its stored config's
    ``data.image_size``, else 28 (MNIST-style nets)."""
    size = loaded.preprocessing.size
    if size is None:
        size = ((loaded.config or {}).get("data") or {}).get("image_size")
    if size is None:
        return PIXEL_SIZE
    return int(size) if isinstance(size, int) else int(max(size))


def run_directory_checkpoint(spec: str) -> str:
    """``spec`` itself unless it is a run directory of ``train.py``; then its best checkpoint
    (``checkpoints/best-*.ckpt``, the one by ``optimized_metric``) when there is exactly one, else its ``last.ckpt``
    (``siamese.utils.checkpoints.resolve_ckpt_path``)."""
    path = Path(spec)
    if not path.is_dir():
        return spec
    best = sorted((path / "checkpoints").glob("best-*.ckpt"))
    chosen = str(best[0]) if len(best) == 1 else resolve_ckpt_path(str(path), None)
    log.info("run directory %s: scoring %s", spec, chosen)
    return chosen


def net_pair_scores(net):
    """The net's own ``pair_scores`` (None without): a checkpoint's net itself, or the user's module inside a
    ``HookedNet`` (``module:factory``, TorchScript with ``@torch.jit.export``) when it embeds by its own output."""
    own = getattr(net, "pair_scores", None)
    if own is None and isinstance(net, HookedNet) and net.embedding_layer == "output":
        own = getattr(net.net, "pair_scores", None)
    return own


def model_method(loaded, distance: str = "euclidean", batch_size: int = 256) -> Method:
    """The ``Method`` of a ``LoadedNet`` (``siamese.models.sources.load_source``): embed, then its net's
    ``pair_scores`` or the ``distance`` score."""
    pair_scores = net_pair_scores(loaded.net)
    score = embedding_scores(distance, pair_scores)

    def scores(test, candidates):
        embeddings = loaded.embed(np.concatenate([test, candidates]), batch_size=batch_size)
        embeddings = embeddings.reshape(len(embeddings), -1)
        return score(embeddings[:len(test)], embeddings[len(test):])

    how = "its own pair_scores" if pair_scores is not None else f"{distance} distance of its embeddings"
    return Method(f"model:{loaded.name}", model_image_size(loaded), scores, f"{loaded.name}, {how}")


def score_runs(runs: OneShotRuns, methods: list[Method]) -> list[MethodResult]:
    """Every run scored by every method, one log line per run; images are decoded (and checked) first."""
    results = [MethodResult(m) for m in methods]
    pixels = {size: [runs.pixels(run, size) for run in runs.runs] for size in sorted({m.size for m in methods})}
    for r, run in enumerate(runs.runs):
        line = []
        for result in results:
            start = time.perf_counter()
            test, candidates = pixels[result.method.size][r]
            predicted = np.argmax(result.method.scores(test, candidates), axis=1)
            result.runs.append(run.name)
            result.wrong.append(int(np.sum(predicted != np.asarray(run.answers))))
            result.items.append(len(run.tests))
            result.seconds += time.perf_counter() - start
            line.append(f"{result.method.name} {100 * result.errors[-1]:.1f}%")
        log.info("run %d/%d %s (%d items): %s", r + 1, len(runs), run.name, len(run.tests), ", ".join(line))
    return results
