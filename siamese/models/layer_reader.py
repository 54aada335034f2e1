"""Read named layers' activations from any network: the framework's nets or any torch module.

The one place that reads activations for analysis: eval mode (the net's mode is restored afterwards), no_grad,
batched, results on the CPU.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from siamese.models.hooked_net import ACCEPTED, ForwardError


def read_layers(net: nn.Module, layers: Sequence[str], images: torch.Tensor,
                batch_size: int = 256) -> dict[str, torch.Tensor]:
    """``{layer: activations}`` for ``images`` (already normalized as the net expects), in eval mode, batched.

    Framework nets (anything with ``activations``: ``LayeredNet``, ``TorchvisionNet``, ``HookedNet``) are read
    through ``net.activations``; any other module (a torchvision model,
    say) through forward hooks on ``dict(net.named_modules())[layer]``. An unknown layer raises ``KeyError``
    listing the layers there are. Images go to the net's device; activations come back on the CPU."""
    layers = list(layers)
    named = hasattr(net, "activations")  # LayeredNet, TorchvisionNet, HookedNet (a user module's layers)
    read = _named_reader(net, layers) if named else _hooked_reader(net, layers)
    return _read_batched(net, read, layers, images, batch_size)


def read_output(net: nn.Module, images: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """``net(images)`` of any module (the embedding, or a classifier's logits) with ``read_layers``' conventions:
    eval mode, no_grad, batched, on the CPU."""
    return _read_batched(net, lambda x: {"output": net(x)}, ["output"], images, batch_size)["output"]


@torch.no_grad()
def _read_batched(net: nn.Module, read, names: list[str], images: torch.Tensor,
                  batch_size: int) -> dict[str, torch.Tensor]:
    """``read(batch) -> {name: tensor}`` over ``images`` in batches, the net in eval mode (its mode restored)."""
    was_training = net.training
    net.eval()
    try:
        device = next(net.parameters(), torch.empty(0)).device
        parts: dict[str, list[torch.Tensor]] = {name: [] for name in names}
        for start in range(0, len(images), batch_size):
            stop = min(start + batch_size, len(images))
            try:
                batch = read(images[start:stop].to(device))
            except ForwardError as error:
                raise ForwardError(f"{error}, reading images {start}-{stop - 1} of {len(images)}") from error.__cause__
            for name, values in batch.items():
                if not isinstance(values, torch.Tensor):
                    raise TypeError(f"{name} of {type(net).__name__} is {type(values).__name__}, not a tensor; "
                                    f"accepted: {ACCEPTED}")
                parts[name].append(values.detach().cpu())
        return {name: torch.cat(values) if values else torch.empty(0) for name, values in parts.items()}
    finally:
        net.train(was_training)


def read_layer(net: nn.Module, layer: str, images: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """Activations of one ``layer`` (see ``read_layers``)."""
    return read_layers(net, [layer], images, batch_size)[layer]


def _named_reader(net: nn.Module, layers: list[str]):
    return lambda x: net.activations(x, layers)  # raises KeyError naming the layers there are


def _hooked_reader(net: nn.Module, layers: list[str]):
    modules = dict(net.named_modules())
    for layer in layers:
        if layer not in modules or layer == "":
            names = [name for name in modules if name]
            raise KeyError(f"unknown layer {layer!r} in {type(net).__name__}; layers: {names[:40]}"
                           + (" ..." if len(names) > 40 else ""))

    def read(x):
        captured: dict[str, torch.Tensor] = {}
        handles = [modules[layer].register_forward_hook(
            lambda m, i, out, layer=layer: captured.setdefault(layer, out)) for layer in layers]
        try:
            net(x)
        finally:
            for handle in handles:
                handle.remove()
        return {layer: captured[layer] for layer in layers}

    return read
