"""MNIST (a digit subset) as a LightningDataModule: ``data=mnist``, the shipped default.

The one data module is ``siamese.data.image_datamodule.ImageDataModule``; this is it on the idx files shipped in
``data/mnist/`` with the MNIST name of the class subset, ``digits``, and MNIST's own defaults.
"""

from __future__ import annotations

from collections.abc import Sequence

from siamese.data.image_datamodule import EVAL_SPLITS, ImageDataModule

__all__ = ["EVAL_SPLITS", "MNISTDataModule"]


class MNISTDataModule(ImageDataModule):
    """MNIST restricted to ``digits`` (``ImageDataModule`` with ``dataset="mnist"``; every other key as there:
    ``siamese.data.data_options``).

    - train/val: a seeded random split of the MNIST training images of those digits (``val_fraction`` to val);
    - test: the MNIST test images of those digits; test_shifted: every test image once per shift value;
    - ``shift``: ``values`` (pixels, default -6, -3, +3, +6); ``train: true`` shifts every train batch image by a
      random one of the values (or 0, when ``include_unshifted``); ``train_mode: fixed`` gives every train image
      ONE seeded, stored shift (what a k-NN graph over shifted pixels needs, see ``siamese.miners.KNNMiner``);
    - ``train_classes`` / ``test_classes``: a class-disjoint split (e.g. train on 0-4, test on 5-9); given, they
      replace ``digits`` (whose default would otherwise select 4 and 9 only).
    - ``eval_batch_size`` defaults to 256 (embedding whole splits on the CPU: benchmarks/README.md).
    """

    def __init__(self, digits: Sequence[int] | None = (4, 9), eval_batch_size: int = 256, **keys):
        if keys.get("train_classes") is not None or keys.get("test_classes") is not None:
            digits = None
        if "dataset" in keys:
            raise ValueError(f"data.dataset={keys['dataset']!r} with MNISTDataModule (always mnist); choose another "
                             f"dataset with data=<name>")
        super().__init__("mnist", digits=digits, eval_batch_size=eval_batch_size, **keys)
        self.digits = self.class_ids
