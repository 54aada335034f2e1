"""Every random-number state in the checkpoint, so a resumed run draws what the uninterrupted run would have."""

from __future__ import annotations

import random

import numpy as np
import pytorch_lightning as pl
import torch


def _generators(trainer, pl_module) -> dict[str, torch.Generator]:
    """The run's own ``torch.Generator`` objects by a stable name: those held by the miners and the train
    loader's samplers (``KNNBatchSampler.generator``, a ``RandomSampler``'s generator ...)."""
    owners = {"miner": getattr(pl_module, "miner", None), "val_miner": getattr(pl_module, "val_miner", None)}
    loader = getattr(trainer.fit_loop, "_combined_loader", None)
    loaders = loader.flattened if loader is not None else []
    for k, dataloader in enumerate(loaders):
        owners[f"train_loader{k}"] = dataloader
        owners[f"train_loader{k}.batch_sampler"] = getattr(dataloader, "batch_sampler", None)
        owners[f"train_loader{k}.sampler"] = getattr(dataloader, "sampler", None)
        owners[f"train_loader{k}.batch_sampler.sampler"] = getattr(dataloader.batch_sampler, "sampler", None)
    found: dict[str, torch.Generator] = {}
    for name, owner in owners.items():
        for attribute, value in sorted(vars(owner).items() if owner is not None and hasattr(owner, "__dict__")
                                       else []):
            if isinstance(value, torch.Generator):
                found.setdefault(f"{name}.{attribute}", value)
    return found


class RandomStates(pl.Callback):
    """Saves the torch (CPU and CUDA), numpy and python global states and the run's own generators
    (:func:`_generators`) in each checkpoint, and restores them on resume.

    When: the checkpoint is written at the end of an epoch, after everything that epoch draws. The global states
    are put back at ``on_fit_start`` and again after the sanity check (which draws when it makes its loader), so
    that the first resumed epoch's loader starts from the saved state; the generators of samplers, which exist
    only once the train loader is made, at the first ``on_train_epoch_start``, before they draw their epoch."""

    def __init__(self):
        self._pending: dict | None = None

    def state_dict(self) -> dict:
        trainer = getattr(self, "_trainer", None)
        numpy_state = np.random.get_state()
        state = {
            "torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "numpy": {"name": numpy_state[0], "key": torch.from_numpy(numpy_state[1].astype(np.int64)),
                      "pos": int(numpy_state[2]), "has_gauss": int(numpy_state[3]), "gauss": float(numpy_state[4])},
            "python": random.getstate(),
            "generators": {},
        }
        if trainer is not None:
            state["generators"] = {name: g.get_state() for name, g in _generators(trainer, trainer.lightning_module)
                                   .items()}
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        self._pending = state_dict

    def setup(self, trainer, pl_module, stage: str) -> None:
        self._trainer = trainer

    def _restore_globals(self) -> None:
        state = self._pending
        if state is None:
            return
        torch.set_rng_state(state["torch"])
        if state["cuda"] and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(state["cuda"])
        n = state["numpy"]
        np.random.set_state((n["name"], n["key"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["gauss"]))
        version, internal, gauss = state["python"]
        random.setstate((version, tuple(internal), gauss))

    def on_fit_start(self, trainer, pl_module) -> None:
        self._restore_globals()

    def on_sanity_check_end(self, trainer, pl_module) -> None:
        self._restore_globals()

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        if self._pending is None:
            return
        generators = _generators(trainer, pl_module)
        for name, saved in self._pending["generators"].items():
            if name in generators:
                generators[name].set_state(saved)
        self._pending = None
