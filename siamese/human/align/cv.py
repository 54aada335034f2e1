"""Honest evaluation of human-aligned training: k-fold cross-validation over rated pairs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from siamese.config import compose_config
from siamese.evaluation.folds import pair_kfold
from siamese.human.compare.evaluate import noise_ceiling
from siamese.human.compare.similarity import layer_similarity
from siamese.human.compare.stats import compare, pearson, spearman
from siamese.human.io.pair_set import load_pair_set
from siamese.human.io.ratings import load_ratings
from siamese.models.loading import load_net
from siamese.training import train
from siamese.utils.files import csv_text, write_text_atomic


def heldout_correlation(similarity: np.ndarray, ratings: np.ndarray) -> dict[str, float]:
    """Pearson r and Spearman rho of held-out similarities with the mean ratings."""
    return {"r": pearson(similarity, ratings), "rho": spearman(similarity, ratings)}


def _hydra_list(values) -> str:
    """A Hydra override value for a list of strings (quoted, so ids like 'p01' or 'rater 2' stay strings)."""
    return "[" + ",".join("'" + str(v).replace("'", "\\'") + "'" for v in values) + "]"


def run_alignment_cv(pairs_dir: str, ratings_path: str, out_dir: str, folds: int = 5, weight: float = 1.0,
                     layer: str = "fc", overrides: tuple[str, ...] = (), holdout_raters: bool = False,
                     scale=(1, 10), seed: int = 0, n_boot: int = 2000) -> dict:
    """k-fold cross-validation of human-aligned training over rated pairs.

    Each fold trains two runs from the same seed on the same data: ``without`` (human.weight=0) and ``with``
    (human.weight=``weight``), both aligned only on the fold's training pairs; then every held-out pair gets each
    run's similarity at ``layer``. The held-out similarities of all folds are pooled and correlated with the mean
    ratings (r, rho, bootstrap 95% CI, permutation p), beside the raters' noise ceiling and each arm's mean test
    precision@1 (what alignment cost the class structure). ``holdout_raters``: the raters are split in two
    halves (seeded); training sees only the first half's ratings and evaluation uses the second half's mean.
    ``init_ckpt`` etc. pass through ``overrides`` (e.g. ``human.init_ckpt=CKPT``, ``trainer.max_epochs=5``)."""
    out = Path(out_dir)
    pairs = load_pair_set(pairs_dir)
    ratings = load_ratings(ratings_path, pairs.pair_id, tuple(scale))
    train_raters, eval_raters = list(ratings.raters), list(ratings.raters)
    if holdout_raters:
        if len(ratings.raters) < 2:
            raise ValueError(f"--holdout-raters needs at least 2 raters, {ratings_path} has {len(ratings.raters)}")
        order = list(np.random.default_rng(seed).permutation(ratings.raters))
        train_raters, eval_raters = sorted(order[: len(order) // 2]), sorted(order[len(order) // 2:])
    eval_matrix = ratings.matrix[[ratings.raters.index(r) for r in eval_raters]]
    human = np.nanmean(eval_matrix, axis=0)
    image_pairs = np.array([[2 * i, 2 * i + 1] for i in range(len(pairs))])  # each pair set image is its own
    similarity = {arm: np.full(len(pairs), np.nan) for arm in ("without", "with")}
    precision, rows = {"without": [], "with": []}, []
    for fold, (train_rows, heldout_rows) in enumerate(pair_kfold(image_pairs, folds, seed)):
        train_ids = [pairs.pair_id[i] for i in train_rows]
        for arm, w in (("without", 0.0), ("with", weight)):
            run_dir = out / f"fold{fold}_{arm}"
            cfg = compose_config(["experiment=human_aligned", f"human.pairs={pairs_dir}",
                                  f"human.ratings={ratings_path}", f"human.weight={w}", f"human.layer={layer}",
                                  f"human.train_pairs={_hydra_list(train_ids)}",
                                  f"human.raters={_hydra_list(train_raters)}", "logger=csv", f"seed={seed}",
                                  *overrides], output_dir=run_dir)
            metrics = train(cfg)
            loaded = load_net(run_dir / "checkpoints" / "last.ckpt")
            held = layer_similarity(loaded, pairs.images_a[heldout_rows], pairs.images_b[heldout_rows], [layer])[layer]
            similarity[arm][heldout_rows] = held
            precision[arm].append(metrics.get("test/precision_at_1", np.nan))
            fold_r = heldout_correlation(held, human[heldout_rows]) if len(heldout_rows) > 2 else {"r": np.nan,
                                                                                                    "rho": np.nan}
            rows.append([fold, arm, len(train_rows), len(heldout_rows), f"{fold_r['r']:.4f}", f"{fold_r['rho']:.4f}",
                         f"{precision[arm][-1]:.4f}"])
    ceiling = noise_ceiling(ratings)
    summary = {"folds": folds, "weight": weight, "layer": layer, "pairs": len(pairs), "raters_train": train_raters,
               "raters_eval": eval_raters, **ceiling}
    for arm in ("without", "with"):
        stats_ = compare(similarity[arm], human, n_boot=n_boot, n_perm=2000, seed=seed)
        summary[arm] = {**stats_, "test_precision_at_1": float(np.nanmean(precision[arm]))}
    write_text_atomic(out / "folds.csv", csv_text(["fold", "arm", "train_pairs", "heldout_pairs", "heldout_r",
                                                   "heldout_rho", "test_precision_at_1"], rows))
    synthetic = " (SYNTHETIC ratings: not people)" if ratings.synthetic or pairs.synthetic else ""
    lines = [f"# Held-out alignment of human-aligned training{synthetic}", "",
             f"{folds}-fold CV over {len(pairs)} pairs (pairs sharing an image stay in one fold), layer {layer}, "
             f"human.weight {weight}; raters for training: {', '.join(train_raters)}; for evaluation: "
             f"{', '.join(eval_raters)}.", "",
             "| arm | held-out r [95% CI] | held-out rho [95% CI] | p (r) | test precision@1 |",
             "|---|---|---|---|---|"]
    for arm in ("without", "with"):
        s = summary[arm]
        lines.append(f"| {arm} human objective | {s['r']:.3f} [{s['r_ci_low']:.3f}, {s['r_ci_high']:.3f}] | "
                     f"{s['rho']:.3f} [{s['rho_ci_low']:.3f}, {s['rho_ci_high']:.3f}] | {s['r_p']:.3g} | "
                     f"{s['test_precision_at_1']:.4f} |")
    lines += ["", f"Noise ceiling of the raters (Pearson): leave-one-out {ceiling['ceiling_loo_r']:.3f}, split-half "
                  f"(Spearman-Brown) {ceiling['ceiling_split_half_r']:.3f}."]
    write_text_atomic(out / "alignment_cv.md", "\n".join(lines) + "\n")
    write_text_atomic(out / "summary.json", json.dumps(summary, indent=2, default=float))
    return summary
