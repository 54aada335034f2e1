"""Lightning's ``WandbLogger`` without the ``anonymous`` argument it always passes to ``wandb.init`` (``None``
when unset), which makes wandb >= 0.19 warn "The anonymous setting has no effect" on every run."""

from __future__ import annotations

from pytorch_lightning.loggers import WandbLogger as LightningWandbLogger


class WandbLogger(LightningWandbLogger):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self._wandb_init.get("anonymous") is None:
            self._wandb_init.pop("anonymous", None)
