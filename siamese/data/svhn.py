"""SVHN (cropped digits, ``{train,test}_32x32.mat``) through torchvision's ``SVHN``, ``download=False``.

Layout: ``data.root/train_32x32.mat`` and ``data.root/test_32x32.mat`` (MATLAB files with ``X`` [32, 32, 3, N]
and ``y`` [N, 1], digit 0 stored as 10; torchvision maps it to 0). torchvision checks each file's md5.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import ClassVar

import torch

from siamese.data.reader import DatasetReader, ImageArrays


class SVHNReader(DatasetReader):
    """RGB ``[N, 3, 32, 32]`` house-number digits, labels 0-9."""

    name = "svhn"
    channels = 3
    image_size = (32, 32)
    class_names: ClassVar[list[str]] = list(string.digits)

    def expected_files(self, split: str) -> list[Path]:
        from torchvision.datasets import SVHN

        return [self.root / SVHN.split_list[split][1]]

    def fetch_command(self) -> str:
        return (f"python -c \"from torchvision.datasets import SVHN; "
                f"[SVHN('{self.root}', split=s, download=True) for s in ('train', 'test')]\"")

    def read(self, split: str) -> ImageArrays:
        from torchvision.datasets import SVHN

        try:
            dataset = SVHN(str(self.root), split=split, download=False)
        except RuntimeError as error:
            raise ValueError(f"data=svhn: {error} - {self.expected_files(split)[0]} exists but does not match the "
                             f"md5 of the original release") from None
        labels = torch.as_tensor(dataset.labels, dtype=torch.int64)
        return ImageArrays(torch.as_tensor(dataset.data).contiguous(), labels)
