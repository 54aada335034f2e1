"""The readers that return :class:`~siamese.human.io.judgments.Judgments`, one per kind of study directory.

- :func:`read_pairs`: a pair set (``pairs.npz`` or ``pairs.csv``) with its ratings (``ratings.csv``);
- :func:`read_two_afc`: a trial set (``images.npz`` + ``trials.csv``) with the 2AFC answers (``choices.csv``);
- :func:`read_image_set`: ``images.npz`` with a similarity matrix and/or ``triplets.csv``.

Each validates on load and raises :class:`~siamese.human.io.common.FormatError` naming the file, row and value.
The formats are documented in docs/human_similarity.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from siamese.human.io.common import DEFAULT_SCALE, RATINGS_CSV, FormatError, load_npz, synthetic_key
from siamese.human.io.image_files import load_images
from siamese.human.io.image_set import load_image_set
from siamese.human.io.judgments import TWO_AFC, Judgments
from siamese.human.io.pair_set import PairSet, load_pair_set
from siamese.human.io.ratings import Ratings, load_ratings
from siamese.human.io.trial_set import CHOICES_CSV, load_choices, load_trial_set


def from_pair_set(pairs: PairSet, ratings: Ratings | None = None) -> Judgments:
    """One :class:`Judgments` of a loaded pair set and (optionally) its ratings; SYNTHETIC when either file says so.
    Ratings normalized by ``siamese.human.compare.normalize`` keep their ``normalization``."""
    if ratings is not None and list(ratings.pair_id) != list(pairs.pair_id):
        raise ValueError("ratings must be loaded with the pair set's pair ids (load_ratings(path, pairs.pair_id))")
    return Judgments.from_pairs(
        pairs.images_a, pairs.images_b, pairs.pair_id,
        ratings=None if ratings is None else ratings.matrix, raters=() if ratings is None else ratings.raters,
        scale=DEFAULT_SCALE if ratings is None else tuple(float(v) for v in ratings.scale),
        normalization=getattr(ratings, "normalization", "none"), label=pairs.label, source=list(pairs.source),
        synthetic=bool(pairs.synthetic or (ratings is not None and ratings.synthetic)), path=pairs.path)


def read_pairs(directory: str | Path, ratings: str | Path | None = None, scale=DEFAULT_SCALE,
               cache_dir: str | Path | None = None) -> Judgments:
    """A pair set directory and its ratings CSV (``ratings``; default ``<directory>/ratings.csv`` when it exists,
    else no ratings)."""
    pairs = load_pair_set(directory, cache_dir)
    if ratings is None and (Path(directory) / RATINGS_CSV).is_file():
        ratings = Path(directory) / RATINGS_CSV
    return from_pair_set(pairs, None if ratings is None else load_ratings(ratings, pairs, tuple(scale)))


def read_two_afc(directory: str | Path, choices: str | Path | None = None) -> Judgments:
    """A trial set directory and its answers (``choices``; default ``<directory>/choices.csv``)."""
    trials = load_trial_set(directory)
    answers = load_choices(choices or Path(directory) / CHOICES_CSV, trials)
    triplets = np.column_stack([trials.anchor, trials.a, trials.b])
    chosen = np.where(answers.chose_a > 0, trials.a[answers.trial], trials.b[answers.trial])
    return Judgments.from_triplets(trials.images, trials.image_id, TWO_AFC, triplets, chosen, rater=answers.rater,
                                   trial=answers.trial, trial_id=trials.trial_id, path=trials.path)


def read_image_set(directory: str | Path) -> Judgments:
    """``images.npz`` with ``similarity.npy``/``.csv`` and/or ``triplets.csv`` (2AFC answers, one per row)."""
    image_set = load_image_set(directory)
    two_afc = None
    if image_set.triplets is not None:
        rows = np.asarray(image_set.triplets, dtype=np.int64).reshape(-1, 4)
        two_afc = Judgments.from_triplets(image_set.images, image_set.image_id, TWO_AFC, rows[:, :3],
                                          rows[:, 3]).two_afc
    return Judgments(image_set.image_id, image_set.images, similarity=image_set.similarity, two_afc=two_afc,
                     synthetic=image_set.synthetic, path=Path(directory))


def read_images_with_matrix(images: str | Path, similarity: str | Path) -> Judgments:
    """Images (a folder of image files, or an ``.npz`` with ``images`` and ``image_id``) and an ``N x N`` similarity
    matrix over them (``.npy``, or ``.csv`` without a header). An ``.npz`` marks generated data with a
    ``synthetic`` key, as an image set's ``images.npz`` does."""
    pixels, image_id = load_images(images)
    path = Path(similarity)
    if not path.is_file():
        raise FormatError(path, "file not found")
    try:
        matrix = np.load(path, allow_pickle=False) if path.suffix == ".npy" else np.loadtxt(path, delimiter=",")
    except ValueError as error:
        raise FormatError(path, f"not a readable matrix ({error})") from None
    if matrix.shape != (len(pixels), len(pixels)):
        raise FormatError(path, f"is {matrix.shape}, but {images} holds {len(pixels)} images")
    synthetic = Path(images).suffix == ".npz" and synthetic_key(images, load_npz(images, ()))
    return Judgments.from_matrix(pixels, image_id, matrix, synthetic=synthetic, path=Path(images))
