"""Any torchvision classification model as an embedding net: its classifier replaced by an embedding head.

``model=torchvision model.name=resnet18 model.weights=PATH model.embedding_dim=128``: the architecture of
``torchvision.models.get_model(name, weights=None)``; weights ONLY from the local ``weights`` file (a state_dict
of the original model, e.g. torchvision's ImageNet file, or a ``{"state_dict": ...}`` holding one); never
downloaded; random without a file. The last ``nn.Linear`` of the model (resnet ``fc``, vgg ``classifier.6``,
vit ``heads.head`` ...) becomes ``nn.Identity`` and the new ``embedding`` ``nn.Linear(in_features,
embedding_dim)`` follows it.

Input: grey ``[B, 1, H, W]`` batches are repeated to the 3 channels the model expects; ``input_size`` (int or
``[h, w]``) resizes every batch (bilinear) first (null: as given; ResNets take 28x28 or 32x32 as they are).

Freezing: ``freeze=backbone`` trains only the embedding head; ``freeze=all_but_last`` also trains the last
``trainable_stages`` top-level stages that have parameters (resnet18: conv1, bn1, layer1..layer4). Frozen parts
stay in eval mode (BatchNorm statistics do not move) and get no gradients.

Layers: ``activations(x, layers)`` returns any node of the backbone's torch.fx graph
(``torchvision.models.feature_extraction``, e.g. ``layer3``, ``layer4.1.relu_1``, ``avgpool``, ``flatten``) and
``embedding``; ``layer_names`` lists the top-level stages and ``embedding``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import torch
from torch import nn

from siamese.models.base import check_embedding_dim
from siamese.models.weights_file import load_weights_file
from siamese.utils.parameters import ParameterError

FREEZE = ("none", "backbone", "all_but_last")


def _last_linear(model: nn.Module) -> str:
    names = [name for name, module in model.named_modules() if isinstance(module, nn.Linear)]
    if not names:
        raise ValueError(f"{type(model).__name__} has no nn.Linear classifier to replace by an embedding head")
    return names[-1]


def _set_submodule(model: nn.Module, path: str, module: nn.Module) -> None:
    parent, _, leaf = path.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, leaf, module)


class TorchvisionNet(nn.Module):
    def __init__(self, name: str = "resnet18", weights: str | None = None, embedding_dim: int = 128,
                 in_channels: int = 3, input_size=None, freeze: str = "none", trainable_stages: int = 1,
                 model_kwargs: dict | None = None):
        super().__init__()
        import torchvision

        check_embedding_dim(embedding_dim)
        if freeze not in FREEZE:
            raise ParameterError("freeze", freeze, f"must be one of {FREEZE}")
        if in_channels not in (1, 3):
            raise ParameterError("in_channels", in_channels, "must be 1 or 3")
        try:
            backbone = torchvision.models.get_model(name, weights=None, **dict(model_kwargs or {}))
        except ValueError as error:
            raise ParameterError("name", name, str(error)) from None
        if weights:
            missing, unexpected = backbone.load_state_dict(load_weights_file(weights), strict=False)
            if missing or unexpected:
                raise ParameterError("weights", Path(weights), f"does not fit torchvision {name}: missing "
                                     f"{missing[:5]}, unexpected {unexpected[:5]}")
        self.name, self.weights, self.in_channels = name, weights, in_channels
        self.head_name = _last_linear(backbone)
        width = backbone.get_submodule(self.head_name).in_features
        _set_submodule(backbone, self.head_name, nn.Identity())
        self.backbone = backbone
        self.embedding = nn.Linear(width, embedding_dim)
        self.embedding_dim = embedding_dim
        self.input_size = None if input_size is None else (
            (input_size, input_size) if isinstance(input_size, int) else tuple(input_size))
        self.frozen = self._freeze(freeze, trainable_stages)
        self._extractors: dict = {}  # not submodules: they share the backbone's modules

    def _freeze(self, freeze: str, trainable_stages: int) -> list[str]:
        stages = [n for n, m in self.backbone.named_children() if any(True for _ in m.parameters())]
        if freeze == "none":
            return []
        if freeze == "all_but_last" and not 1 <= trainable_stages < len(stages):
            raise ValueError(f"model.trainable_stages must be in 1-{len(stages) - 1} for {self.name} "
                             f"(stages {stages}), got {trainable_stages}")
        frozen = stages if freeze == "backbone" else stages[:-trainable_stages]
        for name in frozen:
            for parameter in self.backbone.get_submodule(name).parameters():
                parameter.requires_grad_(False)
        return frozen

    def train(self, mode: bool = True) -> TorchvisionNet:
        super().train(mode)
        for name in self.frozen:  # frozen stages keep their BatchNorm statistics
            self.backbone.get_submodule(name).eval()
        return self

    @property
    def layer_names(self) -> list[str]:
        return [n for n, _ in self.backbone.named_children() if n != self.head_name.split(".")[0]] + ["embedding"]

    def prepare(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        if self.input_size is not None and tuple(x.shape[-2:]) != self.input_size:
            x = nn.functional.interpolate(x, size=self.input_size, mode="bilinear", align_corners=False)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.embedding(self.backbone(self.prepare(x)))

    def node_names(self) -> list[str]:
        from torchvision.models.feature_extraction import get_graph_node_names

        return get_graph_node_names(self.backbone)[1]

    def activations(self, x: torch.Tensor, layers: Iterable[str] | None = None) -> dict[str, torch.Tensor]:
        from torchvision.models.feature_extraction import create_feature_extractor

        wanted = self.layer_names if layers is None else list(layers)
        nodes = tuple(sorted({name for name in wanted if name != "embedding"} | {self.head_name}))
        key = (nodes, self.training)
        if key not in self._extractors:
            known = set(self.node_names())
            modules = {name for name, _ in self.backbone.named_modules()}  # a module name = its last node
            unknown = [n for n in nodes if n not in known and n not in modules]
            if unknown:
                raise KeyError(f"unknown layer {unknown[0]!r} of torchvision {self.name}; layers: "
                               f"{self.layer_names} or any graph node, e.g. {sorted(known)[:30]}")
            self._extractors[key] = create_feature_extractor(self.backbone, return_nodes=list(nodes))
        out = self._extractors[key](self.prepare(x))
        if "embedding" in wanted:
            out["embedding"] = self.embedding(out[self.head_name])
        return {name: out[name] for name in wanted}
