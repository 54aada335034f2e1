"""The keys of a data module (``conf/data/<choice>.yaml``, all at the top level of ``data``), grouped by what they
control, each group checked once here. ``group_keys`` sorts a flat key mapping into the groups; a key that is in
none of them is an option of one dataset only (e.g. Omniglot's ``image_size``), passed to its reader, which names
any key it does not know.

- ``ReadOptions``: where the files are and how they become uint8 images (``root``, ``split``, ``channels``,
  ``resize``, ``crop``, ``test_fraction``, ``cache_dir``, ``source_dir``);
- ``SplitOptions``: which classes and images each split holds (``classes`` / ``digits``, ``train_classes`` /
  ``test_classes``, ``val_fraction``, ``split_seed``, ``max_train_samples``, ``max_test_samples``);
- ``LoadOptions``: batches, device and memory (``batch_size``, ``eval_batch_size``, ``batch_sampler``,
  ``num_workers``, ``device``, ``max_memory_mb``, ``norm_samples``, ``run_dir``: where ``normalization.json``
  goes);
- ``AugmentOptions``: train-time augmentation (``shift``, ``transforms``, ``affine``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

from siamese.data.shift import AXES
from siamese.utils.parameters import ParameterError

DEFAULT_SHIFT = {"values": (-6, -3, 3, 6), "train": False, "include_unshifted": True, "train_mode": "random",
                 "axis": "horizontal", "unit": "pixels"}


@dataclass(frozen=True)
class ReadOptions:
    root: str | Path | None = None
    split: str | None = None
    channels: int | None = None
    resize: int | Sequence[int] | None = None
    crop: int | Sequence[int] | None = None
    test_fraction: float = 0.2
    cache_dir: str | Path | None = None
    source_dir: str | Path | None = None
    extra: dict = field(default_factory=dict)  # the dataset's own keys

    def __post_init__(self):
        if self.channels not in (None, 1, 3):
            raise ParameterError("channels", self.channels, "must be 1, 3 or None")


@dataclass(frozen=True)
class SplitOptions:
    classes: Sequence | None = None
    digits: Sequence[int] | None = None
    train_classes: Sequence | None = None
    test_classes: Sequence | None = None
    val_fraction: float = 0.1
    split_seed: int = 0
    max_train_samples: int | None = None
    max_test_samples: int | None = None

    def __post_init__(self):
        if self.classes is not None and self.digits is not None:
            raise ParameterError("digits", self.digits, "give classes or digits, not both")
        if not 0.0 < self.val_fraction < 1.0:
            raise ParameterError("val_fraction", self.val_fraction, "must be in (0, 1)")

    @property
    def subset(self) -> tuple[Sequence | None, str]:
        """The one class subset of every split and the key that named it (``digits`` is MNIST's name)."""
        return (self.digits, "digits") if self.digits is not None else (self.classes, "classes")


@dataclass(frozen=True)
class LoadOptions:
    batch_size: int = 128
    eval_batch_size: int = 1024
    batch_sampler: Callable | None = None
    num_workers: int = 0
    device: str = "cpu"
    max_memory_mb: float = 4096
    norm_samples: int = 2000
    run_dir: str | Path | None = None

    def __post_init__(self):
        if self.batch_size < 1:
            raise ParameterError("batch_size", self.batch_size, "must be >= 1")


@dataclass(frozen=True)
class AugmentOptions:
    shift: Mapping | None = None
    transforms: Mapping | None = None
    affine: Mapping | None = None

    def resolved_shift(self) -> dict:
        """``shift`` over ``DEFAULT_SHIFT``, its keys and choices checked."""
        shift = {**DEFAULT_SHIFT, **(self.shift or {})}
        unknown = sorted(set(shift) - set(DEFAULT_SHIFT))
        if unknown:
            raise ParameterError(f"shift.{unknown[0]}", shift[unknown[0]],
                                 f"unknown key; keys are {sorted(DEFAULT_SHIFT)}")
        if shift["train_mode"] not in ("random", "fixed"):
            raise ParameterError("shift.train_mode", shift["train_mode"], "must be 'random' or 'fixed'")
        if shift["axis"] not in AXES:
            raise ParameterError("shift.axis", shift["axis"], f"must be one of {AXES}")
        return shift

    def train_transforms(self):
        """The configured ``transforms.train`` list (val/test are never transformed)."""
        transforms = dict(self.transforms or {})
        if set(transforms) - {"train"}:
            unknown = min(set(transforms) - {"train"})
            raise ParameterError(f"transforms.{unknown}", transforms[unknown],
                                 "unknown key; only 'train' (val/test are never transformed)")
        return transforms.get("train")


GROUPS = (ReadOptions, SplitOptions, LoadOptions, AugmentOptions)


def group_keys(keys: Mapping) -> tuple[ReadOptions, SplitOptions, LoadOptions, AugmentOptions]:
    """Sort the flat data keys into their groups; keys of no group go to ``ReadOptions.extra``."""
    keys, groups = dict(keys), []
    for group in GROUPS:
        names = {f.name for f in fields(group)} - {"extra"}
        groups.append({name: keys.pop(name) for name in list(keys) if name in names})
    read, split, load, augment = groups
    return ReadOptions(**read, extra=keys), SplitOptions(**split), LoadOptions(**load), AugmentOptions(**augment)
