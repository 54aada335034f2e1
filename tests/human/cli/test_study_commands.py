"""export-study -> import-study on answers stored through the server app: the judgments files read back by the
project's readers (rated pairs; odd-one-out as THINGS) equal the answers given, the reports count them."""

import json

import numpy as np
from study_fixtures import small_study

from siamese.human.__main__ import main
from siamese.human.collect.study_database import StudyDatabase
from siamese.human.collect.study_server import make_app
from siamese.human.io.read import read_pairs


def answer_all(study, database, choose):
    """Two participants answer every main and catch trial and the repeats through the app; rt 1000 ms."""
    client = make_app(study, database, {"localhost"}).test_client()
    for pid in ("ann", "bob"):
        token = client.post("/api/start", json={"PROLIFIC_PID": pid}).get_json()["token"]
        trials = [t for t in study.trials if t["kind"] in ("main", "catch")]
        trials += [{**study.trial(r), "kind": "repeat"} for r in study.repeats]
        for seq, trial in enumerate(trials):
            body = {"seq": seq, "kind": trial["kind"], "trial_id": trial["trial_id"],
                    "response": choose(pid, trial), "rt": 1000}
            assert client.post("/api/answer", json=body, headers={"X-Study-Token": token}).status_code == 200


def test_rating_export_import_eval_files(tmp_path, capsys):
    study_dir, study = small_study(tmp_path, "rating")
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    database = StudyDatabase(db)
    answer_all(study, database,
               lambda pid, t: 10 if t["kind"] == "catch" else int(t["trial_id"][1]) + 1 + (pid == "bob"))
    database.close()
    assert main(["export-study", str(study_dir), "--db", db, "--out", str(tmp_path / "answers.json")]) == 0
    rows = json.loads((tmp_path / "answers.json").read_text())
    assert len(rows) == 2 * (6 + 2 + 3) and rows[0]["PROLIFIC_PID"] == "ann" and "rating" in rows[0]
    assert main(["import-study", str(study_dir), str(tmp_path / "answers.json"), "--out", str(tmp_path / "j")]) == 0
    assert "2 participants: 0 excluded by catch trials" in capsys.readouterr().out
    judged = read_pairs(tmp_path / "j")
    assert judged.raters == ["ann", "bob"] and judged.pair_id == [f"q{k}" for k in range(6)]
    np.testing.assert_array_equal(judged.ratings, [[1, 2, 3, 4, 5, 6], [2, 3, 4, 5, 6, 7]])
    reliability = json.loads((tmp_path / "j" / "reliability.json").read_text())
    assert reliability["repeats"] == 6 and reliability["r"] == 1.0 and reliability["raters_per_pair"] == 2


def test_odd_one_out_import_is_read_by_the_things_reader(tmp_path):
    from siamese.human.io.things import read_things

    study_dir, study = small_study(tmp_path, "odd-one-out")
    db = f"sqlite:///{tmp_path / 'o.sqlite'}"
    database = StudyDatabase(db)
    answer_all(study, database, lambda pid, t: t["expected"] if t["kind"] == "catch" else t["images"][0])
    database.close()
    main(["export-study", str(study_dir), "--db", db, "--out", str(tmp_path / "answers.json")])
    assert main(["import-study", str(study_dir), str(tmp_path / "answers.json"), "--out", str(tmp_path / "j")]) == 0
    things = read_things(tmp_path / "j").odd_one_out
    assert len(things) == 2 * (6 + 3)  # main and repeated answers; catch trials removed
    position = {image: k for k, image in enumerate(study.image_id)}
    assert sorted(things.rows()[:, 3].tolist()) == sorted(
        [position[t["images"][0]] for t in study.main_trials()] * 2 + [position[study.trial(r)["images"][0]]
                                                                      for r in study.repeats] * 2)
    assert json.loads((tmp_path / "j" / "reliability.json").read_text()) == {"repeats": 6, "agreement": 1.0,
                                                                             "chance": 1 / 3}
