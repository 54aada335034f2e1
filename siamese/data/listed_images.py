"""Base of the readers whose images are listed by index files (the deep-metric-learning benchmarks CUB-200-2011,
Cars196, Stanford Online Products), decoded like an image folder (``siamese.data.image_folder``: ``channels``,
``resize``, ``crop``; streamed from files when they do not fit in memory).

A subclass names its index files (``index_files``) and returns ``listing() -> (class_names, {"train": (paths,
labels), "test": (paths, labels)})`` with labels 0-based. Missing index files fail in ``check`` (before any
training), naming every expected path; listed images that are missing fail when listed, naming the first ones.
"""

from __future__ import annotations

from pathlib import Path

import torch

from siamese.data.image_folder import ImageFolderReader


class ListedImagesReader(ImageFolderReader):
    def __init__(self, root: str | Path | None, channels: int = 3, resize=None, crop=None):
        super().__init__(root, channels, resize, crop)

    def index_files(self) -> list[Path]:
        raise NotImplementedError

    def listing(self) -> tuple[list[str], dict[str, tuple[list[str], list[int]]]]:
        raise NotImplementedError

    def expected_files(self, split: str) -> list[Path]:
        return self.index_files()

    def _list(self) -> dict[str, tuple[list[str], torch.Tensor]]:
        if self._samples is not None:
            return self._samples
        self.check()
        names, splits = self.listing()
        missing = [path for files, _ in splits.values() for path in files if not Path(path).exists()]
        if missing:
            raise FileNotFoundError(f"data={self.name}: {len(missing)} image(s) listed in {self.index_files()[0].name}"
                                    f" are missing under {self.root}, e.g. {missing[:3]}")
        self._names = names
        self._samples = {split: (files, torch.tensor(labels, dtype=torch.int64)) for split, (files, labels)
                         in splits.items()}
        return self._samples


def read_rows(path: Path, columns: int, header: bool = False) -> list[list[str]]:
    """The whitespace-separated rows of a text index file, each checked to have ``columns`` fields (the last may
    hold spaces); ``header``: skip the first line."""
    rows = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines[1:] if header else lines, start=2 if header else 1):
        if not line.strip():
            continue
        fields = line.split(maxsplit=columns - 1)
        if len(fields) != columns:
            raise ValueError(f"{path}:{number}: expected {columns} fields, got {line!r}")
        rows.append(fields)
    return rows
