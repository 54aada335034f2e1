"""Any pytorch-metric-learning miner, chosen by class name."""

from __future__ import annotations

from pytorch_metric_learning import miners as pml_miners

from siamese.miners.base import BaseMiner
from siamese.miners.random_draw import random_tuples
from siamese.utils.parameters import ParameterError, check_integer


class PMLMiner(BaseMiner):
    """Wraps ``pytorch_metric_learning.miners.<name>(**kwargs)`` so it takes the framework's call (dataset indices
    are accepted and ignored) and returns exactly what the pml miner returns.

    ``warmup_epochs``: for the first epochs use random pairs (``random_tuples``, as ``RandomMiner()``) instead;
    hard-negative miners (``BatchHardMiner``) trained from scratch into 2-D otherwise collapse all embeddings to a
    point. The epoch
    comes from the Lightning module (``on_train_epoch_start``). ``distance`` (a pml distance) goes to the miner;
    configs pass ``LpDistance(normalize_embeddings=False)`` so mining sees the geometry the losses train.
    """

    def __init__(self, name: str, warmup_epochs: int = 0, **kwargs):
        super().__init__()
        check_integer("warmup_epochs", warmup_epochs, 0)
        self.warmup_epochs, self.epoch = int(warmup_epochs), None
        miner_class = getattr(pml_miners, name, None)
        if not (isinstance(miner_class, type) and issubclass(miner_class, pml_miners.BaseMiner)):
            options = sorted(n for n in dir(pml_miners) if n.endswith("Miner") and n != "BaseMiner")
            raise ParameterError("name", name, f"is not a pytorch-metric-learning miner; options: {options}")
        self.name = name
        self.inner = miner_class(**kwargs)

    def on_train_epoch_start(self, module) -> None:
        self.epoch = module.current_epoch

    def mine(self, embeddings, labels, ref_emb, ref_labels):
        if self.epoch is not None and self.epoch < self.warmup_epochs:
            return random_tuples(labels, ref_labels, ref_emb is embeddings)  # one random pair of each kind
        return self.inner.mine(embeddings, labels, ref_emb, ref_labels)
