"""Score a pair set with saved readouts (``eval --readout FILE``)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from siamese.human.readouts.base import load_readout
from siamese.human.readouts.features import PIXELS, extract_pair_features

log = logging.getLogger(__name__)


def readout_scores(loaded, judgments, paths) -> dict[tuple[str, str], np.ndarray]:
    """``{(model, layer label): similarity per pair of judgments}`` of every readout file in ``paths`` applied to
    the frozen net ``loaded`` (its layers must include the readout's). The label is ``<kind>-<layers>``. A readout
    fitted on another model than ``loaded`` (by its recorded name) is applied all the same, with a warning."""
    readouts = [(Path(path), load_readout(path)) for path in paths]
    net_layers = set(loaded.default_layers(judgments.images_a)) if loaded is not None else set()
    for path, readout in readouts:
        missing = [layer for layer in readout.layers if layer != PIXELS and layer not in net_layers]
        if missing:
            raise KeyError(f"readout {path} reads layer {missing[0]!r}, which the model (layers "
                           f"{sorted(net_layers)}) does not have")
        fitted_on = readout.meta.get("model")
        if loaded is not None and fitted_on and fitted_on != loaded.name:
            log.warning("readout %s was fitted on model %r, applying it to %r", path, fitted_on, loaded.name)
    layers = list(dict.fromkeys(layer for _, readout in readouts for layer in readout.layers))
    features = extract_pair_features(loaded, judgments.images_a, judgments.images_b, layers)
    name = loaded.name if loaded is not None else "pixels"
    return {(name, f"{readout.kind}-{'+'.join(readout.layers)}"): readout.similarity(features)
            for _, readout in readouts}
