"""A trained network from a checkpoint of ``python train.py``, ready to embed images: ``siamese.load(ckpt)``.

>>> model = siamese.load("outputs/train/runs/<time>/checkpoints/last.ckpt")
>>> z = model.embed(images_uint8)                      # [N, D] numpy, the net's output
>>> acts = model.activations(images_uint8, ["conv2"])  # {layer: [N, ...] numpy}

Images are normalized exactly as the net was trained, ``x = (pixel/255 - mean) / std`` with the mean/std its data
module stored in the checkpoint (``siamese.data.normalization.normalize_pixels``); reading runs in eval mode, under
no_grad, in batches (``siamese.models.layer_reader``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from siamese.data.normalization import normalize_pixels
from siamese.models.layer_reader import read_layers


@dataclass
class LoadedNet:
    """A network with its normalization: ``net`` (eval mode), ``mean``/``std`` of its training pixels (0-1 scale),
    the resolved run ``config`` it was trained with (None for a bare model) and a ``name`` for tables."""

    net: nn.Module
    mean: float
    std: float
    config: dict | None = None
    name: str = "model"

    def normalize(self, images) -> torch.Tensor:
        """uint8 (or float 0-255) ``[N, 28, 28]`` pixels -> the float ``[N, 1, 28, 28]`` input the net was trained
        on."""
        return normalize_pixels(images, self.mean, self.std)

    def activations(self, images, layers=None, batch_size: int = 256, as_numpy: bool = True) -> dict:
        """``{layer: activations [N, ...]}`` of 0-255 ``images`` at ``layers`` (default: every layer of the net)."""
        layers = list(layers) if layers else list(self.net.layer_names)
        values = read_layers(self.net, layers, self.normalize(images), batch_size)
        return {layer: v.numpy() for layer, v in values.items()} if as_numpy else values

    def embed(self, images, batch_size: int = 256, as_numpy: bool = True):
        """The net's output (its last layer: the embedding, or a classifier's logits) of 0-255 ``images``."""
        return self.activations(images, [self.net.layer_names[-1]], batch_size, as_numpy)[self.net.layer_names[-1]]


def load_net(ckpt_path: str | Path, name: str | None = None) -> LoadedNet:
    """Rebuild the net of a training checkpoint: ``hydra.utils.instantiate(config['model'])`` from the resolved
    run config stored as ``checkpoint['siamese_config']``, load the ``net.``-prefixed weights of the Lightning
    ``state_dict``, and take the normalization from the checkpointed data module state."""
    from hydra.utils import instantiate

    ckpt_path = Path(ckpt_path)
    if not ckpt_path.is_file():
        raise FileNotFoundError(f"checkpoint {ckpt_path} not found")
    checkpoint = torch.load(ckpt_path, map_location="cpu", weights_only=False)
    config = checkpoint.get("siamese_config")
    if not config or "model" not in config:
        raise KeyError(f"checkpoint {ckpt_path} has no 'siamese_config' with a 'model' entry: was it written by "
                       f"train.py of this project?")
    net = instantiate(config["model"])
    weights = {k[len("net."):]: v for k, v in checkpoint["state_dict"].items() if k.startswith("net.")}
    if not weights:
        raise KeyError(f"checkpoint {ckpt_path} has no 'net.' weights in its state_dict")
    net.load_state_dict(weights)
    mean, std = _normalization(checkpoint, ckpt_path)
    return LoadedNet(net.eval(), mean, std, config, name or _run_name(config, ckpt_path))


def _normalization(checkpoint: dict, ckpt_path: Path) -> tuple[float, float]:
    for value in checkpoint.values():  # Lightning stores the data module's state_dict under its class name
        if isinstance(value, dict) and {"mean", "std"} <= set(value) and value.get("mean") is not None:
            return float(value["mean"]), float(value["std"])
    stats = ckpt_path.parent.parent / "normalization.json"
    if stats.is_file():
        import json

        values = json.loads(stats.read_text())
        return float(values["mean"]), float(values["std"])
    raise KeyError(f"checkpoint {ckpt_path} holds no normalization (mean/std) and {stats} does not exist")


def _run_name(config: dict, ckpt_path: Path) -> str:
    return str(config.get("task_name") or ckpt_path.stem)


def random_init_like(loaded: LoadedNet, seed: int = 0) -> LoadedNet:
    """The same architecture as ``loaded`` with fresh random weights (seeded), same normalization."""
    from hydra.utils import instantiate

    if loaded.config is None:
        raise ValueError("a random-init baseline needs the model config of a checkpoint")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = instantiate(loaded.config["model"])
    return LoadedNet(net.eval(), loaded.mean, loaded.std, loaded.config, "random-init")


__all__ = ["LoadedNet", "load_net", "random_init_like"]
