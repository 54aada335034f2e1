"""Where a model for the human analyses comes from, and how it wants its images.

``load_source(spec, weights=None)`` (``siamese.load``; the human analyses' model flags give ``spec`` and
``weights``), ``spec`` one of:

- ``PATH.ckpt``: a checkpoint of ``python train.py`` (net rebuilt from its stored config; preprocessing = the
  channels, image size and per-channel mean/std its data module stored); a run directory means its
  ``checkpoints/last.ckpt``, as for ``eval.py``;
- ``torchvision:NAME`` + ``weights`` FILE: ``torchvision.models.get_model(NAME)`` with a local state_dict
  (never downloaded; random without, which is said); preprocessing ImageNet's (3 channels, 224x224, unit,
  mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225));
- ``torchscript:PATH`` (or any ``.pt``/``.ts`` file that is a TorchScript archive): ``torch.jit.load``;
  preprocessing 1 channel, as given, unit, mean 0, std 1 unless overridden;
- ``package.module:factory`` + ``weights`` FILE: ``factory()`` from the user's importable module (the code is
  theirs, not the file's; called without arguments, a factory that needs some is refused naming them), then
  ``load_state_dict`` of the file (``siamese.models.weights_file``: ``torch.load(weights_only=True)``, nothing
  from the file is executed; a file that is no state dict, or whose keys or shapes do not fit, is refused
  listing what differs); preprocessing as for TorchScript unless overridden.

Layers (``siamese.models.hooked_net``): module paths via forward hooks, and ``output`` / ``output.<i>`` /
``output.<key>`` for what ``forward`` returns (a tuple or dict needs no wrapper; the default layers list every
output and the top-level modules). Checkpoint nets keep their own layer names. Before any image is read, the
preprocessing's channels are checked against the model's first convolution; a forward that raises is re-raised
as ``ForwardError`` naming the source and the images, the model's own error chained.
Every field of the preprocessing (``siamese.models.preprocessing.Preprocessing``) can be overridden
(``channels``, ``size``, ``mean``, ``std``, ``value_range``).

Errors name the parameter (``spec='x': ...``, ``weights=...``: ``siamese.utils.parameters.ParameterError``);
the command line says them with its flags (``siamese.models.source_arguments``).
"""

from __future__ import annotations

import importlib
import inspect
import logging
import zipfile
from pathlib import Path

import torch
from torch import nn

from siamese.models.hooked_net import HookedNet
from siamese.models.loading import LoadedNet, load_net
from siamese.models.preprocessing import IMAGENET, Preprocessing
from siamese.models.weights_file import load_matching_weights, load_weights_file
from siamese.utils.parameters import ParameterError, ParameterFileError, ParameterTypeError

log = logging.getLogger(__name__)
BARE = Preprocessing()


class ModelSource:
    """Shared work: build the net, apply preprocessing overrides, put it in eval mode. Subclasses define
    ``build() -> (net, name)`` and ``preprocessing``."""

    preprocessing: Preprocessing = BARE

    def __init__(self, spec: str, weights: str | None = None):
        self.spec, self.weights = spec, weights

    def build(self) -> tuple[nn.Module, str]:
        raise NotImplementedError

    def load(self, embedding_layer: str | None = None, **overrides) -> LoadedNet:
        net, name = self.build()
        preprocessing = self.preprocessing.override(**overrides)
        log.info("model %s: preprocessing %s", name, preprocessing.describe())
        check_input_channels(net, preprocessing.channels, self.spec)
        if embedding_layer is not None:
            if not isinstance(net, HookedNet):
                raise ParameterError("embedding_layer", embedding_layer, "is for module:factory, torchvision: and "
                                     f"TorchScript models; {self.spec} embeds by its own forward")
            net.embedding_layer = embedding_layer
        return LoadedNet(net.eval(), list(preprocessing.mean), list(preprocessing.std), None, name, preprocessing)


class TorchvisionSource(ModelSource):
    preprocessing = IMAGENET

    def build(self):
        import torchvision

        name = self.spec.split(":", 1)[1]
        try:
            model = torchvision.models.get_model(name, weights=None)
        except ValueError as error:
            raise ParameterError("spec", self.spec, str(error)) from None
        if self.weights:
            load_matching_weights(model, load_weights_file(self.weights), self.weights)
        else:
            log.warning("model %s without weights has RANDOM weights (nothing is downloaded)", self.spec)
        return HookedNet(model, name=self.spec), name + ("" if self.weights else " (random)")


class TorchScriptSource(ModelSource):
    def build(self):
        path = Path(self.spec.split(":", 1)[1] if self.spec.startswith("torchscript:") else self.spec)
        if not path.is_file():
            raise ParameterFileError("spec", self.spec, f"no such TorchScript file {path}")
        if self.weights:
            raise ParameterError("weights", self.weights, "is not used with a TorchScript file (it holds its weights)")
        return HookedNet(torch.jit.load(str(path), map_location="cpu"), name=self.spec), path.stem


class FactorySource(ModelSource):
    def build(self):
        module_name, _, factory_name = self.spec.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            raise ParameterError("spec", self.spec, f"cannot import {module_name!r} ({error}); is it on PYTHONPATH?"
                                 ) from None
        factory = getattr(module, factory_name, None)
        if not callable(factory):
            raise ParameterError("spec", self.spec, f"{module_name} has no callable {factory_name!r}")
        model = self._call(factory, factory_name)
        if not isinstance(model, nn.Module):
            raise ParameterTypeError("spec", self.spec, f"{factory_name}() returned {type(model).__name__}, "
                                     "not an nn.Module")
        if self.weights:
            load_matching_weights(model, load_weights_file(self.weights), self.weights)
        else:
            log.warning("model %s without weights keeps the factory's (random) initial weights", self.spec)
        return HookedNet(model, name=self.spec), factory_name

    def _call(self, factory, factory_name: str) -> nn.Module:
        """``factory()``: it must build the model without arguments (a wrapper can fix them)."""
        try:
            inspect.signature(factory).bind()
        except TypeError:
            needed = [name for name, p in inspect.signature(factory).parameters.items()
                      if p.default is inspect.Parameter.empty
                      and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
            raise ParameterError("spec", self.spec, f"{factory_name}() is called without arguments but needs "
                                 f"{', '.join(needed)}; write a factory that fixes them, e.g. def make(): return "
                                 f"{factory_name}({', '.join(f'{n}=...' for n in needed)})") from None
        except ValueError:  # no signature (a builtin): just call it
            pass
        return factory()


class CheckpointSource(ModelSource):
    """A checkpoint of ``python train.py``: ``load_net`` (the net rebuilt from its stored config, its own layer
    names) with the preprocessing its data module stored, overridable like the others."""

    def load(self, embedding_layer: str | None = None, **overrides) -> LoadedNet:
        if self.weights:
            raise ParameterError("weights", self.weights, f"is not used with a checkpoint ({self.spec} holds its "
                                 "weights)")
        if embedding_layer is not None:
            raise ParameterError("embedding_layer", embedding_layer, f"is for non-checkpoint models; {self.spec} "
                                 "embeds by its own forward")
        loaded = load_net(self.spec, key="spec")
        if any(v is not None for v in overrides.values()):
            loaded.preprocessing = loaded.preprocessing.override(**overrides)
        log.info("model %s: preprocessing %s", loaded.name, loaded.preprocessing.describe())
        return loaded


def first_layer_channels(net: nn.Module) -> tuple[str, int] | None:
    """``(module path, input channels)`` of the first module (in ``named_modules`` order) that declares
    ``in_channels`` (a convolution), or None when there is none (an MLP, a TorchScript graph without them)."""
    for path, module in net.named_modules():
        channels = getattr(module, "in_channels", None)
        if isinstance(channels, int) and not isinstance(channels, bool):
            return path, channels
    return None


def check_input_channels(net: nn.Module, channels: int, spec: str) -> None:
    """Before any image is read: the preprocessing's ``channels`` must be what the model's first convolution
    takes (a 3-channel net given grey images would fail deep inside ``F.conv2d``)."""
    first = first_layer_channels(net)
    if first is not None and first[1] != channels:
        path, wanted = first
        raise ParameterError("channels", channels, f"the first layer {path.removeprefix('net.')} of {spec} takes "
                             f"{wanted} input channel(s); set it to {wanted}")


def is_torchscript(path: Path) -> bool:
    """A TorchScript archive is a zip holding ``<name>/code/`` (a plain ``torch.save`` zip has no code/)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return any("/code/" in name for name in archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def parse_source(spec: str, weights: str | None = None) -> ModelSource:
    """The ``ModelSource`` a ``spec`` string names (see the module docstring)."""
    if spec.startswith("torchvision:"):
        return TorchvisionSource(spec, weights)
    if spec.startswith("torchscript:"):
        return TorchScriptSource(spec, weights)
    path = Path(spec)
    if path.is_dir():  # a run directory, as eval.py takes it: its checkpoints/last.ckpt
        from siamese.utils.checkpoints import resolve_ckpt_path

        try:
            return CheckpointSource(resolve_ckpt_path(spec, None), weights)
        except FileNotFoundError:
            raise ParameterFileError("spec", path, "a directory, but not a run directory (it holds no "
                                     "checkpoints/last.ckpt)") from None
    if path.suffix == ".ckpt" or (path.is_file() and not is_torchscript(path)):
        return CheckpointSource(spec, weights)
    if path.is_file():
        return TorchScriptSource(spec, weights)
    if ":" in spec and "/" not in spec.split(":", 1)[0]:
        return FactorySource(spec, weights)
    if spec.isidentifier():  # a bare torchvision name
        return TorchvisionSource(f"torchvision:{spec}", weights)
    raise ParameterError("spec", spec, "not a file, torchvision:NAME, torchscript:PATH or package.module:factory")


def load_source(spec: str, weights: str | None = None, embedding_layer: str | None = None,
                **overrides) -> LoadedNet:
    """``parse_source(spec, weights).load(...)``; ``overrides``: Preprocessing fields (None = the source's)."""
    return parse_source(spec, weights).load(embedding_layer, **overrides)
