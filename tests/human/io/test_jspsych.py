"""jsPsych JSON and CSV data (hand-written, as a study hosted elsewhere saves them) into Judgments; exclusions by
catch trials and reaction time with exact counts; test-retest reliability by hand."""

import csv
import json

import numpy as np
import pytest
from study_fixtures import small_study

from siamese.human.compare.exclusions import apply_exclusions, describe
from siamese.human.compare.reliability import test_retest
from siamese.human.io.common import FormatError
from siamese.human.io.jspsych import read_jspsych


def rating_rows(study):
    """4 participants (module docstring of the test): P1 good, P2 fails a catch, P3 clicks through, P4 has one
    too-fast and one too-slow answer."""
    rows = [{"trial_type": "html-button-response", "kind": "consent", "rt": 900, "response": 0}]
    main = [t["trial_id"] for t in study.main_trials()]  # q0..q5
    repeats = study.repeats  # 3 of them
    first = {"P1": [2, 5, 8, 3, 6, 9], "P2": [1, 1, 1, 1, 1, 1], "P3": [5, 5, 5, 5, 5, 5], "P4": [4, 6, 9, 2, 7, 3]}
    second = {"P1": {0: 1, 1: 0, 2: -1}, "P4": {0: 0, 1: 0, 2: 0}}  # retest = first + this, by repeat position
    for pid, values in first.items():
        fast = {"P3": {0, 1, 2, 3}, "P4": {4}}.get(pid, set())
        slow = {"P4": {5}}.get(pid, set())
        for k, trial in enumerate(main):
            rt = 100 if k in fast else 40_000 if k in slow else 1000 + k
            rows.append({"PROLIFIC_PID": pid, "SESSION_ID": "s" + pid, "kind": "main", "trial_id": trial,
                         "rating": values[k], "rt": rt, "trial_type": "html-button-response"})
        for c in range(2):
            rating = 3 if pid == "P2" and c == 0 else 10
            rows.append({"PROLIFIC_PID": pid, "SESSION_ID": "s" + pid, "kind": "catch", "trial_id": f"catch-{c}",
                         "rating": rating, "rt": 800})
        for k, trial in enumerate(repeats):
            value = values[main.index(trial)] + second.get(pid, {}).get(k, 0)
            rows.append({"PROLIFIC_PID": pid, "SESSION_ID": "s" + pid, "kind": "repeat", "trial_id": trial,
                         "rating": value, "rt": 700})
        rows.append({"PROLIFIC_PID": pid, "kind": "comment", "response": {"comment": "=cmd()"}})
    return rows


def write_csv(path, rows):
    columns = list(dict.fromkeys(k for row in rows for k in row))
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, columns, quoting=csv.QUOTE_ALL)  # jsPsych's .csv() quotes every value
        writer.writeheader()
        writer.writerows({k: json.dumps(v) if isinstance(v, dict) else v for k, v in row.items()} for row in rows)


def test_rating_json_and_csv_read_alike_with_exact_exclusions_and_reliability(tmp_path):
    _, study = small_study(tmp_path, "rating")
    rows = rating_rows(study)
    (tmp_path / "data.json").write_text(json.dumps(rows))
    write_csv(tmp_path / "data.csv", rows)
    from_json, from_csv = (read_jspsych(study, [tmp_path / name]) for name in ("data.json", "data.csv"))
    for j in (from_json, from_csv):
        assert j.raters == ["P1", "P2", "P3", "P4"] and j.sessions == ["sP1", "sP2", "sP3", "sP4"]
        assert j.pair_id == ["q0", "q1", "q2", "q3", "q4", "q5", "catch-0", "catch-1"]
        assert j.catch.tolist() == [False] * 6 + [True] * 2
        np.testing.assert_array_equal(j.ratings[0], [2, 5, 8, 3, 6, 9, 10, 10])
        assert j.rt[3, 5] == 40_000 and np.isnan(j.retest).sum() == 4 * 8 - 4 * 3
    np.testing.assert_array_equal(from_json.ratings, from_csv.ratings)
    np.testing.assert_array_equal(from_json.retest, from_csv.retest)

    kept, report = apply_exclusions(from_json)
    assert {k: v for k, v in report.items() if k != "settings"} == {
        "participants": 4, "excluded_by_catch": 1, "excluded_as_too_fast": 1, "kept_participants": 2,
        "answers_dropped_too_fast": 1, "answers_dropped_too_slow": 1, "kept_answers": 10,
        "excluded_ids": {"catch": ["P2"], "too_fast": ["P3"]}}
    assert describe(report).startswith("4 participants: 1 excluded by catch trials (more than 0 failed), 1 excluded")
    assert kept.raters == ["P1", "P4"] and kept.pair_id == ["q0", "q1", "q2", "q3", "q4", "q5"]
    assert np.isnan(kept.ratings[1, 4]) and np.isnan(kept.ratings[1, 5]) and kept.catch is None

    # test-retest by hand: repeats q4, q0, q1; P1 (6, 7), (2, 2), (5, 4); P4 (4, 4), (6, 6) (its q4 was too fast)
    assert study.repeats == ["q4", "q0", "q1"]
    x, y = np.array([6, 2, 5, 4, 6.0]), np.array([7, 2, 4, 4, 6.0])
    dx, dy = x - x.mean(), y - y.mean()
    r = (dx * dy).sum() / np.sqrt((dx ** 2).sum() * (dy ** 2).sum())
    reliability = test_retest(kept)
    assert reliability["repeats"] == 5 and reliability["r"] == pytest.approx(r, abs=1e-12)
    assert reliability["raters_per_pair"] == pytest.approx(np.mean([2, 2, 2, 2, 1, 1]))
    k, r_tt = reliability["raters_per_pair"], reliability["r"]
    assert reliability["ceiling"] == pytest.approx(np.sqrt(k * r_tt / (1 + (k - 1) * r_tt)))


def test_2afc_catch_failure_and_agreement(tmp_path):
    _, study = small_study(tmp_path, "2afc")
    rows = []
    for pid in ("A", "B"):
        for t in study.main_trials():
            rows.append({"PROLIFIC_PID": pid, "kind": "main", "trial_id": t["trial_id"], "chosen": t["images"][1],
                         "rt": 900})
        for t in (t for t in study.trials if t["kind"] == "catch"):
            right = t["expected"] if pid == "A" else t["images"][2]  # B picks the far image: fails both
            rows.append({"PROLIFIC_PID": pid, "kind": "catch", "trial_id": t["trial_id"], "chosen": right, "rt": 900})
        for k, trial in enumerate(study.repeats):  # A: same, same, changed
            images = study.trial(trial)["images"]
            rows.append({"PROLIFIC_PID": pid, "kind": "repeat", "trial_id": trial,
                         "chosen": images[2] if k == 2 else images[1], "rt": 900})
    (tmp_path / "d.json").write_text(json.dumps(rows))
    j = read_jspsych(study, [tmp_path / "d.json"])
    assert len(j.two_afc) == 2 * (6 + 2 + 3) and j.two_afc.repeat.sum() == 6
    assert test_retest(j) == {"repeats": 6, "agreement": pytest.approx(4 / 6), "chance": 0.5}
    kept, report = apply_exclusions(j)
    assert (report["excluded_by_catch"], report["kept_participants"], report["kept_answers"]) == (1, 1, 9)
    assert set(kept.two_afc.rater) == {"A"} and len(kept.two_afc.triplets) == 6
    assert test_retest(kept)["agreement"] == pytest.approx(2 / 3)


@pytest.mark.parametrize("row,message", [
    ({"kind": "main", "trial_id": "q9", "rating": 3, "PROLIFIC_PID": "P"}, "row 1: unknown trial_id 'q9'"),
    ({"kind": "main", "trial_id": "q0", "rating": 11, "PROLIFIC_PID": "P"}, "row 1: rating 11 is not an integer 1-10"),
    ({"kind": "main", "trial_id": "q0", "rating": 2, "rt": "fast", "PROLIFIC_PID": "P"},
     "row 1: rt 'fast' is not a number"),
    ({"kind": "catch", "trial_id": "q0", "rating": 2, "PROLIFIC_PID": "P"}, "row 1: trial 'q0' is not a 'catch' trial"),
    ({"kind": "main", "trial_id": "q0", "rating": 2}, "row 1: no PROLIFIC_PID and no participant_session"),
])
def test_bad_rows_are_named(tmp_path, row, message):
    _, study = small_study(tmp_path, "rating")
    (tmp_path / "d.json").write_text(json.dumps([row]))
    with pytest.raises(FormatError, match=message):
        read_jspsych(study, [tmp_path / "d.json"])


def test_subset_raters_keeps_the_collection_fields_aligned(tmp_path):
    from dataclasses import replace

    _, study = small_study(tmp_path, "rating")
    (tmp_path / "d.json").write_text(json.dumps(rating_rows(study)))
    j = read_jspsych(study, [tmp_path / "d.json"])
    two = j.subset_raters([3, 0])
    assert two.raters == ["P4", "P1"] and two.sessions == ["sP4", "sP1"]
    np.testing.assert_array_equal(two.rt, j.rt[[3, 0]])
    np.testing.assert_array_equal(two.retest, j.retest[[3, 0]])
    with pytest.raises(ValueError, match=r"rt has shape \(4, 8\); it must be raters x pairs \(2, 8\)"):
        replace(j, raters=["P1", "P2"], ratings=j.ratings[:2], sessions=[])
