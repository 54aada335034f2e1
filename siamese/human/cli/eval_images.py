"""``python -m siamese.human eval-images DIR``: a similarity matrix (Spearman of upper triangles) and triplets."""

from __future__ import annotations

import argparse

HELP = "similarity matrix (Spearman of upper triangles) and triplets"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("images_dir", help="directory with images.npz and similarity.csv/.npy and/or triplets.csv")
    parser.add_argument("--ckpt")
    parser.add_argument("--layers", nargs="+")


def _show(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def run(args) -> int:
    from siamese.human.compare.evaluate import matrix_agreement, triplet_agreement
    from siamese.human.compare.similarity import similarity_matrix
    from siamese.human.io.image_set import load_image_set
    from siamese.models.loading import load_net

    image_set = load_image_set(args.images_dir)
    models = [("pixels", None, None)]
    if args.ckpt:
        loaded = load_net(args.ckpt)
        models += [(loaded.name, loaded, layer) for layer in (args.layers or loaded.net.layer_names)]
    if image_set.synthetic:
        print("SYNTHETIC human data (images.npz says so): generated, not given by people")
    print("| model | layer | matrix rho | triplet agreement |\n|---|---|---|---|")
    for name, model, layer in models:
        matrix = similarity_matrix(model, image_set.images, layer)
        rho = matrix_agreement(matrix, image_set.similarity) if image_set.similarity is not None else None
        agree = triplet_agreement(matrix, image_set.triplets) if image_set.triplets else None
        print(f"| {name} | {layer or 'pixels'} | {_show(rho)} | {_show(agree)} |")
    return 0
