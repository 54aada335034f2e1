"""The rating page's 2AFC mode: an anchor and two images, "which looks more like the anchor?".

``python -m siamese.human rate TRIAL_SET_DIR --mode 2afc [--choices FILE]`` (trial sets: ``make-triplets``). Each rater
sees the trials in their own random order (seeded by the name, as for pairs), answers with the buttons or the keys
1 / A (left image) and 2 / B (right image), goes back with Backspace, and resumes at the first unanswered trial.
Every answer is appended to ``choices.csv`` (``siamese.human.io.trial_set.CHOICE_COLUMNS``) and fsynced before
the server answers; the file is locked and checked as the ratings file is (``RatingStore``), and every request
passes the same Host/Origin/JSON/token checks (``PageHandler``). Routes: ``/``, ``/api/state``, ``/api/choose``,
``/image/<image_id>.png``. Which image of a trial is shown left is drawn per rater and trial (seeded), so a side
preference does not become a preference for ``a``; the answer is stored as ``a``/``b`` of the trial set.
"""

from __future__ import annotations

import csv
import hashlib
import os
import secrets
import time
from pathlib import Path
from urllib.parse import unquote

from siamese.human.collect.page_handler import PageHandler, check_rater
from siamese.human.collect.rating_server import RatingServer, RatingStore, pair_png, rater_order, render_page
from siamese.human.io.common import FormatError, latest_answers, read_csv
from siamese.human.io.trial_set import ANSWER_TO, CHOICE_COLUMNS, TrialSet, load_choices

QUESTION_2AFC = "Which of the two images looks more like the one on top?"


def left_is_a(rater: str, trial_id: str) -> bool:
    """Whether the rater sees image ``a`` of the trial on the left (a seeded coin per rater and trial)."""
    return hashlib.sha256(f"{rater}\0{trial_id}".encode()).digest()[0] % 2 == 0


class ChoiceStore(RatingStore):
    """``choices.csv``: the ratings file's lock, identity check and fsynced appends, with 2AFC rows."""

    def __init__(self, path: str | Path, trials: TrialSet):
        self.trials = trials
        super().__init__(path, trials)

    def _load(self) -> None:
        self.columns = CHOICE_COLUMNS
        if os.fstat(self.fd).st_size == 0:
            self._write(",".join(CHOICE_COLUMNS) + "\n")
            return
        with open(self.path, newline="", encoding="utf-8-sig") as f:
            header = [name.strip() for name in next(csv.reader(f))]
        self.columns = header  # a file begun before the trial_set column keeps its columns
        if header not in (CHOICE_COLUMNS, CHOICE_COLUMNS[:-1]):
            raise FormatError(self.path, f"the 2AFC page appends columns {CHOICE_COLUMNS}, but the file's header "
                                         f"is {header}; use a new choices file", row=1)
        load_choices(self.path, self.trials)  # full validation: fails loudly on a malformed file
        rows = read_csv(self.path, ("rater", "trial_id", "choice"))
        for key, (_, row) in latest_answers(self.path, rows, ("rater", "trial_id"), ANSWER_TO).items():
            self.latest[key] = (int(row.get("revision") or 0), row["choice"])

    def add(self, rater: str, trial_id: str, choice: str) -> None:
        with self.lock:
            previous = self.latest.get((rater, trial_id))
            revision = 0 if previous is None else previous[0] + 1
            anchor, a, b = self.trials.ids_of(self.trials.trial_id.index(trial_id))
            row = [rater, trial_id, anchor, a, b, choice, revision, time.strftime("%Y-%m-%dT%H:%M:%S"),
                   self.trials.fingerprint]
            self._append([row[:len(self.columns)]])
            self.latest[(rater, trial_id)] = (revision, choice)


def make_two_afc_handler(trials: TrialSet, store: ChoiceStore, token: str, timeout: float):
    index = {trial: k for k, trial in enumerate(trials.trial_id)}
    image_index = {image: k for k, image in enumerate(trials.image_id)}
    page = render_page(token, mode="2afc", question=QUESTION_2AFC)

    def trial_view(rater: str, trial_id: str) -> dict:
        anchor, a, b = trials.ids_of(index[trial_id])
        left, right = (a, b) if left_is_a(rater, trial_id) else (b, a)
        return {"anchor": anchor, "left": left, "right": right, "left_is": "a" if left == a else "b"}

    def parse(body: dict) -> tuple[str, str, str]:
        rater = check_rater(body.get("rater"))
        trial, choice = body.get("trial_id"), body.get("choice")
        if not isinstance(trial, str) or trial not in index:
            raise ValueError(f"unknown trial {trial!r}"[:200])
        if choice not in ("a", "b"):
            raise ValueError(f"choice must be 'a' or 'b', got {choice!r}"[:200])
        return rater, trial, choice

    def save(rater: str, trial: str, choice: str) -> dict:
        store.add(rater, trial, choice)
        return {"ratings": store.ratings_of(rater)}

    def image(parts: list[str]) -> bytes | None:
        if len(parts) == 3 and parts[1] == "image" and parts[2].endswith(".png"):
            image_id = unquote(parts[2][: -len(".png")])
            if image_id in image_index:
                return pair_png(trials.images[image_index[image_id]])
        return None

    def state(rater: str) -> dict:
        order = rater_order(trials.trial_id, rater)
        return {"rater": rater, "order": order, "ratings": store.ratings_of(rater),
                "trials": {t: trial_view(rater, t) for t in order}}

    return PageHandler.for_page(page, "/api/choose", state, image, parse, save, token, timeout)


def make_two_afc_server(trials: TrialSet, choices_path: str | Path, port: int = 8000,
                        timeout: float = 30.0) -> RatingServer:
    """The 2AFC server bound to 127.0.0.1:``port`` (0 = any free port); call ``serve_forever()`` on it."""
    store = ChoiceStore(choices_path, trials)
    token = secrets.token_urlsafe(24)
    return RatingServer(("127.0.0.1", port), make_two_afc_handler(trials, store, token, timeout), store, token)
