"""N-way k-shot episodes and error (siamese.evaluation.oneshot) against a brute-force reference on hand-made
embeddings."""

import numpy as np
import pytest
import torch
from scipy import stats

from siamese.evaluation.oneshot import mean_ci, oneshot_error, sample_episodes


def separated(n_classes=6, per_class=4, dim=3, seed=0):
    """Classes as tight clusters around far-apart centres: every method classifies every query right."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_classes, dim)) * 100
    labels = np.repeat(np.arange(n_classes), per_class)
    return centres[labels] + rng.normal(size=(len(labels), dim)) * 0.01, labels


def brute_force_error(embeddings, labels, episodes):
    """The obvious re-computation: per query, loop over classes, squared distance to the support mean."""
    errors = []
    for ep in episodes:
        wrong = 0
        for q, true in zip(ep.query, ep.query_class):
            best, best_d = None, None
            for i in range(len(ep.classes)):
                centre = sum(embeddings[s] for s in ep.support[i]) / len(ep.support[i])
                d = sum((a - b) ** 2 for a, b in zip(embeddings[q], centre))
                if best_d is None or d < best_d:
                    best, best_d = i, d
            wrong += best != true
        errors.append(wrong / len(ep.query))
    return float(np.mean(errors))


def test_episode_semantics_and_seed():
    emb, labels = separated(n_classes=8, per_class=5)
    episodes = sample_episodes(labels, n_way=4, k_shot=2, episodes=30, queries_per_class=2, seed=3)
    for ep in episodes:
        assert len(set(ep.classes.tolist())) == 4 and ep.support.shape == (4, 2) and len(ep.query) == 8
        used = np.concatenate([ep.support.ravel(), ep.query])
        assert len(set(used.tolist())) == len(used)  # support and queries never share an item
        for i, c in enumerate(ep.classes):
            assert (labels[ep.support[i]] == c).all()
        assert (labels[ep.query] == ep.classes[ep.query_class]).all()
    again = sample_episodes(labels, n_way=4, k_shot=2, episodes=30, queries_per_class=2, seed=3)
    assert all(np.array_equal(a.support, b.support) and np.array_equal(a.query, b.query)
               for a, b in zip(episodes, again))
    other = sample_episodes(labels, n_way=4, k_shot=2, episodes=30, queries_per_class=2, seed=4)
    assert any(not np.array_equal(a.support, b.support) for a, b in zip(episodes, other))


def test_separated_classes_give_zero_error():
    emb, labels = separated()
    for k in (1, 3):
        result = oneshot_error(emb, labels, n_way=5, k_shot=k, episodes=20)
        assert result.error == 0 and result.ci_low == 0 and result.ci_high == 0


def test_hand_made_confusion_exact_error():
    # 2 classes on a line. Class 0: items at 0 and 6; class 1: items at 10 and 11. 2-way 1-shot, 1 query each.
    # Supports/queries are (s0, q0) in {(0, 6), (6, 0)} x (s1, q1) in {(10, 11), (11, 10)}.
    # class-0 query 6 with support 0 is nearer 10 or 11 (4 or 5 < 6): wrong; query 0 with support 6: right.
    # class-1 query is always right (its support is 1 away). So an episode's error is 1/2 when s0 = 0, else 0:
    # over episodes the error is (1/2) * fraction of episodes with s0 = 0.
    emb = np.array([[0.0], [6.0], [10.0], [11.0]])
    labels = np.array([0, 0, 1, 1])
    result = oneshot_error(emb, labels, n_way=2, episodes=200, seed=1)
    episodes = sample_episodes(labels, n_way=2, episodes=200, seed=1)
    s0_is_zero = np.mean([ep.support[list(ep.classes).index(0), 0] == 0 for ep in episodes])
    assert result.error == pytest.approx(0.5 * s0_is_zero)
    assert 0.3 < s0_is_zero < 0.7
    expected = [0.5 if ep.support[list(ep.classes).index(0), 0] == 0 else 0.0 for ep in episodes]
    assert np.array_equal(result.episode_errors, expected)
    # k = 2 is not possible with 2 items and one query: the error names the shortfall
    with pytest.raises(ValueError, match="n_way=2 needs 2 classes with >= 3 items each; there are 0"):
        oneshot_error(emb, labels, n_way=2, k_shot=2)


def test_matches_brute_force_on_random_embedding():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10), 6)
    emb = rng.normal(size=(10, 4))[labels] + rng.normal(size=(60, 4)) * 0.9
    for k, q in ((1, 1), (3, 2)):
        result = oneshot_error(emb, labels, n_way=5, k_shot=k, queries_per_class=q, episodes=40, seed=2)
        episodes = sample_episodes(labels, n_way=5, k_shot=k, queries_per_class=q, episodes=40, seed=2)
        assert result.error == pytest.approx(brute_force_error(emb, labels, episodes))
        assert 0 < result.error < 0.8


def test_within_group_never_mixes_groups():
    labels = np.repeat(np.arange(12), 2)
    groups = {c: ("a" if c < 5 else "b" if c < 11 else "c") for c in range(12)}  # sizes 5, 6, 1
    episodes = sample_episodes(labels, groups, n_way=5, episodes=50, within_group=True, seed=0)
    seen = set()
    for ep in episodes:
        assert len({groups[c] for c in ep.classes.tolist()}) == 1 and groups[ep.classes[0]] == ep.group
        seen.add(ep.group)
    assert seen == {"a", "b"}  # "c" (1 class) is skipped
    with pytest.raises(ValueError, match="no group has n_way=7 .* the largest, 'b', has 6"):
        sample_episodes(labels, groups, n_way=7, within_group=True)


def test_pair_scores_and_cosine():
    emb, labels = separated()
    flipped = oneshot_error(emb, labels, n_way=5, episodes=10, pair_scores=lambda a, b: torch.cdist(a, b))
    assert flipped.error > 0.9  # the model's own score: higher = same class, so a distance as score is wrong
    own = oneshot_error(emb, labels, n_way=5, episodes=10, pair_scores=lambda a, b: -torch.cdist(a, b))
    assert own.error == 0
    # cosine ignores length: two classes along the same direction are confused, Euclidean separates them
    emb = np.array([[1.0, 0], [1.1, 0], [5.0, 0], [5.5, 0], [0, 1.0], [0, 1.2]])
    labels = np.array([0, 0, 1, 1, 2, 2])
    assert oneshot_error(emb, labels, n_way=3, episodes=20).error == 0
    assert oneshot_error(emb, labels, n_way=3, episodes=20, distance="cosine").error > 0


def test_mean_ci_is_the_t_interval():
    mean, low, high = mean_ci([0.0, 0.5, 1.0])
    half = stats.t.ppf(0.975, 2) * 0.5 / np.sqrt(3)
    assert (mean, low, high) == pytest.approx((0.5, 0.5 - half, 0.5 + half))
    assert half == pytest.approx(1.2420, abs=1e-4)
    assert np.isnan(mean_ci([0.2])[1])
