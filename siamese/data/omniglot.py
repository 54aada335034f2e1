"""Omniglot (the shipped minimal background sets) split by alphabet: ``data=omniglot``.

Class = one character (``Alphabet/characterNN``, ids in sorted order, 242 classes); its 20 drawings (one per
drawer) all go to the split of its alphabet. ``val_alphabets`` and ``test_alphabets`` name the held-out alphabets,
so validation and test hold characters that training never saw; every other alphabet trains. Images are strokes
bright (255) on dark (0), ``image_size`` x ``image_size`` pixels (``siamese.data.omniglot_files``).
``label_groups`` maps every class id to its alphabet (what within-alphabet one-shot episodes draw from).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from siamese.data.omniglot_files import list_drawings, load_omniglot, source_paths, verify_sources
from siamese.data.reader import DatasetReader, ImageArrays
from siamese.utils.parameters import ParameterError

# Held out by default: two alphabets of at least 20 characters (a 20-way within-alphabet episode needs 20), and
# of the smaller ones, so that training keeps 6 alphabets and 196 of the 242 characters.
DEFAULT_VAL_ALPHABETS = ("Early_Aramaic",)
DEFAULT_TEST_ALPHABETS = ("Balinese",)


class OmniglotReader(DatasetReader):
    """The 8 alphabets of ``data/omniglot`` (or the two zips under ``root``), split ``train``/``val``/``test``."""

    name = "omniglot"
    channels = 1
    splits = ("train", "val", "test")

    def __init__(self, root: str | Path | None = None, image_size: int = 28,
                 val_alphabets: Sequence[str] = DEFAULT_VAL_ALPHABETS,
                 test_alphabets: Sequence[str] = DEFAULT_TEST_ALPHABETS, cache_dir: str | Path | None = None):
        if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 1:
            raise ParameterError("image_size", image_size, "must be a positive whole number of pixels")
        self.root = None if root is None else Path(root).expanduser()
        self.size, self.cache_dir = image_size, cache_dir
        self.check()
        verify_sources(self.root)
        names = sorted({key.rsplit("/", 1)[0] for key in list_drawings(self.root)})
        self._names = names
        self.all_alphabets = sorted({name.split("/")[0] for name in names})
        val = self._alphabets(val_alphabets, "val_alphabets")
        test = self._alphabets(test_alphabets, "test_alphabets")
        both = sorted(set(val) & set(test))
        if both:
            raise ParameterError("test_alphabets", test_alphabets, f"alphabet {both[0]!r} is in both val_alphabets and "
                                 "test_alphabets")
        train = [a for a in self.all_alphabets if a not in val and a not in test]
        if not train:
            raise ParameterError("test_alphabets", test_alphabets, "val_alphabets and test_alphabets hold out every "
                                 "alphabet: none is left to train on")
        self.split_alphabets = {"train": tuple(train), "val": val, "test": test}

    def _alphabets(self, given: Sequence[str], parameter: str) -> tuple[str, ...]:
        names = [given] if isinstance(given, str) else list(given)
        if not names:
            raise ParameterError(parameter, given, f"must name at least one alphabet; alphabets are "
                                                   f"{self.all_alphabets}")
        lookup = {a.lower(): a for a in self.all_alphabets}
        for name in names:
            if str(name).lower() not in lookup:
                raise ParameterError(parameter, given, f"unknown alphabet {name!r}; alphabets are {self.all_alphabets}")
        chosen = [lookup[str(name).lower()] for name in names]
        if len(set(chosen)) != len(chosen):
            raise ParameterError(parameter, given, "lists an alphabet twice")
        return tuple(chosen)

    @property
    def image_size(self) -> tuple[int, int]:
        return (self.size, self.size)

    @property
    def class_names(self) -> list[str]:
        return list(self._names)

    @property
    def label_groups(self) -> dict[int, str]:
        return {i: name.split("/")[0] for i, name in enumerate(self._names)}

    def expected_files(self, split: str) -> list[Path]:
        return source_paths(self.root)

    def read(self, split: str) -> ImageArrays:
        arrays = load_omniglot(self.size, None if self.root is None else str(self.root),
                               None if self.cache_dir is None else str(self.cache_dir))
        if arrays.class_names != self._names:
            raise ValueError(f"the Omniglot cache lists other characters than the zips: delete "
                             f"{self.cache_dir or '$SIAMESE_CACHE or .cache'}/omniglot")
        alphabets = np.array(arrays.alphabets)[arrays.labels]
        positions = np.flatnonzero(np.isin(alphabets, self.split_alphabets[split]))
        return ImageArrays(torch.from_numpy(arrays.images[positions])[:, None].contiguous(),
                           torch.from_numpy(arrays.labels[positions]), torch.from_numpy(positions))
