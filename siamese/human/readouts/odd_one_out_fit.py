"""Fitting a readout on odd-one-out choices instead of ratings (the THINGS / gLocal objective).

Features come in triplets of pairs: rows ``3t, 3t + 1, 3t + 2`` of a ``PairFeatures`` are the pairs of trial t that
leave out its image 0, 1, 2 (``triplet_pair_features``), so pair m of a trial is the pair kept together when image m
is the odd one. With ``s`` the readout's similarity of the three pairs, the model's choice probabilities are

    P(odd = m) = softmax_m(beta * s_m),

and the loss is the mean cross-entropy of the chosen odd one (the target is the chosen one's complementary pair),
plus the readout's own penalty (``_penalty``, with its ``reg``). For readouts whose similarity is a cosine (feature
reweighting, the linear transform) ``beta = exp(log_beta)`` is fitted too (unpenalized, starting at 10); layer
mixing's unbounded weights carry the scale themselves (``beta = 1``). The optimizer is L-BFGS-B with the readout's
bounds, from the frozen network's similarity (``_start``), at most ``max_iter`` iterations, as ``GradientReadout``.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from siamese.human.readouts.features import PairFeatures

START_LOG_BETA = math.log(10.0)


def triplet_pair_features(image_features: PairFeatures, triplets) -> PairFeatures:
    """Pair features of triplets from per-image features (``image_features.layers[name][0]`` is ``[N, C, S]``, one
    row per image, e.g. ``extract_pair_features(model, images, images, layers)``): rows ``3t + m`` hold the two
    images of ``triplets[t]`` other than its m-th."""
    t = np.asarray(triplets, dtype=np.int64).reshape(-1, 3)
    first = np.column_stack([t[:, 1], t[:, 0], t[:, 0]]).reshape(-1)
    second = np.column_stack([t[:, 2], t[:, 2], t[:, 1]]).reshape(-1)
    return PairFeatures({name: (a[first], a[second]) for name, (a, _) in image_features.layers.items()})


def pair_rows(trials) -> np.ndarray:
    """``[T, 3]`` pair rows of trial positions ``trials`` in a ``triplet_pair_features``."""
    trials = np.asarray(trials, dtype=np.int64).reshape(-1, 1)
    return 3 * trials + np.arange(3)


def fit_odd_one_out(readout, features: PairFeatures, trials, chosen_column, max_iter: int | None = None):
    """Fit ``readout`` (a ``GradientReadout`` or ``LayerMixing``) on answers: ``trials`` (trial position per answer)
    and ``chosen_column`` (0, 1, 2: which image of the trial is the odd one). Returns the readout, fitted."""

    from siamese.human.readouts.gradient import GradientReadout, minimize_params
    from siamese.human.readouts.layer_mixing import LayerMixing

    target = torch.as_tensor(np.asarray(chosen_column, dtype=np.int64))
    rows = pair_rows(trials).reshape(-1)
    if len(target) < 3:
        raise ValueError(f"an odd-one-out readout fit needs at least 3 answers, got {len(target)}")
    missing = [layer for layer in readout.layers if layer not in features.layers]
    if missing:
        raise KeyError(f"{readout.kind} readout needs layer {missing[0]!r}; extracted: {list(features.layers)}")
    mixing = isinstance(readout, LayerMixing)
    if mixing:
        inputs = torch.as_tensor(np.stack([features.cosine(layer, rows) for layer in readout.layers], axis=1))
        start = {"weights": torch.full((len(readout.layers),), 1.0 / len(readout.layers), dtype=torch.float64)}
        score = lambda p: inputs @ p["weights"]  # noqa: E731 - the intercept cancels in the softmax
        penalty = lambda p: readout.reg * (p["weights"] ** 2).sum()  # noqa: E731
        lower = {"weights": 0.0}
    elif isinstance(readout, GradientReadout):
        inputs = readout._inputs(features, rows)
        start = {**readout._start(inputs, torch.Generator().manual_seed(readout.seed)),
                 "log_beta": torch.tensor([START_LOG_BETA], dtype=torch.float64)}
        score = lambda p: torch.exp(p["log_beta"]) * readout._score(p, inputs)  # noqa: E731
        penalty = readout._penalty
        lower = {name: readout._lower_bound(name) for name in start if name != "log_beta"}
    else:
        raise TypeError(f"{type(readout).__name__} cannot be fitted on odd-one-out choices")
    params, solution = minimize_params(
        lambda p: torch.nn.functional.cross_entropy(score(p).reshape(-1, 3), target) + penalty(p), start, lower,
        max_iter or getattr(readout, "max_iter", 100), len(rows))
    if mixing:
        readout.weights, readout.intercept = params["weights"].numpy(), 0.0
    else:
        readout.meta["inverse_temperature"] = float(torch.exp(params.pop("log_beta")))
        readout.params = params
    readout.meta["odd_one_out_fit"] = {"iterations": int(solution.nit), "loss": float(solution.fun),
                                       "answers": int(len(target))}
    readout.fitted = True
    return readout
