"""jsPsych data of a study made by ``make-study`` (hosted here or anywhere) into one :class:`Judgments`.

Files: jsPsych's ``jsPsych.data.get().json()`` (a JSON array of row objects; what ``localSave('json', ...)`` saves
and what ``export-study`` writes from our database) or ``.csv()`` (a header row, then one row per trial). Rows
without a ``kind`` of ``main``, ``catch`` or ``repeat`` (consent, instructions, practice, comments) are skipped.
An answer row needs ``trial_id``, ``rating`` (task rating) or ``chosen`` (an image id), and ``rt`` (ms, may be
empty). The rater is ``PROLIFIC_PID``, or the page's ``participant_session`` when the URL had none; the session is
``SESSION_ID`` (else ``participant_session``).

The judgments hold the main and the catch trials (``catch`` / ``expected`` flag the latter) and the collection
fields of :class:`Judgments` (``rt``, ``retest``, ``sessions``; triplet ``rt`` and ``repeat``). When one rater
answered a trial twice as the same kind (two sessions of one Prolific id), the first answer is kept and the
number of such answers is logged.
"""

from __future__ import annotations

import csv
import json
import logging
import math
from pathlib import Path

import numpy as np

from siamese.human.io.common import FormatError
from siamese.human.io.judgments import ODD_ONE_OUT, TWO_AFC, Judgments, TripletAnswers
from siamese.human.io.study import Study

log = logging.getLogger(__name__)
ANSWERED = ("main", "catch", "repeat")


def read_rows(path: str | Path) -> list[tuple[int, dict]]:
    """``(row number, row)`` of a jsPsych JSON (number = position in the array, from 1) or CSV file (number = line)."""
    path = Path(path)
    if not path.is_file():
        raise FormatError(path, "file not found")
    text = path.read_text(encoding="utf-8-sig")
    if text.lstrip().startswith("["):
        try:
            rows = json.loads(text)
        except ValueError as error:
            raise FormatError(path, f"is not valid JSON ({error})") from None
        bad = next((k for k, row in enumerate(rows) if not isinstance(row, dict)), None)
        if bad is not None:
            raise FormatError(path, f"entry {bad + 1} is not a JSON object (jsPsych data rows are objects)")
        return list(enumerate(rows, start=1))
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames or "trial_id" not in reader.fieldnames or "kind" not in reader.fieldnames:
        raise FormatError(path, "is neither a jsPsych JSON array nor a jsPsych CSV with kind and trial_id columns")
    return [(line + 2, row) for line, row in enumerate(reader)]


def _number(path, row_no: int, column: str, value, empty_ok: bool) -> float:
    if value is None or value == "":
        if empty_ok:
            return math.nan
        raise FormatError(path, f"{column} is missing", row=row_no)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FormatError(path, f"{column} {value!r} is not a number", row=row_no) from None
    if not math.isfinite(number):
        raise FormatError(path, f"{column} {value!r} is not a finite number", row=row_no)
    return number


def answers_of(study: Study, files) -> list[dict]:
    """The checked answer rows of ``files``: ``rater, session, kind, trial_id, response, rt`` (first one kept)."""
    answers, seen, duplicates = [], set(), 0
    for path in map(Path, files):
        for row_no, row in read_rows(path):
            kind = row.get("kind")
            if kind not in ANSWERED:
                continue
            trial = study.trial(str(row.get("trial_id")))
            if trial is None or trial["kind"] == "practice":
                raise FormatError(path, f"unknown trial_id {row.get('trial_id')!r} (not in the study)", row=row_no)
            if kind != trial["kind"] and not (kind == "repeat" and trial["trial_id"] in study.repeats):
                raise FormatError(path, f"trial {trial['trial_id']!r} is not a {kind!r} trial", row=row_no)
            if study.task == "rating":
                response = _number(path, row_no, "rating", row.get("rating"), empty_ok=False)
                low, high = study.scale
                if response != int(response) or not low <= response <= high:
                    raise FormatError(path, f"rating {row.get('rating')!r} is not an integer {low}-{high}", row=row_no)
            else:
                response = str(row.get("chosen"))
                options = trial["images"][1:] if study.task == TWO_AFC else trial["images"]
                if response not in options:
                    raise FormatError(path, f"chosen {row.get('chosen')!r} is not one of {options}", row=row_no)
            rater = str(row.get("PROLIFIC_PID") or row.get("participant_session") or "")
            if not rater:
                raise FormatError(path, "no PROLIFIC_PID and no participant_session: whose answer is it?", row=row_no)
            key = (rater, kind, trial["trial_id"])
            if key in seen:
                duplicates += 1
                continue
            seen.add(key)
            answers.append({"rater": rater, "session": str(row.get("SESSION_ID") or row.get("participant_session")
                                                           or ""),
                            "kind": kind, "trial_id": trial["trial_id"], "response": response,
                            "rt": _number(path, row_no, "rt", row.get("rt"), empty_ok=True)})
    if duplicates:
        log.warning("%d answers repeated a trial a rater had already answered (another session); the first kept",
                    duplicates)
    return answers


def read_jspsych(study: Study, files) -> Judgments:
    """The answers in ``files`` (jsPsych JSON or CSV) to ``study`` as one :class:`Judgments` (module docstring)."""
    answers = answers_of(study, files)
    if not answers:
        raise FormatError(Path(list(files)[0]) if files else Path("."), "holds no answers to this study's trials")
    position = {image: k for k, image in enumerate(study.image_id)}
    shown = [t for t in study.trials if t["kind"] in ("main", "catch")]
    index = {t["trial_id"]: k for k, t in enumerate(shown)}
    raters = list(dict.fromkeys(a["rater"] for a in answers))
    sessions = {a["rater"]: a["session"] for a in reversed(answers)}
    common = {"synthetic": study.synthetic, "path": study.path}
    if study.task == "rating":
        ratings, retest, rt = (np.full((len(raters), len(shown)), np.nan) for _ in range(3))
        row_of = {rater: k for k, rater in enumerate(raters)}
        for a in answers:
            r, p = row_of[a["rater"]], index[a["trial_id"]]
            if a["kind"] == "repeat":
                retest[r, p] = a["response"]
            else:
                ratings[r, p], rt[r, p] = a["response"], a["rt"]
        return Judgments(list(study.image_id), study.images, [t["trial_id"] for t in shown],
                         [[position[i] for i in t["images"]] for t in shown], ratings, raters,
                         scale=tuple(float(v) for v in study.scale), rt=rt, retest=retest,
                         sessions=[sessions[r] for r in raters], catch=[t["kind"] == "catch" for t in shown],
                         **common)
    task = TWO_AFC if study.task == TWO_AFC else ODD_ONE_OUT
    triplets = [[position[i] for i in t["images"]] for t in shown]
    expected = [position[t["expected"]] if t["kind"] == "catch" else -1 for t in shown]
    kept = TripletAnswers(task, triplets, [t["trial_id"] for t in shown], [a["rater"] for a in answers],
                          [index[a["trial_id"]] for a in answers], [position[a["response"]] for a in answers],
                          rt=[a["rt"] for a in answers], repeat=[a["kind"] == "repeat" for a in answers],
                          expected=expected)
    return Judgments(list(study.image_id), study.images, sessions=[], **common,
                     **{"two_afc" if task == TWO_AFC else "odd_one_out": kept})
