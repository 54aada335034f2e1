"""``python -m siamese.human align-cv``: k-fold CV of human-aligned training, held-out r/rho with and without."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "k-fold CV of human-aligned training: held-out r/rho with and without"


def add_arguments(parser: argparse.ArgumentParser) -> None:
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
                        help="initial net of both arms: a checkpoint (human.init_ckpt) or torchvision:NAME "
                             "(model=torchvision, weights from --weights)")
    parser.add_argument("--weights", help="local state_dict of --model torchvision:NAME")
    parser.add_argument("overrides", nargs="*",
                        help="train.py overrides, e.g. trainer.max_epochs=5 human.init_ckpt=CKPT")


def init_overrides(spec: str | None, weights: str | None) -> tuple[str, ...]:
    """train.py overrides that start both arms from the ``--model`` source (align-cv trains the net, so it takes
    the sources that train.py can build: a checkpoint of this project or a torchvision model)."""
    if not spec:
        return ()
    if spec.startswith("torchvision:"):
        return ("model=torchvision", f"model.name={spec.split(':', 1)[1]}") + \
            ((f"model.weights={weights}",) if weights else ())
    if spec.endswith(".ckpt") or Path(spec).is_file():
        return (f"human.init_ckpt={spec}",)
    raise ValueError(f"align-cv --model {spec!r}: training needs a checkpoint or torchvision:NAME (module:factory "
                     f"and TorchScript models can be scored by eval/ais, not trained here)")


def run(args) -> int:
    from siamese.human.align.cv import run_alignment_cv

    overrides = init_overrides(args.model, args.weights) + tuple(args.overrides)
    run_alignment_cv(args.pairs, args.ratings, args.out, args.folds, args.weight, args.layer,
                     overrides, args.holdout_raters, tuple(args.scale), args.seed)
    print(Path(args.out, "alignment_cv.md").read_text())
    return 0
