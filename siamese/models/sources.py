"""Where a model for the human analyses comes from, and how it wants its images.

``--model SPEC [--weights FILE]`` (``load_source``), one of:

- ``PATH.ckpt``: a checkpoint of ``python train.py`` (net rebuilt from its stored config; preprocessing = the
  channels, image size and per-channel mean/std its data module stored);
- ``torchvision:NAME`` + ``--weights FILE``: ``torchvision.models.get_model(NAME)`` with a local state_dict
  (never downloaded; random without, which is said); preprocessing ImageNet's (3 channels, 224x224, unit,
  mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225));
- ``torchscript:PATH`` (or any ``.pt``/``.ts`` file that is a TorchScript archive): ``torch.jit.load``;
  preprocessing 1 channel, as given, unit, mean 0, std 1 unless overridden;
- ``package.module:factory`` + ``--weights FILE``: ``factory()`` from the user's importable module (the code is
  theirs, not the file's), then ``load_state_dict`` of the file (``torch.load(weights_only=True)``: nothing
  from the file is executed); preprocessing as for TorchScript unless overridden.

Layers (``siamese.models.hooked_net``): module paths via forward hooks, and ``output`` / ``output.<i>`` for what
``forward`` returns (a tuple needs no wrapper). Checkpoint nets keep their own layer names.
Every field of the preprocessing (``siamese.models.preprocessing.Preprocessing``) can be overridden
(``--channels --size --mean --std --value-range``).
"""

from __future__ import annotations

import importlib
import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from siamese.models.hooked_net import HookedNet
from siamese.models.preprocessing import IMAGENET, Preprocessing
from siamese.models.torchvision_net import load_weights_file

log = logging.getLogger(__name__)
BARE = Preprocessing()


@dataclass
class SourceModel:
    """A loaded model: ``net`` (eval mode, with ``activations``/``layer_names``), its ``preprocessing``, a
    ``name`` for tables, the run ``config`` (checkpoints only) and the ``spec`` it came from."""

    net: nn.Module
    preprocessing: Preprocessing
    name: str
    config: dict | None = None
    spec: str = ""

    def normalize(self, images) -> torch.Tensor:
        """uint8 images (``[N, H, W]``, ``[N, H, W, C]`` or ``[N, C, H, W]``) -> the net's input."""
        return self.preprocessing(images)

    @property
    def layer_names(self) -> list[str]:
        return list(self.net.layer_names)

    @torch.no_grad()
    def activations(self, images, layers, batch_size: int = 256) -> dict[str, torch.Tensor]:
        """``{layer: activations [N, ...]}`` (CPU) of uint8 ``images``, in eval mode, in batches."""
        layers = list(layers)
        device = next(iter(self.net.parameters()), torch.empty(0)).device
        was_training = self.net.training
        self.net.eval()
        parts: dict[str, list] = {layer: [] for layer in layers}
        try:
            for start in range(0, len(images), batch_size):
                out = self.net.activations(self.normalize(images[start:start + batch_size]).to(device), layers)
                for layer in layers:
                    parts[layer].append(out[layer].detach().float().cpu())
        finally:
            self.net.train(was_training)
        return {layer: torch.cat(values) for layer, values in parts.items()}


class ModelSource:
    """Shared work: build the net, apply preprocessing overrides, put it in eval mode. Subclasses define
    ``build() -> (net, name)`` and ``preprocessing``."""

    preprocessing: Preprocessing = BARE

    def __init__(self, spec: str, weights: str | None = None):
        self.spec, self.weights = spec, weights

    def build(self) -> tuple[nn.Module, str]:
        raise NotImplementedError

    def config(self) -> dict | None:
        return None

    def load(self, embedding_layer: str | None = None, **overrides) -> SourceModel:
        net, name = self.build()
        preprocessing = self.preprocessing.override(**overrides)
        log.info("model %s: preprocessing %s", name, preprocessing.describe())
        if embedding_layer is not None:
            if not isinstance(net, HookedNet):
                raise ValueError(f"--embedding-layer is for module:factory, torchvision: and TorchScript models; "
                                 f"{self.spec} embeds by its own forward")
            net.embedding_layer = embedding_layer
        return SourceModel(net.eval(), preprocessing, name, self.config(), self.spec)


class TorchvisionSource(ModelSource):
    preprocessing = IMAGENET

    def build(self):
        import torchvision

        name = self.spec.split(":", 1)[1]
        try:
            model = torchvision.models.get_model(name, weights=None)
        except ValueError as error:
            raise ValueError(f"--model {self.spec}: {error}") from None
        if self.weights:
            model.load_state_dict(load_weights_file(self.weights, "--weights"))
        else:
            log.warning("--model %s without --weights has RANDOM weights (nothing is downloaded)", self.spec)
        return HookedNet(model, name=name), name + ("" if self.weights else " (random)")


class TorchScriptSource(ModelSource):
    def build(self):
        path = Path(self.spec.split(":", 1)[1] if self.spec.startswith("torchscript:") else self.spec)
        if not path.is_file():
            raise FileNotFoundError(f"--model {self.spec}: no such TorchScript file {path}")
        if self.weights:
            raise ValueError("--weights is not used with a TorchScript file (it holds its weights)")
        return HookedNet(torch.jit.load(str(path), map_location="cpu"), name=path.stem), path.stem


class FactorySource(ModelSource):
    def build(self):
        module_name, _, factory_name = self.spec.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            raise ValueError(f"--model {self.spec}: cannot import {module_name!r} ({error}); is it on PYTHONPATH?"
                             ) from None
        factory = getattr(module, factory_name, None)
        if not callable(factory):
            raise ValueError(f"--model {self.spec}: {module_name} has no callable {factory_name!r}")  # noqa: TRY004
        model = factory()
        if not isinstance(model, nn.Module):
            raise TypeError(f"--model {self.spec}: {factory_name}() returned {type(model).__name__}, not an nn.Module")
        if self.weights:
            model.load_state_dict(load_weights_file(self.weights, "--weights"))
        else:
            log.warning("--model %s without --weights keeps the factory's (random) initial weights", self.spec)
        return HookedNet(model, name=factory_name), factory_name


def is_torchscript(path: Path) -> bool:
    """A TorchScript archive is a zip holding ``<name>/code/`` (a plain ``torch.save`` zip has no code/)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return any("/code/" in name for name in archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def parse_source(spec: str, weights: str | None = None) -> ModelSource:
    """The ``ModelSource`` a ``--model`` string names (see the module docstring)."""
    if spec.startswith("torchvision:"):
        return TorchvisionSource(spec, weights)
    if spec.startswith("torchscript:"):
        return TorchScriptSource(spec, weights)
    path = Path(spec)
    if path.suffix == ".ckpt" or (path.is_file() and not is_torchscript(path)):
        from siamese.models.checkpoint_source import CheckpointSource

        return CheckpointSource(spec, weights)
    if path.is_file():
        return TorchScriptSource(spec, weights)
    if ":" in spec and "/" not in spec.split(":", 1)[0]:
        return FactorySource(spec, weights)
    raise ValueError(f"--model {spec!r}: not a file, torchvision:NAME, torchscript:PATH or package.module:factory")


def load_source(spec: str, weights: str | None = None, embedding_layer: str | None = None,
                **overrides) -> SourceModel:
    """``parse_source(spec, weights).load(...)``; ``overrides``: Preprocessing fields (None = the source's)."""
    return parse_source(spec, weights).load(embedding_layer, **overrides)


def add_source_arguments(parser, required: bool = False) -> None:
    """The model flags every human analysis takes (``--model``/``--ckpt``, ``--weights``, preprocessing)."""
    parser.add_argument("--model", "--ckpt", dest="model", required=required,
                        help="PATH.ckpt | torchvision:NAME | torchscript:PATH | package.module:factory")
    parser.add_argument("--weights", help="local state_dict file for torchvision:NAME or module:factory")
    parser.add_argument("--embedding-layer", help="layer that is the embedding of a non-checkpoint model "
                                                  "(default: output, the first forward output)")
    parser.add_argument("--channels", type=int, choices=[1, 3], help="override: input channels")
    parser.add_argument("--size", type=int, nargs="+", metavar="PIXELS", help="override: input size (S or H W)")
    parser.add_argument("--mean", type=float, nargs="+", help="override: mean per channel (after the value range)")
    parser.add_argument("--std", type=float, nargs="+", help="override: std per channel")
    parser.add_argument("--value-range", choices=["unit", "byte", "symmetric"],
                        help="override: 0-255 -> unit p/255, byte p, symmetric p/127.5-1")


def source_from_args(args) -> SourceModel | None:
    """The ``SourceModel`` of parsed ``add_source_arguments`` flags (None without ``--model``)."""
    if not getattr(args, "model", None):
        return None
    size = None if not args.size else (args.size[0] if len(args.size) == 1 else tuple(args.size[:2]))
    return load_source(args.model, args.weights, args.embedding_layer, channels=args.channels, size=size,
                       mean=None if args.mean is None else tuple(args.mean),
                       std=None if args.std is None else tuple(args.std), value_range=args.value_range)
