"""Named layers of any ``nn.Module`` (users' own classes, torchvision models, TorchScript files) without a wrapper.

Layer names: a module path of ``net.named_modules()`` (``conv1``, ``layer3.1.relu``, ``features.4``), read by a
forward hook (a hooked module returning a tuple gives its first tensor), or ``output`` = what ``forward``
returns; a forward returning a tuple/list has ``output.0``, ``output.1``, ... (``output`` is then
``output.0``). So ``forward(x) -> (log_softmax, fc, conv2, conv1)`` needs no change: ``output.1`` is ``fc``.
TorchScript modules run their compiled graph without Python hooks: only the ``output`` layers are readable.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn


def _first_tensor(value):
    while isinstance(value, (tuple, list)):
        value = value[0]
    return value


class HookedNet(nn.Module):
    """``activations(x, layers)`` -> ``{layer: tensor}`` in one forward pass; ``forward`` = the ``embedding_layer``
    (default ``output``); ``layer_names`` = the outputs and the top-level child modules."""

    def __init__(self, net: nn.Module, embedding_layer: str = "output", name: str | None = None):
        super().__init__()
        self.net, self.embedding_layer = net, embedding_layer
        self.scripted = isinstance(net, torch.jit.ScriptModule)
        self.label = name or type(net).__name__
        self._outputs: int | None = None  # number of forward outputs (None: one tensor), found on first call

    @property
    def layer_names(self) -> list[str]:
        outputs = ["output"] if not self._outputs else [f"output.{i}" for i in range(self._outputs)]
        children = [] if self.scripted else [
            n for n, m in self.net.named_children() if any(True for _ in m.parameters())]
        return outputs + children

    def _check(self, layers: list[str]) -> None:
        modules = {} if self.scripted else dict(self.net.named_modules())
        for layer in layers:
            if layer == "output" or layer.startswith("output."):
                continue
            if layer not in modules or layer == "":
                where = "TorchScript modules expose only output and output.<i>" if self.scripted else \
                    f"module paths: {[n for n in modules if n][:40]}"
                raise KeyError(f"unknown layer {layer!r} of {self.label}; layers are output, output.<i> or {where}")

    def activations(self, x: torch.Tensor, layers: Iterable[str] | None = None) -> dict[str, torch.Tensor]:
        wanted = self.layer_names if layers is None else list(layers)
        self._check(wanted)
        modules = {} if self.scripted else dict(self.net.named_modules())
        captured, handles = {}, []
        for layer in wanted:
            if layer in modules:
                hook = lambda m, i, out, layer=layer: captured.__setitem__(layer, _first_tensor(out))  # noqa: E731
                handles.append(modules[layer].register_forward_hook(hook))
        try:
            output = self.net(x)
        finally:
            for handle in handles:
                handle.remove()
        many = isinstance(output, (tuple, list))
        self._outputs = len(output) if many else None
        out = {}
        for layer in wanted:
            if layer in captured:
                out[layer] = captured[layer]
            elif layer == "output":
                out[layer] = _first_tensor(output)
            else:
                position = layer.split(".", 1)[1]
                if not many or not position.isdigit() or int(position) >= len(output):
                    count = f"{len(output)} outputs" if many else "one output tensor"
                    raise KeyError(f"layer {layer!r}: the forward of {self.label} returns {count}")
                out[layer] = _first_tensor(output[int(position)])
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activations(x, [self.embedding_layer])[self.embedding_layer]
