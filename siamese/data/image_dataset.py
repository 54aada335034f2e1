"""Image datasets behind the data module: in memory (batched, vectorized) or streamed from files.

Every item/batch is a dict: ``image`` float ``[B, C, H, W]`` = (pixel/255 - mean_c) / std_c per channel c,
``label`` (the dataset's class id), ``index`` (position in the original split) and ``shift`` (pixels along the
shift axis, 0 for unshifted). ``random_shifts``: if given, every fetched image gets a shift drawn uniformly from
these values (train-time augmentation), reported in ``shift``. ``transform``: per-image torchvision transforms
(``siamese.data.transforms``), applied first; ``affine``: a random affine transform of the whole batch on its
device (``siamese.data.affine.RandomAffine``), applied next; the shift last.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch.utils.data import Dataset

from siamese.data.normalization import normalize_pixels
from siamese.data.shift import shift_images
from siamese.data.transforms import apply_per_image


class NormalizedImages(Dataset):
    """Shared work: labels, indices, stored shifts, the shift draw and the per-channel normalization."""

    def __init__(self, labels: torch.Tensor, indices: torch.Tensor, mean, std, shifts: torch.Tensor | None = None,
                 random_shifts: Sequence[int] | None = None, axis: str = "horizontal",
                 transform: Callable | None = None, affine: Callable | None = None):
        if len(labels) != len(indices):
            raise ValueError(f"labels and indices differ in length: {len(labels)}, {len(indices)}")
        self.labels, self.indices = labels, indices
        self.shifts = torch.zeros(len(labels), dtype=torch.long) if shifts is None else shifts
        self.mean = float(mean) if isinstance(mean, (int, float)) else [float(v) for v in mean]
        self.std = float(std) if isinstance(std, (int, float)) else [float(v) for v in std]
        self.random_shifts = None if random_shifts is None else torch.tensor(list(random_shifts), dtype=torch.long)
        self.axis, self.transform, self.affine = axis, transform, affine

    def __len__(self) -> int:
        return len(self.labels)

    def normalize(self, images_uint8: torch.Tensor) -> torch.Tensor:
        """uint8 ``[N, H, W]`` (grey) or ``[N, C, H, W]`` -> float ``[N, C, H, W]``, per channel
        (``siamese.data.normalization.normalize_pixels``)."""
        return normalize_pixels(images_uint8, self.mean, self.std)

    def augment(self, images: torch.Tensor, shifts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.transform is not None:
            images = apply_per_image(self.transform, images)
        if self.affine is not None:
            images = self.affine(images)
        if self.random_shifts is not None:
            draw = torch.randint(len(self.random_shifts), (len(images),), device=images.device)  # no host copy
            drawn = self.random_shifts.to(images.device)[draw]
            images, shifts = shift_images(images, drawn, self.axis), shifts + drawn
        return images, shifts


class ImageTensorDataset(NormalizedImages):
    """Images kept as one uint8 tensor (``[N, H, W]`` grey or ``[N, C, H, W]``); a batch is built in one
    vectorized step (``__getitems__``, use ``keep_batch`` as collate_fn)."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, indices: torch.Tensor, mean, std, **kwargs):
        if len(images) != len(labels):
            raise ValueError(f"images and labels differ in length: {len(images)}, {len(labels)}")
        super().__init__(labels, indices, mean, std, **kwargs)
        self.images = images

    def to(self, device: torch.device | str) -> ImageTensorDataset:
        """Keep the whole dataset on ``device`` (e.g. the GPU): batches are then built there."""
        for name in ("images", "labels", "indices", "shifts", "random_shifts"):
            if getattr(self, name) is not None:
                setattr(self, name, getattr(self, name).to(device))
        return self

    def __getitems__(self, positions: list[int]) -> dict[str, torch.Tensor]:
        positions = torch.as_tensor(positions, dtype=torch.long, device=self.images.device)
        images, shifts = self.augment(self.images[positions], self.shifts[positions])
        return {"image": self.normalize(images), "label": self.labels[positions],
                "index": self.indices[positions], "shift": shifts}

    def __getitem__(self, position: int) -> dict[str, torch.Tensor]:
        return {key: value[0] for key, value in self.__getitems__([position]).items()}


DigitTensorDataset = ImageTensorDataset  # the in-memory dataset under its MNIST name


class FileImageDataset(NormalizedImages):
    """Images decoded from files per item (``decode(path) -> uint8 [C, H, W]``), for folders too large for
    memory; DataLoader workers (``data.num_workers``) decode in parallel. ``shifts`` fixed per item (the
    shifted test set repeats each file once per shift)."""

    def __init__(self, files: list[str], decode: Callable, labels: torch.Tensor, indices: torch.Tensor, mean, std,
                 **kwargs):
        super().__init__(labels, indices, mean, std, **kwargs)
        if len(files) != len(labels):
            raise ValueError(f"files and labels differ in length: {len(files)}, {len(labels)}")
        self.files, self.decode = files, decode

    @property
    def images(self):
        raise AttributeError("the data streams from files (larger than max_memory_mb), so there is no in-memory "
                             "image tensor; raise max_memory_mb for what needs one (e.g. miner=knn)")

    def to(self, device) -> FileImageDataset:
        return self  # decoded per batch on the CPU; Lightning moves batches

    def __getitem__(self, position: int) -> dict[str, torch.Tensor]:
        image = self.decode(self.files[position])[None]
        shift = self.shifts[position:position + 1]
        if int(shift) != 0:
            image = shift_images(image, shift, self.axis)
        image, shift = self.augment(image, shift)
        return {"image": self.normalize(image)[0], "label": self.labels[position],
                "index": self.indices[position], "shift": shift[0]}


def keep_batch(batch):
    """``collate_fn`` for datasets whose ``__getitems__`` already returns a whole batch."""
    return batch
