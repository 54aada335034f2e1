"""Named layers of any ``nn.Module`` (users' own classes, torchvision models, TorchScript files) without a wrapper.

Layer names: a module path of ``net.named_modules()`` (``conv1``, ``layer3.1.relu``, ``features.4``), read by a
forward hook (a hooked module returning a tuple or dict gives its first tensor), or ``output`` = what ``forward``
returns: a forward returning a tuple/list has ``output.0``, ``output.1``, ... and one returning a dict (as
torchvision's feature extractors and many hub models do) has ``output.<key>`` (``output`` is then the first
entry). So ``forward(x) -> (log_softmax, fc, conv2, conv1)`` needs no change: ``output.1`` is ``fc``. A forward
returning anything else (None, a string) is refused naming what it returned. TorchScript modules run their
compiled graph without Python hooks: only the ``output`` layers are readable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import torch
from torch import nn

ACCEPTED = "a tensor, a tuple/list of tensors or a dict of tensors"


class LayerError(KeyError):
    """An unknown layer name, or a forward output that is not ``ACCEPTED``; the message names the model."""

    def __str__(self) -> str:  # KeyError would print the repr of its message
        return str(self.args[0]) if self.args else ""


class ForwardError(RuntimeError):
    """The model's own forward raised: the message names the model and its input; the model's exception is the
    ``__cause__`` (its traceback is printed above this one)."""


def _first_tensor(value):
    while isinstance(value, (tuple, list, Mapping)) and len(value):
        value = next(iter(value.values())) if isinstance(value, Mapping) else value[0]
    return value


def named_outputs(output) -> dict[str, object]:
    """What a forward returned as ``{layer name: value}``: ``output`` for one value, ``output.<i>`` for the items of
    a tuple/list, ``output.<key>`` for the entries of a dict."""
    if isinstance(output, Mapping):
        return {f"output.{key}": value for key, value in output.items()}
    if isinstance(output, (tuple, list)):
        return {f"output.{i}": value for i, value in enumerate(output)}
    return {"output": output}


def _describe(value) -> str:
    if isinstance(value, (str, bytes)):
        return f"the {type(value).__name__} {value[:40]!r}"
    return "None" if value is None else f"a {type(value).__module__}.{type(value).__name__}"


class HookedNet(nn.Module):
    """``activations(x, layers)`` -> ``{layer: tensor}`` in one forward pass; ``forward`` = the ``embedding_layer``
    (default ``output``); ``layer_names`` = the forward's outputs (known after the first call, see ``discover``)
    and the top-level child modules with parameters."""

    def __init__(self, net: nn.Module, embedding_layer: str = "output", name: str | None = None):
        super().__init__()
        self.net, self.embedding_layer = net, embedding_layer
        self.scripted = isinstance(net, torch.jit.ScriptModule)
        self.label = name or type(net).__name__
        self._outputs: list[str] | None = None  # names of the forward outputs, found on the first call

    @property
    def layer_names(self) -> list[str]:
        outputs = self._outputs or ["output"]
        children = [] if self.scripted else [
            n for n, m in self.net.named_children() if any(True for _ in m.parameters())]
        return outputs + children

    @torch.no_grad()
    def discover(self, x: torch.Tensor) -> list[str]:
        """Run one forward on ``x`` (one image is enough) so that ``layer_names`` lists every output."""
        if self._outputs is None:
            self.activations(x[:1], ["output"])
        return self.layer_names

    def _check(self, layers: list[str]) -> None:
        modules = {} if self.scripted else dict(self.net.named_modules())
        for layer in layers:
            if layer == "output" or layer.startswith("output."):
                continue
            if layer not in modules or layer == "":
                where = "TorchScript modules expose only output and output.<i>" if self.scripted else \
                    f"module paths: {[n for n in modules if n][:40]}"
                raise LayerError(f"unknown layer {layer!r} of {self.label}; layers are output, output.<i>, "
                                 f"output.<key> or {where}")

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
        except Exception as error:
            raise ForwardError(f"the forward of {self.label} raised {type(error).__name__}: {error} (input "
                               f"{tuple(x.shape)} {x.dtype}; its own traceback is above)") from error
        finally:
            for handle in handles:
                handle.remove()
        outputs = named_outputs(output)
        self._outputs = list(outputs)
        out = {}
        for layer in wanted:
            if layer in captured:
                value = captured[layer]
            elif layer == "output":
                value = _first_tensor(output)
            elif layer in outputs:
                value = _first_tensor(outputs[layer])
            else:
                count = f"{len(outputs)} outputs" if len(outputs) != 1 else "one output"
                raise LayerError(f"layer {layer!r}: the forward of {self.label} returns {count}: {', '.join(outputs)}")
            if not isinstance(value, torch.Tensor):
                source = "the forward" if layer not in captured else f"module {layer}"
                raise LayerError(f"{source} of {self.label} returned {_describe(value)} (as layer {layer!r}); "
                                 f"accepted: {ACCEPTED}")
            out[layer] = value
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activations(x, [self.embedding_layer])[self.embedding_layer]
