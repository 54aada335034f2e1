"""``python -m siamese.rate STUDY [--host 0.0.0.0] [--db URL]``: serve a jsPsych study; ``python -m siamese.rate
PAIR_SET_DIR --ratings FILE``: the local rating page. A thin entry point of the human toolkit: it forwards its
arguments to ``python -m siamese.human rate`` (ranked with the toolkit's CLI, not the framework)."""

import sys


def main(argv=None) -> int:
    from siamese.human.__main__ import main as human_main

    return human_main(["rate", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
