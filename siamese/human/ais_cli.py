"""``python -m siamese.human ais``: read the inputs the arguments name, extract the layer, write the report."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from siamese.human.ais_report import AlignmentData, from_matrix, from_pair_set, write_report
from siamese.models.layer_reader import read_layer


def load_alignment_data(args) -> AlignmentData:
    from siamese.human.formats import FormatError, load_image_set, load_pair_set, load_ratings

    if args.pairs:
        if not args.ratings:
            raise ValueError("--pairs needs --ratings")
        pairs = load_pair_set(args.pairs)
        data = from_pair_set(pairs, load_ratings(args.ratings, pairs.pair_id, tuple(args.scale)))
        data.synthetic = "synthetic" in Path(args.ratings).name
        return data
    if args.image_set:
        image_set = load_image_set(args.image_set)
        if image_set.similarity is None:
            raise FormatError(args.image_set, "has no similarity.csv or similarity.npy")
        return from_matrix(image_set.images, image_set.similarity)
    if args.images:
        from siamese.human.own_images import load_images

        if not args.similarity:
            raise ValueError("--images needs --similarity (an N x N .npy or .csv)")
        images, _ = load_images(args.images)
        path = Path(args.similarity)
        matrix = np.load(path) if path.suffix == ".npy" else np.loadtxt(path, delimiter=",")
        if matrix.shape != (len(images), len(images)):
            raise FormatError(path, f"is {matrix.shape}, but {args.images} holds {len(images)} images")
        data = from_matrix(images, matrix)
        data.synthetic = "synthetic" in path.name
        return data
    raise ValueError("give --pairs with --ratings, --image-set, or --images with --similarity")


def layer_features(args, images: np.ndarray):
    if args.ckpt:
        from siamese.human.similarity import load_net

        loaded = load_net(args.ckpt)
        if images.ndim != 3:
            raise ValueError(f"--ckpt models take 28 x 28 grey images, got image shape {images.shape[1:]}")
        return read_layer(loaded.net, args.layer, loaded.normalize(images))
    from siamese.human.own_images import imagenet_tensor, load_torchvision_model

    if not args.weights:
        print(f"note: --model {args.model} without --weights has RANDOM weights")
    model = load_torchvision_model(args.model, args.weights)
    return read_layer(model, args.layer, imagenet_tensor(images, args.size), batch_size=32)


def run_ais(args) -> dict:
    data = load_alignment_data(args)
    features = layer_features(args, data.images)
    return write_report(features, data, args.out, args.layer, args.repeats, args.seed, args.pooling)
