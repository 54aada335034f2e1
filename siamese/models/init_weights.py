"""Start a network from another run's checkpoint, layer by layer: what matches by name and shape is loaded."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from siamese.utils.checkpoints import load_checkpoint
from siamese.utils.parameters import ParameterError

log = logging.getLogger(__name__)


@dataclass
class InitReport:
    """What ``load_weights_by_name`` did: ``loaded`` parameter names (net side), ``not_loaded`` net parameters
    the checkpoint has nothing for (``name: reason``: absent, or the two shapes), ``unused`` checkpoint
    parameters the net has no place for. ``layers_loaded`` / ``layers_not_loaded`` name the stages
    (``conv1``, ``fc``, ``logits`` ...) that were loaded entirely / at least partly left at their init."""

    checkpoint: str
    loaded: list[str] = field(default_factory=list)
    not_loaded: dict[str, str] = field(default_factory=dict)
    unused: list[str] = field(default_factory=list)

    @property
    def layers_not_loaded(self) -> list[str]:
        return sorted({_layer(name) for name in self.not_loaded})

    @property
    def layers_loaded(self) -> list[str]:
        return sorted({_layer(name) for name in self.loaded} - set(self.layers_not_loaded))

    def lines(self) -> list[str]:
        out = [f"init from {self.checkpoint}: loaded {len(self.loaded)} tensors (layers {self.layers_loaded})"]
        out += [f"  not loaded (kept the fresh init): {name} ({why})" for name, why in self.not_loaded.items()]
        out += [f"  in the checkpoint, unused by this net: {name}" for name in self.unused]
        return out

    def as_dict(self) -> dict:
        return {"checkpoint": self.checkpoint, "loaded": self.loaded, "not_loaded": self.not_loaded,
                "unused": self.unused, "layers_loaded": self.layers_loaded,
                "layers_not_loaded": self.layers_not_loaded}


def _layer(name: str) -> str:
    """``stages.conv1.0.weight`` -> ``conv1`` (the stage of a ``LayeredNet``); other names keep their first part."""
    parts = name.split(".")
    return parts[1] if parts[0] == "stages" and len(parts) > 1 else parts[0]


def checkpoint_net_weights(ckpt_path: str | Path, parameter: str = "ckpt_path") -> dict[str, torch.Tensor]:
    """The ``net.``-prefixed tensors of a Lightning checkpoint of ``train.py``, prefix removed. Read by
    ``siamese.utils.checkpoints.load_checkpoint`` (``weights_only=True``: nothing in the file is executed). Errors
    name ``parameter``, the caller's parameter that gave the path."""
    checkpoint = load_checkpoint(ckpt_path, key=parameter)
    weights = {k[len("net."):]: v for k, v in checkpoint["state_dict"].items() if k.startswith("net.")}
    if not weights:
        raise ParameterError(parameter, Path(ckpt_path), "no 'net.' weights in its state_dict (not a checkpoint "
                             "of python train.py?)")
    return weights


def load_weights_by_name(net: nn.Module, ckpt_path: str | Path, parameter: str = "ckpt_path") -> InitReport:
    """Copy into ``net`` every tensor of the checkpoint's net with the same name and shape; leave the rest of
    ``net`` as initialized. E.g. a ``task=classify`` checkpoint (``conv1 conv2 fc logits``) into the same
    convnet with an ``embedding`` head loads conv1, conv2 and fc and reports ``embedding`` not loaded and
    ``logits`` unused. Raises ``ValueError`` (``ParameterError`` naming ``parameter``) when nothing at all
    matches (the wrong architecture)."""
    source = checkpoint_net_weights(ckpt_path, parameter)
    report = InitReport(str(ckpt_path))
    target = net.state_dict()
    matched = {}
    for name, tensor in target.items():
        if name not in source:
            report.not_loaded[name] = "absent from the checkpoint"
        elif tuple(source[name].shape) != tuple(tensor.shape):
            report.not_loaded[name] = (f"shape {tuple(source[name].shape)} in the checkpoint, "
                                       f"{tuple(tensor.shape)} in this net")
        else:
            matched[name] = source[name]
            report.loaded.append(name)
    report.unused = [name for name in source if name not in target]
    if not matched:
        raise ParameterError(parameter, Path(ckpt_path), f"no tensor of the checkpoint matches this "
                             f"{type(net).__name__} by name and shape (checkpoint has {sorted(source)[:6]} ...); "
                             "use the model config the checkpoint was trained with")
    net.load_state_dict(matched, strict=False)
    for line in report.lines():
        log.info(line)
    return report
