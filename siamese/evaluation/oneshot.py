"""N-way k-shot classification error of an embedding: seeded episodes, nearest support (or class mean), a 95% CI.

An episode draws ``n_way`` classes (with ``within_group``, all from one group, as Lake et al.'s standard runs draw
all 20 characters from one alphabet), then for each class ``k_shot`` support items and ``queries_per_class``
query items from the rest of that class, without replacement. Each query goes to the class whose prototype
scores highest: the prototype is the class's one support embedding (k = 1: the nearest support) or the mean of
its k support embeddings (k > 1: the nearest class mean, as prototypical networks do). The score of a query and a
prototype is a model's own ``pair_scores(emb_a [Q, D], emb_b [S, D]) -> [Q, S]`` (higher = same class; a
verification net's sigmoid output) when given, else a distance turned into a score (``-d`` for a distance,
the similarity itself for cosine; ``distance``: ``"euclidean"``, ``"cosine"`` or any pytorch-metric-learning
distance object). Ties go to the first class of the episode.

The episode error is the fraction of its ``n_way * queries_per_class`` queries assigned to a wrong class; the
error is their mean over E episodes with the 95% CI ``mean +- t_{0.975, E-1} * sd / sqrt(E)`` (sd with ddof 1,
scipy's Student t quantile; ``mean_ci``). Example: 2-way 1-shot with classes at 0 and 10 on a line, a query of
class 0 at 6 goes to class 1: error 1/2 for that episode.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

ScoreFn = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (a [Q, D], b [S, D]) -> [Q, S], higher = more alike


@dataclass(frozen=True)
class Episode:
    """One episode as positions into the embedding rows: ``classes`` [N] labels, ``support`` [N, k] positions
    (row i: class ``classes[i]``), ``query`` [N * q] positions and ``query_class`` [N * q] (index into
    ``classes``); ``group`` the group all classes come from (None unless ``within_group``)."""

    classes: np.ndarray
    support: np.ndarray
    query: np.ndarray
    query_class: np.ndarray
    group: object = None


@dataclass(frozen=True)
class OneshotResult:
    """``error`` (mean episode error, 0-1), its 95% CI ``ci_low``/``ci_high``, every ``episode_errors``."""

    error: float
    ci_low: float
    ci_high: float
    episode_errors: np.ndarray
    n_way: int
    k_shot: int
    within_group: bool

    @property
    def ci_half_width(self) -> float:
        return (self.ci_high - self.ci_low) / 2


def mean_ci(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """``(mean, low, high)``: the Student t interval mean +- t_{(1+level)/2, n-1} * sd / sqrt(n) (sd with ddof 1).

    All values equal gives (m, m, m); a single value gives (m, nan, nan). Example: [0, 0.5, 1] gives
    0.5 +- 4.303 * 0.5 / sqrt(3) = (0.5, -0.742, 1.742)."""
    from scipy import stats

    x = np.asarray(values, dtype=float)
    if x.size == 0:
        raise ValueError("values must not be empty")
    mean = float(x.mean())
    if x.size == 1:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf((1 + level) / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    return mean, mean - half, mean + half


def sample_episodes(labels, groups: Mapping | None = None, n_way: int = 20, k_shot: int = 1, episodes: int = 100,
                    queries_per_class: int = 1, within_group: bool = False, seed: int = 0) -> list[Episode]:
    """``episodes`` seeded episodes over items with ``labels`` [M] (the same arguments give the same episodes).

    A class takes part when it has at least ``k_shot + queries_per_class`` items. ``groups`` maps a label to its
    group (an alphabet); with ``within_group`` an episode first picks a group uniformly among those with at least
    ``n_way`` such classes (others are skipped), then ``n_way`` of its classes. Raises ``ValueError`` when no
    episode can be drawn, naming the largest group (or the number of classes) that falls short."""
    for name, value, low in (("n_way", n_way, 2), ("k_shot", k_shot, 1), ("episodes", episodes, 1),
                             ("queries_per_class", queries_per_class, 1)):
        if isinstance(value, bool) or int(value) != value or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    labels = np.asarray(labels)
    per_item = k_shot + queries_per_class
    classes, counts = np.unique(labels, return_counts=True)
    usable = [c for c, n in zip(classes.tolist(), counts.tolist()) if n >= per_item]
    if within_group:
        if groups is None:
            raise ValueError("within_group=True needs groups (a mapping label -> group)")
        missing = [c for c in usable if c not in groups]
        if missing:
            raise ValueError(f"groups has no group for label {missing[0]!r}")
        by_group: dict = {}
        for c in usable:
            by_group.setdefault(groups[c], []).append(c)
        pools = {g: cs for g, cs in by_group.items() if len(cs) >= n_way}
        if not pools:
            largest = max(by_group, key=lambda g: len(by_group[g]), default=None)
            size = len(by_group.get(largest, []))
            raise ValueError(f"no group has n_way={n_way} classes with >= {per_item} items each; the largest, "
                             f"{largest!r}, has {size}")
        pool_names = sorted(pools, key=str)
    else:
        if len(usable) < n_way:
            raise ValueError(f"n_way={n_way} needs {n_way} classes with >= {per_item} items each; there are "
                             f"{len(usable)}")
        pools, pool_names = {None: usable}, [None]
    members = {c: np.flatnonzero(labels == c) for c in usable}
    rng = np.random.default_rng(seed)
    drawn = []
    for _ in range(int(episodes)):
        group = pool_names[rng.integers(len(pool_names))]
        chosen = rng.choice(np.asarray(pools[group]), size=n_way, replace=False)
        support, query = [], []
        for c in chosen.tolist():
            items = rng.permutation(members[c])[:per_item]
            support.append(items[:k_shot])
            query.append(items[k_shot:])
        drawn.append(Episode(classes=chosen, support=np.stack(support), query=np.concatenate(query),
                             query_class=np.repeat(np.arange(n_way), queries_per_class), group=group))
    return drawn


def embedding_scores(distance="euclidean", pair_scores: ScoreFn | None = None) -> ScoreFn:
    """The score function of ``oneshot_error``: ``pair_scores`` itself when given (a model's own, higher = same
    class; called with float32 CPU tensors under no_grad), else a pytorch-metric-learning distance as a score:
    ``"euclidean"`` -> -||a - b||_2 (``LpDistance`` without normalizing), ``"cosine"`` -> a.b / (|a| |b|)
    (``CosineSimilarity``), or a pml distance object (negated unless it is a similarity, ``is_inverted``)."""
    import torch

    if pair_scores is not None:
        def model_scores(a, b):
            with torch.no_grad():
                out = pair_scores(torch.as_tensor(np.asarray(a), dtype=torch.float32),
                                  torch.as_tensor(np.asarray(b), dtype=torch.float32))
            return np.asarray(out.detach().cpu().numpy() if hasattr(out, "detach") else out, dtype=float)

        return model_scores
    from pytorch_metric_learning.distances import BaseDistance, CosineSimilarity, LpDistance

    if isinstance(distance, str):
        known = {"euclidean": lambda: LpDistance(normalize_embeddings=False, p=2),
                 "cosine": lambda: CosineSimilarity()}
        if distance not in known:
            raise ValueError(f"distance must be one of {sorted(known)} or a pml distance, got {distance!r}")
        distance = known[distance]()
    if not isinstance(distance, BaseDistance):
        raise TypeError(f"distance must be a name or a pytorch_metric_learning distance, got {type(distance).__name__}")
    sign = 1.0 if distance.is_inverted else -1.0

    def scores(a, b):
        with torch.no_grad():
            matrix = distance(torch.as_tensor(np.asarray(a), dtype=torch.float64),
                              torch.as_tensor(np.asarray(b), dtype=torch.float64))
        return sign * matrix.numpy()

    return scores


def classify_episode(embeddings: np.ndarray, episode: Episode, scores: ScoreFn) -> np.ndarray:
    """Predicted class index (into ``episode.classes``) of each query: argmax over the class prototypes (mean of
    its support embeddings) of ``scores(queries, prototypes)``."""
    prototypes = embeddings[episode.support].mean(axis=1)  # [N, D]; k = 1: the support itself
    return np.argmax(scores(embeddings[episode.query], prototypes), axis=1)


def oneshot_error(embeddings, labels, groups: Mapping | None = None, n_way: int = 20, k_shot: int = 1,
                  episodes: int = 100, queries_per_class: int = 1, within_group: bool = False, seed: int = 0,
                  distance="euclidean", pair_scores: ScoreFn | None = None) -> OneshotResult:
    """N-way k-shot error of ``embeddings`` [M, D] with ``labels`` [M] over seeded episodes (module docstring;
    ``sample_episodes`` for the arguments, ``embedding_scores`` for ``distance`` / ``pair_scores``)."""
    embeddings = np.asarray(embeddings)
    if embeddings.ndim != 2 or len(embeddings) != len(labels):
        raise ValueError(f"embeddings must be [M, D] with one row per label; got shape {embeddings.shape} for "
                         f"{len(labels)} labels")
    score = embedding_scores(distance, pair_scores)
    errors = []
    for episode in sample_episodes(labels, groups, n_way, k_shot, episodes, queries_per_class, within_group, seed):
        errors.append(float(np.mean(classify_episode(embeddings, episode, score) != episode.query_class)))
    mean, low, high = mean_ci(errors)
    return OneshotResult(mean, low, high, np.asarray(errors), n_way, k_shot, within_group)
