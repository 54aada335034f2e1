"""Whole jsPsych sessions in real headless Chromium through the study server, one per task mode, the database rows
checked: rating (with a ``kill -9`` of the server mid-session and a restart), 2AFC, odd-one-out (with markup in
the comment, refused and not stored)."""

import multiprocessing
import os
import signal
import socket
import sqlite3
import threading
import time
import urllib.request

import numpy as np
import pytest
from cdp_browser import Chromium, find_chromium
from study_browser import take_part
from study_fixtures import small_study

from siamese.human.collect.study_database import StudyDatabase
from siamese.human.collect.study_server import make_study_server
from siamese.human.io.jspsych import read_jspsych

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="needs chromium (apt-get install -y chromium)")
PROLIFIC = "?PROLIFIC_PID=5f1a2b3c4d5e6f7a8b9c0d1e&STUDY_ID=st1&SESSION_ID=se1"


def answers_in(db_path):
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT p.prolific_pid, p.study_id, p.session_id, a.seq, a.kind, a.trial_id, a.response "
                            "FROM answers a JOIN participants p ON p.id = a.participant_id ORDER BY a.seq").fetchall()


def expected_rows(session, comment=None):
    rows = [(kind, trial, str(choice)) for trial, kind, choice in session["answered"] if kind != "practice"]
    rows += [("comment", "comment", comment)] if comment else []
    return [("5f1a2b3c4d5e6f7a8b9c0d1e", "st1", "se1", seq, *row) for seq, row in enumerate(rows)]


def check_session(study, session):
    kinds = [kind for _, kind, _ in session["answered"]]
    assert kinds.count("practice") == 2 and kinds.count("catch") == 2 and kinds.count("repeat") == 3
    assert sorted(t for t, kind, _ in session["answered"] if kind == "main") == sorted(
        t["trial_id"] for t in study.main_trials())
    assert session["code"] == "DONE1234"


@pytest.fixture
def browser(tmp_path):
    chromium = Chromium(str(tmp_path / "profile"))
    yield chromium
    chromium.close()


def in_process_server(study, db_path):
    database = StudyDatabase(f"sqlite:///{db_path}")
    server = make_study_server(study, database, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, database


def choose_expected(study):
    """Answers a choice trial: a catch trial's right image, otherwise the first button."""
    def answer(trial_id, kind, choices):
        trial = study.trial(trial_id)
        return choices.index(trial["expected"]) if kind == "catch" else 0
    return answer


@needs_chromium
def test_2afc_session(tmp_path, browser):
    study_dir, study = small_study(tmp_path, "2afc")
    server, database = in_process_server(study, tmp_path / "a.sqlite")
    try:
        session = take_part(browser, f"http://127.0.0.1:{server.server_address[1]}/{PROLIFIC}", choose_expected(study),
                            comment="Clear instructions, thanks.")
        browser.wait_for("window.studyState.confirmed === 12 && window.studyState.queue.length === 0")
        (tmp_path / "page.json").write_text(browser.evaluate("window.studyJsPsych.data.get().json()"))
        (tmp_path / "page.csv").write_text(browser.evaluate("window.studyJsPsych.data.get().csv()"))
    finally:
        server.shutdown()
        server.server_close()
        database.close()
    check_session(study, session)
    assert answers_in(tmp_path / "a.sqlite") == expected_rows(session, "Clear instructions, thanks.")
    assert all(choice == study.trial(t)["expected"] for t, kind, choice in session["answered"] if kind == "catch")
    # the page's own jsPsych data (what a study hosted elsewhere saves), as JSON and as CSV, imports alike
    for name in ("page.json", "page.csv"):
        answers = read_jspsych(study, [tmp_path / name]).two_afc
        assert answers.rater == ["5f1a2b3c4d5e6f7a8b9c0d1e"] * 11 and answers.repeat.sum() == 3
        given = [(t, choice) for t, kind, choice in session["answered"] if kind != "practice"]
        assert [(answers.trial_id[t], study.image_id[c]) for t, c in zip(answers.trial, answers.chosen)] == given
        assert (answers.rt > 0).all() and (answers.expected >= 0).sum() == 2


@needs_chromium
def test_odd_one_out_session_refuses_markup_in_the_comment(tmp_path, browser):
    study_dir, study = small_study(tmp_path, "odd-one-out")
    server, database = in_process_server(study, tmp_path / "o.sqlite")
    try:
        session = take_part(browser, f"http://127.0.0.1:{server.server_address[1]}/{PROLIFIC}", choose_expected(study),
                            comment='<img src=x onerror="document.title=1">')
        browser.wait_for("window.studyState.refused.length === 1")
        refused = browser.evaluate("window.studyState.refused[0]")
        status_text = browser.evaluate("document.getElementById('study-status').textContent")
        rendered = browser.evaluate("document.querySelectorAll('img[src=x]').length")
    finally:
        server.shutdown()
        server.server_close()
        database.close()
    check_session(study, session)
    assert refused == {"seq": 11, "status": 400, "error": "markup is not accepted in a comment: remove < and >; "
                                                          "the comment was not saved"}
    assert status_text.startswith("Not saved: markup is not accepted") and rendered == 0
    assert answers_in(tmp_path / "o.sqlite") == expected_rows(session)  # every answer, and no comment


@needs_chromium
def test_without_a_server_the_page_keeps_the_data(tmp_path, browser):
    """Opened from disk (any static host): no POSTs; the last page shows jsPsych's data, which imports."""
    study_dir, study = small_study(tmp_path, "rating")
    session = take_part(browser, (study_dir / "index.html").as_uri() + PROLIFIC, lambda t, kind, c: 9)
    (tmp_path / "shown.json").write_text(browser.evaluate("document.getElementById('study-data').textContent"))
    assert browser.evaluate("window.studyState.seq") == 0  # nothing was queued for a server
    check_session(study, session)
    judged = read_jspsych(study, [tmp_path / "shown.json"])
    assert judged.raters == ["5f1a2b3c4d5e6f7a8b9c0d1e"] and (judged.ratings == 10).all()
    assert (~np.isnan(judged.retest)).sum() == 3


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_in_child(study_dir, port, db_path):  # what python -m siamese.rate STUDY does, in a forked process
    from siamese.human.io.study import load_study

    database = StudyDatabase(f"sqlite:///{db_path}")
    make_study_server(load_study(study_dir), database, port=port).serve_forever()


def start_server(study_dir, port, db_path):
    """The server in its own process (forked: no second import of the stack), so it can be killed with -9."""
    process = multiprocessing.get_context("fork").Process(target=serve_in_child, args=(study_dir, port, db_path),
                                                          daemon=True)
    process.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/server.js", timeout=1).read()
            return process
        except OSError:
            assert process.is_alive()
            time.sleep(0.05)
    raise TimeoutError("the study server did not start")


@needs_chromium
def test_rating_session_survives_kill_9_of_the_server(tmp_path, browser):
    study_dir, study = small_study(tmp_path, "rating")
    port, db_path = free_port(), tmp_path / "r.sqlite"
    server = start_server(study_dir, port, db_path)
    killed = {}

    def kill_after_four(count):  # before the 7th answer: 2 practice + 4 confirmed answers
        if count == 6 and not killed:
            browser.wait_for("window.studyState.confirmed === 4 && window.studyState.queue.length === 0")
            os.kill(server.pid, signal.SIGKILL)
            server.join(10)
            killed["rows"] = answers_in(db_path)
        if count == 8 and "restarted" not in killed:  # two answers given while the server was down
            killed["queued"] = browser.evaluate("window.studyState.queue.length")
            killed["restarted"] = start_server(study_dir, port, db_path)

    def rate(trial_id, kind, choices):
        return 9 if kind == "catch" else int(trial_id[-1]) % 10  # button k is rating k + 1

    try:
        session = take_part(browser, f"http://127.0.0.1:{port}/{PROLIFIC}", rate, on_trial=kill_after_four,
                            timeout=120)
        browser.wait_for("window.studyState.confirmed === 11 && window.studyState.queue.length === 0")
    finally:
        for process in (server, killed.get("restarted")):
            if process is not None and process.is_alive():
                process.kill()
                process.join(10)
    check_session(study, session)
    expected = expected_rows(session)
    assert killed["rows"] == expected[:4]  # every confirmed answer was on disk when the server died
    assert killed["queued"] == 2
    assert answers_in(db_path) == expected  # nothing lost, nothing twice
