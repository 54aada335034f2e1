"""MNIST (a digit subset) as a LightningDataModule: ``data=mnist``, the shipped default.

The one data module is ``siamese.data.image_datamodule.ImageDataModule``; this is it on the idx files shipped in
``data/mnist/`` with the MNIST name of the class subset, ``digits``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from siamese.data.image_datamodule import EVAL_SPLITS, ImageDataModule
from siamese.data.mnist_files import DEFAULT_SOURCE_DIR

__all__ = ["EVAL_SPLITS", "MNISTDataModule"]


class MNISTDataModule(ImageDataModule):
    """MNIST restricted to ``digits`` (``ImageDataModule`` with ``dataset="mnist"``; see it for the splits,
    the normalization ``x = (pixel/255 - mean) / std`` of the selected train split, the shifts and ``device``).

    - train/val: a seeded random split of the MNIST training images of those digits (``val_fraction`` to val);
    - test: the MNIST test images of those digits; test_shifted: every test image once per shift value;
    - ``shift``: ``values`` (pixels, default -6, -3, +3, +6); ``train: true`` shifts every train batch image by a
      random one of the values (or 0, when ``include_unshifted``); ``train_mode: fixed`` gives every train image
      ONE seeded, stored shift (what a k-NN graph over shifted pixels needs, see ``siamese.miners.KNNMiner``);
    - ``train_classes`` / ``test_classes``: a class-disjoint split (e.g. train on 0-4, test on 5-9); given, they
      replace ``digits`` (whose default would otherwise select 4 and 9 only).
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
        channels: int | None = None,
        transforms: Mapping | None = None,
        affine: Mapping | None = None,
        train_classes: Sequence[int] | None = None,
        test_classes: Sequence[int] | None = None,
    ):
        if train_classes is not None or test_classes is not None:
            digits = None
        super().__init__(dataset="mnist", digits=digits, train_classes=train_classes, test_classes=test_classes,
                         channels=channels, batch_size=batch_size,
                         eval_batch_size=eval_batch_size, val_fraction=val_fraction, split_seed=split_seed,
                         shift=shift, transforms=transforms, affine=affine, max_train_samples=max_train_samples,
                         max_test_samples=max_test_samples, batch_sampler=batch_sampler, num_workers=num_workers,
                         device=device, cache_dir=cache_dir, run_dir=run_dir, source_dir=source_dir)
        self.digits = self.class_ids
