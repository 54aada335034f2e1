"""``python -m siamese.human align-cv``: k-fold CV of human-aligned training, held-out r/rho with and without."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "k-fold CV of human-aligned training: held-out r/rho with and without"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from siamese.human.compare.normalize import NORMALIZATIONS  # numpy/scipy only

    parser.add_argument("--pairs", required=True)
    parser.add_argument("--ratings", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--weight", type=float, default=1.0, help="human.weight of the 'with' arm")
    parser.add_argument("--layer", default="fc")
    parser.add_argument("--holdout-raters", action="store_true", help="train on half the raters, evaluate on the rest")
    parser.add_argument("--scale", type=float, nargs=2, default=(1, 10), metavar=("LOW", "HIGH"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", "--ckpt", dest="model",
                        help="initial net of both arms: a checkpoint of train.py (as --init-ckpt) or "
                             "torchvision:NAME (model=torchvision, weights from --weights)")
    parser.add_argument("--weights", help="local state_dict of --model torchvision:NAME")
    parser.add_argument("--init-ckpt", help="fine-tune this checkpoint of train.py, in the module it came from "
                                             "(classifier: cross-entropy + human term; metric: its loss + human term)")
    parser.add_argument("--train-layers", nargs="+", help="only these layers train (e.g. fc logits); the rest frozen")
    parser.add_argument("--lr", type=float, help="learning rate (optimizer.lr) of both arms")
    parser.add_argument("--val-fraction", type=float, default=0.0,
                        help="> 0: inner validation split of the training pairs; early stopping on it (with arm)")
    parser.add_argument("--patience", type=int, default=3, help="early-stopping patience in epochs (default 3)")
    parser.add_argument("--normalize", choices=NORMALIZATIONS, default="none",
                        help="per-rater normalization before averaging, in training (human.normalize) and in the "
                             "held-out evaluation and noise ceiling (default none)")
    parser.add_argument("overrides", nargs="*",
                        help="train.py overrides, e.g. trainer.max_epochs=5 human.init_ckpt=CKPT")


def init_source(spec: str | None, weights: str | None) -> tuple[str | None, tuple[str, ...]]:
    """``(init_ckpt, train.py overrides)`` that start both arms from the ``--model`` source (align-cv trains the
    net, so it takes the sources that train.py can build: a checkpoint of this project, fine-tuned in the module
    it came from as ``--init-ckpt``, or a torchvision model)."""
    if not spec:
        return None, ()
    if spec.startswith("torchvision:"):
        return None, ("model=torchvision", f"model.name={spec.split(':', 1)[1]}") + \
            ((f"model.weights={weights}",) if weights else ())
    if spec.endswith(".ckpt") or Path(spec).is_file():
        return spec, ()
    raise ValueError(f"align-cv --model {spec!r}: training needs a checkpoint or torchvision:NAME (module:factory "
                     f"and TorchScript models can be scored by eval/ais, not trained here)")


def run(args) -> int:
    from siamese.human.train.fine_tune_cv import run_alignment_cv

    init_ckpt, source_overrides = init_source(args.model, args.weights)
    if init_ckpt and args.init_ckpt and init_ckpt != args.init_ckpt:
        raise ValueError(f"align-cv: --model {init_ckpt} and --init-ckpt {args.init_ckpt} name two starting points")
    init_ckpt = args.init_ckpt or init_ckpt
    overrides = source_overrides + tuple(args.overrides)
    run_alignment_cv(args.pairs, args.ratings, args.out, args.folds, args.weight, args.layer,
                     overrides, args.holdout_raters, tuple(args.scale), args.seed,
                     init_ckpt=init_ckpt, train_layers=args.train_layers, lr=args.lr,
                     val_fraction=args.val_fraction, patience=args.patience, normalize=args.normalize)
    print(Path(args.out, "alignment_cv.md").read_text())
    return 0
