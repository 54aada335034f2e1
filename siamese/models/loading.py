"""A trained network from a checkpoint of ``python train.py``, ready to embed images: ``siamese.load(ckpt)``.

>>> model = siamese.load("outputs/train/runs/<time>/checkpoints/last.ckpt")
>>> z = model.embed(images_uint8)                      # [N, D] numpy, the net's output
>>> acts = model.activations(images_uint8, ["conv2"])  # {layer: [N, ...] numpy}

``siamese.load`` also takes the other model sources (``torchvision:NAME``, ``torchscript:PATH``,
``package.module:factory`` with ``weights=``; ``siamese.models.sources``). Images are turned into the net's input
by its ``Preprocessing`` (``siamese.models.preprocessing``): for a checkpoint, ``x_c = (pixel_c/255 - mean_c) /
std_c`` with the per-channel mean/std its data module stored, the data's channels and image size; reading runs in
eval mode, under no_grad, in batches (``siamese.models.layer_reader``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from siamese.models.layer_reader import read_layers
from siamese.models.preprocessing import Preprocessing


@dataclass
class LoadedNet:
    """A network with its input preprocessing: ``net`` (eval mode), ``mean``/``std`` of its training pixels (0-1
    scale; a float, or one value per channel), the resolved run ``config`` it was trained with (None for a bare
    model), a ``name`` for tables and the ``preprocessing`` (built from mean/std when not given: channels =
    number of mean values, size as given, pixel/255)."""

    net: nn.Module
    mean: float | list[float]
    std: float | list[float]
    config: dict | None = None
    name: str = "model"
    preprocessing: Preprocessing | None = None

    def __post_init__(self):
        if self.preprocessing is None:
            mean = [self.mean] if isinstance(self.mean, (int, float)) else list(self.mean)
            std = [self.std] if isinstance(self.std, (int, float)) else list(self.std)
            self.preprocessing = Preprocessing(channels=len(mean), mean=tuple(mean), std=tuple(std))

    def normalize(self, images) -> torch.Tensor:
        """0-255 images (uint8 or float; ``[N, H, W]``, ``[N, H, W, C]`` or ``[N, C, H, W]``) -> the float
        ``[N, C, H, W]`` input the net was trained on. NaN, infinite, negative or > 255 pixels raise
        ``ValueError`` naming the first (``siamese.models.preprocessing.as_nchw``)."""
        return self.preprocessing(images)

    @property
    def layer_names(self) -> list[str]:
        """The net's layers; a user module's forward outputs (``output.<i>``) only once it has run (see
        ``default_layers``)."""
        return list(self.net.layer_names)

    def default_layers(self, images) -> list[str]:
        """Every layer of the net, a user module's forward outputs included (``output.0``, ``output.1``, ... or
        ``output.<key>``): one forward on the first of ``images`` finds them."""
        if hasattr(self.net, "discover") and len(images):
            self.net.discover(self.normalize(images[:1]))
        return list(self.net.layer_names)

    def activations(self, images, layers=None, batch_size: int = 256, as_numpy: bool = True) -> dict:
        """``{layer: activations [N, ...]}`` of 0-255 ``images`` at ``layers`` (default: ``default_layers``)."""
        layers = list(layers) if layers else self.default_layers(images)
        values = read_layers(self.net, layers, self.normalize(images), batch_size)
        return {layer: v.numpy() for layer, v in values.items()} if as_numpy else values

    def embed(self, images, batch_size: int = 256, as_numpy: bool = True):
        """The net's output (its embedding, or a classifier's logits; a user module's ``embedding_layer``)."""
        from siamese.models.layer_reader import read_output

        out = read_output(self.net, self.normalize(images), batch_size)
        return out.numpy() if as_numpy else out


def load_net(ckpt_path: str | Path, name: str | None = None, key: str = "ckpt_path") -> LoadedNet:
    """Rebuild the net of a training checkpoint: ``hydra.utils.instantiate(config['model'])`` from the resolved
    run config stored as ``checkpoint['siamese_config']`` (with ``weights`` of a torchvision backbone dropped: the
    checkpoint holds the trained ones), load the ``net.``-prefixed weights of the Lightning ``state_dict``, and
    take the preprocessing from the checkpointed data module state (mean/std per channel, image size). The file is
    read with ``weights_only=True`` (``siamese.utils.checkpoints.load_checkpoint``): a truncated or foreign file
    raises ``CheckpointError`` naming it (as the caller's parameter ``key``); a pickled object in it is never
    executed."""
    from hydra.utils import instantiate

    from siamese.utils.checkpoints import load_checkpoint, stored_run_config

    ckpt_path = Path(ckpt_path)
    checkpoint = load_checkpoint(ckpt_path, key=key)  # weights_only: nothing in the file runs
    config = stored_run_config(checkpoint, ckpt_path)  # and no _target_ outside the project is built
    if "model" not in config:
        raise KeyError(f"checkpoint {ckpt_path} has no 'siamese_config' with a 'model' entry: was it written by "
                       f"train.py of this project?")
    model_config = dict(config["model"])
    if "weights" in model_config:
        model_config["weights"] = None
    net = instantiate(model_config)
    weights = {k[len("net."):]: v for k, v in checkpoint["state_dict"].items() if k.startswith("net.")}
    if not weights:
        raise KeyError(f"checkpoint {ckpt_path} has no 'net.' weights in its state_dict")
    net.load_state_dict(weights)
    state = _data_state(checkpoint, ckpt_path)
    mean, std = state["mean"], state["std"]
    size = state.get("image_size")
    channels = 1 if isinstance(mean, (int, float)) else len(mean)
    preprocessing = Preprocessing(channels=channels, size=None if size is None else tuple(size),
                                  mean=tuple([mean] if channels == 1 and isinstance(mean, (int, float)) else mean),
                                  std=tuple([std] if channels == 1 and isinstance(std, (int, float)) else std))
    return LoadedNet(net.eval(), mean, std, config, name or _run_name(config, ckpt_path), preprocessing)


def _data_state(checkpoint: dict, ckpt_path: Path) -> dict:
    for value in checkpoint.values():  # Lightning stores the data module's state_dict under its class name
        if isinstance(value, dict) and {"mean", "std"} <= set(value) and value.get("mean") is not None:
            return value
    stats = ckpt_path.parent.parent / "normalization.json"
    if stats.is_file():
        import json

        return json.loads(stats.read_text())
    raise KeyError(f"checkpoint {ckpt_path} holds no normalization (mean/std) and {stats} does not exist")


def _run_name(config: dict, ckpt_path: Path) -> str:
    """How tables name a checkpoint's net: for ``<run>/checkpoints/<file>.ckpt`` the run directory's name (a
    multirun job as ``<sweep>/<n>``, as the review names runs), with ``/<file>`` unless it is ``last``; for a
    checkpoint elsewhere its config's ``task_name``, else the file's stem."""
    if ckpt_path.parent.name == "checkpoints":
        run = ckpt_path.parent.parent
        name = f"{run.parent.name}/{run.name}" if run.name.isdigit() else run.name
        return name if ckpt_path.stem == "last" else f"{name}/{ckpt_path.stem}"
    return str(config.get("task_name") or ckpt_path.stem)


def random_init_like(loaded: LoadedNet, seed: int = 0) -> LoadedNet:
    """The same architecture as ``loaded`` with fresh random weights (seeded), same preprocessing."""
    from hydra.utils import instantiate

    if loaded.config is None:
        raise ValueError("a random-init baseline needs the model config of a checkpoint")
    model_config = dict(loaded.config["model"])
    if "weights" in model_config:
        model_config["weights"] = None
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = instantiate(model_config)
    return LoadedNet(net.eval(), loaded.mean, loaded.std, loaded.config, "random-init", loaded.preprocessing)


__all__ = ["LoadedNet", "load_net", "random_init_like"]
