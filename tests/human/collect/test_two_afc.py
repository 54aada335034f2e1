"""Triplet (2AFC) collection: make-triplets, the rating page's 2AFC mode in a real headless Chromium (buttons, keys,
back, resume after a restart, append+flush), and the 2AFC objective / triplet agreement reading what it wrote."""

import csv
import json
import threading
import urllib.error
import urllib.request

import numpy as np
import pytest
from cdp_browser import Chromium, find_chromium

from siamese.human.collect.rating_server import rater_order
from siamese.human.collect.two_afc import left_is_a, make_two_afc_server
from siamese.human.io.common import FormatError
from siamese.human.io.trial_set import CHOICE_COLUMNS, load_choices, load_trial_set

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="needs chromium (apt-get install -y chromium)")


@pytest.fixture
def trial_set(tmp_path):
    rng = np.random.default_rng(0)
    directory = tmp_path / "trials"
    directory.mkdir()
    np.savez(directory / "images.npz", images=rng.integers(0, 256, size=(12, 28, 28), dtype=np.uint8),
             image_id=np.array([f"i{k}" for k in range(12)]))
    rows = "\n".join(f"t{k},i{3 * k},i{3 * k + 1},i{3 * k + 2}" for k in range(4))
    (directory / "trials.csv").write_text(f"trial_id,anchor,a,b\n{rows}\n")
    return load_trial_set(directory)


class Running:
    def __init__(self, trials, choices_path):
        self.server = make_two_afc_server(trials, choices_path, port=0)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        host, port = self.server.server_address[:2]
        self.url = f"http://{host}:{port}/"

    def post(self, body: dict, token: str | None = None):
        request = urllib.request.Request(self.url + "api/choose", method="POST", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json",
                                                  "X-Rating-Token": self.server.token if token is None else token})
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def test_make_triplets_draws_distinct_within_digit_images(tmp_path):
    from siamese.data import load_mnist
    from siamese.human.collect.make_triplets import make_triplets

    trials = make_triplets(tmp_path / "threes", n=5, digit=3, seed=1)
    images, labels = load_mnist("test")
    indices = [int(image.split("_")[1]) for image in trials.image_id]
    assert len(trials) == 5 and len(set(indices)) == 15 and {int(labels[i]) for i in indices} == {3}
    assert np.array_equal(trials.images, images[indices].numpy())
    assert trials.ids_of(0) == tuple(trials.image_id[:3])


def test_trial_set_and_choices_errors_name_file_and_row(trial_set, tmp_path):
    table = trial_set.path / "trials.csv"
    table.write_text("trial_id,anchor,a,b\nt0,i0,i1,i2\nt1,i3,i4,i99\n")
    with pytest.raises(FormatError, match=r"trials.csv, row 3: unknown image id 'i99'"):
        load_trial_set(trial_set.path)
    choices = tmp_path / "choices.csv"
    choices.write_text(",".join(CHOICE_COLUMNS[:-1]) + "\nann,t0,i0,i1,i2,c,0,x\n")
    with pytest.raises(FormatError, match=r"row 2: choice 'c' must be 'a' or 'b'"):
        load_choices(choices, trial_set)
    choices.write_text(",".join(CHOICE_COLUMNS[:-1]) + "\nann,t0,i0,i2,i1,a,0,x\n")
    with pytest.raises(FormatError, match=r"row 2: trial 't0' shows"):
        load_choices(choices, trial_set)


def test_server_checks_token_and_answers_before_anything_is_written(trial_set, tmp_path):
    path = tmp_path / "choices.csv"
    running = Running(trial_set, path)
    try:
        assert running.post({"rater": "ann", "trial_id": "t0", "choice": "a"}, token="wrong")[0] == 403
        assert running.post({"rater": "ann", "trial_id": "t0", "choice": "left"})[0] == 400
        assert running.post({"rater": "ann", "trial_id": "t9", "choice": "a"})[0] == 400
        status, body = running.post({"rater": "ann", "trial_id": "t1", "choice": "b"})
        assert status == 200 and body["ratings"] == {"t1": "b"}
        with pytest.raises(OSError, match="another rating server"):  # the file is locked while it runs
            make_two_afc_server(trial_set, path, port=0)
    finally:
        running.stop()
    rows = list(csv.DictReader(open(path)))
    assert [(r["rater"], r["trial_id"], r["anchor"], r["a"], r["b"], r["choice"]) for r in rows] == [
        ("ann", "t1", "i3", "i4", "i5", "b")]


def trial_progress(browser):
    return browser.evaluate("document.getElementById('trial-progress').textContent")


def wait_answered(browser, count):
    browser.wait_for(f"document.getElementById('trial-progress').textContent.includes('{count} answered')")


def side_choice(rater, trial, side):
    """What the page stores for clicking ``side``: the trial's a or b shown there."""
    return ("a" if left_is_a(rater, trial) else "b") if side == "left" else ("b" if left_is_a(rater, trial) else "a")


@needs_chromium
def test_two_afc_page_in_headless_chromium(trial_set, tmp_path):
    path = tmp_path / "choices.csv"
    rater = "Ann Lee"
    order = rater_order(trial_set.trial_id, rater)
    running = Running(trial_set, path)
    browser = Chromium(str(tmp_path / "profile"))
    try:
        browser.navigate(running.url)
        browser.evaluate(f"document.getElementById('name').value = '{rater}'; "
                         "document.getElementById('start').click(); true")
        browser.wait_for("document.body.dataset.trial !== undefined")
        assert browser.evaluate("document.body.dataset.trial") == order[0]
        assert trial_progress(browser).startswith("Trial 1 of 4")
        assert browser.evaluate("document.getElementById('rating').classList.contains('hidden')")
        browser.wait_for("document.getElementById('img-anchor').naturalWidth === 224")
        anchor = trial_set.ids_of(trial_set.trial_id.index(order[0]))[0]
        assert browser.evaluate("document.getElementById('img-anchor').src").endswith(f"/image/{anchor}.png")
        browser.evaluate("document.getElementById('choose-left').click(); true")  # button
        wait_answered(browser, 1)
        assert list(csv.DictReader(open(path)))[-1]["choice"] == side_choice(rater, order[0], "left")  # on disk
        browser.press("2")  # key 2 = right
        wait_answered(browser, 2)
        browser.press("a")  # key A = left
        wait_answered(browser, 3)
        browser.press("Backspace")  # back to the third trial, change left -> right
        browser.wait_for("document.getElementById('trial-progress').textContent.startsWith('Trial 3 of 4')")
        assert browser.evaluate("document.querySelector('#choices .chosen').id") == "choose-left"
        browser.press("b")
        browser.wait_for("document.getElementById('trial-progress').textContent.startsWith('Trial 4 of 4')")
    finally:
        browser.close()
        running.stop()
    rows = list(csv.DictReader(open(path)))
    expected = [(order[0], "left", "0"), (order[1], "right", "0"), (order[2], "left", "0"), (order[2], "right", "1")]
    assert [(r["trial_id"], r["choice"], r["revision"]) for r in rows] == [
        (trial, side_choice(rater, trial, side), revision) for trial, side, revision in expected]

    # reopen: a new server on the same file, a new browser; the rater resumes at the first unanswered trial
    running = Running(trial_set, path)
    browser = Chromium(str(tmp_path / "profile2"))
    try:
        browser.navigate(running.url)
        browser.evaluate(f"document.getElementById('name').value = '{rater}'; "
                         "document.getElementById('start').click(); true")
        browser.wait_for("document.body.dataset.trial !== undefined")
        assert browser.evaluate("document.body.dataset.trial") == order[3]
        assert "3 answered" in trial_progress(browser)
        browser.press("1")
        browser.wait_for("!document.getElementById('done').classList.contains('hidden')")
    finally:
        browser.close()
        running.stop()

    # what the objective and the triplet agreement read: the latest answer of each trial
    choices = load_choices(path, trial_set)
    latest = {order[0]: side_choice(rater, order[0], "left"), order[1]: side_choice(rater, order[1], "right"),
              order[2]: side_choice(rater, order[2], "right"), order[3]: side_choice(rater, order[3], "left")}
    assert {trial_set.trial_id[t]: "a" if c else "b" for t, c in zip(choices.trial, choices.chose_a)} == latest
    from siamese.human.compare.correlation import triplet_agreement

    agree_a = np.zeros((12, 12))
    for t in range(4):  # a model that always finds a closer to the anchor
        agree_a[trial_set.anchor[t], trial_set.a[t]] = agree_a[trial_set.a[t], trial_set.anchor[t]] = 1
    expected_agreement = sum(c == "a" for c in latest.values()) / 4
    assert triplet_agreement(agree_a, choices.triplets(trial_set)) == expected_agreement


def test_two_afc_objective_trains_from_the_pages_answers(tmp_path, cfg_factory):
    """A real short run of experiment=human_aligned_2afc on MNIST trials answered by a SYNTHETIC rater."""
    from siamese.human.collect.make_triplets import make_triplets
    from siamese.training import train

    trials = make_triplets(tmp_path / "nines", n=8, digit=9, seed=0)
    rows = [["synthetic_rater", t, *trials.ids_of(k), "a" if k % 2 else "b", 0, "x"]
            for k, t in enumerate(trials.trial_id)]
    (tmp_path / "nines" / "choices.csv").write_text(
        "\n".join(",".join(map(str, r)) for r in [CHOICE_COLUMNS[:-1], *rows]) + "\n")
    cfg = cfg_factory("experiment=human_aligned_2afc", f"human.triplets={tmp_path / 'nines'}", "logger=none",
                      "callbacks=none", "data.max_train_samples=200", "data.batch_size=50", "trainer.max_epochs=1",
                      "+trainer.enable_progress_bar=false", "test=false", "model=small")
    metrics = train(cfg)
    assert "train/human_loss" in metrics and np.isfinite(metrics["train/human_loss"])
