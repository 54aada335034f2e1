"""``python -m siamese.human ais``: read the inputs the arguments name, extract the layer, write the report."""

from __future__ import annotations

import argparse

import numpy as np

from siamese.models.source_arguments import add_source_arguments, source_from_args

HELP = "alignment importance of each feature map, pruning CV, heatmaps"


def add_arguments(ais: argparse.ArgumentParser) -> None:
    from siamese.human.compare.normalize import NORMALIZATIONS

    add_source_arguments(ais, required=True)  # --model/--ckpt, --weights, preprocessing overrides
    ais.add_argument("--layer", default="conv2", help="layer to analyse (default conv2, the last conv layer)")
    ais.add_argument("--pairs", help="pair set directory, with --ratings")
    ais.add_argument("--ratings", help="ratings.csv of --pairs")
    ais.add_argument("--scale", type=float, nargs=2, default=(1, 10), metavar=("LOW", "HIGH"))
    ais.add_argument("--normalize", choices=NORMALIZATIONS, default="none",
                     help="per-rater normalization of --ratings before averaging (default none)")
    ais.add_argument("--image-set", help="directory with images.npz + similarity.csv/.npy (docs/human_similarity.md)")
    ais.add_argument("--images", help="a folder of image files or an .npz (images, image_id), with --similarity")
    ais.add_argument("--similarity", help="N x N human similarity (.npy or .csv) for --images")
    ais.add_argument("--pooling", choices=["flatten", "mean"], default="flatten")
    ais.add_argument("--repeats", type=int, default=8, help="cross-validation repeats (default 8)")
    ais.add_argument("--seed", type=int, default=0)
    ais.add_argument("--out", required=True, help="output directory")


def load_alignment_data(args):
    """The judgments the arguments name (rated pairs or a similarity matrix); SYNTHETIC when their files say so.
    (Imports here and below keep ``python -m siamese.human --help`` free of torch.)"""
    from siamese.human.io.common import FormatError
    from siamese.human.io.read import read_image_set, read_images_with_matrix, read_pairs

    if args.pairs:
        if not args.ratings:
            raise ValueError("--pairs needs --ratings")
        from siamese.human.compare.normalize import normalize_ratings

        return normalize_ratings(read_pairs(args.pairs, args.ratings, tuple(args.scale)),
                                 getattr(args, "normalize", "none"))
    if args.image_set:
        judgments = read_image_set(args.image_set)
        if judgments.similarity is None:
            raise FormatError(args.image_set, "has no similarity.csv or similarity.npy")
        return judgments
    if args.images:
        if not args.similarity:
            raise ValueError("--images needs --similarity (an N x N .npy or .csv)")
        return read_images_with_matrix(args.images, args.similarity)
    raise ValueError("give --pairs with --ratings, --image-set, or --images with --similarity")


def layer_probe(args, loaded):
    """``images -> activations`` of the analysed layer of a checkpoint of this project (``--model RUN.ckpt``; for
    the heatmaps' receptive fields), or None for other sources (a pixel-by-pixel probe of a 224 x 224 backbone
    would take too long)."""
    if not str(args.model).endswith(".ckpt"):
        return None
    return lambda images: loaded.activations(images, [args.layer], as_numpy=False)[args.layer]


def layer_features(loaded, layer: str, images: np.ndarray):
    """``layer`` of the loaded ``--model`` source for ``images`` (its own preprocessing: channels, size, mean/std)."""
    return loaded.activations(images, [layer], batch_size=32, as_numpy=False)[layer]


def run_ais(args) -> dict:
    from siamese.human.report.ais import (
        write_report,  # matplotlib: only when the command runs
    )

    data = load_alignment_data(args)
    loaded = source_from_args(args)
    features = layer_features(loaded, args.layer, data.images)
    return write_report(features, data, args.out, args.layer, args.repeats, args.seed, args.pooling,
                        probe=layer_probe(args, loaded) if data.images.ndim == 3 else None)


def run(args) -> int:
    summary = run_ais(args)
    tag = " (SYNTHETIC human data)" if summary["synthetic"] else ""
    print(f"layer {summary['layer']}{tag}: {summary['maps']} maps, held-out rho all maps "
          f"{summary['heldout_rho_all']:.3f} -> S* {summary['heldout_rho_selected']:.3f} "
          f"(gain {summary['gain']:+.3f} [{summary['gain_ci_low']:+.3f}, {summary['gain_ci_high']:+.3f}], "
          f"p {summary['p']:.3g}, |S*| {summary['mean_num_selected']:.1f}); wrote {args.out}")
    if summary.get("note"):
        print(f"why nan: {summary['note']}")
    return 0
