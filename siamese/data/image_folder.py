"""A folder of images in class sub-folders (``data=image_folder data.root=DIR``), files listed by torchvision's
``ImageFolder`` (class = sub-folder name, ids in sorted order; any extension PIL reads).

Splits: ``DIR/train/<class>/...`` and ``DIR/test/<class>/...`` when both exist, else ``DIR/<class>/...`` split by
``test_fraction`` (seeded by ``test_seed``). Images of any size: each is decoded to ``channels`` (3 RGB, 1 grey:
PIL's ``L`` = 0.299 R + 0.587 G + 0.114 B), then resized by ``resize`` (an int: the shorter side, aspect kept;
``[h, w]``: exactly) and centre-cropped to ``crop`` (int or ``[h, w]``), torchvision's ``Resize``/``CenterCrop``
semantics (antialiased). Images held in one tensor must end up one size: set ``resize``/``crop`` when they differ.

Unreadable files (not an image, truncated, empty) are found when the folder is first listed (each file is opened
and verified by PIL), before any training: by default the error lists every one of them; with ``skip_unreadable``
(the config key ``data.skip_unreadable=true``) they are left out and their count is logged. A file that passes the
check but fails to decode (a truncated JPEG) is treated the same way when the split is read.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch

from siamese.data.reader import DatasetReader, ImageArrays, holdout_split
from siamese.utils.parameters import ParameterError

log = logging.getLogger(__name__)


def _size(value, key: str):
    if value is None:
        return None
    size = [value] if isinstance(value, int) else list(value)
    if not 1 <= len(size) <= 2 or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in size):
        raise ParameterError(key, value, "must be a positive int or [height, width]")
    return size


class ImageFolderReader(DatasetReader):
    name = "image_folder"

    def __init__(self, root: str | Path | None, channels: int = 3, resize=None, crop=None,
                 test_fraction: float = 0.2, test_seed: int = 0, skip_unreadable: bool = False):
        super().__init__(root)
        self.skip_unreadable = bool(skip_unreadable)
        if channels not in (1, 3):
            raise ParameterError("channels", channels, "must be 1 or 3 for image_folder")
        self._channels = channels
        self.resize, self.crop = _size(resize, "resize"), _size(crop, "crop")
        self.test_fraction, self.test_seed = test_fraction, test_seed
        self._samples: dict[str, tuple[list[str], torch.Tensor]] | None = None
        self._names: list[str] | None = None

    @property
    def channels(self) -> int:
        return self._channels

    @property
    def image_size(self) -> tuple[int, int] | None:
        if self.crop is not None:
            return (self.crop[0], self.crop[-1])
        if self.resize is not None and len(self.resize) == 2:
            return tuple(self.resize)
        return None

    def expected_files(self, split: str) -> list[Path]:
        return [self.root]

    def _list(self) -> dict[str, tuple[list[str], torch.Tensor]]:
        if self._samples is not None:
            return self._samples
        self.check()
        from torchvision.datasets import ImageFolder

        def listing(folder: Path):
            try:
                found = ImageFolder(str(folder), loader=lambda p: p)
            except FileNotFoundError as error:
                raise ParameterError("root", folder, f"{error} (expected one sub-folder per class)") from None
            return found.classes, [p for p, _ in found.samples], torch.tensor([c for _, c in found.samples])

        def readable(files: list[str], labels: torch.Tensor, bad: set[str]):
            keep = [k for k, path in enumerate(files) if path not in bad]
            return [files[k] for k in keep], labels[keep]

        if (self.root / "train").is_dir() and (self.root / "test").is_dir():
            names, train_files, train_labels = listing(self.root / "train")
            test_names, test_files, test_labels = listing(self.root / "test")
            if test_names != names:
                raise ValueError(f"{self.root}: train/ has classes {names} but test/ has {test_names}")
            bad = self._unreadable(train_files + test_files)
            self._samples = {"train": readable(train_files, train_labels, bad),
                             "test": readable(test_files, test_labels, bad)}
        else:
            names, files, labels = listing(self.root)
            files, labels = readable(files, labels, self._unreadable(files))
            parts = holdout_split(len(files), self.test_fraction, self.test_seed)
            self._samples = {s: ([files[i] for i in p.tolist()], labels[p]) for s, p in parts.items()}
        self._names = names
        return self._samples

    def _unreadable(self, files: list[str]) -> set[str]:
        """The files PIL cannot open and verify; raises listing them all unless ``skip_unreadable``."""
        from PIL import Image

        problems: dict[str, str] = {}
        for k, path in enumerate(files):
            try:
                with Image.open(path) as image:
                    image.verify()  # reads the whole file: truncated PNGs and broken chunks fail here
            except Exception as error:  # noqa: BLE001 - PIL raises many kinds; each means "not readable"
                problems[path] = f"{type(error).__name__}: {error}"
            if len(files) >= 2000 and (k + 1) % (len(files) // 10) == 0:
                log.info("checking %s: %d/%d image files", self.root, k + 1, len(files))
        self._report_unreadable(problems)
        return set(problems)

    def _report_unreadable(self, problems: dict[str, str]) -> None:
        if not problems:
            return
        named = "; ".join(f"{Path(p).relative_to(self.root) if Path(p).is_relative_to(self.root) else p} ({why})"
                          for p, why in problems.items())
        if not self.skip_unreadable:
            raise ParameterError("root", self.root, f"{len(problems)} unreadable image file(s): {named}. Fix or "
                                                    "remove them, or set skip_unreadable to true to leave them out")
        log.warning("%s: skipped %d unreadable image file(s) (skip_unreadable): %s", self.root, len(problems), named)

    @property
    def class_names(self) -> list[str]:
        self._list()
        return self._names

    def files(self, split: str) -> tuple[list[str], torch.Tensor]:
        """``(paths, labels)`` of ``split``, in a fixed order."""
        return self._list()[split]

    def decode(self, path: str) -> torch.Tensor:
        """One file -> uint8 ``[C, H, W]``, resized and cropped as configured."""
        from PIL import Image
        from torchvision.transforms.v2 import functional as F

        with Image.open(path) as image:
            x = F.pil_to_tensor(image.convert("RGB" if self._channels == 3 else "L"))
        if self.resize is not None:
            x = F.resize(x, self.resize, antialias=True)
        if self.crop is not None:
            x = F.center_crop(x, self.crop)
        return x

    def output_size(self, split: str) -> tuple[int, int]:
        """``(H, W)`` of decoded images: the crop or the exact resize, else the first file's size after the
        (shorter-side) resize; used to decide whether a split fits in memory."""
        return self.image_size or tuple(self.decode(self.files(split)[0][0]).shape[1:])

    def read(self, split: str) -> ImageArrays:
        files, labels = self.files(split)
        images, shapes, kept, problems = [], {}, [], {}
        for k, path in enumerate(files):
            try:
                images.append(self.decode(path))
            except Exception as error:  # noqa: BLE001 - passed verify() but does not decode (a truncated JPEG)
                problems[path] = f"{type(error).__name__}: {error}"
                continue
            kept.append(k)
            shapes.setdefault(tuple(images[-1].shape), path)
            if len(files) >= 2000 and (k + 1) % (len(files) // 10) == 0:
                log.info("decoding %s %s: %d/%d images", self.root, split, k + 1, len(files))
        if len(shapes) > 1:
            (s1, f1), (s2, f2) = list(shapes.items())[:2]
            raise ValueError(f"images of {self.root} differ in size after decoding ({f1}: {s1[1]}x{s1[2]}, {f2}: "
                             f"{s2[1]}x{s2[2]}); set resize and/or crop (e.g. resize=64 crop=64)")
        self._report_unreadable(problems)
        if problems:
            return ImageArrays(torch.stack(images), labels[kept].to(torch.int64), torch.tensor(kept))
        return ImageArrays(torch.stack(images), labels.to(torch.int64))
