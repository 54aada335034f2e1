"""Exclusions of an online study's answers, by catch trials and by reaction time, each reported with counts.

The rules, applied in this order to a :class:`Judgments` read from jsPsych data (``siamese.human.io.jspsych``):

1. **catch trials**: a participant fails a catch trial by rating a catch pair (an image with itself) below
   ``catch_min_rating``, or by choosing anything but a catch trial's ``expected`` image (2AFC: the identical image;
   odd-one-out: the far image). A participant with more than ``max_catch_failures`` failures is excluded.
2. **too fast overall**: a remaining participant with more than ``max_fast_fraction`` of their answers (main, catch
   and repeated) faster than ``min_rt`` ms is excluded (clicking through).
3. **single answers**: of the participants kept, every answer faster than ``min_rt`` or slower than ``max_rt`` ms
   is dropped (a rating becomes NaN, a triplet answer is removed); an answer without a recorded rt is kept.

A participant excluded by rule 1 is counted there only. The catch pairs / trials are removed from the result.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from siamese.human.io.judgments import Judgments, TripletAnswers

DEFAULTS = {"catch_min_rating": 8.0, "max_catch_failures": 0, "min_rt": 250.0, "max_rt": 30_000.0,
            "max_fast_fraction": 0.25}


def _report(participants, catch_failed, fast, too_fast, too_slow, kept_answers, settings) -> dict:
    return {"participants": len(participants), "excluded_by_catch": len(catch_failed),
            "excluded_as_too_fast": len(fast), "kept_participants": len(participants) - len(catch_failed) - len(fast),
            "answers_dropped_too_fast": int(too_fast), "answers_dropped_too_slow": int(too_slow),
            "kept_answers": int(kept_answers),
            "excluded_ids": {"catch": sorted(catch_failed), "too_fast": sorted(fast)}, "settings": settings}


def _ratings(j: Judgments, s: dict) -> tuple[Judgments, dict]:
    catch = np.zeros(len(j.pairs), bool) if j.catch is None else j.catch
    rt = np.full(j.ratings.shape, np.nan) if j.rt is None else j.rt
    retest = np.full(j.ratings.shape, np.nan) if j.retest is None else j.retest
    failures = (j.ratings[:, catch] < s["catch_min_rating"]).sum(axis=1)  # NaN (not answered) is no failure
    catch_failed = {r for r, f in zip(j.raters, failures) if f > s["max_catch_failures"]}
    answered = ~np.isnan(j.ratings)
    fast_answers = (answered & (rt < s["min_rt"])).sum(axis=1)
    fast = {r for r, n, total in zip(j.raters, fast_answers, answered.sum(axis=1))
            if r not in catch_failed and total and n / total > s["max_fast_fraction"]}
    keep = np.array([r not in catch_failed and r not in fast for r in j.raters], bool)
    ratings, rt, retest = j.ratings[keep][:, ~catch], rt[keep][:, ~catch], retest[keep][:, ~catch]
    present = ~np.isnan(ratings)
    too_fast, too_slow = present & (rt < s["min_rt"]), present & (rt > s["max_rt"])
    ratings = np.where(too_fast | too_slow, np.nan, ratings)
    kept = replace(j.subset_pairs(np.flatnonzero(~catch)), raters=[r for r, k in zip(j.raters, keep) if k],
                   ratings=ratings, rt=np.where(np.isnan(ratings), np.nan, rt), retest=retest,
                   sessions=[x for x, k in zip(j.sessions, keep) if k] if j.sessions else [], catch=None)
    return kept, _report(j.raters, catch_failed, fast, too_fast.sum(), too_slow.sum(), (~np.isnan(ratings)).sum(), s)


def _triplets(j: Judgments, answers: TripletAnswers, s: dict) -> tuple[Judgments, dict]:
    expected = np.full(len(answers.triplets), -1) if answers.expected is None else answers.expected
    rt = np.full(len(answers), np.nan) if answers.rt is None else answers.rt
    rater = np.array(answers.rater, dtype=object)
    on_catch = expected[answers.trial] >= 0
    failed = on_catch & (answers.chosen != expected[answers.trial])
    participants = list(dict.fromkeys(answers.rater))
    catch_failed = {r for r in participants if failed[rater == r].sum() > s["max_catch_failures"]}
    fast = {r for r in participants if r not in catch_failed and
            (rt[rater == r] < s["min_rt"]).mean() > s["max_fast_fraction"]}
    keep = np.array([r not in catch_failed and r not in fast for r in answers.rater], bool) & ~on_catch
    too_fast, too_slow = keep & (rt < s["min_rt"]), keep & (rt > s["max_rt"])
    keep &= ~(too_fast | too_slow)
    ordinary = np.flatnonzero(expected < 0)
    new_trial = np.full(len(answers.triplets), -1)
    new_trial[ordinary] = np.arange(len(ordinary))
    kept = TripletAnswers(answers.task, answers.triplets[ordinary], [answers.trial_id[t] for t in ordinary],
                          [r for r, k in zip(answers.rater, keep) if k], new_trial[answers.trial[keep]],
                          answers.chosen[keep], rt=rt[keep],
                          repeat=None if answers.repeat is None else answers.repeat[keep],
                          expected=np.full(len(ordinary), -1))
    field = "two_afc" if j.two_afc is answers else "odd_one_out"
    return (replace(j, **{field: kept}),
            _report(participants, catch_failed, fast, too_fast.sum(), too_slow.sum(), keep.sum(), s))


def apply_exclusions(judgments: Judgments, **settings) -> tuple[Judgments, dict]:
    """``(kept judgments, report)`` by the rules of the module docstring; ``settings`` override ``DEFAULTS``
    (``catch_min_rating``, ``max_catch_failures``, ``min_rt``, ``max_rt``, ``max_fast_fraction``). The report counts
    participants (in, excluded by catch, excluded as too fast, kept), answers dropped as too fast / too slow and
    answers kept, and lists the excluded ids."""
    unknown = set(settings) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown exclusion setting(s) {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    s = {**DEFAULTS, **settings}
    if judgments.ratings is not None:
        return _ratings(judgments, s)
    answers = judgments.two_afc if judgments.two_afc is not None else judgments.odd_one_out
    if answers is None:
        raise ValueError("these judgments hold no ratings and no triplet answers")
    return _triplets(judgments, answers, s)


def describe(report: dict) -> str:
    """The report in one paragraph (counts first)."""
    s = report["settings"]
    return (f"{report['participants']} participants: {report['excluded_by_catch']} excluded by catch trials "
            f"(more than {s['max_catch_failures']} failed), {report['excluded_as_too_fast']} excluded as too fast "
            f"(more than {s['max_fast_fraction']:.0%} of answers under {s['min_rt']:.0f} ms), "
            f"{report['kept_participants']} kept; of their answers {report['answers_dropped_too_fast']} dropped as too "
            f"fast (< {s['min_rt']:.0f} ms) and {report['answers_dropped_too_slow']} as too slow "
            f"(> {s['max_rt']:.0f} ms); {report['kept_answers']} answers kept.")
