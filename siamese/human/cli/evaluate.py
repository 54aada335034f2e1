"""``python -m siamese.human eval``: correlate model/baseline similarity with human ratings (table, plots, sheet)."""

from __future__ import annotations

import argparse
from pathlib import Path

from siamese.models.source_arguments import add_source_arguments, source_from_args

HELP = "correlate model/baseline similarity with human ratings"


def positive_int(option: str):
    """An argparse type: an integer >= 1, else the error ``<option>: must be an integer >= 1, got <text>``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise argparse.ArgumentTypeError(f"{option}: must be an integer >= 1, got {text}")
        return value

    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from siamese.human.compare.normalize import NORMALIZATIONS  # numpy/scipy only

    add_source_arguments(parser)
    parser.add_argument("--pairs", required=True, help="pair set directory (pairs.npz or pairs.csv)")
    parser.add_argument("--ratings", required=True, help="ratings.csv (rater, pair_id, rating)")
    parser.add_argument("--scale", type=float, nargs=2, default=(1, 10), metavar=("LOW", "HIGH"))
    parser.add_argument("--layers", nargs="+", help="layers of --model (default: all)")
    parser.add_argument("--baselines", nargs="*", default=[], help="pixels pca random classifier")
    parser.add_argument("--classifier-ckpt", help="checkpoint of python train.py task=classify (for 'classifier')")
    parser.add_argument("--out", help="output directory (default: <pairs>/eval)")
    parser.add_argument("--n-boot", type=positive_int("--n-boot"), default=2000, help="bootstrap resamples (>= 1)")
    parser.add_argument("--n-perm", type=positive_int("--n-perm"), default=5000, help="permutations (>= 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--normalize", choices=NORMALIZATIONS, default="none",
                        help="per-rater normalization of the ratings before averaging (default none; "
                             "docs/human_alignment_readouts.md)")
    parser.add_argument("--readout", nargs="+", default=[], metavar="FILE",
                        help="readouts written by align-readout (.npz), applied to --model/--ckpt")
    parser.add_argument("--rsatoolbox", action="store_true",
                        help="also rsatoolbox's corr, rho-a, tau-a and noise-ceiling bounds beside r "
                             "(rsatoolbox.md; docs/odd_one_out.md)")


def run(args) -> int:
    from siamese.human.compare.correlation import check_usable, evaluate, markdown_table
    from siamese.human.compare.normalize import normalize_ratings
    from siamese.human.io.read import read_pairs

    judgments = read_pairs(args.pairs, args.ratings, tuple(args.scale))
    check_usable(judgments, args.ratings)
    judgments = normalize_ratings(judgments, args.normalize)
    model = source_from_args(args)
    extra = {}
    if args.readout:
        from siamese.human.readouts.apply import readout_scores

        if model is None:
            raise ValueError("--readout needs --model/--ckpt (the frozen net the readout reads)")
        extra = readout_scores(model, judgments, args.readout)
    out = Path(args.out or Path(args.pairs) / "eval")
    rows = evaluate(judgments, out, model, args.layers, args.baselines, args.classifier_ckpt,
                    args.n_boot, args.n_perm, args.seed, extra_scores=extra)
    print(markdown_table(rows))
    print(judgments.describe())
    print(f"wrote {out}/comparison.csv, comparison.md, scatter_*.png, sheet_scored.png")
    if args.rsatoolbox:
        from siamese.human.cli.export_rdms import write_comparison
        from siamese.human.compare.baselines import model_scores

        scores = {**model_scores(judgments, model, args.layers, args.baselines, args.classifier_ckpt, args.seed),
                  **extra}
        print(write_comparison(judgments, [(name, layer, s) for (name, layer), s in scores.items()], out))
    return 0
