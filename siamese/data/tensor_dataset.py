"""The in-memory digit dataset under its MNIST name: ``DigitTensorDataset`` is ``ImageTensorDataset``
(``siamese.data.image_dataset``: uint8 images in memory, normalized and optionally shifted per batch)."""

from siamese.data.image_dataset import ImageTensorDataset, keep_batch

DigitTensorDataset = ImageTensorDataset

__all__ = ["DigitTensorDataset", "keep_batch"]
