"""Any image dataset (``siamese.data.datasets``) as the LightningDataModule the rest of the framework uses.

Splits ``train``/``val`` (a seeded split of the dataset's training images), ``test`` and ``test_shifted`` (every
test image once per shift value), each item a dict ``image``/``label``/``index``/``shift``
(``siamese.data.image_dataset``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader

from siamese.data.affine import RandomAffine
from siamese.data.class_split import resolve_class_split, resolve_classes  # noqa: F401 (resolve_classes: re-exported)
from siamese.data.data_options import group_keys
from siamese.data.datasets import make_reader
from siamese.data.image_dataset import FileImageDataset, ImageTensorDataset, NormalizedImages, keep_batch
from siamese.data.shift import shift_images, shifted_copies, validate_shifts
from siamese.data.transforms import build_transform, convert_channels
from siamese.utils.parameters import ParameterError

log = logging.getLogger(__name__)

EVAL_SPLITS = ("train", "val", "test", "test_shifted")


class ImageDataModule(pl.LightningDataModule):
    """``dataset`` (see ``siamese.data.datasets.DATASETS``) under ``root``, restricted to ``classes``.

    - ``classes``: ids or names (``null`` = all); labels stay the dataset's own ids. ``digits`` is the MNIST
      name of the same thing (give one of the two). ``train_classes`` / ``test_classes`` instead: a
      class-disjoint split (train and val from the first, test from the second; a class in both fails), whose
      test metrics rank test images against each other (``siamese.callbacks.RetrievalMetrics``).
    - ``channels``: 1 or 3 to convert every image (RGB -> grey by luma, grey -> RGB by repeating); null keeps
      the stored channels.
    - normalization: ``x_c = (pixel_c/255 - mean_c) / std_c`` per channel c, with mean and std of the selected
      *train split* pixels (streamed folders: of a seeded subsample of up to ``norm_samples`` train images),
      computed in ``setup`` and kept in the checkpoint (``state_dict``); floats for grey, lists for RGB.
    - ``shift``: ``values`` (pixels, or fractions of the image size with ``unit: fraction``) along ``axis``
      (``horizontal``: + = right, ``vertical``: + = down); ``train: true`` shifts every train image by a random
      value (or 0, when ``include_unshifted``); ``train_mode: fixed`` gives every train image ONE seeded, stored
      shift (k-NN graphs over shifted pixels). Validation, test and ``eval_dataloader`` are never augmented.
    - ``transforms.train``: torchvision transforms of train images (``siamese.data.transforms``).
    - ``affine``: ``degrees``, ``shear``, ``scale`` ([min, max]), ``translate`` (fraction of the size): random
      affine augmentation of train batches on their device (``siamese.data.affine``); all-identity = off.
    - memory: a split whose uint8 images fit in ``max_memory_mb`` is one tensor on ``device`` (``auto`` = the
      trainer's), batches built vectorized; a larger image folder streams from files through ``num_workers``
      DataLoader workers.
    - ``batch_sampler``: optional callable ``(dataset, batch_size) -> batch sampler`` for the train loader.
    - missing files raise ``MissingDataError`` (expected paths + fetch command) when the module is built.
    - ``options``: keys of one dataset only (Omniglot: ``image_size``, ``val_alphabets``, ``test_alphabets``),
      passed to its reader; a reader with its own ``val`` split (Omniglot: held-out alphabets) replaces
      ``val_fraction``.
    - ``label_groups``: ``{class id: group name}`` for every class of every split (Omniglot: the alphabet, so
      one-shot episodes can be drawn within one alphabet); None for datasets without groups.
    """

    def __init__(self, dataset: str = "mnist", **keys):
        """``keys``: the flat data keys of ``siamese.data.data_options`` (its four groups), plus the dataset's
        own (passed to its reader)."""
        super().__init__()
        read, split, load, augment = group_keys(keys)
        self.dataset, self.channels = dataset, read.channels
        self.reader = make_reader(dataset, read.root, split=read.split, channels=read.channels, resize=read.resize,
                                  crop=read.crop, test_fraction=read.test_fraction, test_seed=split.split_seed,
                                  cache_dir=read.cache_dir, source_dir=read.source_dir, **read.extra)
        self.reader.check()  # missing files fail here, before any training
        self.split_classes = resolve_class_split(self.reader.class_names, split.subset[0], split.train_classes,
                                                 split.test_classes, split.subset[1])
        same = self.split_classes["train"] == self.split_classes["test"]
        self.class_ids = self.split_classes["train"] if same else None  # the one subset of every split, if any
        self.shift = augment.resolved_shift()
        self.shift_values: tuple[int, ...] = ()
        if self.reader.image_size is not None:  # else checked in setup, once the images are read
            self._resolve_shifts(*self.reader.image_size)
        else:
            validate_shifts(self.shift["values"], width=10**6, unit=self.shift["unit"])
        self.train_transform = build_transform(augment.train_transforms())
        self.train_affine = RandomAffine.from_config(augment.affine)
        self.batch_size, self.eval_batch_size = load.batch_size, load.eval_batch_size
        self.val_fraction, self.split_seed = split.val_fraction, split.split_seed
        self.max_train_samples, self.max_test_samples = split.max_train_samples, split.max_test_samples
        self.batch_sampler, self.num_workers, self.device = load.batch_sampler, load.num_workers, load.device
        self.max_memory_mb, self.norm_samples = load.max_memory_mb, load.norm_samples
        self.run_dir = None if load.run_dir is None else Path(load.run_dir)
        self.mean: float | list[float] | None = None
        self.std: float | list[float] | None = None
        self.streaming = False
        self.image_size: tuple[int, int] | None = None  # (H, W) of the images, known after setup
        self.datasets: dict[str, NormalizedImages] = {}
        # class id -> its group (Omniglot: the alphabet), for every split; None when the dataset has no groups
        self.label_groups: dict[int, str] | None = self.reader.label_groups

    @property
    def class_names(self) -> list[str]:
        return self.reader.class_names

    # ----------------------------------------------------------------------------------------------- setup
    def _keep(self, labels: torch.Tensor, limit: int | None, seed: int, split: str) -> torch.Tensor:
        ids = self.class_ids if split == "val" else self.split_classes[split]  # a reader's own val: not split
        keep = torch.arange(len(labels)) if ids is None else torch.isin(labels, torch.tensor(ids)).nonzero().squeeze(1)
        if len(keep) == 0:
            raise ValueError(f"classes {list(ids)} select no {split} image of data={self.dataset}")
        if limit is not None and limit < len(keep):
            order = torch.randperm(len(keep), generator=torch.Generator().manual_seed(seed))
            keep = keep[order[:limit]].sort().values
        return keep

    def _fits_in_memory(self) -> bool:
        if not hasattr(self.reader, "files"):
            return True
        n = len(self.reader.files("train")[0]) + len(self.reader.files("test")[0]) * (1 + len(self.shift["values"]))
        h, w = self.reader.output_size("train")
        megabytes = n * self.reader.channels * h * w / 2**20
        if megabytes > self.max_memory_mb:
            log.info("%s: %d images of %dx%d (%.0f MB) exceed max_memory_mb=%s: streaming from files",
                     self.reader.root, n, h, w, megabytes, self.max_memory_mb)
            return False
        return True

    def setup(self, stage: str | None = None) -> None:
        if self.datasets:
            return
        self.streaming = not self._fits_in_memory()
        if self.streaming:
            self._setup_streaming()
        else:
            self._setup_in_memory()
        device = self._resolve_device()
        if device.type != "cpu" and self.num_workers > 0 and not self.streaming:
            raise ParameterError("num_workers", self.num_workers, f"needs the data on the CPU, but device resolved to "
                                 f"{device}; set num_workers=0 (batches are built on the device)")
        if not self.streaming:
            for dataset in self.datasets.values():
                dataset.to(device)

    def _load(self, split: str, limit: int | None, seed: int):
        arrays = self.reader.load(split)
        keep = self._keep(arrays.labels, limit, seed, split)
        images = convert_channels(arrays.images[keep], self.channels)
        if images.shape[1] == 1:
            images = images[:, 0]  # grey images are kept [N, H, W]
        return images, arrays.labels[keep], keep if arrays.indices is None else arrays.indices[keep]

    def _train_val(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        order = torch.randperm(n, generator=torch.Generator().manual_seed(self.split_seed))
        n_val = max(1, round(self.val_fraction * n))
        if self.max_train_samples is not None and "val" not in self.reader.splits:  # the cap is before the split
            log.info("max_train_samples=%d counts the images before the validation split (val_fraction=%g): %d "
                     "train, %d validation", self.max_train_samples, self.val_fraction, n - n_val, n_val)
        return order[n_val:].sort().values, order[:n_val].sort().values

    def _set_normalization(self, pixels_uint8: torch.Tensor) -> None:
        if self.mean is not None:  # restored from a checkpoint
            return
        x = pixels_uint8.float() / 255.0
        if x.ndim == 3 or x.shape[1] == 1:  # grey: one mean/std over all pixels (a scalar, the grey-image convention)
            self.mean, self.std = x.mean().item(), x.std().item()
        else:
            per_channel = x.transpose(0, 1).reshape(x.shape[1], -1)
            self.mean, self.std = per_channel.mean(dim=1).tolist(), per_channel.std(dim=1).tolist()

    def _resolve_shifts(self, height: int, width: int) -> None:
        self.image_size = (int(height), int(width))
        size = width if self.shift["axis"] == "horizontal" else height
        self.shift_values = validate_shifts(self.shift["values"], width=size, unit=self.shift["unit"])

    def _train_shifts(self):
        if not self.shift["train"]:
            return None
        return ((0,) if self.shift["include_unshifted"] else ()) + self.shift_values

    def _setup_in_memory(self) -> None:
        images, labels, index = self._load("train", self.max_train_samples, self.split_seed)
        train, val = self._train_val(len(images))
        if "val" in self.reader.splits:  # the reader's own validation split (e.g. held-out alphabets)
            val_images, val_labels, val_index = self._load("val", None, self.split_seed)
            train, val = torch.arange(len(images)), torch.arange(len(images), len(images) + len(val_images))
            images, labels = torch.cat([images, val_images]), torch.cat([labels, val_labels])
            index = torch.cat([index, val_index])
        self._set_normalization(images[train])
        self._resolve_shifts(*images.shape[-2:])
        self._log_normalization(len(train))
        axis = self.shift["axis"]
        test_images, test_labels, test_index = self._load("test", self.max_test_samples, self.split_seed + 1)
        shifted_images, shifts = shifted_copies(test_images, self.shift_values, axis)
        repeat = len(self.shift_values)
        train_shifts = self._train_shifts()
        make = lambda im, lb, ix, **kw: ImageTensorDataset(im, lb, ix, self.mean, self.std, axis=axis, **kw)  # noqa: E731
        if train_shifts is not None and self.shift["train_mode"] == "fixed":  # one stored shift per train image
            draw = torch.randint(len(train_shifts), (len(train),),
                                 generator=torch.Generator().manual_seed(self.split_seed))
            fixed = torch.tensor(train_shifts, dtype=torch.long)[draw]
            train_set = make(shift_images(images[train], fixed, axis), labels[train], index[train], shifts=fixed,
                             transform=self.train_transform, affine=self.train_affine)
        else:
            train_set = make(images[train], labels[train], index[train], random_shifts=train_shifts,
                             transform=self.train_transform, affine=self.train_affine)
        self.datasets = {
            "train": train_set,
            "train_eval": make(images[train], labels[train], index[train]),
            "val": make(images[val], labels[val], index[val]),
            "test": make(test_images, test_labels, test_index),
            "test_shifted": make(shifted_images, test_labels.repeat(repeat), test_index.repeat(repeat), shifts=shifts),
        }

    def _setup_streaming(self) -> None:
        if self.channels is not None and self.channels != self.reader.channels:
            raise ParameterError("channels", self.channels, "conversion of a streamed folder is done by the "
                                 "decoder: it is set there")
        files, labels = self.reader.files("train")
        keep = self._keep(labels, self.max_train_samples, self.split_seed, "train")
        files, labels = [files[i] for i in keep.tolist()], labels[keep]
        train, val = self._train_val(len(files))
        sample = train[torch.randperm(len(train), generator=torch.Generator().manual_seed(self.split_seed))
                       [:self.norm_samples]]
        decoded = torch.stack([self.reader.decode(files[i]) for i in sample.tolist()])
        self._set_normalization(decoded)
        self._resolve_shifts(*decoded.shape[-2:])
        self._log_normalization(len(sample))
        axis = self.shift["axis"]
        test_files, test_labels = self.reader.files("test")
        test_keep = self._keep(test_labels, self.max_test_samples, self.split_seed + 1, "test")
        test_files, test_labels = [test_files[i] for i in test_keep.tolist()], test_labels[test_keep]
        repeat = len(self.shift_values)
        shifts = torch.tensor(self.shift_values, dtype=torch.long).repeat_interleave(len(test_files))

        def make(positions_or_files, lb, ix, **kw):
            return FileImageDataset(positions_or_files, self.reader.decode, lb, ix, self.mean, self.std, axis=axis,
                                    **kw)

        pick = lambda p: [files[i] for i in p.tolist()]  # noqa: E731
        self.datasets = {
            "train": make(pick(train), labels[train], keep[train], random_shifts=self._train_shifts(),
                          transform=self.train_transform, affine=self.train_affine),
            "train_eval": make(pick(train), labels[train], keep[train]),
            "val": make(pick(val), labels[val], keep[val]),
            "test": make(test_files, test_labels, test_keep),
            "test_shifted": make(test_files * repeat, test_labels.repeat(repeat), test_keep.repeat(repeat),
                                 shifts=shifts),
        }
        if self.shift["train"] and self.shift["train_mode"] == "fixed":
            raise ParameterError("shift.train_mode", "fixed", "needs the train images in memory (raise max_memory_mb)")

    def _log_normalization(self, n: int) -> None:
        log.info("normalization of %s classes %s (train split, %d images): mean %s std %s", self.dataset,
                 "all" if self.split_classes["train"] is None else list(self.split_classes["train"]), n, self.mean,
                 self.std)
        if self.run_dir is not None:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            (self.run_dir / "normalization.json").write_text(json.dumps(self.state_dict(), indent=2))

    def _resolve_device(self) -> torch.device:
        """``auto``: the trainer's device (the GPU when training on one), else CUDA if present, else the CPU."""
        if self.device != "auto":
            return torch.device(self.device)
        trainer = getattr(self, "trainer", None)
        if trainer is not None:
            return trainer.strategy.root_device
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")

    def normalize(self, images_uint8: torch.Tensor) -> torch.Tensor:
        """Normalize uint8 ``[N, H, W]`` (grey) or ``[N, C, H, W]`` images exactly as the training batches are."""
        return self.datasets["val"].normalize(torch.as_tensor(images_uint8))

    # ----------------------------------------------------------------------------------------- dataloaders
    def _loader(self, dataset, shuffle: bool, batch_size: int, batch_sampler=None) -> DataLoader:
        collate = None if self.streaming else keep_batch
        workers = self.num_workers
        extra = {"persistent_workers": True} if workers > 0 and self.streaming else {}
        if batch_sampler is not None:
            return DataLoader(dataset, batch_sampler=batch_sampler, collate_fn=collate, num_workers=workers, **extra)
        return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, collate_fn=collate, num_workers=workers,
                          **extra)

    def train_dataloader(self) -> DataLoader:
        dataset = self.datasets["train"]
        if self.batch_sampler is not None:
            return self._loader(dataset, False, self.batch_size, self.batch_sampler(dataset=dataset,
                                                                                    batch_size=self.batch_size))
        return self._loader(dataset, shuffle=True, batch_size=self.batch_size)

    def val_dataloader(self) -> DataLoader:
        return self._loader(self.datasets["val"], shuffle=False, batch_size=self.batch_size)

    def test_dataloader(self) -> DataLoader:
        return self._loader(self.datasets["test"], shuffle=False, batch_size=self.batch_size)

    def eval_dataloader(self, split: str) -> DataLoader:
        """Unshuffled, unaugmented loader over one of ``EVAL_SPLITS`` (for embedding whole splits)."""
        if split not in EVAL_SPLITS:
            raise ValueError(f"unknown evaluation split {split!r}; choose from {EVAL_SPLITS}")
        dataset = self.datasets["train_eval" if split == "train" else split]
        return self._loader(dataset, shuffle=False, batch_size=self.eval_batch_size)

    # --------------------------------------------------------------------------------------- checkpointing
    def state_dict(self) -> dict:
        classes = None if self.class_ids is None else list(self.class_ids)
        size = None if self.image_size is None else list(self.image_size)
        return {"dataset": self.dataset, "classes": classes, "digits": classes,
                **{f"{split}_classes": None if ids is None else list(ids) for split, ids in self.split_classes.items()},
                "mean": self.mean, "std": self.std,
                "channels": None if self.mean is None else (1 if isinstance(self.mean, float) else len(self.mean)),
                "image_size": size}

    def load_state_dict(self, state: dict) -> None:
        self.mean, self.std = state["mean"], state["std"]
