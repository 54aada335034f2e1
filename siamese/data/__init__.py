from siamese.data.image_dataset import DigitTensorDataset
from siamese.data.mnist import EVAL_SPLITS, MNISTDataModule, load_mnist, prepare_mnist
from siamese.data.shift import shift_images, shifted_copies

__all__ = ["EVAL_SPLITS", "MNISTDataModule", "DigitTensorDataset", "load_mnist", "prepare_mnist",
           "shift_images", "shifted_copies"]
