"""Base class of every dataset reader: expected files, the missing-data error, and uint8 image arrays.

A reader turns one on-disk format into ``ImageArrays``: ``images`` uint8 ``[N, C, H, W]`` (pixel values 0-255,
C = 1 grey or 3 RGB), ``labels`` int64 ``[N]`` (the dataset's own class ids) and optionally ``indices`` (each
image's position in the dataset, default its position in the split), for the ``train`` and ``test`` split (and
``val``, for a reader whose ``splits`` name it: then validation is that split, not a share of train).
``class_names[i]`` names class id ``i``; ``label_groups`` maps class ids to a group (Omniglot: the alphabet).
Readers never download: ``check`` raises ``MissingDataError`` naming every expected file that is absent and the
command that fetches them on a connected machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from siamese.utils.parameters import ParameterError

SPLITS = ("train", "test")


@dataclass
class ImageArrays:
    images: torch.Tensor  # uint8 [N, C, H, W]
    labels: torch.Tensor  # int64 [N]
    indices: torch.Tensor | None = None  # int64 [N], position in the dataset; None = position in the split

    def __post_init__(self):
        if self.images.dtype != torch.uint8 or self.images.ndim != 4:
            raise ValueError(f"reader returned images {tuple(self.images.shape)} {self.images.dtype}; "
                             f"expected uint8 [N, C, H, W]")
        if len(self.images) != len(self.labels):
            raise ValueError(f"reader returned {len(self.images)} images but {len(self.labels)} labels")


class MissingDataError(FileNotFoundError):
    """Expected dataset files are absent (raised before any training starts)."""

    def __init__(self, dataset: str, missing: list[Path], fetch: str | None):
        self.missing = [str(p) for p in missing]
        text = f"data={dataset}: {len(missing)} expected file(s) missing:\n" + "".join(f"  {p}\n" for p in missing)
        text += ("Nothing is downloaded at run time. On a machine with internet, fetch them with\n  " + fetch
                 + "\nand copy the folder to data.root here." if fetch else "")
        super().__init__(text)


class DatasetReader:
    """Shared work of every reader: ``check`` expected files, then ``read`` the split. Subclasses define
    ``name``, ``class_names``, ``expected_files(split)``, ``fetch_command()`` and ``read(split)``."""

    name = "dataset"
    splits = SPLITS  # the splits ``read`` serves; a reader with its own validation split adds "val"

    def __init__(self, root: str | Path | None):
        if root is None:
            raise ParameterError("root", root, f"dataset {self.name} needs the folder holding its files")
        self.root = Path(root).expanduser()

    @property
    def class_names(self) -> list[str]:
        raise NotImplementedError

    @property
    def channels(self) -> int:
        """Channels of the images as stored (1 grey, 3 RGB)."""
        raise NotImplementedError

    @property
    def image_size(self) -> tuple[int, int] | None:
        """``(H, W)`` of every image when the format fixes it (checked before reading), else None."""
        return None

    @property
    def label_groups(self) -> dict[int, str] | None:
        """Class id -> the group it belongs to (Omniglot: its alphabet); None when the dataset has no groups."""
        return None

    def expected_files(self, split: str) -> list[Path]:
        raise NotImplementedError

    def fetch_command(self) -> str | None:
        return None

    def read(self, split: str) -> ImageArrays:
        raise NotImplementedError

    def check(self, splits=SPLITS) -> None:
        expected = dict.fromkeys(p for split in splits for p in self.expected_files(split))  # once each, in order
        missing = [p for p in expected if not p.exists()]
        if missing:
            raise MissingDataError(self.name, missing, self.fetch_command())

    def load(self, split: str) -> ImageArrays:
        if split not in self.splits:
            raise ValueError(f"split must be one of {self.splits}, got {split!r}")
        self.check((split,))
        return self.read(split)

    @staticmethod
    def torchvision_fetch(cls_name: str, root: Path, **kwargs) -> str:
        args = "".join(f", {k}={v!r}" for k, v in kwargs.items())
        return (f"python -c \"from torchvision.datasets import {cls_name} as D; "
                f"[D('{root}', train=t, download=True{args}) for t in (True, False)]\"")


def nhwc_to_nchw(images) -> torch.Tensor:
    """numpy/torch uint8 ``[N, H, W, C]`` (or ``[N, H, W]``) -> contiguous torch ``[N, C, H, W]``."""
    images = torch.as_tensor(images)
    if images.ndim == 3:
        return images[:, None].contiguous()
    return images.permute(0, 3, 1, 2).contiguous()


def holdout_split(n: int, test_fraction: float, seed: int, key: str = "test_fraction") -> dict[str, torch.Tensor]:
    """Sorted positions of a seeded random ``train``/``test`` split of ``n`` items (for data that ship as one
    set); ``round(test_fraction * n)`` items (at least 1) go to test."""
    if not 0.0 < test_fraction < 1.0:
        raise ParameterError(key, test_fraction, "must be in (0, 1)")
    if n < 2:
        raise ParameterError(key, test_fraction, f"{n} item(s) cannot be split into train and test")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_test = min(n - 1, max(1, round(test_fraction * n)))
    return {"test": order[:n_test].sort().values, "train": order[n_test:].sort().values}
