"""The rating page in a real headless Chromium: rate pairs with buttons and keys, go back, resume after a restart."""

import csv
import threading
import urllib.error
import urllib.request

import numpy as np
import pytest
from cdp_browser import Chromium, find_chromium

from siamese.human.collect.rating_server import make_server, rater_order
from siamese.human.io import load_ratings

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="needs chromium (apt-get install -y chromium)")


@pytest.fixture
def pair_set(random_pair_set):
    return random_pair_set(6)


class Running:
    def __init__(self, pairs, ratings_path):
        self.server = make_server(pairs, ratings_path, port=0)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        host, port = self.server.server_address[:2]
        self.url = f"http://{host}:{port}/"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def progress(browser):
    return browser.evaluate("document.getElementById('progress').textContent")


def wait_rated(browser, count):
    browser.wait_for(f"document.getElementById('progress').textContent.includes('{count} rated')")


@needs_chromium
def test_rating_page_in_headless_chromium(pair_set, tmp_path):
    ratings_path = tmp_path / "ratings.csv"
    order = rater_order(pair_set.pair_id, "Ann Lee")
    running = Running(pair_set, ratings_path)
    assert running.server.server_address[0] == "127.0.0.1"
    browser = Chromium(str(tmp_path / "profile"))
    try:
        browser.navigate(running.url)
        browser.evaluate("document.getElementById('name').value = 'Ann Lee'; "
                         "document.getElementById('start').click(); true")
        browser.wait_for("document.body.dataset.pair !== undefined")
        assert browser.evaluate("document.body.dataset.pair") == order[0]
        assert progress(browser).startswith("Pair 1 of 6")
        browser.wait_for("document.getElementById('img-a').complete")  # the PNG may still be on its way
        assert browser.evaluate("document.getElementById('img-a').naturalWidth") == 224  # 28 px x 8
        browser.evaluate("document.getElementById('rate-7').click(); true")  # button
        wait_rated(browser, 1)
        # saved (appended + flushed) before the page moved on: the file already holds the row
        assert list(csv.DictReader(open(ratings_path)))[-1]["rating"] == "7"
        browser.press("3")  # key 3
        wait_rated(browser, 2)
        browser.press("0")  # key 0 = 10
        wait_rated(browser, 3)
        assert progress(browser).startswith("Pair 4 of 6")
        browser.press("ArrowLeft")  # back to the third pair, change 10 -> 9
        browser.wait_for("document.getElementById('progress').textContent.startsWith('Pair 3 of 6')")
        assert browser.evaluate("document.querySelector('#buttons .chosen').dataset.rating") == "10"
        browser.evaluate("document.getElementById('rate-9').click(); true")
        browser.wait_for("document.getElementById('progress').textContent.startsWith('Pair 4 of 6')")
    finally:
        browser.close()
        running.stop()  # the server dies; the ratings are on disk

    rows = list(csv.DictReader(open(ratings_path)))
    assert [(r["rater"], r["pair_id"], r["rating"], r["revision"]) for r in rows] == [
        ("Ann Lee", order[0], "7", "0"), ("Ann Lee", order[1], "3", "0"), ("Ann Lee", order[2], "10", "0"),
        ("Ann Lee", order[2], "9", "1")]
    ratings = load_ratings(ratings_path, pair_set.pair_id)
    assert ratings.raters == ["Ann Lee"] and np.nansum(ratings.matrix) == 7 + 3 + 9

    # reopen: a new server on the same file, a new browser; the rater resumes at the first unrated pair
    running = Running(pair_set, ratings_path)
    browser = Chromium(str(tmp_path / "profile2"))
    try:
        browser.navigate(running.url)
        browser.evaluate("document.getElementById('name').value = 'Ann Lee'; "
                         "document.getElementById('start').click(); true")
        browser.wait_for("document.body.dataset.pair !== undefined")
        assert browser.evaluate("document.body.dataset.pair") == order[3]
        assert progress(browser).startswith("Pair 4 of 6") and "3 rated" in progress(browser)
        for rated, key in enumerate(("5", "6", "2"), start=4):
            browser.press(key)  # a key pressed while the previous rating is being saved is ignored, so wait
            if rated < 6:
                wait_rated(browser, rated)
        browser.wait_for("!document.getElementById('done').classList.contains('hidden')")
    finally:
        browser.close()
        running.stop()
    ratings = load_ratings(ratings_path, pair_set.pair_id)
    assert not np.isnan(ratings.matrix).any()
    assert ratings.matrix[0, pair_set.pair_id.index(order[5])] == 2


def test_server_serves_only_its_page_and_pair_images(pair_set, tmp_path):
    running = Running(pair_set, tmp_path / "ratings.csv")
    try:
        def get(path):
            try:
                with urllib.request.urlopen(running.url.rstrip("/") + path) as response:
                    return response.status, response.headers["Content-Type"]
            except urllib.error.HTTPError as error:
                return error.code, None

        assert get("/") == (200, "text/html; charset=utf-8")
        assert get("/image/q0/a.png") == (200, "image/png")
        for path in ("/pairs.npz", "/ratings.csv", "/image/q9/a.png", "/image/q0/c.png", "/../../etc/passwd",
                     "/image/../ratings.csv", "/api/state"):
            assert get(path)[0] in (400, 404), path
        request = urllib.request.Request(running.url + "api/rate", method="POST",
                                         data=b'{"rater": "x", "pair_id": "q0", "rating": 11}',
                                         headers={"Content-Type": "application/json",
                                                  "X-Rating-Token": running.server.token})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request)
        assert info.value.code == 400
    finally:
        running.stop()
    assert open(tmp_path / "ratings.csv").read() == "rater,pair_id,rating,revision,time,pair_set\n"  # nothing bad


def test_server_refuses_a_malformed_or_foreign_ratings_file(pair_set, tmp_path):
    from siamese.human.io import FormatError

    bad = tmp_path / "ratings.csv"
    bad.write_text("rater,pair_id,rating,revision,time\nann,q0,12,0,t\n")
    with pytest.raises(FormatError, match=r"ratings.csv, row 2: rating 12 is outside the scale 1-10"):
        make_server(pair_set, bad, port=0)
    bad.write_text("rater,pair_id,rating\nann,q0,4\n")
    with pytest.raises(FormatError, match=r"row 1: the rating page appends columns"):
        make_server(pair_set, bad, port=0)
    assert bad.read_text() == "rater,pair_id,rating\nann,q0,4\n"  # never rewritten
