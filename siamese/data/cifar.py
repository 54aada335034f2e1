"""CIFAR-10 and CIFAR-100 (pickled batches) through torchvision's dataset classes, ``download=False``.

Layout under ``data.root`` (torchvision's, as the official archives unpack): ``cifar-10-batches-py/``
{data_batch_1..5, test_batch, batches.meta} or ``cifar-100-python/`` {train, test, meta}. torchvision verifies
each file's md5 against the original release; a file that is present but fails it is reported as corrupted.
CIFAR-100 labels are the 100 fine classes.
"""

from __future__ import annotations

from pathlib import Path

import torch

from siamese.data.reader import DatasetReader, ImageArrays, nhwc_to_nchw

CLASSES = {"cifar10": "CIFAR10", "cifar100": "CIFAR100"}


class CIFARReader(DatasetReader):
    """RGB ``[N, 3, 32, 32]`` images of ``cifar10`` or ``cifar100``."""

    channels = 3
    image_size = (32, 32)

    def __init__(self, name: str, root: str | Path | None):
        if name not in CLASSES:
            raise ValueError(f"unknown CIFAR dataset {name!r}; choose from {sorted(CLASSES)}")
        self.name = name
        super().__init__(root)
        self._classes: list[str] | None = None

    @property
    def torchvision_class(self):
        import torchvision.datasets

        return getattr(torchvision.datasets, CLASSES[self.name])

    def _files(self) -> dict[str, list[str]]:
        tv = self.torchvision_class
        return {"train": [f for f, _ in tv.train_list] + [tv.meta["filename"]],
                "test": [f for f, _ in tv.test_list] + [tv.meta["filename"]]}

    def expected_files(self, split: str) -> list[Path]:
        folder = self.root / self.torchvision_class.base_folder
        return [folder / name for name in self._files()[split]]

    def fetch_command(self) -> str:
        return self.torchvision_fetch(CLASSES[self.name], self.root)

    @property
    def class_names(self) -> list[str]:
        if self._classes is None:
            self._classes = list(self._open("test").classes)
        return self._classes

    def _open(self, split: str):
        self.check((split,))
        try:
            return self.torchvision_class(str(self.root), train=split == "train", download=False)
        except RuntimeError as error:  # torchvision: "Dataset not found or corrupted" (an md5 mismatch)
            folder = self.root / self.torchvision_class.base_folder
            raise ValueError(f"data={self.name}: {error} - the files under {folder}"
                             f" exist but do not match the md5 of the original release") from None

    def read(self, split: str) -> ImageArrays:
        dataset = self._open(split)
        self._classes = list(dataset.classes)
        return ImageArrays(nhwc_to_nchw(dataset.data), torch.as_tensor(dataset.targets, dtype=torch.int64))
