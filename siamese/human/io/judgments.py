"""People's similarity judgments over one set of images: what every reader returns and every analysis takes.

One :class:`Judgments` holds the images and any of four kinds of judgment about them:

- **rated pairs**: ``pairs`` int ``[P, 2]`` (positions of the two images in ``images``), ``pair_id`` ``[P]`` and
  ``ratings`` float ``[R, P]``, one row per rater (``raters``), NaN where a rater did not rate a pair. Raw ratings
  lie on ``scale`` = (low, high), higher = more alike (the rating page's 1-10). ``normalization`` names the
  per-rater normalization applied to ``ratings`` (``none``, ``zscore``, ``rank``); ``scale`` stays the declared
  scale of the raw ratings.
- **2AFC triplets** (``two_afc``, a :class:`TripletAnswers`): trial ``(anchor, a, b)``, "which of a and b looks
  more like the anchor?"; ``chosen`` is the image picked (a or b).
- **odd-one-out triplets** (``odd_one_out``, a :class:`TripletAnswers`): trial ``(i, j, k)``, "which one does not
  belong?"; ``chosen`` is the odd one, so the other two are the pair judged most alike.
- **a similarity matrix**: ``similarity`` float ``[N, N]``, symmetric, rows and columns in ``image_id`` order.

Conventions:

- Images are uint8 ``[N, 28, 28]`` in 0-255 (stroke bright on dark, as MNIST); ``image_id`` ``[N]`` are unique
  strings. Every index in the type (``pairs``, ``triplets``, ``chosen``) is a position into ``images``.
- Pairs given as pixels (a ``pairs.npz``) share an image exactly when the pixels are equal
  (``siamese.evaluation.folds.image_keys``): image ids are then ``img0``, ``img1``, ... in order of first
  appearance, first image of each pair first. This is what lets statistics resample images rather than pairs.
- "The latest answer of a rater wins": a rater who goes back and changes an answer writes a new row with the next
  ``revision`` (0, 1, 2, ...); a reader keeps, for each (rater, pair) or (rater, trial), the row with the highest
  revision, and refuses two rows with the same revision (``siamese.human.io.common.latest_answers``).
- Collected online (``siamese.human.io.jspsych``): ``rt`` ``[R, P]`` is the reaction time (ms) of each kept rating,
  ``retest`` ``[R, P]`` the rating the rater gave the same pair when it was shown again (NaN where it was not),
  ``sessions`` ``[R]`` each rater's session id, ``catch`` ``[P]`` marks catch pairs (an image with itself, which must
  be rated high); triplet answers carry ``rt`` ``[C]``, ``repeat`` ``[C]`` (the answer to a trial shown again to the
  same rater) and per trial ``expected`` ``[T]`` (the right choice of a catch trial, -1 for an ordinary trial).
- ``synthetic``: the data were generated, not given by people (the files say so, ``siamese.human.io.common``);
  every output made from them is labelled SYNTHETIC.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from siamese.evaluation.folds import image_keys

TWO_AFC, ODD_ONE_OUT = "2afc", "odd-one-out"
# per-rater normalizations of ratings (computed by siamese.human.compare.normalize) and how outputs name them
NORMALIZATIONS = ("none", "zscore", "rank")
DESCRIPTIONS = {
    "none": "raw ratings",
    "zscore": "z-scored within each rater over the pairs that rater rated (population sd)",
    "rank": "ranked within each rater (ties: average rank), scaled to 0-1",
}


@dataclass(frozen=True)
class TripletAnswers:
    """Answers to three-image trials: ``triplets`` int ``[T, 3]`` (image positions shown), ``trial_id`` ``[T]``, and
    per answer ``c``: ``rater[c]``, ``trial[c]`` (a row of ``triplets``) and ``chosen[c]`` (an image position, one
    of that trial's three). ``task`` says what the choice means: ``2afc`` (columns anchor, a, b; ``chosen`` is a or
    b, the one more like the anchor) or ``odd-one-out`` (``chosen`` is the odd one)."""

    task: str
    triplets: np.ndarray
    trial_id: list[str]
    rater: list[str]
    trial: np.ndarray
    chosen: np.ndarray
    rt: np.ndarray | None = None        # [C] reaction time of each answer (ms), when recorded
    repeat: np.ndarray | None = None    # [C] bool: the rater's second answer to this trial (test-retest)
    expected: np.ndarray | None = None  # [T] the right choice of a catch trial, -1 for an ordinary trial

    def __post_init__(self):
        object.__setattr__(self, "triplets", np.asarray(self.triplets, dtype=np.int64).reshape(-1, 3))
        for name, dtype, size in (("rt", float, len(self.chosen)), ("repeat", bool, len(self.chosen)),
                                  ("expected", np.int64, len(self.trial_id))):
            if getattr(self, name) is not None:
                value = np.asarray(getattr(self, name), dtype=dtype).reshape(-1)
                if len(value) != size:
                    raise ValueError(f"{name} has {len(value)} entries; it must have {size}")
                object.__setattr__(self, name, value)
        object.__setattr__(self, "trial", np.asarray(self.trial, dtype=np.int64).reshape(-1))
        object.__setattr__(self, "chosen", np.asarray(self.chosen, dtype=np.int64).reshape(-1))
        if self.task not in (TWO_AFC, ODD_ONE_OUT):
            raise ValueError(f"task must be {TWO_AFC!r} or {ODD_ONE_OUT!r}, got {self.task!r}")
        if len(self.trial_id) != len(self.triplets):
            raise ValueError(f"{len(self.triplets)} triplets but {len(self.trial_id)} trial ids")
        if not len(self.rater) == len(self.trial) == len(self.chosen):
            raise ValueError(f"answers disagree in length: rater {len(self.rater)}, trial {len(self.trial)}, "
                             f"chosen {len(self.chosen)}")
        if len(self.trial) and (self.trial.min() < 0 or self.trial.max() >= len(self.triplets)):
            raise ValueError(f"trial positions must lie in [0, {len(self.triplets)})")
        shown = self.triplets[self.trial]
        allowed = shown[:, 1:] if self.task == TWO_AFC else shown
        bad = np.flatnonzero(~(allowed == self.chosen[:, None]).any(axis=1))
        if len(bad):
            c = int(bad[0])
            raise ValueError(f"answer {c}: chosen image {self.chosen[c]} is not one the trial offers "
                             f"({allowed[c].tolist()})")

    def __len__(self) -> int:
        return len(self.chosen)

    def rows(self) -> np.ndarray:
        """int ``[C, 4]``: ``(anchor, a, b, chosen)`` per answer (2AFC) or ``(i, j, k, odd)`` (odd-one-out)."""
        return np.column_stack([self.triplets[self.trial], self.chosen]) if len(self) else np.zeros((0, 4), int)


@dataclass
class Judgments:
    """Images and people's judgments about them (the module docstring gives every field's convention)."""

    image_id: list[str]
    images: np.ndarray
    pair_id: list[str] = field(default_factory=list)
    pairs: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    ratings: np.ndarray | None = None
    raters: list[str] = field(default_factory=list)
    scale: tuple[float, float] = (1.0, 10.0)
    normalization: str = "none"
    label: np.ndarray | None = None       # [P] digit of a pair, -1 when its two images differ (when known)
    source: list[dict] = field(default_factory=list)  # rows of pairs.csv an MNIST-referenced pair set came from
    two_afc: TripletAnswers | None = None
    odd_one_out: TripletAnswers | None = None
    similarity: np.ndarray | None = None
    synthetic: bool = False
    path: Path | None = None
    rt: np.ndarray | None = None          # [R, P] reaction time (ms) of each kept rating, NaN where none
    retest: np.ndarray | None = None      # [R, P] the rating given when the pair was shown again, NaN where not
    sessions: list[str] = field(default_factory=list)  # [R] each rater's session id (online studies)
    catch: np.ndarray | None = None       # [P] bool: catch pairs (an image with itself, to be rated high)

    def __post_init__(self):
        self.image_id = [str(i) for i in self.image_id]
        self.images = np.asarray(self.images)
        self.pairs = np.asarray(self.pairs, dtype=np.int64).reshape(-1, 2)
        if len(self.images) != len(self.image_id):
            raise ValueError(f"{len(self.images)} images but {len(self.image_id)} image ids")
        if len(set(self.image_id)) != len(self.image_id):
            raise ValueError("image ids must be unique")
        if len(self.pair_id) != len(self.pairs):
            raise ValueError(f"{len(self.pairs)} pairs but {len(self.pair_id)} pair ids")
        if len(self.pairs) and (self.pairs.min() < 0 or self.pairs.max() >= len(self.images)):
            raise ValueError(f"pair positions must lie in [0, {len(self.images)})")
        if self.ratings is not None:
            self.ratings = np.asarray(self.ratings, dtype=float).reshape(len(self.raters), len(self.pairs))
        for name in ("rt", "retest"):
            if getattr(self, name) is not None:
                value = np.asarray(getattr(self, name), dtype=float)
                if value.size != len(self.raters) * len(self.pairs):
                    raise ValueError(f"{name} has shape {value.shape}; it must be raters x pairs "
                                     f"({len(self.raters)}, {len(self.pairs)}) (subset raters with subset_raters)")
                setattr(self, name, value.reshape(len(self.raters), len(self.pairs)))
        if self.catch is not None:
            self.catch = np.asarray(self.catch, dtype=bool).reshape(len(self.pairs))
        if self.sessions and len(self.sessions) != len(self.raters):
            raise ValueError(f"{len(self.raters)} raters but {len(self.sessions)} sessions")
        if self.normalization not in NORMALIZATIONS:
            raise ValueError(f"unknown rater normalization {self.normalization!r}; choose from {list(NORMALIZATIONS)}")
        if self.similarity is not None:
            self.similarity = np.asarray(self.similarity, dtype=float)
            if self.similarity.shape != (len(self.images),) * 2:
                raise ValueError(f"similarity has shape {self.similarity.shape}; it must be "
                                 f"{len(self.images)} x {len(self.images)}")
        for name, answers, task in (("two_afc", self.two_afc, TWO_AFC), ("odd_one_out", self.odd_one_out,
                                                                          ODD_ONE_OUT)):
            if answers is not None and (answers.task != task or (len(answers.triplets) and
                                                                  answers.triplets.max() >= len(self.images))):
                raise ValueError(f"{name} must hold {task} answers over these {len(self.images)} images")

    # ------------------------------------------------------------------------------------------- constructors
    @classmethod
    def from_pairs(cls, images_a, images_b, pair_id, ratings=None, raters=(), **fields) -> Judgments:
        """Rated pairs given as pixels: equal images become one image (``img0``, ``img1``, ...; module doc)."""
        images_a, images_b = np.asarray(images_a), np.asarray(images_b)
        keys = image_keys(images_a, images_b)
        count = int(keys.max()) + 1 if len(keys) else 0
        images = np.zeros((count, *images_a.shape[1:]), dtype=images_a.dtype)
        images[keys[:, 0]], images[keys[:, 1]] = images_a, images_b
        return cls([f"img{k}" for k in range(count)], images, list(pair_id), keys, ratings, list(raters), **fields)

    @classmethod
    def from_matrix(cls, images, image_id, similarity, **fields) -> Judgments:
        """An image set with an ``[N, N]`` similarity matrix."""
        return cls(list(image_id), images, similarity=similarity, **fields)

    @classmethod
    def from_triplets(cls, images, image_id, task: str, triplets, chosen, rater=None, trial=None, trial_id=None,
                      **fields) -> Judgments:
        """Triplet answers (``task`` ``2afc`` or ``odd-one-out``); with ``trial`` None, answer c is on triplet c;
        ``rater`` None: one unnamed rater; ``trial_id`` None: ``t0``, ``t1``, ..."""
        triplets = np.asarray(triplets, dtype=np.int64).reshape(-1, 3)
        trial = np.arange(len(triplets)) if trial is None else trial
        chosen = np.asarray(chosen).reshape(-1)
        answers = TripletAnswers(task, triplets, list(trial_id) if trial_id is not None else
                                 [f"t{k}" for k in range(len(triplets))],
                                 list(rater) if rater is not None else [""] * len(chosen), trial, chosen)
        return cls(list(image_id), images, **fields, **{"two_afc" if task == TWO_AFC else "odd_one_out": answers})

    def describe(self) -> str:
        """How the ratings were normalized, in words (every report states it)."""
        return f"rater normalization: {self.normalization} ({DESCRIPTIONS[self.normalization]})"

    def with_ratings(self, ratings, normalization: str) -> Judgments:
        """A copy whose ``ratings`` are ``ratings`` (same raters and pairs), normalized by ``normalization``."""
        return replace(self, ratings=np.asarray(ratings, dtype=float), normalization=normalization)

    def subset_raters(self, rows) -> Judgments:
        """A copy with only the raters at positions ``rows`` (ratings, rt, retest and sessions follow)."""
        rows = np.asarray(rows, dtype=np.int64)
        ratings, rt, retest = (None if m is None else m[rows] for m in (self.ratings, self.rt, self.retest))
        return replace(self, raters=[self.raters[r] for r in rows], ratings=ratings, rt=rt, retest=retest,
                       sessions=[self.sessions[r] for r in rows] if self.sessions else [])

    def subset_pairs(self, rows) -> Judgments:
        """A copy with only the pairs at positions ``rows`` (in that order; a row may repeat)."""
        rows = np.asarray(rows, dtype=np.int64)
        return replace(self, pair_id=[self.pair_id[r] for r in rows], pairs=self.pairs[rows],
                       ratings=None if self.ratings is None else self.ratings[:, rows],
                       rt=None if self.rt is None else self.rt[:, rows],
                       retest=None if self.retest is None else self.retest[:, rows],
                       catch=None if self.catch is None else self.catch[rows],
                       label=None if self.label is None else np.asarray(self.label)[rows],
                       source=[self.source[r] for r in rows] if self.source else [])

    # --------------------------------------------------------------------------------------------- pair views
    def __len__(self) -> int:
        """The number of pairs."""
        return len(self.pairs)

    @property
    def images_a(self) -> np.ndarray:
        return self.images[self.pairs[:, 0]]

    @property
    def images_b(self) -> np.ndarray:
        return self.images[self.pairs[:, 1]]

    def counts(self) -> np.ndarray:
        """How many raters rated each pair ``[P]``."""
        return np.zeros(len(self.pairs), int) if self.ratings is None else (~np.isnan(self.ratings)).sum(axis=0)

    def mean(self) -> np.ndarray:
        """Mean rating of each pair over the raters who rated it ``[P]`` (NaN when nobody did)."""
        if self.ratings is None:
            return np.full(len(self.pairs), np.nan)
        rated = ~np.isnan(self.ratings)
        sums = np.where(rated, self.ratings, 0.0).sum(axis=0)
        return np.where(rated.any(axis=0), sums / np.maximum(rated.sum(axis=0), 1), np.nan)

    def rated(self) -> np.ndarray:
        """Positions of the pairs at least one rater rated."""
        return np.flatnonzero(self.counts() > 0)

    def matrix_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """The upper triangle of ``similarity``: pairs ``[M, 2]`` (i < j, row-major) and their values ``[M]``."""
        if self.similarity is None:
            raise ValueError("these judgments hold no similarity matrix")
        i, j = np.triu_indices(len(self.images), k=1)
        return np.column_stack([i, j]), self.similarity[i, j]
