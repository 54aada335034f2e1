"""MNIST, Fashion-MNIST, KMNIST and EMNIST (idx files) through torchvision's dataset classes, ``download=False``.

Layout under ``data.root`` (torchvision's): ``<Class>/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte`` with
``<Class>`` = MNIST, FashionMNIST, KMNIST; EMNIST: ``EMNIST/raw/emnist-<split>-{train,test}-{images-idx3,
labels-idx1}-ubyte`` for the split ``byclass``, ``bymerge``, ``balanced``, ``letters``, ``digits`` or ``mnist``.
``data=mnist`` without a root reads the idx files shipped in the repository (``siamese.data.mnist``).
EMNIST's files store every image transposed; the reader transposes them back so letters stand upright.
"""

from __future__ import annotations

import string
from pathlib import Path

import torch

from siamese.data.reader import DatasetReader, ImageArrays
from siamese.utils.parameters import ParameterError

CLASSES = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST", "kmnist": "KMNIST", "emnist": "EMNIST"}
EMNIST_SPLITS = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")


class MNISTFamilyReader(DatasetReader):
    """One of ``CLASSES``; ``split`` only for EMNIST (default ``balanced``). Images are grey, ``[N, 1, 28, 28]``."""

    channels = 1
    image_size = (28, 28)

    def __init__(self, name: str, root: str | Path | None = None, split: str | None = None,
                 cache_dir: str | Path | None = None, source_dir: str | Path | None = None):
        if name not in CLASSES:
            raise ValueError(f"unknown MNIST-family dataset {name!r}; choose from {sorted(CLASSES)}")
        self.name, self.shipped = name, name == "mnist" and root is None
        self.cache_dir, self.source_dir = cache_dir, source_dir
        if name == "emnist":
            split = split or "balanced"
            if split not in EMNIST_SPLITS:
                raise ParameterError("split", split, f"is not an EMNIST split; choose from {EMNIST_SPLITS}")
        elif split is not None:
            raise ParameterError("split", split, f"is only for emnist, not {name}")
        self.split = split
        if not self.shipped:
            super().__init__(root)

    @property
    def torchvision_class(self):
        import torchvision.datasets

        return getattr(torchvision.datasets, CLASSES[self.name])

    @property
    def class_names(self) -> list[str]:
        if self.name == "mnist":
            return list(string.digits)
        if self.name == "emnist":
            return list(self.torchvision_class.classes_split_dict[self.split])
        return list(self.torchvision_class.classes)

    def expected_files(self, split: str) -> list[Path]:
        if self.shipped:
            return []
        raw = self.root / CLASSES[self.name] / "raw"
        if self.name == "emnist":
            prefix = f"emnist-{self.split}-{split}"
            return [raw / f"{prefix}-images-idx3-ubyte", raw / f"{prefix}-labels-idx1-ubyte"]
        prefix = "train" if split == "train" else "t10k"
        return [raw / f"{prefix}-images-idx3-ubyte", raw / f"{prefix}-labels-idx1-ubyte"]

    def fetch_command(self) -> str:
        extra = {"split": self.split} if self.name == "emnist" else {}
        return self.torchvision_fetch(CLASSES[self.name], self.root, **extra)

    def read(self, split: str) -> ImageArrays:
        if self.shipped:
            from siamese.data.mnist import DEFAULT_CACHE_DIR, DEFAULT_SOURCE_DIR, load_mnist

            images, labels = load_mnist(split, str(self.source_dir or DEFAULT_SOURCE_DIR),
                                        str(self.cache_dir or DEFAULT_CACHE_DIR))
            return ImageArrays(images[:, None].contiguous(), labels)
        extra = {"split": self.split} if self.name == "emnist" else {}
        dataset = self.torchvision_class(str(self.root), train=split == "train", download=False, **extra)
        images = dataset.data
        if self.name == "emnist":
            images = images.transpose(1, 2)
        return ImageArrays(images[:, None].contiguous(), dataset.targets.to(torch.int64).clone())
