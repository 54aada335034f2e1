"""``python -m siamese.human align-readout``: fit readouts of a frozen network to ratings, report them held out,
save them for ``eval --readout`` (docs/human_alignment_readouts.md)."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

HELP = "fit readouts (layer mixing, feature reweighting, linear transform) of a frozen net; held-out r with CIs"
# the kinds of siamese.human.readouts.READOUTS (named here so that --help does not import torch; a test
# checks they agree)
READOUT_KINDS = ("layer_mixing", "feature_reweighting", "linear_transform")


def add_arguments(parser) -> None:
    from siamese.human.compare.normalize import NORMALIZATIONS

    parser.add_argument("--model", required=True, help="a checkpoint of python train.py (the frozen network)")
    parser.add_argument("--pairs", required=True, help="pair set directory (pairs.npz or pairs.csv)")
    parser.add_argument("--ratings", required=True, help="ratings.csv of --pairs")
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--normalize", choices=NORMALIZATIONS, default="none",
                        help="per-rater normalization before averaging (default none)")
    parser.add_argument("--scale", type=float, nargs=2, default=(1, 10), metavar=("LOW", "HIGH"))
    parser.add_argument("--readouts", nargs="+", choices=READOUT_KINDS, default=list(READOUT_KINDS),
                        help="which readouts (default: all three)")
    parser.add_argument("--layers", nargs="+", help="layers of the net for the per-layer readouts (default: all); "
                                                    "'pixels' is allowed")
    parser.add_argument("--mix-layers", nargs="+", help="layers mixed by layer_mixing (default: pixels + all)")
    parser.add_argument("--folds", type=int, default=5, help="outer image-grouped folds (default 5)")
    parser.add_argument("--inner-folds", type=int, default=3, help="inner folds choosing the regularization (3)")
    parser.add_argument("--holdout-raters", action="store_true",
                        help="also hold out raters: fit to half of them, score against the other half")
    parser.add_argument("--n-boot", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)


def run(args) -> int:
    from siamese.human.compare.normalize import normalize_ratings
    from siamese.human.io.read import read_pairs
    from siamese.human.readouts import PIXELS, extract_pair_features
    from siamese.human.readouts.nested_cv import ReadoutSpec, cross_validate_readouts
    from siamese.human.report.readouts import write_readout_report
    from siamese.models.loading import load_net

    judgments = normalize_ratings(read_pairs(args.pairs, args.ratings, tuple(args.scale)), args.normalize)
    loaded = load_net(args.model)
    net_layers = list(loaded.net.layer_names)
    layers = list(args.layers or net_layers)
    mix = list(args.mix_layers or [PIXELS, *net_layers])
    unknown = [name for name in dict.fromkeys(layers + mix) if name != PIXELS and name not in net_layers]
    if unknown:
        raise KeyError(f"unknown layer {unknown[0]!r}; {args.model} has layers {net_layers} (and 'pixels')")
    specs = [ReadoutSpec(kind, mix if kind == "layer_mixing" else [layer])
             for kind in args.readouts for layer in (["*"] if kind == "layer_mixing" else layers)]
    log.info("align-readout: %d pairs, %d raters, %s; %d readouts, %d outer folds", len(judgments),
             len(judgments.raters), judgments.describe(), len(specs), args.folds)
    features = extract_pair_features(loaded, judgments.images_a, judgments.images_b, list(dict.fromkeys(mix + layers)))
    result = cross_validate_readouts(judgments, features, specs, args.folds, args.inner_folds,
                                     args.holdout_raters, args.seed, args.n_boot)
    context = {"model": loaded.name, "pairs": str(args.pairs), "ratings": str(args.ratings),
               "normalization": judgments.normalization, "normalization_description": judgments.describe(),
               "synthetic": judgments.synthetic}
    write_readout_report(result, args.out, context)
    print(Path(args.out, "readouts.md").read_text())
    return 0
