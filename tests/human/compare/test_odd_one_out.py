"""Odd-one-out scoring: accuracy on a hand-made embedding with an exact value, the noise ceiling by hand, both
against brute-force loops on random data, and the bootstrap CI's unit."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import siamese.human.compare.odd_one_out as ooo
from siamese.human.compare.odd_one_out import (
    embedding_pair_similarities,
    model_credit,
    noise_ceiling,
    score_odd_one_out,
)
from siamese.human.io.judgments import ODD_ONE_OUT, Judgments

A, B, C, D = range(4)
# cosines: AB 0.8, AC 0, AD -1, BC 0.6, BD -0.8, CD 0
EMBEDDING = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [-1.0, 0.0]])


def answers_of(triplets, chosen, n_images=4, trial=None):
    images = np.zeros((n_images, 2, 2), dtype=np.uint8)
    return Judgments.from_triplets(images, [f"i{k}" for k in range(n_images)], ODD_ONE_OUT, triplets, chosen,
                                   trial=trial).odd_one_out


def test_accuracy_on_a_hand_made_embedding_is_exact():
    # trials ABC (most alike AB: odd C), ACD (CD and AC tie at 0: odd A or D, 1/2 each), BCD (BC: odd D)
    triplets = [[A, B, C], [A, C, D], [B, C, D]]
    answers = answers_of(triplets, [C, A, A, C, D], trial=[0, 0, 1, 1, 2])
    sims = embedding_pair_similarities(EMBEDDING, answers.triplets)
    np.testing.assert_allclose(sims, [[0.6, 0.0, 0.8], [0.0, -1.0, 0.0], [0.0, -0.8, 0.6]], atol=1e-12)
    result = score_odd_one_out(sims, answers, n_images=4, n_boot=50)
    assert result["accuracy"] == pytest.approx((1 + 0 + 0.5 + 0 + 1) / 5)
    assert result["chance"] == pytest.approx(1 / 3) and result["n_answers"] == 5 and result["n_trials"] == 3
    assert result["ci_unit"] == "images"  # the trials share images


def test_a_constant_embedding_scores_chance_exactly():
    answers = answers_of([[0, 1, 2], [1, 2, 3]], [0, 3])
    result = score_odd_one_out(embedding_pair_similarities(np.ones((4, 3)), answers.triplets), answers, 4, n_boot=20)
    assert result["accuracy"] == pytest.approx(1 / 3)


def test_noise_ceiling_by_hand():
    # X = {0,1,2} asked 4 times (in two orders): odd 2, 2, 2, 0; Y = {3,4,5} twice: 3 and 4 (a split)
    answers = answers_of([[0, 1, 2], [2, 1, 0], [3, 4, 5]], [2, 2, 2, 0, 3, 4], n_images=6, trial=[0, 1, 0, 1, 2, 2])
    c = noise_ceiling(answers)
    assert c["repeated_trials"] == 2 and c["repeated_answers"] == 6
    assert c["ceiling_upper"] == pytest.approx((3 + 1) / 6)
    # leave one out: each "2" of X is predicted by the other three (2, 2, 0) -> 1; the "0" by (2, 2, 2) -> 0;
    # in Y each answer is predicted by the other one, which differs -> 0
    assert c["ceiling_lower"] == pytest.approx(3 / 6)
    tie = noise_ceiling(answers_of([[0, 1, 2]], [0, 0, 1], n_images=3, trial=[0, 0, 0]))
    # the two 0s each see one 0 and one 1 (two modes: 1/2 each); the 1 sees two 0s -> 0
    assert tie["ceiling_lower"] == pytest.approx((0.5 + 0.5 + 0) / 3) and tie["ceiling_upper"] == pytest.approx(2 / 3)
    none = noise_ceiling(answers_of([[0, 1, 2]], [0], n_images=3))
    assert np.isnan(none["ceiling_lower"]) and none["repeated_answers"] == 0


def brute_force(embedding, triplets, trial, chosen):
    def cos(u, v):
        nu, nv = np.linalg.norm(u), np.linalg.norm(v)
        return 0.0 if nu == 0 or nv == 0 else float(u @ v / (nu * nv))

    credits = []
    for t, odd in zip(trial, chosen):
        i, j, k = triplets[t]
        sims = {k: cos(embedding[i], embedding[j]), j: cos(embedding[i], embedding[k]),
                i: cos(embedding[j], embedding[k])}  # the odd one -> the similarity of the other two
        best = max(sims.values())
        winners = [image for image, s in sims.items() if s >= best - 1e-9]
        credits.append(1 / len(winners) if odd in winners else 0.0)
    return float(np.mean(credits))


def brute_ceiling(triplets, trial, chosen):
    groups: dict = {}
    for t, odd in zip(trial, chosen):
        groups.setdefault(tuple(sorted(triplets[t])), []).append(odd)
    upper_hits = lower = count = 0
    for odds in groups.values():
        if len(odds) < 2:
            continue
        upper_hits += max(odds.count(o) for o in set(odds))
        for a in range(len(odds)):
            rest = odds[:a] + odds[a + 1:]
            top = max(rest.count(o) for o in set(rest))
            modes = [o for o in set(rest) if rest.count(o) == top]
            lower += (odds[a] in modes) / len(modes)
        count += len(odds)
    return lower / count, upper_hits / count


def test_against_brute_force_on_random_data(monkeypatch):
    rng = np.random.default_rng(3)
    n = 12
    embedding = rng.integers(-1, 2, size=(n, 3)).astype(float)  # small integers: exact ties and zero rows happen
    triplets = np.array([rng.choice(n, 3, replace=False) for _ in range(40)])
    trial = rng.integers(0, 40, 300)
    chosen = triplets[trial, rng.integers(0, 3, 300)]
    answers = answers_of(triplets, chosen, n_images=n, trial=trial)
    result = score_odd_one_out(embedding_pair_similarities(embedding, triplets), answers, n, n_boot=100)
    assert result["accuracy"] == pytest.approx(brute_force(embedding, triplets, trial, chosen), abs=1e-12)
    lower, upper = brute_ceiling(triplets, trial, chosen)
    assert result["ceiling_lower"] == pytest.approx(lower) and result["ceiling_upper"] == pytest.approx(upper)
    assert result["ci_low"] <= result["accuracy"] <= result["ci_high"]
    monkeypatch.setattr(ooo, "MATRIX_MAX_IMAGES", 0)  # the row-wise, chunked path gives the same similarities
    np.testing.assert_allclose(embedding_pair_similarities(embedding, triplets, chunk=7),
                               ooo.pair_similarities(ooo.cosine_matrix(embedding), triplets), atol=1e-12)


def test_ci_resamples_trials_when_no_image_is_in_two_of_them():
    answers = answers_of([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]], [2, 5, 6, 9, 9], n_images=12,
                         trial=[0, 1, 2, 3, 3])
    sims = np.array([[0.0, 0.0, 1.0]] * 4)  # the model always picks the third image
    result = score_odd_one_out(sims, answers, 12, n_boot=200)
    assert result["ci_unit"] == "trials" and result["accuracy"] == pytest.approx(2 / 5)
    assert 0 <= result["ci_low"] < 2 / 5 < result["ci_high"] <= 1
    assert model_credit([[0.5, 0.5, 0.5]], [1])[0] == pytest.approx(1 / 3)


def test_brute_force_reference_counts_ties_as_the_scorer_does():
    embedding = EMBEDDING
    for triplet in itertools.permutations(range(4), 3):
        for odd in triplet:
            answers = answers_of([list(triplet)], [odd])
            got = score_odd_one_out(embedding_pair_similarities(embedding, answers.triplets), answers, 4, n_boot=5)
            assert got["accuracy"] == pytest.approx(brute_force(embedding, [triplet], [0], [odd]))


def test_wrong_inputs_are_refused():
    answers = answers_of([[0, 1, 2]], [0])
    with pytest.raises(ValueError, match=r"pair_sims has shape \(2, 3\); expected \(1, 3\)"):
        score_odd_one_out(np.zeros((2, 3)), answers, 4)
