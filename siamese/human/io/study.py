"""A jsPsych study directory (written by ``python -m siamese.human make-study``): what was shown, in one file.

``study.json`` (the same object is in ``study.js`` as ``window.STUDY`` for the page)::

    {"format": "siamese-study", "version": 1, "task": "rating" | "2afc" | "odd-one-out",
     "question": "...", "scale": [1, 10], "catch_min_rating": 8,
     "completion_code": "C0DE1234", "completion_url": "https://app.prolific.com/submissions/complete?cc=C0DE1234",
     "synthetic": false,
     "image_id": ["img0", ...],                       # image k is images/<k>.png and row k of images.npz
     "trials": [{"trial_id": "p3", "kind": "main" | "practice" | "catch",
                 "images": ["img0", "img4"],          # rating: 2 ids; 2afc: anchor, a, b; odd-one-out: 3 ids
                 "expected": null | "img4"}, ...],    # a catch trial's correct choice (2afc, odd-one-out)
     "repeats": ["p3", ...]}                          # main trials shown a second time, for test-retest

A catch trial shows an image with itself: rated (rating) it must get at least ``catch_min_rating``; in 2AFC the
identical option is the right choice; in odd-one-out the trial is (x, x, y) with y far from x in pixels, and y is
the odd one. ``images.npz`` holds ``images`` uint8 ``[N, H, W(, 3)]`` and ``image_id``, so an import of the answers
needs nothing but this directory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from siamese.human.io.common import FormatError, check_ids, load_npz

STUDY_JSON, STUDY_IMAGES = "study.json", "images.npz"
TASKS = ("rating", "2afc", "odd-one-out")
KINDS = ("main", "practice", "catch")
ANSWER_KINDS = KINDS + ("repeat",)  # the kinds of answer rows; a repeat shows a main trial again


@dataclass
class Study:
    """``study.json`` (fields of the module docstring) and the pixels of ``images.npz``."""

    task: str
    question: str
    scale: tuple[int, int]
    catch_min_rating: int
    completion_code: str
    image_id: list[str]
    images: np.ndarray
    trials: list[dict]
    repeats: list[str]
    synthetic: bool = False
    path: Path | None = None
    spec: dict | None = None

    def __post_init__(self):
        self.by_id = {t["trial_id"]: t for t in self.trials}

    def trial(self, trial_id: str) -> dict | None:
        return self.by_id.get(trial_id)

    def main_trials(self) -> list[dict]:
        return [t for t in self.trials if t["kind"] == "main"]


def check_study_spec(path, spec: dict, image_count: int | None = None) -> None:
    """Raise :class:`FormatError` naming the first bad key or trial of a ``study.json`` object."""
    if not isinstance(spec, dict) or spec.get("format") != "siamese-study":
        raise FormatError(path, "is not a siamese study (\"format\": \"siamese-study\" missing)")
    if spec.get("task") not in TASKS:
        raise FormatError(path, f"task {spec.get('task')!r} must be one of {', '.join(TASKS)}")
    ids = spec.get("image_id")
    if not isinstance(ids, list) or len(set(map(str, ids))) != len(ids) or not ids:
        raise FormatError(path, "image_id must be a non-empty list of unique ids")
    if image_count is not None and image_count != len(ids):
        raise FormatError(path, f"names {len(ids)} images but {STUDY_IMAGES} holds {image_count}")
    known, seen = set(ids), set()
    width = 2 if spec["task"] == "rating" else 3
    for k, trial in enumerate(spec.get("trials") or []):
        where = f"trial {k} ({trial.get('trial_id')!r})" if isinstance(trial, dict) else f"trial {k}"
        if not isinstance(trial, dict) or not isinstance(trial.get("trial_id"), str) or trial["trial_id"] in seen:
            raise FormatError(path, f"{where}: needs a unique string trial_id")
        seen.add(trial["trial_id"])
        if trial.get("kind") not in KINDS:
            raise FormatError(path, f"{where}: kind {trial.get('kind')!r} must be one of {', '.join(KINDS)}")
        shown = trial.get("images")
        if not isinstance(shown, list) or len(shown) != width or not set(shown) <= known:
            raise FormatError(path, f"{where}: images must be {width} ids of image_id, got {shown!r}")
        expected = trial.get("expected")
        if expected is not None and expected not in shown:
            raise FormatError(path, f"{where}: expected {expected!r} is not one of its images")
    if not seen:
        raise FormatError(path, "holds no trials")
    main = {t["trial_id"] for t in spec["trials"] if t["kind"] == "main"}
    bad = [r for r in spec.get("repeats") or [] if r not in main]
    if bad:
        raise FormatError(path, f"repeats names {bad[0]!r}, which is not a main trial")


def load_study(directory: str | Path) -> Study:
    """A study directory: ``study.json`` checked against ``images.npz``."""
    directory = Path(directory)
    path = directory / STUDY_JSON
    if not path.is_file():
        raise FormatError(directory, f"holds no {STUDY_JSON}; make one with python -m siamese.human make-study")
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise FormatError(path, f"is not valid JSON ({error})") from None
    arrays = load_npz(directory / STUDY_IMAGES, ("images", "image_id"))
    check_ids(directory / STUDY_IMAGES, "image_id", arrays["image_id"])
    check_study_spec(path, spec, len(arrays["image_id"]))
    if [str(i) for i in arrays["image_id"]] != [str(i) for i in spec["image_id"]]:
        raise FormatError(path, f"image_id differs from {STUDY_IMAGES}'s")
    return Study(spec["task"], spec.get("question", ""), tuple(spec.get("scale", (1, 10))),
                 int(spec.get("catch_min_rating", 8)), str(spec.get("completion_code", "")),
                 [str(i) for i in spec["image_id"]], arrays["images"], spec["trials"], list(spec.get("repeats", [])),
                 bool(spec.get("synthetic", False)), directory, spec)
