"""MNIST (a digit subset) as a LightningDataModule: train/val split, test set and shifted test set."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader

from siamese.data.mnist_files import DEFAULT_CACHE_DIR, DEFAULT_SOURCE_DIR, load_mnist
from siamese.data.normalization import normalize_pixels
from siamese.data.shift import shift_images, shifted_copies, validate_shifts
from siamese.data.tensor_dataset import DigitTensorDataset, keep_batch

log = logging.getLogger(__name__)

EVAL_SPLITS = ("train", "val", "test", "test_shifted")
DEFAULT_SHIFT = {"values": (-6, -3, 3, 6), "train": False, "include_unshifted": True, "train_mode": "random"}


def validate_digits(digits: Sequence[int], key: str = "data.digits") -> tuple[int, ...]:
    digits = tuple(digits)
    if not digits:
        raise ValueError(f"{key} must name at least one digit, got []")
    bad = [d for d in digits if isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 9]
    if bad:
        raise ValueError(f"{key} must hold digits 0-9, got {bad[0]!r} in {list(digits)}")
    if len(set(digits)) != len(digits):
        raise ValueError(f"{key} lists a digit twice: {list(digits)}")
    return digits


class MNISTDataModule(pl.LightningDataModule):
    """MNIST restricted to ``digits``.

    - train/val: a seeded random split of the MNIST training images of those digits (``val_fraction`` to val);
    - test: the MNIST test images of those digits; test_shifted: every test image once per shift value
      (each item's ``shift`` records the pixels);
    - normalization: x = (pixel/255 - mean) / std with mean and std of the selected *train split* pixels,
      computed in ``setup`` and kept in the checkpoint (``state_dict``);
    - ``shift``: ``values`` (pixels, default -6, -3, +3, +6); with ``train: true`` every train batch image is
      shifted by a random one of the values (or 0, when ``include_unshifted``); validation, test and the
      ``eval_dataloader`` splits never are. ``train_mode: fixed`` instead gives every train image ONE shift,
      drawn once (seeded by ``split_seed``) and stored, so the train images are the same in every epoch (what a
      k-NN graph over shifted pixels needs, see ``siamese.miners.KNNMiner``).
    - ``device``: where the uint8 images live and batches are built (``cpu``, ``cuda``, ``auto`` = the trainer's
      device); on a GPU this removes the per-batch host-to-device copy.
    - ``batch_sampler``: optional callable ``(dataset, batch_size) -> batch sampler`` for the train loader
      (miners that need particular batch compositions supply one).
    """

    def __init__(
        self,
        digits: Sequence[int] = (4, 9),
        batch_size: int = 128,
        eval_batch_size: int = 256,
        val_fraction: float = 0.1,
        split_seed: int = 0,
        shift: Mapping | None = None,
        max_train_samples: int | None = None,
        max_test_samples: int | None = None,
        batch_sampler: Callable | None = None,
        num_workers: int = 0,
        device: str = "cpu",
        source_dir: str | Path = DEFAULT_SOURCE_DIR,
        cache_dir: str | Path | None = None,
        run_dir: str | Path | None = None,
    ):
        super().__init__()
        self.digits = validate_digits(digits)
        shift = {**DEFAULT_SHIFT, **(shift or {})}
        unknown = sorted(set(shift) - set(DEFAULT_SHIFT))
        if unknown:
            raise ValueError(f"data.shift has unknown key {unknown[0]!r}; keys are {sorted(DEFAULT_SHIFT)}")
        self.shift_values = validate_shifts(shift["values"])
        self.shift_train, self.shift_train_include_unshifted = bool(shift["train"]), bool(shift["include_unshifted"])
        if shift["train_mode"] not in ("random", "fixed"):
            raise ValueError(f"data.shift.train_mode must be 'random' or 'fixed', got {shift['train_mode']!r}")
        self.shift_train_mode = shift["train_mode"]
        if not 0.0 < val_fraction < 1.0:
            raise ValueError(f"data.val_fraction must be in (0, 1), got {val_fraction}")
        if batch_size < 1:
            raise ValueError(f"data.batch_size must be >= 1, got {batch_size}")
        self.batch_size, self.eval_batch_size = batch_size, eval_batch_size
        self.val_fraction, self.split_seed = val_fraction, split_seed
        self.max_train_samples, self.max_test_samples = max_train_samples, max_test_samples
        self.batch_sampler, self.num_workers, self.device = batch_sampler, num_workers, device
        self.source_dir, self.cache_dir = str(source_dir), str(cache_dir or DEFAULT_CACHE_DIR)
        self.run_dir = None if run_dir is None else Path(run_dir)
        self.mean: float | None = None
        self.std: float | None = None
        self.datasets: dict[str, DigitTensorDataset] = {}

    # ----------------------------------------------------------------------------------------------- setup
    def _select(self, split: str, limit: int | None, seed: int):
        images, labels = load_mnist(split, self.source_dir, self.cache_dir)
        keep = torch.isin(labels, torch.tensor(self.digits)).nonzero().squeeze(1)
        if limit is not None and limit < len(keep):
            order = torch.randperm(len(keep), generator=torch.Generator().manual_seed(seed))
            keep = keep[order[:limit]].sort().values
        return images[keep], labels[keep], keep

    def setup(self, stage: str | None = None) -> None:
        if self.datasets:
            return
        images, labels, index = self._select("train", self.max_train_samples, self.split_seed)
        order = torch.randperm(len(images), generator=torch.Generator().manual_seed(self.split_seed))
        n_val = max(1, round(self.val_fraction * len(images)))
        val, train = order[:n_val].sort().values, order[n_val:].sort().values
        if self.mean is None:  # restored from a checkpoint otherwise
            pixels = images[train].float() / 255.0
            self.mean, self.std = pixels.mean().item(), pixels.std().item()
        log.info("normalization of digits %s (train split, %d images): mean %.4f std %.4f",
                 list(self.digits), len(train), self.mean, self.std)
        self._write_normalization()

        test_images, test_labels, test_index = self._select("test", self.max_test_samples, self.split_seed + 1)
        shifted_images, shifts = shifted_copies(test_images, self.shift_values)
        repeat = len(self.shift_values)
        train_shifts = None
        if self.shift_train:
            train_shifts = ((0,) if self.shift_train_include_unshifted else ()) + self.shift_values

        make = lambda im, lb, ix, **kw: DigitTensorDataset(im, lb, ix, self.mean, self.std, **kw)  # noqa: E731
        if train_shifts is not None and self.shift_train_mode == "fixed":  # one stored shift per train image
            seeded = torch.Generator().manual_seed(self.split_seed)
            draw = torch.randint(len(train_shifts), (len(train),), generator=seeded)
            fixed = torch.tensor(train_shifts, dtype=torch.long)[draw]
            train_set = make(shift_images(images[train], fixed), labels[train], index[train], shifts=fixed)
        else:
            train_set = make(images[train], labels[train], index[train], random_shifts=train_shifts)
        self.datasets = {
            "train": train_set,
            "train_eval": make(images[train], labels[train], index[train]),
            "val": make(images[val], labels[val], index[val]),
            "test": make(test_images, test_labels, test_index),
            "test_shifted": make(shifted_images, test_labels.repeat(repeat), test_index.repeat(repeat), shifts=shifts),
        }
        device = self._resolve_device()
        if device.type != "cpu" and self.num_workers > 0:
            raise ValueError(f"data.num_workers={self.num_workers} needs the data on the CPU, but data.device "
                             f"resolved to {device}; set data.num_workers=0 (batches are built on the device)")
        for dataset in self.datasets.values():
            dataset.to(device)

    def _resolve_device(self) -> torch.device:
        """``auto``: the trainer's device (the GPU when training on one), else CUDA if present, else the CPU."""
        if self.device != "auto":
            return torch.device(self.device)
        trainer = getattr(self, "trainer", None)
        if trainer is not None:
            return trainer.strategy.root_device
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")

    def _write_normalization(self) -> None:
        if self.run_dir is not None:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            stats = {"digits": list(self.digits), "mean": self.mean, "std": self.std}
            (self.run_dir / "normalization.json").write_text(json.dumps(stats, indent=2))

    def normalize(self, images_uint8: torch.Tensor) -> torch.Tensor:
        """Normalize uint8 ``[N, 28, 28]`` images exactly as the training batches are."""
        return normalize_pixels(images_uint8, self.mean, self.std)

    # ----------------------------------------------------------------------------------------- dataloaders
    def _loader(self, dataset: DigitTensorDataset, shuffle: bool, batch_size: int) -> DataLoader:
        return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, collate_fn=keep_batch,
                          num_workers=self.num_workers)

    def train_dataloader(self) -> DataLoader:
        dataset = self.datasets["train"]
        if self.batch_sampler is not None:
            sampler = self.batch_sampler(dataset=dataset, batch_size=self.batch_size)
            return DataLoader(dataset, batch_sampler=sampler, collate_fn=keep_batch, num_workers=self.num_workers)
        return self._loader(dataset, shuffle=True, batch_size=self.batch_size)

    def val_dataloader(self) -> DataLoader:
        return self._loader(self.datasets["val"], shuffle=False, batch_size=self.batch_size)

    def test_dataloader(self) -> DataLoader:
        return self._loader(self.datasets["test"], shuffle=False, batch_size=self.batch_size)

    def eval_dataloader(self, split: str) -> DataLoader:
        """Unshuffled, unaugmented loader over one of ``EVAL_SPLITS`` (for embedding whole splits)."""
        if split not in EVAL_SPLITS:
            raise ValueError(f"unknown evaluation split {split!r}; choose from {EVAL_SPLITS}")
        dataset = self.datasets["train_eval" if split == "train" else split]
        return self._loader(dataset, shuffle=False, batch_size=self.eval_batch_size)

    # --------------------------------------------------------------------------------------- checkpointing
    def state_dict(self) -> dict:
        return {"digits": list(self.digits), "mean": self.mean, "std": self.std}

    def load_state_dict(self, state: dict) -> None:
        self.mean, self.std = state["mean"], state["std"]
