"""make-study: the files of a study, its trials (practice, catch, repeats) by hand, offline, clear errors."""

import json
import re

import numpy as np
import pytest
from study_fixtures import small_study, write_sources

from siamese.human.__main__ import main
from siamese.human.collect.study_maker import make_study
from siamese.human.io.common import FormatError
from siamese.human.io.study import load_study


@pytest.mark.parametrize("task,width", [("rating", 2), ("2afc", 3), ("odd-one-out", 3)])
def test_a_study_of_each_task(tmp_path, task, width):
    out, study = small_study(tmp_path, task)
    kinds = [t["kind"] for t in study.trials]
    assert (kinds.count("main"), kinds.count("practice"), kinds.count("catch"), len(study.repeats)) == (6, 2, 2, 3)
    assert all(len(t["images"]) == width for t in study.trials)
    assert len(set(study.repeats)) == 3 and set(study.repeats) <= {t["trial_id"] for t in study.main_trials()}
    assert study.completion_code == "DONE1234"
    assert study.spec["completion_url"] == "https://app.prolific.com/submissions/complete?cc=DONE1234"
    assert sorted(p.name for p in (out / "images").iterdir()) == sorted(f"{k}.png" for k in range(len(study.image_id)))
    assert (out / "jspsych" / "LICENSE").read_text().startswith("The MIT License")
    # the page loads only files of the folder: works offline and on any static host
    html = (out / "index.html").read_text()
    assert re.findall(r'(?:src|href)="([^"]+)"', html) == [
        "jspsych/jspsych.css", "jspsych/jspsych.js", "jspsych/plugin-html-button-response.js",
        "jspsych/plugin-instructions.js", "jspsych/plugin-survey-html-form.js", "jspsych/plugin-call-function.js",
        "study.js", "server.js", "experiment.js"]
    assert all((out / name).is_file() for name in re.findall(r'(?:src|href)="([^"]+)"', html))
    assert "http" not in (out / "experiment.js").read_text().replace("https://app.prolific", "")
    assert json.loads((out / "study.js").read_text().removeprefix("window.STUDY = ").rstrip(";\n")) == study.spec
    assert "window.STUDY_SERVER = null;" in (out / "server.js").read_text()


def test_catch_trials_pair_an_image_with_itself_and_the_farthest_image(tmp_path):
    _, study = small_study(tmp_path, "odd-one-out")
    flat = study.images.reshape(len(study.images), -1).astype(float)
    for trial in (t for t in study.trials if t["kind"] == "catch"):
        x, x2, far = (study.image_id.index(i) for i in trial["images"])
        assert x == x2 and trial["expected"] == study.image_id[far]
        assert far == int(np.argmax(((flat - flat[x]) ** 2).sum(axis=1)))
    (tmp_path / "r").mkdir()
    _, rated = small_study(tmp_path / "r", "rating")
    catch = [t for t in rated.trials if t["kind"] == "catch"]
    assert all(t["images"][0] == t["images"][1] and t["expected"] is None for t in catch)
    assert rated.catch_min_rating == 8


def test_errors_name_the_problem(tmp_path):
    pairs, trials = write_sources(tmp_path)
    with pytest.raises(ValueError, match="task must be one of rating, 2afc, odd-one-out, got 'triads'"):
        make_study(pairs, "triads", tmp_path / "s")
    with pytest.raises(ValueError, match=r"repeats \(7\) exceeds the 6 trials of"):
        make_study(pairs, "rating", tmp_path / "s", repeats=7)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    with pytest.raises(ValueError, match="exists and is not empty; choose a new --out directory"):
        make_study(pairs, "rating", tmp_path / "full")
    with pytest.raises(FormatError, match="pairs/images.npz: file not found"):
        make_study(pairs, "2afc", tmp_path / "s")
    with pytest.raises(FormatError, match="holds no study.json"):
        load_study(tmp_path)


def test_make_study_command(tmp_path, capsys):
    pairs, _ = write_sources(tmp_path)
    assert main(["make-study", str(pairs), "--task", "rating", "--out", str(tmp_path / "s"), "--catches", "1",
                 "--completion-code", "ABC"]) == 0
    assert "6 trials, 2 practice, 1 catch, 4 repeated; completion code ABC" in capsys.readouterr().out
    assert main(["make-study", str(pairs), "--task", "rating", "--out", str(tmp_path / "s")]) == 2
