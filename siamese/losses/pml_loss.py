"""Any pytorch-metric-learning loss, chosen by class name."""

from __future__ import annotations

import inspect

import torch
from pytorch_metric_learning import losses as pml_losses
from torch import nn


def _takes(loss_class: type, argument: str) -> bool:
    """Whether some ``__init__`` in the class's MRO names ``argument`` (``CosFaceLoss(*args, ...)`` passes its
    ``num_classes`` on to ``LargeMarginSoftmaxLoss``)."""
    return any(argument in inspect.signature(c.__init__).parameters for c in loss_class.__mro__
               if "__init__" in c.__dict__)


class PMLLoss(nn.Module):
    """Wraps ``pytorch_metric_learning.losses.<name>(**kwargs)`` in the framework's call
    ``loss(embeddings, labels, indices_tuple)`` and returns exactly pml's value.

    ``num_classes`` / ``embedding_size`` go to the losses that take them (the proxy and softmax losses:
    ``ProxyAnchorLoss``, ``ProxyNCALoss``, ``NormalizedSoftmaxLoss``, ``ArcFaceLoss``, ``CosFaceLoss``,
    ``SoftTripleLoss``, ...) and are ignored by the others; ``conf/loss/pml.yaml`` fills them from the data and model
    config. Such a loss holds parameters (one proxy or weight row per class); they are a submodule of the Lightning
    module, so its optimizer trains them, with the learning rate times ``lr_multiplier`` (proxies usually want a
    larger step than the net: pml's ProxyAnchor example uses 100x). ``num_classes`` must exceed every training
    label. Labels outside the proxies (validation or test classes, unseen in training) have no proxy, so on them
    the loss is reported as NaN in evaluation mode rather than failing (scoring those classes is the job of the
    retrieval and one-shot metrics). ``last_stats`` is empty: pml losses report no pair counts.
    Example: ``python train.py loss=pml loss.name=ProxyAnchorLoss miner=none +loss.margin=0.1``.
    """

    def __init__(self, name: str, num_classes: int | None = None, embedding_size: int | None = None,
                 lr_multiplier: float = 1.0, **kwargs):
        super().__init__()
        loss_class = getattr(pml_losses, name, None)
        if not (isinstance(loss_class, type) and issubclass(loss_class, pml_losses.BaseMetricLossFunction)):
            options = sorted(n for n in dir(pml_losses) if n.endswith("Loss") and n != "BaseMetricLossFunction")
            raise ValueError(f"loss.name={name!r} is not a pytorch-metric-learning loss; options: {options}")
        if not lr_multiplier > 0:
            raise ValueError(f"loss.lr_multiplier must be > 0, got {lr_multiplier}")
        for key, value in (("num_classes", num_classes), ("embedding_size", embedding_size)):
            if _takes(loss_class, key):
                if value is None:
                    raise ValueError(f"loss.name={name} needs loss.{key} (an integer), got null")
                kwargs[key] = int(value)
        self.name, self.lr_multiplier = name, float(lr_multiplier)
        self.num_classes = kwargs.get("num_classes")
        self.inner = loss_class(**kwargs)
        self.last_stats: dict[str, float] = {}

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor, indices_tuple=None) -> torch.Tensor:
        if self.num_classes is not None and len(labels) and int(labels.max()) >= self.num_classes:
            if not self.training:
                return embeddings.new_tensor(float("nan"))
            raise ValueError(f"label {int(labels.max())} has no proxy: loss.num_classes={self.num_classes} must "
                             f"exceed every training label")
        return self.inner(embeddings, labels, indices_tuple)
