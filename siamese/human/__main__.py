"""python -m siamese.human {make-pairs, eval, eval-images, synthetic-ratings, ais} ... (see docs/human_similarity.md
and docs/alignment_importance.md)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m siamese.human", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    make = commands.add_parser("make-pairs", help="random MNIST test pairs as a pair set + printable sheet.png")
    make.add_argument("out_dir")
    make.add_argument("--digit", type=int, default=8, help="digit of within-digit pairs (default 8)")
    make.add_argument("--n", type=int, default=20, help="number of pairs (default 20)")
    make.add_argument("--seed", type=int, default=0)
    make.add_argument("--across", action="store_true", help="pairs of two different digits instead")
    make.add_argument("--split", default="test", choices=["test", "train"])

    tri = commands.add_parser("make-triplets", help="random MNIST 2AFC trials (anchor, a, b) for the rating page")
    tri.add_argument("out_dir")
    tri.add_argument("--digit", type=int, default=8, help="digit of within-digit trials (default 8)")
    tri.add_argument("--n", type=int, default=20, help="number of trials (default 20)")
    tri.add_argument("--seed", type=int, default=0)
    tri.add_argument("--across", action="store_true", help="three images of random digits instead")
    tri.add_argument("--split", default="test", choices=["test", "train"])

    ev = commands.add_parser("eval", help="correlate model/baseline similarity with human ratings")
    ev.add_argument("--ckpt", help="a checkpoint of python train.py (any model of the framework)")
    ev.add_argument("--pairs", required=True, help="pair set directory (pairs.npz or pairs.csv)")
    ev.add_argument("--ratings", required=True, help="ratings.csv (rater, pair_id, rating)")
    ev.add_argument("--scale", type=float, nargs=2, default=(1, 10), metavar=("LOW", "HIGH"))
    ev.add_argument("--layers", nargs="+", help="layers of --ckpt (default: all)")
    ev.add_argument("--baselines", nargs="*", default=[], help="pixels pca random classifier")
    ev.add_argument("--classifier-ckpt", help="checkpoint of python train.py task=classify (for 'classifier')")
    ev.add_argument("--out", help="output directory (default: <pairs>/eval)")
    ev.add_argument("--n-boot", type=int, default=2000)
    ev.add_argument("--n-perm", type=int, default=5000)
    ev.add_argument("--seed", type=int, default=0)

    im = commands.add_parser("eval-images", help="similarity matrix (Spearman of upper triangles) and triplets")
    im.add_argument("images_dir", help="directory with images.npz and similarity.csv/.npy and/or triplets.csv")
    im.add_argument("--ckpt")
    im.add_argument("--layers", nargs="+")

    syn = commands.add_parser("synthetic-ratings", help="write SYNTHETIC ratings (pixel cosine + noise), for demos")
    syn.add_argument("pairs")
    syn.add_argument("--out", help="default: <pairs>/ratings_synthetic.csv")
    syn.add_argument("--raters", type=int, default=4)
    syn.add_argument("--noise", type=float, default=1.0)
    syn.add_argument("--seed", type=int, default=0)

    ais = commands.add_parser("ais", help="alignment importance of each feature map, pruning CV, heatmaps")
    source = ais.add_mutually_exclusive_group(required=True)
    source.add_argument("--ckpt", help="a checkpoint of python train.py")
    source.add_argument("--model", help="a torchvision model name (e.g. resnet18), weights from --weights")
    ais.add_argument("--weights", help="local weights file of --model (never downloaded; without it: random)")
    ais.add_argument("--layer", default="conv2", help="layer to analyse (default conv2, the last conv layer)")
    ais.add_argument("--pairs", help="pair set directory, with --ratings")
    ais.add_argument("--ratings", help="ratings.csv of --pairs")
    ais.add_argument("--scale", type=float, nargs=2, default=(1, 10), metavar=("LOW", "HIGH"))
    ais.add_argument("--image-set", help="directory with images.npz + similarity.csv/.npy (docs/human_similarity.md)")
    ais.add_argument("--images", help="a folder of image files or an .npz (images, image_id), with --similarity")
    ais.add_argument("--similarity", help="N x N human similarity (.npy or .csv) for --images")
    ais.add_argument("--size", type=int, default=224, help="input size for --model (default 224)")
    ais.add_argument("--pooling", choices=["flatten", "mean"], default="flatten")
    ais.add_argument("--repeats", type=int, default=8, help="cross-validation repeats (default 8)")
    ais.add_argument("--seed", type=int, default=0)
    ais.add_argument("--out", required=True, help="output directory")

    cv = commands.add_parser("align-cv", help="k-fold CV of human-aligned training: held-out r/rho with and without")
    cv.add_argument("--pairs", required=True)
    cv.add_argument("--ratings", required=True)
    cv.add_argument("--out", required=True)
    cv.add_argument("--folds", type=int, default=5)
    cv.add_argument("--weight", type=float, default=1.0, help="human.weight of the 'with' arm")
    cv.add_argument("--layer", default="fc")
    cv.add_argument("--holdout-raters", action="store_true", help="train on half the raters, evaluate on the rest")
    cv.add_argument("--scale", type=float, nargs=2, default=(1, 10), metavar=("LOW", "HIGH"))
    cv.add_argument("--seed", type=int, default=0)
    cv.add_argument("--init-ckpt", help="fine-tune this checkpoint of train.py, in the module it came from "
                                        "(classifier: cross-entropy + human term; metric: its loss + human term)")
    cv.add_argument("--train-layers", nargs="+", help="only these layers train (e.g. fc logits); the rest frozen")
    cv.add_argument("--lr", type=float, help="learning rate (optimizer.lr) of both arms")
    cv.add_argument("--val-fraction", type=float, default=0.0,
                    help="> 0: inner validation split of the training pairs; early stopping on it (with arm)")
    cv.add_argument("--patience", type=int, default=3, help="early-stopping patience in epochs (default 3)")
    cv.add_argument("overrides", nargs="*", help="train.py overrides, e.g. trainer.max_epochs=5 human.init_ckpt=CKPT")

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from siamese.human.formats import FormatError, load_pair_set, load_ratings

    try:
        if args.command == "make-pairs":
            from siamese.human.pairs import make_pairs

            pairs = make_pairs(args.out_dir, args.n, args.digit, args.across, args.seed, args.split)
            print(f"wrote {len(pairs)} pairs to {Path(args.out_dir) / 'pairs.csv'} and the sheet "
                  f"{Path(args.out_dir) / 'sheet.png'}")
        elif args.command == "make-triplets":
            from siamese.human.collect.make_triplets import make_triplets

            trials = make_triplets(args.out_dir, args.n, args.digit, args.across, args.seed, args.split)
            print(f"wrote {len(trials)} trials to {Path(args.out_dir) / 'trials.csv'}; ask them with "
                  f"python -m siamese.rate {args.out_dir} --mode 2afc")
        elif args.command == "eval":
            from siamese.human.evaluate import evaluate, markdown_table

            pairs = load_pair_set(args.pairs)
            ratings = load_ratings(args.ratings, pairs.pair_id, tuple(args.scale))
            out = Path(args.out or Path(args.pairs) / "eval")
            rows = evaluate(pairs, ratings, out, args.ckpt, args.layers, args.baselines, args.classifier_ckpt,
                            args.n_boot, args.n_perm, args.seed, synthetic="synthetic" in Path(args.ratings).name)
            print(markdown_table(rows))
            print(f"wrote {out}/comparison.csv, comparison.md, scatter_*.png, sheet_scored.png")
        elif args.command == "eval-images":
            from siamese.human.evaluate import matrix_agreement, similarity_matrix, triplet_agreement
            from siamese.human.formats import load_image_set
            from siamese.human.similarity import load_net

            image_set = load_image_set(args.images_dir)
            from siamese.human.io.trial_set import CHOICES_CSV, load_choices, load_trial_set

            if (Path(args.images_dir) / CHOICES_CSV).is_file():  # answers of the rating page's 2AFC mode
                trials = load_trial_set(args.images_dir)
                image_set.triplets = load_choices(Path(args.images_dir) / CHOICES_CSV, trials).triplets(trials)
            models = [("pixels", None, None)]
            if args.ckpt:
                loaded = load_net(args.ckpt)
                models += [(loaded.name, loaded, layer) for layer in (args.layers or loaded.net.layer_names)]
            print("| model | layer | matrix rho | triplet agreement |\n|---|---|---|---|")
            for name, model, layer in models:
                matrix = similarity_matrix(model, image_set.images, layer)
                rho = matrix_agreement(matrix, image_set.similarity) if image_set.similarity is not None else None
                agree = triplet_agreement(matrix, image_set.triplets) if image_set.triplets else None
                show = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
                print(f"| {name} | {layer or 'pixels'} | {show(rho)} | {show(agree)} |")
        elif args.command == "synthetic-ratings":
            from siamese.human.synthetic import synthetic_ratings

            pairs = load_pair_set(args.pairs)
            path = synthetic_ratings(pairs, args.out or Path(args.pairs) / "ratings_synthetic.csv", args.raters,
                                     args.noise, args.seed)
            print(f"wrote SYNTHETIC ratings (pixel cosine + noise, not people) to {path}")
        elif args.command == "align-cv":
            from siamese.human.alignment_cv import run_alignment_cv

            summary = run_alignment_cv(args.pairs, args.ratings, args.out, args.folds, args.weight, args.layer,
                                       tuple(args.overrides), args.holdout_raters, tuple(args.scale), args.seed,
                                       init_ckpt=args.init_ckpt, train_layers=args.train_layers, lr=args.lr,
                                       val_fraction=args.val_fraction, patience=args.patience)
            print(Path(args.out, "alignment_cv.md").read_text())
        elif args.command == "ais":
            from siamese.human.ais_cli import run_ais

            summary = run_ais(args)
            print(f"layer {summary['layer']}: {summary['maps']} maps, held-out rho all maps "
                  f"{summary['heldout_rho_all']:.3f} -> S* {summary['heldout_rho_selected']:.3f} "
                  f"(gain {summary['gain']:+.3f} [{summary['gain_ci_low']:+.3f}, {summary['gain_ci_high']:+.3f}], "
                  f"p {summary['p']:.3g}, |S*| {summary['mean_num_selected']:.1f}); wrote {args.out}")
    except (FormatError, FileNotFoundError, KeyError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
