"""``python -m siamese.human ais``: read the inputs the arguments name, extract the layer, write the report."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

HELP = "alignment importance of each feature map, pruning CV, heatmaps"


def add_arguments(ais: argparse.ArgumentParser) -> None:
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


def load_alignment_data(args):
    """The images and human similarity the arguments name (an ``AlignmentData``); SYNTHETIC when their files say
    so. (Imports here and below keep ``python -m siamese.human --help`` free of torch.)"""
    from siamese.human.ais.data import from_matrix, from_pair_set
    from siamese.human.io.common import FormatError, load_npz, synthetic_key
    from siamese.human.io.image_files import load_images
    from siamese.human.io.image_set import load_image_set
    from siamese.human.io.pair_set import load_pair_set
    from siamese.human.io.ratings import load_ratings

    if args.pairs:
        if not args.ratings:
            raise ValueError("--pairs needs --ratings")
        pairs = load_pair_set(args.pairs)
        return from_pair_set(pairs, load_ratings(args.ratings, pairs.pair_id, tuple(args.scale)))
    if args.image_set:
        image_set = load_image_set(args.image_set)
        if image_set.similarity is None:
            raise FormatError(args.image_set, "has no similarity.csv or similarity.npy")
        return from_matrix(image_set.images, image_set.similarity, image_set.synthetic)
    if args.images:
        if not args.similarity:
            raise ValueError("--images needs --similarity (an N x N .npy or .csv)")
        images, _ = load_images(args.images)
        path = Path(args.similarity)
        matrix = np.load(path) if path.suffix == ".npy" else np.loadtxt(path, delimiter=",")
        if matrix.shape != (len(images), len(images)):
            raise FormatError(path, f"is {matrix.shape}, but {args.images} holds {len(images)} images")
        # an .npz of images marks generated data with a ``synthetic`` key, as images.npz of an image set does
        synthetic = Path(args.images).suffix == ".npz" and synthetic_key(args.images, load_npz(args.images, ()))
        return from_matrix(images, matrix, synthetic)
    raise ValueError("give --pairs with --ratings, --image-set, or --images with --similarity")


def layer_features(args, images: np.ndarray):
    from siamese.models.layer_reader import read_layer
    from siamese.models.loading import load_net
    from siamese.models.torchvision_models import (
        imagenet_tensor,
        load_torchvision_model,
    )

    if args.ckpt:
        loaded = load_net(args.ckpt)
        if images.ndim != 3:
            raise ValueError(f"--ckpt models take 28 x 28 grey images, got image shape {images.shape[1:]}")
        return read_layer(loaded.net, args.layer, loaded.normalize(images))
    if not args.weights:
        print(f"note: --model {args.model} without --weights has RANDOM weights")
    model = load_torchvision_model(args.model, args.weights)
    return read_layer(model, args.layer, imagenet_tensor(images, args.size), batch_size=32)


def run_ais(args) -> dict:
    from siamese.human.ais.report import (
        write_report,  # matplotlib: only when the command runs
    )

    data = load_alignment_data(args)
    features = layer_features(args, data.images)
    return write_report(features, data, args.out, args.layer, args.repeats, args.seed, args.pooling)


def run(args) -> int:
    summary = run_ais(args)
    tag = " (SYNTHETIC human data)" if summary["synthetic"] else ""
    print(f"layer {summary['layer']}{tag}: {summary['maps']} maps, held-out rho all maps "
          f"{summary['heldout_rho_all']:.3f} -> S* {summary['heldout_rho_selected']:.3f} "
          f"(gain {summary['gain']:+.3f} [{summary['gain_ci_low']:+.3f}, {summary['gain_ci_high']:+.3f}], "
          f"p {summary['p']:.3g}, |S*| {summary['mean_num_selected']:.1f}); wrote {args.out}")
    return 0
