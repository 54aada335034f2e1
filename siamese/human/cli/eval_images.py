"""``python -m siamese.human eval-images DIR``: a similarity matrix (Spearman of upper triangles) and triplets."""

from __future__ import annotations

import argparse
from pathlib import Path

from siamese.human.cli.evaluate import positive_int
from siamese.models.source_arguments import add_source_arguments, source_from_args

HELP = "similarity matrix (Spearman of upper triangles) and triplets"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("images_dir", help="directory with images.npz and similarity.csv/.npy and/or triplets.csv "
                                           "(or a 2AFC trial set with the choices.csv of the rating page)")
    add_source_arguments(parser)
    parser.add_argument("--layers", nargs="+")
    parser.add_argument("--n-boot", type=positive_int("--n-boot"), default=2000,
                        help="bootstrap resamples for the 95%% CIs (images for the matrix, triplets for agreement)")
    parser.add_argument("--seed", type=int, default=0)


def _show(value, ci=None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" + ("" if ci is None else f" [{ci[0]:.3f}, {ci[1]:.3f}]")


def run(args) -> int:
    from siamese.human.compare.correlation import (
        matrix_agreement,
        matrix_agreement_ci,
        triplet_agreement,
        triplet_agreement_ci,
    )
    from siamese.human.compare.similarity import similarity_matrix
    from siamese.human.io.read import read_image_set, read_two_afc
    from siamese.human.io.trial_set import CHOICES_CSV

    judgments = read_image_set(args.images_dir)
    answers = judgments.two_afc
    if (Path(args.images_dir) / CHOICES_CSV).is_file():  # answers of the rating page's 2AFC mode
        answers = read_two_afc(args.images_dir).two_afc
    triplets = answers.rows() if answers is not None and len(answers) else None
    models = [("pixels", None, None)]
    loaded = source_from_args(args)
    if loaded is not None:
        models += [(loaded.name, loaded, layer) for layer in (args.layers or loaded.default_layers(judgments.images))]
    if judgments.synthetic:
        print("SYNTHETIC human data (images.npz says so): generated, not given by people")
    print("| model | layer | matrix rho [95% CI] | triplet agreement [95% CI] |\n|---|---|---|---|")
    for name, model, layer in models:
        matrix = similarity_matrix(model, judgments.images, layer)
        rho = agree = rho_ci = agree_ci = None
        if judgments.similarity is not None:
            rho = matrix_agreement(matrix, judgments.similarity)
            rho_ci = matrix_agreement_ci(matrix, judgments.similarity, args.n_boot, seed=args.seed)
        if triplets is not None:
            agree = triplet_agreement(matrix, triplets)
            agree_ci = triplet_agreement_ci(matrix, triplets, args.n_boot, seed=args.seed)
        print(f"| {name} | {layer or 'pixels'} | {_show(rho, rho_ci)} | {_show(agree, agree_ci)} |")
    print("95% CIs: BCa bootstrap over images (matrix) and over triplets (agreement), "
          f"{args.n_boot} resamples")
    return 0
