"""``python -m siamese.human eval``: correlate model/baseline similarity with human ratings (table, plots, sheet)."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "correlate model/baseline similarity with human ratings"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ckpt", help="a checkpoint of python train.py (any model of the framework)")
    parser.add_argument("--pairs", required=True, help="pair set directory (pairs.npz or pairs.csv)")
    parser.add_argument("--ratings", required=True, help="ratings.csv (rater, pair_id, rating)")
    parser.add_argument("--scale", type=float, nargs=2, default=(1, 10), metavar=("LOW", "HIGH"))
    parser.add_argument("--layers", nargs="+", help="layers of --ckpt (default: all)")
    parser.add_argument("--baselines", nargs="*", default=[], help="pixels pca random classifier")
    parser.add_argument("--classifier-ckpt", help="checkpoint of python train.py task=classify (for 'classifier')")
    parser.add_argument("--out", help="output directory (default: <pairs>/eval)")
    parser.add_argument("--n-boot", type=int, default=2000)
    parser.add_argument("--n-perm", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)


def run(args) -> int:
    from siamese.human.compare.evaluate import evaluate, markdown_table
    from siamese.human.io.pair_set import load_pair_set
    from siamese.human.io.ratings import load_ratings

    pairs = load_pair_set(args.pairs)
    ratings = load_ratings(args.ratings, pairs.pair_id, tuple(args.scale))
    out = Path(args.out or Path(args.pairs) / "eval")
    rows = evaluate(pairs, ratings, out, args.ckpt, args.layers, args.baselines, args.classifier_ckpt,
                    args.n_boot, args.n_perm, args.seed)
    print(markdown_table(rows))
    print(f"wrote {out}/comparison.csv, comparison.md, scatter_*.png, sheet_scored.png")
    return 0
