"""Model similarity of image pairs: cosine similarity of flattened activations at named layers, and baselines.

For a pair (a, b) and a layer L: ``s_L(a, b) = <f_L(a), f_L(b)> / (|f_L(a)| |f_L(b)|)`` with ``f_L`` the
layer's output flattened to a vector (0 when either vector is all zeros). Images are normalized exactly as the
evaluated model was trained (``(pixel/255 - mean) / std`` with the mean/std its data module stored).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn


def cosine_rows(a, b) -> np.ndarray:
    """Cosine similarity of each row of ``a`` [N, D] with the same row of ``b`` (0 where a row is all zeros)."""
    a = torch.as_tensor(np.asarray(a), dtype=torch.float64).reshape(len(a), -1)
    b = torch.as_tensor(np.asarray(b), dtype=torch.float64).reshape(len(b), -1)
    norms = a.norm(dim=1) * b.norm(dim=1)
    dots = (a * b).sum(dim=1)
    return torch.where(norms > 0, dots / norms.clamp_min(1e-300), torch.zeros_like(dots)).numpy()


@dataclass
class LoadedNet:
    """A network with its normalization: ``net`` (eval mode), ``mean``/``std`` of its training pixels, the run
    ``config`` it was trained with (None for a bare model) and a ``name`` for tables."""

    net: nn.Module
    mean: float
    std: float
    config: dict | None = None
    name: str = "model"

    def normalize(self, images_uint8) -> torch.Tensor:
        images = torch.as_tensor(np.asarray(images_uint8)).float()
        return ((images / 255.0 - self.mean) / self.std).unsqueeze(1)


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


@torch.no_grad()
def layer_similarity(model: LoadedNet, images_a, images_b, layers=None, batch_size: int = 512) -> dict[str, np.ndarray]:
    """``{layer: cosine similarity per pair}`` for the named ``layers`` (default: every layer of the net)."""
    net = model.net
    if not hasattr(net, "activations"):
        raise TypeError(f"{type(net).__name__} has no named layers (activations); use a siamese.models net")
    layers = list(layers) if layers else list(net.layer_names)
    was_training = net.training
    net.eval()
    device = next(net.parameters()).device
    parts: dict[str, list] = {layer: [] for layer in layers}
    for start in range(0, len(images_a), batch_size):
        a = model.normalize(images_a[start:start + batch_size]).to(device)
        b = model.normalize(images_b[start:start + batch_size]).to(device)
        acts_a, acts_b = net.activations(a, layers), net.activations(b, layers)
        for layer in layers:
            parts[layer].append(cosine_rows(acts_a[layer].cpu(), acts_b[layer].cpu()))
    net.train(was_training)
    return {layer: np.concatenate(values) for layer, values in parts.items()}


# ------------------------------------------------------------------------------------------------------ baselines
def pixel_similarity(images_a, images_b) -> np.ndarray:
    """Cosine similarity of the raw pixel vectors (0-1 intensities; 0 = black background)."""
    return cosine_rows(np.asarray(images_a, dtype=float) / 255.0, np.asarray(images_b, dtype=float) / 255.0)


class PixelPCA:
    """PCA of pixel vectors fitted on MNIST train (``n_components``, centered); similarity = cosine of the
    two images' component scores (so it is the cosine of the centered, projected images)."""

    def __init__(self, n_components: int = 50, max_samples: int | None = 20000, seed: int = 0):
        from sklearn.decomposition import PCA

        from siamese.data import load_mnist
        from siamese.human.formats import mnist_cache_dir

        images, _ = load_mnist("train", cache_dir=mnist_cache_dir())
        pixels = images.reshape(len(images), -1).numpy().astype(np.float32) / 255.0
        if max_samples is not None and max_samples < len(pixels):
            pixels = pixels[np.random.default_rng(seed).choice(len(pixels), max_samples, replace=False)]
        self.pca = PCA(n_components=n_components, random_state=seed).fit(pixels)

    def similarity(self, images_a, images_b) -> np.ndarray:
        flat = lambda im: np.asarray(im, dtype=np.float32).reshape(len(im), -1) / 255.0  # noqa: E731
        return cosine_rows(self.pca.transform(flat(images_a)), self.pca.transform(flat(images_b)))
