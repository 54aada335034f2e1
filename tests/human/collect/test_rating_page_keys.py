"""On the rating page only the digit keys and clicks rate; focus never carries a rating over.

Real headless Chromium, real mouse and keyboard events (DevTools Input domain), real server."""

import csv
import threading

import pytest
from cdp_browser import Chromium, find_chromium

from siamese.human.collect.rating_server import make_server, rater_order

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="needs chromium (apt-get install -y chromium)")


@pytest.fixture
def pair_set(random_pair_set):
    return random_pair_set(4)


def mouse_click(browser, element_id):
    """A real left click at the centre of the element, as a mouse makes it (press + release)."""
    x, y = browser.evaluate(f"(() => {{ const r = document.getElementById('{element_id}').getBoundingClientRect(); "
                            "return [r.x + r.width / 2, r.y + r.height / 2]; })()")
    for kind in ("mousePressed", "mouseReleased"):
        browser.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)


def key(browser, name, code, text):
    browser.send("Input.dispatchKeyEvent", type="keyDown", key=name, code=code, text=text)
    browser.send("Input.dispatchKeyEvent", type="keyUp", key=name, code=code)


def settle(browser):
    """Wait until no rating request is in flight (a stray one would have been sent by now)."""
    browser.evaluate("new Promise((done) => setTimeout(done, 300))")
    browser.wait_for("!state.busy")


@needs_chromium
def test_enter_space_and_tab_after_a_click_never_rate(pair_set, tmp_path):
    ratings_path = tmp_path / "ratings.csv"
    order = rater_order(pair_set.pair_id, "Ann")
    server = make_server(pair_set, ratings_path, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    browser = Chromium(str(tmp_path / "profile"))
    try:
        browser.navigate(f"http://127.0.0.1:{server.server_address[1]}/")
        browser.evaluate("document.getElementById('name').value = 'Ann'; document.getElementById('start').click(); 1")
        browser.wait_for("document.body.dataset.pair !== undefined")
        mouse_click(browser, "rate-7")  # a real click rates the first pair
        browser.wait_for("document.getElementById('progress').textContent.includes('1 rated')")
        assert browser.evaluate("document.activeElement.closest('#buttons') === null")  # the button has no focus
        assert browser.evaluate("document.body.dataset.pair") == order[1]
        key(browser, "Enter", "Enter", "\r")
        key(browser, " ", "Space", " ")
        settle(browser)
        for _ in range(3):  # Tab through the page, pressing Enter/Space wherever focus lands
            key(browser, "Tab", "Tab", "")
            if browser.evaluate("document.activeElement.closest('#buttons') !== null"):
                key(browser, "Enter", "Enter", "\r")
                key(browser, " ", "Space", " ")
        settle(browser)
        assert browser.evaluate("Object.keys(state.ratings).length") == 1
        # focus on a rating button by script (as assistive tools may): Enter and Space still do not rate
        browser.evaluate("document.getElementById('rate-4').focus(); 1")
        key(browser, "Enter", "Enter", "\r")
        key(browser, " ", "Space", " ")
        settle(browser)
        assert browser.evaluate("Object.keys(state.ratings).length") == 1
        browser.press("5")  # a digit key still rates
        browser.wait_for("document.getElementById('progress').textContent.includes('2 rated')")
    finally:
        browser.close()
        server.shutdown()
        server.server_close()
        thread.join(5)
    rows = list(csv.DictReader(open(ratings_path)))
    assert [(r["pair_id"], r["rating"]) for r in rows] == [(order[0], "7"), (order[1], "5")]
