"""``python -m siamese.human import-study STUDY DATA [DATA ...] --out DIR``: jsPsych results (JSON or CSV, from
``export-study`` or a study hosted elsewhere) -> exclusions -> the project's judgments files in DIR (rated pairs:
``eval DIR``; 2AFC; odd-one-out: ``odd-one-out DIR``), with ``exclusions.json``, ``reliability.json`` and
``report.md`` (docs/running_a_study.md)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HELP = "jsPsych results of a study -> exclusions, test-retest reliability, judgments files"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from siamese.human.compare.exclusions import DEFAULTS

    parser.add_argument("study", help="the study directory (make-study)")
    parser.add_argument("data", nargs="+", help="jsPsych data files (.json or .csv)")
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--min-rt", type=float, default=DEFAULTS["min_rt"], help="ms; faster answers are dropped")
    parser.add_argument("--max-rt", type=float, default=DEFAULTS["max_rt"], help="ms; slower answers are dropped")
    parser.add_argument("--max-fast-fraction", type=float, default=DEFAULTS["max_fast_fraction"],
                        help="exclude a participant with more than this share of answers under --min-rt")
    parser.add_argument("--max-catch-failures", type=int, default=DEFAULTS["max_catch_failures"],
                        help="exclude a participant with more failed catch trials than this (default 0)")


def run(args) -> int:
    from siamese.human.compare.exclusions import apply_exclusions, describe
    from siamese.human.compare.reliability import test_retest
    from siamese.human.io.jspsych import read_jspsych
    from siamese.human.io.study import load_study
    from siamese.human.io.write import write_judgments
    from siamese.utils.files import write_text_atomic

    study = load_study(args.study)
    judgments = read_jspsych(study, args.data)
    kept, report = apply_exclusions(judgments, catch_min_rating=study.catch_min_rating, min_rt=args.min_rt,
                                    max_rt=args.max_rt, max_fast_fraction=args.max_fast_fraction,
                                    max_catch_failures=args.max_catch_failures)
    reliability = test_retest(kept)
    out = Path(args.out)
    files = write_judgments(kept, out)
    write_text_atomic(out / "exclusions.json", json.dumps(report, indent=1) + "\n")
    write_text_atomic(out / "reliability.json", json.dumps(reliability, indent=1) + "\n")
    lines = (["SYNTHETIC (generated answers, not people's)", ""] if study.synthetic else []) + [
        f"# Study {study.path.name} ({study.task})", "", "## Exclusions", "", describe(report), "",
        "## Test-retest reliability", "", reliability_text(reliability), "",
        f"Files: {', '.join(p.name for p in files)}"]
    write_text_atomic(out / "report.md", "\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


def reliability_text(reliability: dict) -> str:
    r = reliability
    if "r" in r:
        return (f"{r['repeats']} repeated ratings: r = {r['r']:.3f} (one rater, first vs second rating, pooled "
                f"Pearson); mean of {r['raters_per_pair']:.2f} raters per pair: Spearman-Brown {r['r_mean']:.3f}, "
                f"ceiling sqrt = {r['ceiling']:.3f}")
    return (f"{r['repeats']} repeated answers: agreement with the first answer {r['agreement']:.3f} "
            f"(chance {r['chance']:.3f})")
