"""The frozen network's activations of both images of every pair, per layer: what a readout is fitted on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from siamese.human.compare.similarity import cosine_rows

PIXELS = "pixels"


@dataclass
class PairFeatures:
    """``layers[name] = (a, b)``: float64 arrays ``[N, C, S]`` of the two images of each of ``N`` pairs, with
    ``C`` channels (feature maps of a conv layer; units of a fully connected layer) of ``S`` values each (the
    spatial positions of a map; 1 for a unit). ``pixels`` holds the raw images as 784 channels of 1 value,
    intensities 0-1 (as ``pixel_similarity``)."""

    layers: dict[str, tuple[np.ndarray, np.ndarray]]

    def __len__(self) -> int:
        return len(next(iter(self.layers.values()))[0])

    def get(self, layer: str, rows=None) -> tuple[np.ndarray, np.ndarray]:
        if layer not in self.layers:
            raise KeyError(f"layer {layer!r} is not among the extracted layers {list(self.layers)}")
        a, b = self.layers[layer]
        return (a, b) if rows is None else (a[rows], b[rows])

    def cosine(self, layer: str, rows=None) -> np.ndarray:
        """Cosine of the flattened activations per pair (0 where either is all zeros): ``cosine_rows``, as
        ``layer_similarity``."""
        return cosine_rows(*self.get(layer, rows))


def _as_channels(values: torch.Tensor) -> np.ndarray:
    values = values.detach().cpu().double()
    if values.ndim == 1:
        return values[:, None, None].numpy()
    return values.reshape(len(values), values.shape[1], -1).numpy()


def extract_pair_features(model, images_a, images_b, layers, batch_size: int = 256) -> PairFeatures:
    """Activations of ``layers`` (names of the net's layers, and/or ``pixels``) for both images of every pair.

    ``model`` is a ``LoadedNet`` (``siamese.load``; read in eval mode, batched); it may be None when only
    ``pixels`` is asked for."""
    layers = list(dict.fromkeys(layers))
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if PIXELS in layers:
        flat = lambda im: np.asarray(im, dtype=np.float64).reshape(len(im), -1, 1) / 255.0  # noqa: E731
        out[PIXELS] = (flat(images_a), flat(images_b))
    net_layers = [name for name in layers if name != PIXELS]
    if net_layers:
        if model is None:
            raise ValueError(f"layers {net_layers} need a model")
        acts_a, acts_b = (model.activations(images, net_layers, batch_size, as_numpy=False)
                          for images in (images_a, images_b))
        for name in net_layers:
            out[name] = (_as_channels(acts_a[name]), _as_channels(acts_b[name]))
    return PairFeatures({name: out[name] for name in layers})
