"""Images and labels from one ``.npz`` file (``data=npz data.root=PATH.npz``).

Arrays (numpy layout, pixel values 0-255, any integer dtype): either ``train_images``/``train_labels`` and
``test_images``/``test_labels``, or ``images``/``labels`` split by ``test_fraction`` (seeded by ``test_seed``).
Images are ``[N, H, W]`` (grey) or ``[N, H, W, C]`` with C = 1, 3 (RGB) or 4 (RGBA: alpha dropped). Optional
``class_names`` (one string per class id). Nothing is unpickled (``allow_pickle=False``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from siamese.data.reader import DatasetReader, ImageArrays, holdout_split, nhwc_to_nchw


class NPZReader(DatasetReader):
    name = "npz"

    def __init__(self, root: str | Path | None, test_fraction: float = 0.2, test_seed: int = 0):
        super().__init__(root)
        self.test_fraction, self.test_seed = test_fraction, test_seed
        self._arrays: dict[str, ImageArrays] | None = None
        self._names: list[str] | None = None

    def expected_files(self, split: str) -> list[Path]:
        return [self.root]

    def _load(self) -> dict[str, ImageArrays]:
        if self._arrays is not None:
            return self._arrays
        self.check()
        with np.load(self.root, allow_pickle=False) as data:
            files = set(data.files)
            if {"train_images", "train_labels", "test_images", "test_labels"} <= files:
                arrays = {s: self._arrays_of(data, f"{s}_images", f"{s}_labels") for s in ("train", "test")}
            elif {"images", "labels"} <= files:
                whole = self._arrays_of(data, "images", "labels")
                parts = holdout_split(len(whole.images), self.test_fraction, self.test_seed)
                arrays = {s: ImageArrays(whole.images[p], whole.labels[p]) for s, p in parts.items()}
            else:
                raise ValueError(f"{self.root}: needs arrays images+labels or train_images, train_labels, "
                                 f"test_images, test_labels; it has {sorted(files)}")
            n_classes = int(max(a.labels.max() for a in arrays.values())) + 1
            names = [str(n) for n in data["class_names"]] if "class_names" in files else None
        if names is not None and len(names) < n_classes:
            raise ValueError(f"{self.root}: class_names has {len(names)} names but labels go up to {n_classes - 1}")
        self._names = names or [str(i) for i in range(n_classes)]
        self._arrays = arrays
        return arrays

    def _arrays_of(self, data, image_key: str, label_key: str) -> ImageArrays:
        images, labels = data[image_key], data[label_key]
        if images.ndim == 4 and images.shape[-1] == 4:
            images = images[..., :3]
        if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] not in (1, 3)):
            raise ValueError(f"{self.root}: {image_key} has shape {images.shape}; expected [N, H, W] or [N, H, W, C] "
                             f"with C = 1, 3 or 4")
        if not np.issubdtype(images.dtype, np.integer) or images.min(initial=0) < 0 or images.max(initial=0) > 255:
            raise ValueError(f"{self.root}: {image_key} must hold integer pixel values 0-255, got dtype "
                             f"{images.dtype} range [{images.min()}, {images.max()}]")
        labels = np.asarray(labels).reshape(-1)
        if not np.issubdtype(labels.dtype, np.integer) or labels.min(initial=0) < 0:
            raise ValueError(f"{self.root}: {label_key} must be non-negative integer class ids, got {labels.dtype}")
        if len(labels) != len(images):
            raise ValueError(f"{self.root}: {len(images)} {image_key} but {len(labels)} {label_key}")
        return ImageArrays(nhwc_to_nchw(images.astype(np.uint8)), torch.as_tensor(labels.astype(np.int64)))

    @property
    def class_names(self) -> list[str]:
        self._load()
        return self._names

    @property
    def channels(self) -> int:
        return int(self._load()["train"].images.shape[1])

    def read(self, split: str) -> ImageArrays:
        return self._load()[split]
