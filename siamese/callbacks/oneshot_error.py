"""N-way k-shot error of the validation classes every epoch (``siamese.evaluation.oneshot``), a checkpoint monitor."""

from __future__ import annotations

import time

from siamese.callbacks.periodic import PeriodicEvaluation
from siamese.callbacks.split_embeddings import split_embeddings
from siamese.evaluation.oneshot import oneshot_error, sample_episodes


class OneshotError(PeriodicEvaluation):
    """Every ``every_n_epochs`` validation epochs (and the last) logs ``<split>/oneshot_error``, the
    ``n_way``-way ``k_shot``-shot error over ``episodes`` seeded episodes of the ``split`` embeddings (the same
    episodes every epoch, so epochs differ only by the net), and ``<split>/oneshot_error_ci``, the half-width of
    its 95% CI over episodes; at test time the same on ``test_split`` (None: not at test time).

    The split is embedded once per epoch (``split_embeddings``: the validation loop's own embeddings when it
    covered the whole split, shared with the other callbacks). Episodes draw their classes within one group when
    the data module gives ``label_groups`` (label -> alphabet) and ``within_group`` is None or True, as the
    standard Omniglot runs draw all 20 characters from one alphabet. A net with ``pair_scores(emb_a, emb_b)``
    (higher = same class) is scored by it, any other by ``distance`` on its embeddings.

    The error is low-is-good: with ``optimized_metric=val/oneshot_error`` the best checkpoint keeps the epoch with
    the smallest (``BestCheckpoint``'s auto mode is min for names ending in ``error``). A split with too few
    classes (MNIST 4 vs 9 has 2) fails at setup, before training, naming ``callbacks.oneshot_error.n_way``.
    Its cost is logged as ``time/oneshot_error_s`` (measured in docs/oneshot.md): the episodes reuse the epoch's
    validation embeddings, so it stays small next to a training epoch."""

    def __init__(self, split: str = "val", test_split: str | None = "test", n_way: int = 20, k_shot: int = 1,
                 episodes: int = 200, queries_per_class: int = 1, within_group: bool | None = None,
                 distance: str = "euclidean", seed: int = 0, every_n_epochs: int = 1):
        super().__init__(every_n_epochs, "oneshot_error")
        self.split, self.test_split, self.distance, self.seed = split, test_split, distance, seed
        self.n_way, self.k_shot, self.episodes, self.queries_per_class = n_way, k_shot, episodes, queries_per_class
        self.within_group = within_group

    def logged_metrics(self, pl_module) -> set[str]:
        splits = [self.split] + ([self.test_split] if self.test_split else [])
        return {f"{s}/oneshot_error{suffix}" for s in splits for suffix in ("", "_ci")} | {"time/oneshot_error_s"}

    def setup(self, trainer, pl_module, stage: str) -> None:
        """Before any work: both splits (at fit; the test split at test) must hold ``n_way`` usable classes."""
        splits = {"fit": [self.split, self.test_split], "test": [self.test_split]}.get(stage, [])
        for split in [s for s in splits if s] if trainer.datamodule is not None else []:
            labels = getattr(trainer.datamodule.eval_dataloader(split).dataset, "labels", None)
            if labels is not None:
                self._episodes(trainer, labels.numpy() if hasattr(labels, "numpy") else labels, split, episodes=1)

    def _episodes(self, trainer, labels, split: str, episodes: int):
        groups = getattr(trainer.datamodule, "label_groups", None)
        within = groups is not None if self.within_group is None else self.within_group
        try:
            return within, groups, sample_episodes(labels, groups, self.n_way, self.k_shot, episodes,
                                                   self.queries_per_class, within, self.seed)
        except ValueError as error:
            raise ValueError(f"callbacks.oneshot_error.n_way={self.n_way} (k_shot={self.k_shot}) on the {split} "
                             f"split: {error}") from None

    def evaluate(self, trainer, pl_module, split: str | None = None) -> None:
        start = time.perf_counter()
        split = split or self.split
        data = split_embeddings(trainer, pl_module, split)
        within, groups, _ = self._episodes(trainer, data["label"], split, episodes=1)
        result = oneshot_error(data["embedding"], data["label"], groups, self.n_way, self.k_shot, self.episodes,
                               self.queries_per_class, within, self.seed, self.distance, self._pair_scores(pl_module))
        sync = trainer.world_size > 1  # the same value on every rank
        pl_module.log(f"{split}/oneshot_error", result.error, prog_bar=split == self.split, sync_dist=sync)
        pl_module.log(f"{split}/oneshot_error_ci", result.ci_half_width, sync_dist=sync)
        pl_module.log("time/oneshot_error_s", time.perf_counter() - start, sync_dist=sync)

    def on_test_epoch_end(self, trainer, pl_module) -> None:
        if self.test_split:
            self.evaluate(trainer, pl_module, self.test_split)

    @staticmethod
    def _pair_scores(pl_module):
        """The net's own ``pair_scores`` on the module's device (None when it has none)."""
        pair_scores = getattr(pl_module.net, "pair_scores", None)
        if pair_scores is None:
            return None
        device = pl_module.device

        def scores(a, b):
            was_training = pl_module.net.training
            pl_module.net.eval()
            try:
                return pair_scores(a.to(device), b.to(device))
            finally:
                pl_module.net.train(was_training)

        return scores
