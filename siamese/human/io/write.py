"""Judgments written as the project's study directories, so every command reads them back (``read_pairs``,
``read_two_afc``, the THINGS reader of ``odd-one-out``):

- rated pairs: ``pairs.npz`` (``images_a``, ``images_b``, ``pair_id``) + ``ratings.csv`` (``rater, pair_id, rating,
  revision, time, pair_set``; one row per rating present, revision 0; ``pair_set``: ``PairSet.fingerprint``);
- 2AFC: ``images.npz`` + ``trials.csv`` (``trial_id, anchor, a, b``) + ``choices.csv`` (``rater, trial_id, anchor,
  a, b, choice, revision, time, trial_set``; choice ``a`` or ``b``; ``trial_set``: ``TrialSet.fingerprint``); a rater's
  repeated answer is written as revision 1, so the readers keep it as the latest;
- odd-one-out: ``images.npz`` + ``answers.txt`` (THINGS: three 0-based image positions per line, the odd one last).

``synthetic`` judgments carry the ``synthetic`` key / column on every file. Files are written atomically.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from siamese.human.io.judgments import TWO_AFC, Judgments
from siamese.human.io.pair_set import load_pair_set
from siamese.human.io.trial_set import load_trial_set
from siamese.utils.files import csv_text, write_bytes_atomic, write_text_atomic


def _npz(path: Path, **arrays) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    write_bytes_atomic(path, buffer.getvalue())


def write_judgments(judgments: Judgments, directory: str | Path) -> list[Path]:
    """Write ``judgments`` (rated pairs, 2AFC or odd-one-out answers) into ``directory``; the files written."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    mark = {"synthetic": np.array(True)} if judgments.synthetic else {}
    flag = ["1"] if judgments.synthetic else []
    extra = ["synthetic"] if judgments.synthetic else []
    if judgments.ratings is not None:
        _npz(out / "pairs.npz", images_a=judgments.images_a, images_b=judgments.images_b,
             pair_id=np.array(judgments.pair_id), **mark)
        fingerprint = load_pair_set(out).fingerprint  # of the pairs as every reader will see them
        rows = [[rater, judgments.pair_id[p], f"{judgments.ratings[r, p]:g}", 0, "", fingerprint, *flag]
                for r, rater in enumerate(judgments.raters) for p in np.flatnonzero(~np.isnan(judgments.ratings[r]))]
        write_text_atomic(out / "ratings.csv", csv_text(
            ["rater", "pair_id", "rating", "revision", "time", "pair_set", *extra], rows))
        return [out / "pairs.npz", out / "ratings.csv"]
    answers = judgments.two_afc if judgments.two_afc is not None else judgments.odd_one_out
    if answers is None:
        raise ValueError("these judgments hold no ratings and no triplet answers to write")
    _npz(out / "images.npz", images=judgments.images, image_id=np.array(judgments.image_id), **mark)
    ids = judgments.image_id
    if answers.task == TWO_AFC:
        write_text_atomic(out / "trials.csv", csv_text(["trial_id", "anchor", "a", "b"], [
            [t, *(ids[i] for i in row)] for t, row in zip(answers.trial_id, answers.triplets)]))
        repeat = np.zeros(len(answers), bool) if answers.repeat is None else answers.repeat
        fingerprint = load_trial_set(out).fingerprint
        rows = [[rater, answers.trial_id[t], *(ids[i] for i in answers.triplets[t]),
                 "a" if chosen == answers.triplets[t][1] else "b", int(again), "", fingerprint, *flag]
                for rater, t, chosen, again in zip(answers.rater, answers.trial, answers.chosen, repeat)]
        write_text_atomic(out / "choices.csv", csv_text(["rater", "trial_id", "anchor", "a", "b", "choice", "revision",
                                                         "time", "trial_set", *extra], rows))
        return [out / "images.npz", out / "trials.csv", out / "choices.csv"]
    lines = [" ".join(str(int(i)) for i in [*(x for x in answers.triplets[t] if x != chosen), chosen])
             for t, chosen in zip(answers.trial, answers.chosen)]
    write_text_atomic(out / "answers.txt", "\n".join(lines) + "\n")
    return [out / "images.npz", out / "answers.txt"]
