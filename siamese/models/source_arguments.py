"""The model flags of every command that takes a model (``python -m siamese.oneshot`` and the human analyses:
``--model``/``--ckpt``, ``--weights``, preprocessing overrides) and the model they name (``siamese.models.sources``);
importing this module needs no torch, so ``--help`` stays fast."""

from __future__ import annotations


def add_source_arguments(parser, required: bool = False) -> None:
    """The model flags every model-taking command has (``--model``/``--ckpt``, ``--weights``, preprocessing)."""
    parser.add_argument("--model", "--ckpt", dest="model", required=required,
                        help="PATH.ckpt | torchvision:NAME | torchscript:PATH | package.module:factory")
    parser.add_argument("--weights", help="local state_dict file for torchvision:NAME or module:factory")
    parser.add_argument("--embedding-layer", help="layer that is the embedding of a non-checkpoint model "
                                                  "(default: output, the first forward output)")
    parser.add_argument("--channels", type=int, choices=[1, 3], help="override: input channels")
    parser.add_argument("--size", type=int, nargs="+", metavar="PIXELS", help="override: input size (S or H W)")
    parser.add_argument("--mean", type=float, nargs="+", help="override: mean per channel (after the value range)")
    parser.add_argument("--std", type=float, nargs="+", help="override: std per channel")
    parser.add_argument("--value-range", choices=["unit", "byte", "symmetric"],
                        help="override: 0-255 -> unit p/255, byte p, symmetric p/127.5-1")


# ``load_source``'s parameters -> the flags that give them (its errors name the parameter; the user typed the flag)
FLAGS = {"spec": "--model", "weights": "--weights", "embedding_layer": "--embedding-layer", "channels": "--channels",
         "size": "--size", "mean": "--mean", "std": "--std", "value_range": "--value-range"}


def source_from_args(args):
    """The ``LoadedNet`` of parsed ``add_source_arguments`` flags (None without ``--model``); a bad value is said
    with its flag (``--model foo: ...``)."""
    if not getattr(args, "model", None):
        return None
    size = None if not args.size else (args.size[0] if len(args.size) == 1 else tuple(args.size[:2]))
    from siamese.models.sources import load_source  # torch only when a command runs
    from siamese.utils.parameters import flag_names

    with flag_names(FLAGS):
        return load_source(args.model, args.weights, args.embedding_layer, channels=args.channels, size=size,
                           mean=None if args.mean is None else tuple(args.mean),
                           std=None if args.std is None else tuple(args.std), value_range=args.value_range)
