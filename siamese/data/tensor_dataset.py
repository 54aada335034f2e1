"""A batched in-memory digit dataset: uint8 images in memory, normalized and (optionally) shifted per batch."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch.utils.data import Dataset

from siamese.data.normalization import normalize_pixels
from siamese.data.shift import shift_images


class DigitTensorDataset(Dataset):
    """Images kept as uint8 ``[N, 28, 28]``; a batch is built in one vectorized step (``__getitems__``).

    Each item/batch is a dict: ``image`` float ``[B, 1, 28, 28]`` = (pixel/255 - mean) / std, ``label``,
    ``index`` (position in the original MNIST split) and ``shift`` (pixels, 0 for unshifted).
    ``random_shifts``: if given, every fetched image gets a shift drawn uniformly from these values
    (train-time augmentation); the drawn shift is reported in ``shift``.
    """

    def __init__(
        self,
        images: torch.Tensor,
        labels: torch.Tensor,
        indices: torch.Tensor,
        mean: float,
        std: float,
        shifts: torch.Tensor | None = None,
        random_shifts: Sequence[int] | None = None,
    ):
        if not (len(images) == len(labels) == len(indices)):
            raise ValueError(f"images, labels, indices differ in length: {len(images)}, {len(labels)}, {len(indices)}")
        self.images, self.labels, self.indices = images, labels, indices
        self.shifts = torch.zeros(len(images), dtype=torch.long) if shifts is None else shifts
        self.mean, self.std = float(mean), float(std)
        self.random_shifts = None if random_shifts is None else torch.tensor(list(random_shifts), dtype=torch.long)

    def to(self, device: torch.device | str) -> "DigitTensorDataset":
        """Keep the whole dataset on ``device`` (e.g. the GPU): batches are then built there, with no per-batch
        host-to-device copy."""
        for name in ("images", "labels", "indices", "shifts", "random_shifts"):
            if getattr(self, name) is not None:
                setattr(self, name, getattr(self, name).to(device))
        return self

    def __len__(self) -> int:
        return len(self.images)

    def __getitems__(self, positions: list[int]) -> dict[str, torch.Tensor]:
        positions = torch.as_tensor(positions, dtype=torch.long, device=self.images.device)
        images, shifts = self.images[positions], self.shifts[positions]
        if self.random_shifts is not None:
            draw = torch.randint(len(self.random_shifts), (len(positions),), device=self.images.device)  # no host copy
            shifts = shifts + self.random_shifts[draw]
            images = shift_images(images, shifts)
        return {
            "image": self.normalize(images),
            "label": self.labels[positions],
            "index": self.indices[positions],
            "shift": shifts,
        }

    def __getitem__(self, position: int) -> dict[str, torch.Tensor]:
        return {key: value[0] for key, value in self.__getitems__([position]).items()}

    def normalize(self, images_uint8: torch.Tensor) -> torch.Tensor:
        return normalize_pixels(images_uint8, self.mean, self.std)


def keep_batch(batch):
    """``collate_fn`` for datasets whose ``__getitems__`` already returns a whole batch."""
    return batch
