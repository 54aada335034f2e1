"""The review report in a real headless Chromium: points drawn, the epoch slider moves them, hover shows the digit."""

import base64
import os
from pathlib import Path

import numpy as np
import pytest
from cdp_browser import Chromium, find_chromium
from review_helpers import fake_run

from siamese.review.__main__ import main as review_main
from siamese.review.runs import find_runs, load_run

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="needs chromium (apt-get install -y chromium)")
SCREENSHOT_DIR = os.environ.get("SIAMESE_SCREENSHOT_DIR")  # also keep the screenshot there (e.g. docs/img)


@pytest.fixture
def sweep(tmp_path):
    root = tmp_path / "multirun"
    for k, lr in enumerate((1e-3, 3e-3)):
        fake_run(root / str(k), seed=k, lr=lr)
    (root / "multirun.yaml").write_text("hydra: {}\n")
    return root


def test_find_runs_reads_a_multirun_directory_in_number_order(sweep, tmp_path):
    runs = [load_run(p) for p in find_runs([sweep])]
    assert [r.path.name for r in runs] == ["0", "1"]
    assert list(runs[0].epochs) == [0, 1, 2] and [row["epoch"] for row in runs[0].history] == [1, 2]
    with pytest.raises(FileNotFoundError, match="not a run directory"):
        find_runs([tmp_path / "multirun" / "0" / "embeddings"])


def point_xy(browser, view, i):
    return browser.evaluate(f"(() => {{ const v = review.views[{view}], r = v.canvas.getBoundingClientRect(), "
                            f"[x, y] = v.screen({i}); return [r.left + x, r.top + y]; }})()")


@needs_chromium
def test_review_page_in_headless_chromium(sweep, tmp_path):
    out = review_main([str(sweep), "--out", str(tmp_path / "review.html"), "--no-figures", "--max-points", "200"])
    text = out.read_text()
    assert "<script src" not in text and "http://" not in text and "https://" not in text  # works offline
    browser = Chromium(str(tmp_path / "profile"))
    try:
        browser.send("Emulation.setDeviceMetricsOverride", width=1280, height=1000, deviceScaleFactor=1, mobile=False)
        browser.navigate(out.as_uri())
        browser.wait_for("document.body.dataset.ready === '1'")
        assert browser.evaluate("document.querySelectorAll('.run').length") == 2  # runs side by side
        assert browser.evaluate("document.querySelectorAll('.run canvas.chart').length") >= 4  # metric curves
        scatter = "document.querySelector('#run-0 canvas.scatter').dataset"
        assert browser.evaluate(f"{scatter}.points") == "60"  # shifted test: 30 images x 2 shifts
        assert browser.evaluate(f"{scatter}.epoch") == "2"
        # points are really on the canvas: count non-white pixels
        painted = browser.evaluate("(() => { const c = document.querySelector('#run-0 canvas.scatter'), "
                                   "d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0; "
                                   "for (let k = 0; k < d.length; k += 4) if (d[k] < 250 || d[k+1] < 250) n++; "
                                   "return n; })()")
        assert painted > 60 * 5
        before = browser.evaluate(f"{scatter}.checksum")
        browser.evaluate("(() => { const s = document.querySelector('#run-0 input.epoch'); s.value = 0; "
                         "s.dispatchEvent(new Event('input')); return true; })()")
        assert browser.evaluate(f"{scatter}.epoch") == "0"
        assert browser.evaluate(f"{scatter}.checksum") != before  # the slider moved the points
        # hover the first point with a real mouse event: the tooltip shows its digit image, label, shift, index
        x, y = point_xy(browser, 0, 0)
        browser.send("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
        browser.wait_for("document.getElementById('tooltip').style.display === 'block'")
        text = browser.evaluate("document.getElementById('tip-text').textContent")
        label, shift, index = browser.evaluate("(() => { const s = review.views[0].run.splits.test_shifted; "
                                               "return [s.label[0], s.shift[0], s.index[0]]; })()")
        assert f"digit {label}" in text and f"shift {shift:+d}" in text and f"index {index}" in text
        dark = browser.evaluate("(() => { const d = document.getElementById('tip-img').getContext('2d')"
                                ".getImageData(0, 0, 28, 28).data; let n = 0; "
                                "for (let k = 0; k < d.length; k += 4) if (d[k] < 128) n++; return n; })()")
        assert dark > 20  # a real digit's strokes
        shot = browser.send("Page.captureScreenshot", format="png")["data"]
        (tmp_path / "review_page_test.png").write_bytes(base64.b64decode(shot))
        assert (tmp_path / "review_page_test.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        if SCREENSHOT_DIR:
            Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
            (Path(SCREENSHOT_DIR) / "review_page_test.png").write_bytes(base64.b64decode(shot))
    finally:
        browser.close()


def test_report_payload_projects_higher_dimensional_embeddings_on_fixed_axes(tmp_path):
    import json as json_module

    from siamese.review.report import build_report

    run = load_run(fake_run(tmp_path / "run", seed=0, epochs=(0, 2), dim=5))
    page = build_report([run], max_points=40)
    data = json_module.loads(page.split("const DATA = ", 1)[1].split(";\n", 1)[0])
    (payload,) = data["runs"]
    assert payload["projection"] == "pca" and payload["epochs"] == [0, 2]
    split = payload["splits"]["test_shifted"]
    assert len(split["label"]) == 40 and [len(xy) for xy in split["xy"]] == [80, 80]
    x0, x1, y0, y1 = payload["bounds"]
    xs = np.array([xy for s in payload["splits"].values() for xy in s["xy"]]).reshape(-1, 2)
    assert (x0 <= xs[:, 0]).all() and (xs[:, 0] <= x1).all() and (y0 <= xs[:, 1]).all() and (xs[:, 1] <= y1).all()
    assert len(base64.b64decode(data["images"])) == 784 * len({(s, i, sh) for s, d in payload["splits"].items()
                                                               for i, sh in zip(d["index"], d["shift"])})
