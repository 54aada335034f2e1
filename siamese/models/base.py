"""Base class of every network: an ordered chain of named stages whose outputs can be read by name."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

import torch
from torch import nn

from siamese.utils.parameters import ParameterError


class LayeredNet(nn.Module):
    """A network that is a sequence of named stages; ``forward`` runs them all and returns the last output.

    ``activations(x, layers)`` returns ``{name: output}`` of the named stages (for human-similarity analyses),
    stopping after the deepest stage asked for. ``layer_names`` lists the stages in order; the last one is
    ``embedding`` (or ``logits`` for a classifier head).
    """

    def __init__(self, stages: "OrderedDict[str, nn.Module]"):
        super().__init__()
        self.stages = nn.ModuleDict(stages)

    @property
    def layer_names(self) -> list[str]:
        return list(self.stages.keys())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for stage in self.stages.values():
            x = stage(x)
        return x

    def activations(self, x: torch.Tensor, layers: Iterable[str] | None = None) -> dict[str, torch.Tensor]:
        wanted = self.layer_names if layers is None else list(layers)
        unknown = [name for name in wanted if name not in self.stages]
        if unknown:
            raise KeyError(f"unknown layer {unknown[0]!r}; {type(self).__name__} has layers {self.layer_names}")
        out, last = {}, max(self.layer_names.index(name) for name in wanted)
        for position, (name, stage) in enumerate(self.stages.items()):
            x = stage(x)
            if name in wanted:
                out[name] = x
            if position == last:
                break
        return out


def check_embedding_dim(embedding_dim: int, parameter: str = "embedding_dim") -> int:
    if isinstance(embedding_dim, bool) or not isinstance(embedding_dim, int) or embedding_dim < 1:
        raise ParameterError(parameter, embedding_dim, "must be an integer >= 1")
    return embedding_dim
