"""``python -m siamese.human make-study DIR --task rating|2afc|odd-one-out --out STUDY``: a self-contained jsPsych
study (``siamese.human.collect.study_maker``; docs/running_a_study.md)."""

from __future__ import annotations

import argparse

HELP = "a self-contained jsPsych study (rating: a pair set; 2afc / odd-one-out: a trial set)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="pair set directory (--task rating) or trial set directory (2afc, odd-one-out)")
    parser.add_argument("--task", required=True, choices=["rating", "2afc", "odd-one-out"])
    parser.add_argument("--out", required=True, help="new study directory")
    parser.add_argument("--practice", type=int, default=2, help="practice trials (not scored; default 2)")
    parser.add_argument("--catches", type=int, default=2, help="catch trials (default 2)")
    parser.add_argument("--repeats", type=int, default=4, help="main trials shown again, for test-retest (default 4)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the practice, catch and repeat choices")
    parser.add_argument("--completion-code", help="the code participants get at the end (default: random)")
    parser.add_argument("--completion-url", help="the link at the end (default: Prolific's, with the code)")
    parser.add_argument("--question", help="the question shown (default: one per task)")
    parser.add_argument("--synthetic", action="store_true",
                        help="the answers will come from a simulated observer (a dry run): imports say SYNTHETIC")


def run(args) -> int:
    from siamese.human.collect.study_maker import make_study

    spec = make_study(args.source, args.task, args.out, args.practice, args.catches, args.repeats, args.seed,
                      args.completion_code, args.completion_url, args.question, args.synthetic)
    counts = {kind: sum(t["kind"] == kind for t in spec["trials"]) for kind in ("main", "practice", "catch")}
    print(f"wrote {args.out}: {counts['main']} trials, {counts['practice']} practice, {counts['catch']} catch, "
          f"{len(spec['repeats'])} repeated; completion code {spec['completion_code']}. Serve it with: "
          f"python -m siamese.rate {args.out} --host 0.0.0.0 (or host the folder anywhere)")
    return 0
