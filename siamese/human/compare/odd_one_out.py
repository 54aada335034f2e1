"""Odd-one-out scoring: how often a model picks the image people picked as the odd one of three.

For a trial ``(i, j, k)`` the model's similarities are ``s(j, k)``, ``s(i, k)``, ``s(i, j)`` (cosine of embeddings,
``siamese.human.compare.similarity.cosine_matrix`` / ``cosine_rows``: the toolkit's one cosine); column ``m`` of
``pair_similarities`` is the pair that leaves image ``m`` out. The model's odd one is the image outside its most
similar pair, ``argmax_m s_m``. An answer earns credit 1 when the person's odd one is the model's; when the
largest similarity is tied between ``t`` pairs (equal within ``TIE_TOLERANCE``, so that cosines equal in exact
arithmetic but rounded differently still tie), each of their odd ones earns ``1 / t`` (so a constant embedding
scores chance exactly). **Accuracy** = mean credit over answers (a trial answered by several people counts once
per answer). Chance is 1/3.

**CI** (``level``, default 95%): a percentile bootstrap (``scipy.stats.bootstrap``, ``method="percentile"``,
seeded) over *images* when some image is in more than one trial (the usual case: trials share images, so answers
are not independent): draw the N images with replacement; an answer on ``(i, j, k)`` enters with weight
``c_i c_j c_k`` (``c`` = how often each image was drawn); accuracy is the weighted mean. When no image is in two
trials, the units are the trials (the distinct sets of three images; the answers of a repeated trial move
together). BCa is not used: its jackknife would score the whole set once per image.

**Noise ceiling** from repeated trials (the same three images asked more than once, in any order), over the
answers of those trials only:

- ``ceiling_upper`` = sum over repeated trials of (answers agreeing with the trial's modal answer) / (their
  answers): the accuracy of answering each repeated trial with its modal answer, which no model that gives one
  answer per trial can beat on these answers;
- ``ceiling_lower`` = mean over those answers of the credit of predicting it with the modal answer of the *other*
  answers to its trial (ties between ``t`` modes: ``1 / t`` each): how well people predict a held-out person.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
from scipy import stats

from siamese.human.compare.similarity import cosine_matrix, cosine_rows, unit_rows
from siamese.human.io.judgments import ODD_ONE_OUT, TripletAnswers

log = logging.getLogger(__name__)

CHANCE = 1.0 / 3.0
MATRIX_MAX_IMAGES = 8192  # up to here the [N, N] similarity matrix (float64, <= 512 MiB) is gathered from
TIE_TOLERANCE = 1e-9      # similarities this close count as equal
CHUNK = 1 << 18           # triplets per chunk when the pairs are scored row-wise


def pair_similarities(similarity, triplets) -> np.ndarray:
    """``[T, 3]`` from an ``[N, N]`` similarity matrix: column m is the similarity of the two images of each
    triplet other than its m-th (``s(j, k)``, ``s(i, k)``, ``s(i, j)``)."""
    similarity = np.asarray(similarity)
    t = np.asarray(triplets, dtype=np.int64).reshape(-1, 3)
    return np.column_stack([similarity[t[:, 1], t[:, 2]], similarity[t[:, 0], t[:, 2]],
                            similarity[t[:, 0], t[:, 1]]])


def embedding_pair_similarities(embeddings, triplets, chunk: int = CHUNK) -> np.ndarray:
    """:func:`pair_similarities` of the cosine of ``embeddings`` ``[N, D]`` (rows in image order): gathered from
    the ``[N, N]`` matrix when N <= ``MATRIX_MAX_IMAGES``, else row-wise in chunks of ``chunk`` triplets."""
    embeddings = np.asarray(embeddings)
    t = np.asarray(triplets, dtype=np.int64).reshape(-1, 3)
    if len(embeddings) <= MATRIX_MAX_IMAGES:
        return pair_similarities(cosine_matrix(embeddings.reshape(len(embeddings), -1)), t)
    unit = unit_rows(embeddings).numpy()
    out = np.empty((len(t), 3))
    for start in range(0, len(t), chunk):
        part = t[start:start + chunk]
        for m, (a, b) in enumerate(((1, 2), (0, 2), (0, 1))):
            out[start:start + chunk, m] = cosine_rows(unit[part[:, a]], unit[part[:, b]])
    return out


def chosen_columns(answers: TripletAnswers) -> np.ndarray:
    """Per answer, the position (0, 1, 2) of the chosen odd one in its trial's triplet."""
    shown = answers.triplets[answers.trial]
    return np.argmax(shown == answers.chosen[:, None], axis=1)


def model_credit(pair_sims, chosen_column) -> np.ndarray:
    """Credit per answer (module doc): 1 when the odd one outside the most similar pair is the chosen one, ``1/t``
    when ``t`` pairs tie for most similar and the chosen one's pair is among them, else 0."""
    pair_sims = np.asarray(pair_sims, dtype=float).reshape(-1, 3)
    tied = pair_sims >= pair_sims.max(axis=1, keepdims=True) - TIE_TOLERANCE
    hit = tied[np.arange(len(tied)), np.asarray(chosen_column, dtype=np.int64)]
    return hit / tied.sum(axis=1)


def trial_groups(triplets) -> np.ndarray:
    """Group id per triplet: triplets of the same three images (in any order) share one (0 .. G-1)."""
    t = np.sort(np.asarray(triplets, dtype=np.int64).reshape(-1, 3), axis=1)
    n = int(t.max()) + 1 if len(t) else 1
    keys = (t[:, 0] * n + t[:, 1]) * n + t[:, 2]
    order = np.argsort(keys, kind="stable")  # a sort: numpy's hashed unique is slower on millions of keys
    sorted_keys = keys[order]
    groups = np.empty(len(keys), dtype=np.int64)
    groups[order] = np.concatenate([[0], np.cumsum(sorted_keys[1:] != sorted_keys[:-1])]) if len(keys) else []
    return groups


def noise_ceiling(answers: TripletAnswers) -> dict[str, float]:
    """``ceiling_lower``, ``ceiling_upper`` (module doc) and how many repeated trials/answers they read (nan
    when no trial was answered twice)."""
    group = trial_groups(answers.triplets)[answers.trial]
    shown = np.sort(answers.triplets[answers.trial], axis=1)
    column = np.argmax(shown == answers.chosen[:, None], axis=1)  # odd one's position among the sorted images
    n_groups = int(group.max()) + 1 if len(group) else 0
    counts = np.bincount(group * 3 + column, minlength=3 * n_groups).reshape(n_groups, 3).astype(float)
    totals = counts.sum(axis=1)
    repeated = totals[group] >= 2
    out = {"ceiling_lower": float("nan"), "ceiling_upper": float("nan"),
           "repeated_trials": int((totals >= 2).sum()), "repeated_answers": int(repeated.sum())}
    if not repeated.any():
        return out
    kept = totals >= 2
    out["ceiling_upper"] = float(counts[kept].max(axis=1).sum() / totals[kept].sum())
    others = counts[group[repeated]].copy()
    others[np.arange(len(others)), column[repeated]] -= 1
    modes = others == others.max(axis=1, keepdims=True)
    out["ceiling_lower"] = float(np.mean(modes[np.arange(len(modes)), column[repeated]] / modes.sum(axis=1)))
    return out


def _weighted_mean_ci(credit, units, n_units: int, n_boot: int, level: float, seed: int) -> tuple[float, float]:
    """Percentile bootstrap CI of ``sum(w credit) / sum(w)`` with ``w`` = product over each answer's units
    (columns of ``units`` ``[C, U]``) of how often that unit was drawn; nan with fewer than two units."""
    credit = np.asarray(credit, dtype=np.float32)  # 0, 1/3, 1/2, 1: float32 keeps the gathers fast
    units = np.asarray(units, dtype=np.intp).reshape(len(credit), -1)
    columns = [np.ascontiguousarray(units[:, k]) for k in range(units.shape[1])]

    def statistic(drawn):
        counts = np.bincount(drawn, minlength=n_units).astype(np.float32)  # products of small counts: exact
        weights = np.take(counts, columns[0])
        for column in columns[1:]:
            weights *= np.take(counts, column)
        total = weights.sum(dtype=np.float64)
        return float((weights * credit).sum(dtype=np.float64) / total) if total > 0 else float("nan")

    if n_units < 2:
        return float("nan"), float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        result = stats.bootstrap((np.arange(n_units),), statistic, n_resamples=n_boot, confidence_level=level,
                                 method="percentile", vectorized=False, random_state=np.random.default_rng(seed))
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def accuracy_ci(credit, answers: TripletAnswers, n_images: int, n_boot: int = 1000, level: float = 0.95,
                seed: int = 0) -> tuple[float, float, str]:
    """``(low, high, unit)``: the bootstrap CI of the module doc; ``unit`` is ``images`` or ``trials``."""
    shown = answers.triplets[answers.trial]
    groups = trial_groups(answers.triplets)
    answered = np.bincount(answers.trial, minlength=len(groups)) > 0
    distinct = np.bincount(groups[answered], minlength=1) > 0  # the distinct image sets answered
    first = np.zeros(len(distinct), dtype=np.int64)
    first[groups[answered]] = np.flatnonzero(answered)  # one trial of each distinct set
    shows = np.bincount(answers.triplets[first[distinct]].reshape(-1), minlength=n_images)
    if (shows > 1).any():  # some image is in two different trials
        return (*_weighted_mean_ci(credit, shown, n_images, n_boot, level, seed), "images")
    group = groups[answers.trial]
    return (*_weighted_mean_ci(credit, group, int(groups.max()) + 1, n_boot, level, seed), "trials")


def score_odd_one_out(pair_sims, answers: TripletAnswers, n_images: int, n_boot: int = 1000, level: float = 0.95,
                      seed: int = 0) -> dict:
    """Accuracy, its CI (and unit), chance and the noise ceiling of a model's ``pair_sims`` ``[T, 3]`` (one row
    per trial of ``answers``, from :func:`pair_similarities` or :func:`embedding_pair_similarities`)."""
    if answers.task != ODD_ONE_OUT:
        raise ValueError(f"odd-one-out scoring needs odd-one-out answers, got {answers.task!r}")
    if len(answers) == 0:
        raise ValueError("no odd-one-out answers to score")
    pair_sims = np.asarray(pair_sims, dtype=float)
    if pair_sims.shape != (len(answers.triplets), 3):
        raise ValueError(f"pair_sims has shape {pair_sims.shape}; expected ({len(answers.triplets)}, 3), one row "
                         f"per trial")
    credit = model_credit(pair_sims[answers.trial], chosen_columns(answers))
    low, high, unit = accuracy_ci(credit, answers, n_images, n_boot, level, seed)
    return {"accuracy": float(credit.mean()), "ci_low": low, "ci_high": high, "ci_unit": unit, "level": level,
            "chance": CHANCE, "n_answers": int(len(answers)), "n_trials": int(len(answers.triplets)),
            **noise_ceiling(answers)}
