from siamese.data.mnist_datamodule import EVAL_SPLITS, MNISTDataModule
from siamese.data.mnist_files import load_mnist, prepare_mnist
from siamese.data.shift import shift_images, shifted_copies
from siamese.data.tensor_dataset import DigitTensorDataset

__all__ = ["EVAL_SPLITS", "MNISTDataModule", "DigitTensorDataset", "load_mnist", "prepare_mnist",
           "shift_images", "shifted_copies"]
