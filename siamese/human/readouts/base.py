"""Base class of the readouts: a few fitted parameters on top of a frozen network's similarity.

A readout maps the frozen activations of a pair (``PairFeatures``) to one similarity score per pair, and has
one regularization strength ``reg`` whose meaning each readout states. The base class does everything around
the idea once:

- ``fit(features, rows, target)`` checks the target, standardizes it over the training rows (mean 0, sd 1; the
  scores are only ever correlated, so the scale is immaterial) and calls the readout's ``_fit``;
- ``select(...)`` is the nested cross-validation: for every ``reg`` of the readout's ``grid`` it fits on the
  inner training folds (image-grouped folds *inside* the training rows) and scores Pearson r on the inner
  held-out fold; the ``reg`` with the highest mean inner r wins (ties: the stronger regularization), and the
  readout is then refitted on all the training rows with it;
- ``save``/``load``: a plain ``.npz`` (arrays and strings only, read with ``allow_pickle=False``) plus a JSON
  ``meta`` string; nothing in the file is executed.

A new readout writes ``_fit``, ``similarity``, ``parameters`` and ``_set_parameters``.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

import numpy as np

from siamese.evaluation.folds import grouped_folds
from siamese.human.compare.stats import pearson
from siamese.human.readouts.features import PairFeatures

FORMAT_VERSION = 1


class Readout(ABC):
    kind: ClassVar[str]
    grid: ClassVar[tuple[float, ...]]  # regularization strengths tried by select(), strongest last or first
    registry: ClassVar[dict[str, type[Readout]]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            Readout.registry[cls.kind] = cls

    def __init__(self, layers, reg: float | None = None, seed: int = 0):
        self.layers = [layers] if isinstance(layers, str) else list(layers)
        if not self.layers:
            raise ValueError(f"{self.kind} readout needs at least one layer")
        self.reg = float(self.grid[0] if reg is None else reg)
        self.seed = seed
        self.fitted = False
        self.meta: dict = {}

    # ------------------------------------------------------------------------------------------- the idea
    @abstractmethod
    def _fit(self, features: PairFeatures, rows: np.ndarray, target: np.ndarray) -> None:
        """Fit the parameters on ``rows`` of ``features``; ``target`` is standardized (mean 0, sd 1)."""

    @abstractmethod
    def similarity(self, features: PairFeatures, rows=None) -> np.ndarray:
        """The readout's similarity of each pair (of ``rows``, default all)."""

    @abstractmethod
    def parameters(self) -> dict[str, np.ndarray]:
        """The fitted parameters as named arrays (what ``save`` writes)."""

    @abstractmethod
    def _set_parameters(self, arrays: dict[str, np.ndarray]) -> None:
        """Restore what ``parameters`` returned."""

    def describe(self) -> str:
        return f"{self.kind} on {'+'.join(self.layers)}"

    # ------------------------------------------------------------------------------------------ shared work
    def fit(self, features: PairFeatures, rows, target) -> Readout:
        rows = np.asarray(rows, dtype=np.int64)
        target = np.asarray(target, dtype=float)
        if target.shape != rows.shape:
            raise ValueError(f"target has {target.shape} values for {rows.shape} rows")
        if not np.isfinite(target).all():
            raise ValueError("the target of a readout fit must be finite (drop unrated pairs first)")
        if len(rows) < 3 or target.std() == 0:
            raise ValueError(f"a readout needs at least 3 training pairs with varying ratings, got {len(rows)}")
        missing = [layer for layer in self.layers if layer not in features.layers]
        if missing:
            raise KeyError(f"{self.kind} readout needs layer {missing[0]!r}; extracted: {list(features.layers)}")
        self._fit(features, rows, (target - target.mean()) / target.std())
        self.fitted = True
        return self

    def select(self, features: PairFeatures, rows, target, groups, inner_folds: int = 4,
               seed: int = 0) -> dict[float, float]:
        """Nested CV over ``grid`` inside ``rows`` (see the module doc); refits on all ``rows`` with the best
        ``reg``. ``groups`` are the image groups of all pairs (``pair_groups``). Returns ``{reg: mean inner r}``."""
        rows = np.asarray(rows, dtype=np.int64)
        target = np.asarray(target, dtype=float)
        groups = np.asarray(groups)[rows]
        k = min(inner_folds, len(np.unique(groups)))
        folds = grouped_folds(groups, k, seed)
        scores: dict[float, float] = {}
        for reg in self.grid:
            values = []
            for inner_train, inner_test in folds:
                trial = type(self)(self.layers, reg, self.seed)
                trial.fit(features, rows[inner_train], target[inner_train])
                values.append(pearson(trial.similarity(features, rows[inner_test]), target[inner_test]))
            finite = [v for v in values if np.isfinite(v)]
            scores[float(reg)] = float(np.mean(finite)) if finite else float("-inf")
        strongest_first = sorted(scores, key=self.strength, reverse=True)
        self.reg = max(strongest_first, key=lambda reg: scores[reg])  # max keeps the first (strongest) of ties
        self.fit(features, rows, target)
        self.meta["inner_cv_r"] = {repr(reg): value for reg, value in scores.items()}
        return scores

    @staticmethod
    def strength(reg: float) -> float:
        """How strongly ``reg`` regularizes (larger = stronger); readouts where it is the other way round
        override this."""
        return reg

    # -------------------------------------------------------------------------------------------- file
    def save(self, path: str | Path, meta: dict | None = None) -> Path:
        """Write the readout as ``.npz`` (see the module doc), atomically (``siamese.utils.files``)."""
        import io

        from siamese.utils.files import write_bytes_atomic

        if not self.fitted:
            raise ValueError("fit the readout before saving it")
        path = Path(path)
        arrays = {f"param_{name}": np.asarray(value) for name, value in self.parameters().items()}
        info = {**self.meta, **(meta or {})}
        buffer = io.BytesIO()
        np.savez(buffer, format_version=np.int64(FORMAT_VERSION), kind=np.str_(self.kind),
                 layers=np.array(self.layers, dtype=str), reg=np.float64(self.reg),
                 meta=np.str_(json.dumps(info, default=float)), **arrays)
        write_bytes_atomic(path, buffer.getvalue())
        return path


def load_readout(path: str | Path) -> Readout:
    """A readout written by ``Readout.save`` (any kind); a clear error for anything else."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"readout file {path} not found")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except Exception as error:  # noqa: BLE001 - a broken zip or a pickled array: unreadable either way
        raise ValueError(f"{path}: not a readable readout .npz ({error})") from None
    for key in ("format_version", "kind", "layers", "reg", "meta"):
        if key not in arrays:
            raise ValueError(f"{path}: missing key {key!r}; not a readout written by align-readout")
    if int(arrays["format_version"]) != FORMAT_VERSION:
        raise ValueError(f"{path}: readout format {int(arrays['format_version'])}, this code reads {FORMAT_VERSION}")
    kind = str(arrays["kind"])
    if kind not in Readout.registry:
        raise ValueError(f"{path}: unknown readout kind {kind!r}; known: {sorted(Readout.registry)}")
    readout = Readout.registry[kind]([str(v) for v in arrays["layers"].tolist()], float(arrays["reg"]))
    readout._set_parameters({key[len("param_"):]: value for key, value in arrays.items() if key.startswith("param_")})
    readout.meta = json.loads(str(arrays["meta"]))
    readout.fitted = True
    return readout
