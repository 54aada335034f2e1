"""``python -m siamese.rate`` is now ``python -m siamese.human rate`` (same arguments; also ``siamese-rate``).

The rating page belongs to the human toolkit, which sits above the framework; this stub imports nothing from it
and only names the new command."""

import sys

NEW_COMMAND = "python -m siamese.human rate"


def main(argv=None) -> int:
    args = " ".join(sys.argv[1:] if argv is None else argv)
    print(f"error: python -m siamese.rate moved; run: {NEW_COMMAND} {args}".rstrip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
