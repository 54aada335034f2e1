"""``make_study``: a self-contained jsPsych experiment (``python -m siamese.human make-study``).

The study directory works with no network, from any static host (JATOS, Pavlovia, a plain web server) or from
``python -m siamese.rate STUDY``::

    index.html  experiment.js  server.js      the page (server.js says "no server"; our server replaces it)
    study.json  study.js                      what is shown (siamese.human.io.study), as JSON and as window.STUDY
    images.npz  images/<k>.png                the pixels (for the import) and the images shown
    jspsych/                                  the vendored jsPsych 8 files and their LICENSE

The page: consent, instructions, practice trials, the main trials in the participant's own random order with the
catch trials among them, the repeated trials at the end, an optional comment, the completion code. Every answer
row records the trial, the answer, the reaction time (ms, jsPsych's ``rt``) and Prolific's ``PROLIFIC_PID``,
``STUDY_ID``, ``SESSION_ID`` from the URL. Without our server the data are offered as a JSON file
(``localSave``) and shown on the last page; with it, each answer is POSTed as it is given.
"""

from __future__ import annotations

import json
import secrets
import shutil
from pathlib import Path

import numpy as np

from siamese.human.collect.rating_server import QUESTION, SCALE, pair_png
from siamese.human.io.pair_set import load_pair_set
from siamese.human.io.study import STUDY_IMAGES, STUDY_JSON, TASKS, check_study_spec
from siamese.human.io.trial_set import load_trial_set
from siamese.utils.files import write_text_atomic

PAGE_DIR = Path(__file__).with_name("study_page")
JSPSYCH_DIR = Path(__file__).with_name("jspsych")
QUESTIONS = {"rating": QUESTION, "2afc": "Which of the two lower images looks more like the upper one?",
             "odd-one-out": "Which image does not belong with the other two?"}
PROLIFIC_COMPLETE = "https://app.prolific.com/submissions/complete?cc="
CATCH_MIN_RATING = 8


def _source(directory: Path, task: str) -> tuple[list[str], np.ndarray, list[tuple[str, list[int]]]]:
    """``(image ids, images, [(trial id, image positions)])`` of a pair set (rating) or a trial set."""
    if task == "rating":
        from siamese.human.io.read import from_pair_set

        judgments = from_pair_set(load_pair_set(directory))
        return judgments.image_id, judgments.images, list(zip(judgments.pair_id, judgments.pairs.tolist()))
    trials = load_trial_set(directory)
    rows = np.column_stack([trials.anchor, trials.a, trials.b]).tolist()
    return trials.image_id, trials.images, list(zip(trials.trial_id, rows))


def _catch_trials(task: str, images: np.ndarray, ids: list[str], count: int, rng) -> list[dict]:
    """``count`` catch trials (module docstring of ``siamese.human.io.study``): an image with itself; for the
    choice tasks the other image is the one farthest from it in pixels."""
    flat = images.reshape(len(images), -1).astype(np.float64)
    trials = []
    for k, x in enumerate(rng.choice(len(ids), size=count, replace=count > len(ids))):
        far = int(np.argmax(((flat - flat[x]) ** 2).sum(axis=1)))
        shown = {"rating": [x, x], "2afc": [x, x, far], "odd-one-out": [x, x, far]}[task]
        expected = {"rating": None, "2afc": ids[x], "odd-one-out": ids[far]}[task]
        trials.append({"trial_id": f"catch-{k}", "kind": "catch", "images": [ids[i] for i in shown],
                       "expected": expected})
    return trials


def make_study(source: str | Path, task: str, out: str | Path, practice: int = 2, catches: int = 2,
               repeats: int = 4, seed: int = 0, completion_code: str | None = None,
               completion_url: str | None = None, question: str | None = None, synthetic: bool = False) -> dict:
    """Write the study directory ``out`` from a pair set (``task`` rating) or a trial set (2afc, odd-one-out: the
    three images of each trial); returns the ``study.json`` object. ``practice`` trials are drawn from the set (and
    marked practice, never analysed); ``catches`` catch trials; ``repeats`` main trials are shown again at the end.
    ``completion_url`` defaults to Prolific's completion URL with the code."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    for name, value in (("practice", practice), ("catches", catches), ("repeats", repeats)):
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
    ids, images, set_trials = _source(Path(source), task)
    if repeats > len(set_trials):
        raise ValueError(f"repeats ({repeats}) exceeds the {len(set_trials)} trials of {source}")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"{out} exists and is not empty; choose a new --out directory")
    rng = np.random.default_rng(seed)
    code = completion_code or secrets.token_hex(4).upper()
    main = [{"trial_id": tid, "kind": "main", "images": [ids[i] for i in shown], "expected": None}
            for tid, shown in set_trials]
    practice_trials = [{**main[int(k)], "trial_id": f"practice-{n}", "kind": "practice"}
                       for n, k in enumerate(rng.choice(len(main), size=practice, replace=practice > len(main)))]
    repeat_ids = [main[int(k)]["trial_id"] for k in rng.choice(len(main), size=repeats, replace=False)]
    spec = {"format": "siamese-study", "version": 1, "task": task, "question": question or QUESTIONS[task],
            "scale": list(SCALE), "catch_min_rating": CATCH_MIN_RATING, "completion_code": code,
            "completion_url": completion_url or PROLIFIC_COMPLETE + code, "synthetic": bool(synthetic),
            "image_id": list(ids), "trials": practice_trials + main + _catch_trials(task, images, ids, catches, rng),
            "repeats": repeat_ids}
    check_study_spec(out / STUDY_JSON, spec, len(ids))
    (out / "images").mkdir(parents=True)
    for k, image in enumerate(images):
        (out / "images" / f"{k}.png").write_bytes(pair_png(image))
    np.savez(out / STUDY_IMAGES, images=images, image_id=np.array(ids))
    text = json.dumps(spec, indent=1)
    write_text_atomic(out / STUDY_JSON, text + "\n")
    write_text_atomic(out / "study.js", f"window.STUDY = {text};\n")
    for name in ("index.html", "experiment.js", "server.js"):
        shutil.copyfile(PAGE_DIR / name, out / name)
    shutil.copytree(JSPSYCH_DIR, out / "jspsych")
    return spec
