"""The review page's layout in real headless Chromium: tables and legends inside their cards, y axes with round
ticks, the "All runs" epoch slider shows its epoch, a single run uses the window's width."""

import base64
import json
import os
from pathlib import Path

import pytest
from cdp_browser import Chromium, find_chromium
from review_helpers import fake_run

from siamese.review.__main__ import main as review_main

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="needs chromium (apt-get install -y chromium)")
SCREENSHOT_DIR = os.environ.get("SIAMESE_SCREENSHOT_DIR")  # keep the screenshots there to look at them
METRICS = ("precision_at_1", "r_precision", "mean_average_precision_at_r", "NMI", "AMI", "silhouette",
           "knn_accuracy", "loss")


def real_sized_run(directory: Path, seed: int) -> Path:
    """A fake run whose metrics.json and history have as many keys as a real run's."""
    fake_run(directory, seed=seed)
    final = {f"{split}/{m}": 0.8 + 0.01 * k for split in ("test", "test_shifted", "val") for k, m in enumerate(METRICS)}
    final.update({"epochs": 2.0, "checkpoint/test_epoch": 2.0, "checkpoint/fit_epoch": 2.0})
    (directory / "metrics.json").write_text(json.dumps(final))
    with open(directory / "metrics_history.jsonl", "w") as handle:
        for e in (1, 2):
            handle.write(json.dumps({"stage": "fit", "epoch": e, "train/loss": 1.0 / e, "val/loss": 1.2 / e,
                                     **{f"fit/{s}/{m}": 0.8 + 0.003 * e for s in ("test", "test_shifted")
                                        for m in ("mean_average_precision_at_r", "r_precision", "NMI", "AMI")}})
                         + "\n")
    return directory


def open_page(out: Path, tmp_path: Path, width: int, name: str):
    browser = Chromium(str(tmp_path / f"profile-{name}"))
    browser.send("Emulation.setDeviceMetricsOverride", width=width, height=1100, deviceScaleFactor=1, mobile=False)
    browser.navigate(out.as_uri())
    browser.wait_for("document.body.dataset.ready === '1'")
    return browser


def keep_screenshot(browser, tmp_path: Path, name: str) -> None:
    shot = base64.b64decode(browser.send("Page.captureScreenshot", format="png",
                                         captureBeyondViewport=True)["data"])
    (tmp_path / name).write_bytes(shot)
    if SCREENSHOT_DIR:
        Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
        (Path(SCREENSHOT_DIR) / name).write_bytes(shot)


@needs_chromium
def test_multi_run_cards_hold_their_tables_legends_and_readable_axes(tmp_path):
    sweep = tmp_path / "sweep"
    for k in range(3):
        real_sized_run(sweep / str(k), seed=k)
    (sweep / "3" / ".hydra").mkdir(parents=True)  # a failed job's stub folder
    (sweep / "3" / ".hydra" / "config.yaml").write_text("miner:\n  k: 2.5\n")
    (sweep / "3" / "train.log").write_text("error: miner.k=2.5 must be an integer\n")
    out = review_main([str(sweep), "--out", str(tmp_path / "sweep.html"), "--no-figures", "--max-points", "50"])
    browser = open_page(out, tmp_path, 1400, "sweep")
    try:
        keep_screenshot(browser, tmp_path, "review_sweep_layout.png")
        assert browser.evaluate("document.querySelectorAll('.run').length") == 3
        # every final-metrics table and chart legend ends inside its card (nothing spills onto the next card)
        spill = browser.evaluate("""(() => { const out = [];
            for (const card of document.querySelectorAll('.run')) {
              const right = card.getBoundingClientRect().right;
              for (const e of card.querySelectorAll('.table-wrap, .chart-legend, canvas'))
                if (e.getBoundingClientRect().right > right + 0.5) out.push(card.id + ' ' + e.className);
              for (const s of card.querySelectorAll('.chart-legend span'))
                if (s.scrollWidth > s.parentElement.clientWidth + 0.5) out.push(card.id + ' legend ' + s.textContent);
            } return out; })()""")
        assert spill == []
        # y axes: at least three round ticks, not only min and max to 4 decimals
        ticks = browser.evaluate("[...document.querySelectorAll('#run-0 canvas.chart')].map(c => c.dataset.ticks)")
        assert ticks and all(len(t.split()) >= 3 for t in ticks)
        loss = browser.evaluate("document.querySelector('#run-0 canvas.chart[data-title=loss]').dataset.ticks")
        assert loss == "0.4 0.6 0.8 1.0 1.2"  # losses 0.5-1.2: steps of 0.2, one decimal
        # the "All runs" epoch slider says which epoch it shows
        assert browser.evaluate("document.getElementById('sync-epoch-label').textContent") == "2"
        browser.evaluate("(() => { const s = document.getElementById('sync-epoch'); s.value = 0; "
                         "s.dispatchEvent(new Event('input')); return true; })()")
        assert browser.evaluate("document.getElementById('sync-epoch-label').textContent") == "0"
        failed = browser.evaluate("document.getElementById('failed').textContent")
        assert "1 of 4 runs logged no epoch (failed jobs' stub folders" in failed
        assert "sweep/3: error: miner.k=2.5" in failed
    finally:
        browser.close()


@needs_chromium
def test_a_single_run_uses_the_window_width(tmp_path):
    run = real_sized_run(tmp_path / "run", seed=0)
    out = review_main([str(run), "--out", str(tmp_path / "single.html"), "--no-figures", "--max-points", "200"])
    browser = open_page(out, tmp_path, 1400, "single")
    try:
        keep_screenshot(browser, tmp_path, "review_single_layout.png")
        card = browser.evaluate("document.querySelector('.run').getBoundingClientRect().width")
        scatter = browser.evaluate("document.querySelector('canvas.scatter').getBoundingClientRect().width")
    finally:
        browser.close()
    assert card > 1300 and scatter >= 800
