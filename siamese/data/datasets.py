"""The dataset choices (``dataset``) and the one function that makes their readers."""

from __future__ import annotations

from pathlib import Path

from siamese.data.reader import DatasetReader
from siamese.utils.parameters import ParameterError

DATASETS = ("mnist", "fashion_mnist", "kmnist", "emnist", "cifar10", "cifar100", "svhn", "image_folder", "npz",
            "omniglot", "cub", "cars196", "sop")
BENCHMARKS = {"cub": ("siamese.data.cub", "CUBReader"), "cars196": ("siamese.data.cars196", "Cars196Reader"),
              "sop": ("siamese.data.sop", "SOPReader")}


def make_reader(dataset: str, root: str | Path | None = None, *, split: str | None = None, channels: int | None = None,
                resize=None, crop=None, test_fraction: float = 0.2, test_seed: int = 0,
                cache_dir: str | Path | None = None, source_dir: str | Path | None = None,
                skip_unreadable: bool = False, **options) -> DatasetReader:
    """The reader of ``dataset`` under ``root`` (``split``: EMNIST's; ``channels``/``resize``/``crop``: how an
    image folder is decoded; ``test_fraction``/``test_seed``: the test split of a folder or npz without one;
    ``skip_unreadable``: an image folder leaves out files PIL cannot read instead of failing;
    ``options``: the dataset's own keys, e.g. Omniglot's ``image_size``/``val_alphabets``/``test_alphabets``)."""
    if skip_unreadable and dataset != "image_folder":
        raise ParameterError("skip_unreadable", skip_unreadable, f"is only for dataset image_folder, not {dataset}")
    if dataset == "omniglot":
        from siamese.data.omniglot import OmniglotReader

        _check_options(dataset, options, ("image_size", "val_alphabets", "test_alphabets"))
        return OmniglotReader(root, cache_dir=cache_dir, **options)
    _check_options(dataset, options, ())
    if dataset in ("mnist", "fashion_mnist", "kmnist", "emnist"):
        from siamese.data.mnist_family import MNISTFamilyReader

        return MNISTFamilyReader(dataset, root, split, cache_dir, source_dir)
    if split is not None:
        raise ParameterError("split", split, f"is only for emnist, not dataset={dataset}")
    if dataset in ("cifar10", "cifar100"):
        from siamese.data.cifar import CIFARReader

        return CIFARReader(dataset, root)
    if dataset == "svhn":
        from siamese.data.svhn import SVHNReader

        return SVHNReader(root)
    if dataset in BENCHMARKS:
        import importlib

        module, name = BENCHMARKS[dataset]
        return getattr(importlib.import_module(module), name)(root, channels or 3, resize, crop)
    if dataset == "image_folder":
        from siamese.data.image_folder import ImageFolderReader

        return ImageFolderReader(root, channels or 3, resize, crop, test_fraction, test_seed, skip_unreadable)
    if dataset == "npz":
        from siamese.data.npz import NPZReader

        return NPZReader(root, test_fraction, test_seed)
    raise ParameterError("dataset", dataset, f"is unknown; choose from {DATASETS}")


def _check_options(dataset: str, options: dict, known: tuple[str, ...]) -> None:
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise ParameterError(unknown[0], options[unknown[0]], f"is not an option of dataset={dataset}"
                             + (f"; its own options are {list(known)}" if known else ""))
