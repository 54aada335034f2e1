"""``python -m siamese.human export-study STUDY --db URL --out FILE.json``: the study server's database as jsPsych
data rows (``siamese.human.collect.study_export``); read them with ``import-study``."""

from __future__ import annotations

import argparse
import json

HELP = "a study server's answers (database) as jsPsych JSON rows, for import-study"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", help="the study directory (make-study)")
    parser.add_argument("--db", help="database URL (default: the server's, sqlite:///<STUDY>.sqlite)")
    parser.add_argument("--out", required=True, help="JSON file to write")


def run(args) -> int:
    from siamese.human.cli.serve_study import default_db
    from siamese.human.collect.study_database import StudyDatabase
    from siamese.human.collect.study_export import export_rows
    from siamese.human.io.study import load_study
    from siamese.utils.files import write_text_atomic

    study = load_study(args.study)
    database = StudyDatabase(args.db or default_db(args.study))
    try:
        rows = export_rows(database, study)
        participants = len(database.participants())
    finally:
        database.close()
    write_text_atomic(args.out, json.dumps(rows, indent=0) + "\n")
    print(f"wrote {len(rows)} answers of {participants} participants to {args.out}; read them with: "
          f"python -m siamese.human import-study {args.study} {args.out} --out DIR")
    return 0
