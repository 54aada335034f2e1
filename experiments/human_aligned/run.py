"""Study: which metric-learning set-up gives the most human-like within-digit similarity, and what the alignment
objective adds on top. One command, on your ratings or (default) on SYNTHETIC ones:

    python experiments/human_aligned/run.py [--pairs DIR --ratings FILE] [--out DIR] [--epochs 4] [--train-samples 3000]

1. No human data in training: a Hydra multirun over loss (contrastive, triplet) x miner (random, pml
   MultiSimilarity) x shift augmentation (off, on) x embedding size (2, 16), each scored by the human-similarity
   callback (Pearson r of the fc-layer cosine with the mean ratings; no rating is used for training, so this is
   not fitted to the ratings).
2. The best set-up by r, retrained with the alignment objective in k-fold cross-validation over pairs
   (``python -m siamese.human align-cv``): held-out r/rho with and without the objective, CIs, noise ceiling,
   test precision@1.
Without --pairs/--ratings, 100 pairs of 9s (MNIST test, seed 0) and SYNTHETIC ratings (pixel cosine + noise, 4
simulated raters; no person gave them) are made in ``<out>/pairs_9``, and every output says SYNTHETIC.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
GRID = ["loss=contrastive,triplet", "miner=random,pml", "data.shift.train=false,true", "model.embedding_dim=2,16"]
GRID_KEYS = ["loss", "miner", "data.shift.train", "model.embedding_dim"]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs")
    parser.add_argument("--ratings")
    parser.add_argument("--out", default=str(HERE / "results"))
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--train-samples", type=int, default=3000)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--weight", type=float, default=1.0)
    parser.add_argument("--layer", default="fc")
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    pairs, ratings = args.pairs, args.ratings
    if not pairs:
        from siamese.human.collect.pairs import make_pairs
        from siamese.human.compare.synthetic import synthetic_ratings
        from siamese.human.io.pair_set import load_pair_set

        pairs = str(out / "pairs_9")
        make_pairs(pairs, n=100, digit=9, seed=0)
        ratings = str(synthetic_ratings(load_pair_set(pairs), Path(pairs) / "ratings_synthetic.csv", 4, 1.0, 0))
    if not ratings:
        raise SystemExit("--pairs needs --ratings")
    common = [f"data.max_train_samples={args.train_samples}", f"trainer.max_epochs={args.epochs}", "logger=csv",
              "~callbacks.embedding_plot", "~callbacks.progress_bar", "+trainer.enable_progress_bar=false"]
    sweep = out / "sweep"
    subprocess.run([sys.executable, str(ROOT / "train.py"), "-m", *GRID, "callbacks=human_similarity",
                    f"callbacks.human_similarity.pairs_dir={pairs}", f"callbacks.human_similarity.ratings={ratings}",
                    f"callbacks.human_similarity.layers=[{args.layer}]", "task_name=human_study",
                    f"hydra.sweep.dir={sweep}", *common], check=True, cwd=ROOT)
    with open(sweep / "summary.csv") as f:
        runs = [row for row in csv.DictReader(f) if row.get(f"human/{args.layer}/r")]
    runs.sort(key=lambda row: -float(row[f"human/{args.layer}/r"]))
    best = runs[0]
    best_overrides = [f"{key}={best[key]}" for key in GRID_KEYS if best.get(key)]
    from siamese.human.align.cv import run_alignment_cv
    from siamese.human.io.ratings import load_ratings

    cv = run_alignment_cv(pairs, ratings, str(out / "align_cv"), args.folds, args.weight, args.layer,
                          (*best_overrides, *common, "~callbacks.human_similarity"))
    synthetic = load_ratings(ratings).synthetic  # the file says so (its ``synthetic`` column), not its name
    write_results(out, runs, best_overrides, cv, args, synthetic)


def write_results(out: Path, runs, best_overrides, cv, args, synthetic: bool) -> None:
    tag = " (SYNTHETIC ratings: pixel cosine + noise, not people)" if synthetic else ""
    layer = args.layer
    lines = [f"# Human-like similarity without and with human data{tag}", "",
             f"Each run: MNIST 4 vs 9, {args.train_samples} training images, {args.epochs} epochs; score = Pearson r "
             f"of the {layer}-layer cosine with the mean rating over {cv['pairs']} rated pairs.", "",
             "## 1. No human data in training", "",
             "| loss | miner | shift aug. | emb. dim | r | rho | test precision@1 |", "|---|---|---|---|---|---|---|"]
    for row in runs:
        lines.append(f"| {row['loss']} | {row['miner']} | {row['data.shift.train']} | {row['model.embedding_dim']} | "
                     f"{float(row[f'human/{layer}/r']):.3f} | {float(row[f'human/{layer}/rho']):.3f} | "
                     f"{float(row['test/precision_at_1']):.4f} |")
    lines += ["", f"Best set-up: `{' '.join(best_overrides)}`.", "", "## 2. Adding the alignment objective "
              f"(human.weight {args.weight}, {args.folds}-fold CV over pairs)", ""]
    lines += (out / "align_cv" / "alignment_cv.md").read_text().splitlines()[2:]
    (out / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
