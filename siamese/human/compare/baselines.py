"""Model scores of rated pairs: a checkpoint's layers and the baselines (pixels, PCA, random init, classifier)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from siamese.human.compare.similarity import (
    PixelPCA,
    layer_similarity,
    pixel_similarity,
)
from siamese.human.io.pair_set import PairSet
from siamese.models.loading import LoadedNet, load_net, random_init_like

BASELINES = ("pixels", "pca", "random", "classifier")


def model_scores(pairs: PairSet, ckpt: LoadedNet | str | Path | None = None, layers=None, baselines=(),
                 classifier_ckpt: str | Path | None = None, seed: int = 0) -> dict[tuple[str, str], np.ndarray]:
    """``{(model, layer): similarity per pair}`` for the checkpoint's ``layers`` and the chosen ``baselines``:
    ``ckpt``: a loaded model of any source (``siamese.models.sources.load_source``) or a checkpoint path.
    ``pixels`` (raw pixel cosine), ``pca`` (cosine in a 50-component PCA fitted on MNIST train), ``random`` (the
    checkpoint's architecture with random weights; same layers), ``classifier`` (a ``task=classify`` checkpoint,
    ``classifier_ckpt``; its conv1, conv2, fc layers)."""
    unknown = [b for b in baselines if b not in BASELINES]
    if unknown:
        raise ValueError(f"unknown baseline {unknown[0]!r}; choose from {list(BASELINES)}")
    scores: dict[tuple[str, str], np.ndarray] = {}
    loaded = None
    if ckpt is not None:
        loaded = ckpt if isinstance(ckpt, LoadedNet) else load_net(ckpt)
        for layer, values in layer_similarity(loaded, pairs.images_a, pairs.images_b, layers).items():
            scores[(loaded.name, layer)] = values
    if "pixels" in baselines:
        scores[("pixels", "pixels")] = pixel_similarity(pairs.images_a, pairs.images_b)
    if "pca" in baselines:
        scores[("pca", "pca50")] = PixelPCA(50, seed=seed).similarity(pairs.images_a, pairs.images_b)
    if "random" in baselines:
        if loaded is None:
            raise ValueError("the 'random' baseline copies the architecture of ckpt; give ckpt")
        random_net = random_init_like(loaded, seed)
        for layer, values in layer_similarity(random_net, pairs.images_a, pairs.images_b, layers).items():
            scores[("random-init", layer)] = values
    if "classifier" in baselines:
        if classifier_ckpt is None:
            raise ValueError("the 'classifier' baseline needs classifier_ckpt (a python train.py task=classify run)")
        classifier = load_net(classifier_ckpt, name="classifier")
        classifier_layers = [name for name in classifier.net.layer_names if name != "logits"] + ["logits"]
        for layer, values in layer_similarity(classifier, pairs.images_a, pairs.images_b, classifier_layers).items():
            scores[("classifier", layer)] = values
    return scores
