"""Base class of the callbacks that evaluate the net on a schedule: every n validation epochs and the last one."""

from __future__ import annotations

import pytorch_lightning as pl

from siamese.utils.parameters import ParameterError


class PeriodicEvaluation(pl.Callback):
    """Calls ``evaluate(trainer, pl_module)`` at the end of a validation epoch when ``should_run(trainer)``.

    The rule (owned here, once): with e = ``trainer.current_epoch + 1`` epochs completed, run when
    ``e % every_n_epochs == 0`` or e >= ``trainer.max_epochs`` (the last epoch is always evaluated, so the final
    numbers exist whatever n is); never during Lightning's sanity check. Example: every_n_epochs=5,
    max_epochs=12 runs after epochs 5, 10 and 12.

    Subclasses implement ``evaluate`` (log or save what they compute) and pass ``every_n_epochs`` to
    ``super().__init__``; ``name`` is the callback's config name (``callbacks.<name>``). ``rank_zero_only=True``
    evaluates on global rank 0 only (callbacks that write files); by default every process evaluates (callbacks
    that ``log``, which under DDP must run everywhere).
    Test-time evaluation is the subclass's own hook (``on_test_epoch_end``), usually calling ``evaluate`` too.
    """

    def __init__(self, every_n_epochs: int = 1, name: str | None = None, rank_zero_only: bool = False):
        self.config_name = name or type(self).__name__
        self.every_n_epochs = self.check_period(every_n_epochs, "every_n_epochs")
        self.rank_zero_only = rank_zero_only

    def check_period(self, value, key: str) -> int:
        """``value`` if it is an integer >= 1, else a ``ParameterError`` naming the parameter ``key`` (the config
        key ``callbacks.<name>.<key>`` when built from the config, ``siamese.training.instantiate_group``)."""
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ParameterError(key, value, "must be an integer >= 1")
        return value

    def should_run(self, trainer: pl.Trainer, every_n_epochs: int | None = None) -> bool:
        """True after every ``every_n_epochs``-th completed epoch (default: the callback's own) and after the last
        one (not in the sanity check, and with ``rank_zero_only`` only on global rank 0)."""
        if trainer.sanity_checking or (self.rank_zero_only and not trainer.is_global_zero):
            return False
        completed, max_epochs = trainer.current_epoch + 1, trainer.max_epochs
        last = max_epochs is not None and max_epochs > 0 and completed >= max_epochs  # max_epochs=-1: no last
        return completed % (every_n_epochs or self.every_n_epochs) == 0 or last

    def on_validation_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self.should_run(trainer):
            self.evaluate(trainer, pl_module)

    def evaluate(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        """What the callback computes and logs (or saves) at a scheduled epoch."""
        raise NotImplementedError
