"""Read one named layer's activations from any network: the framework's nets or any torch module."""

from __future__ import annotations

import torch
from torch import nn


@torch.no_grad()
def read_layer(net: nn.Module, layer: str, images: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """Activations of ``layer`` for ``images`` (already normalized as the net expects), in eval mode, batched.

    Framework nets (``LayeredNet``, ``TorchvisionNet``: anything with ``activations``) are read through ``net.activations``; any other module (a torchvision model,
    say) through a forward hook on ``dict(net.named_modules())[layer]``. An unknown layer raises ``KeyError``
    listing the layers there are."""
    was_training = net.training
    net.eval()
    try:
        if hasattr(net, "activations"):  # framework nets (LayeredNet, TorchvisionNet)
            read = lambda x: net.activations(x, [layer])[layer]
        else:
            read = _hooked_reader(net, layer)
        return torch.cat([read(images[i:i + batch_size]).detach().cpu() for i in range(0, len(images), batch_size)])
    finally:
        net.train(was_training)


def _hooked_reader(net: nn.Module, layer: str):
    modules = dict(net.named_modules())
    if layer not in modules or layer == "":
        names = [name for name in modules if name]
        raise KeyError(f"unknown layer {layer!r} in {type(net).__name__}; layers: {names[:40]}"
                       + (" ..." if len(names) > 40 else ""))

    def read(x):
        captured = {}
        handle = modules[layer].register_forward_hook(lambda m, i, out: captured.setdefault("out", out))
        try:
            net(x)
        finally:
            handle.remove()
        return captured["out"]

    return read
