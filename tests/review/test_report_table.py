"""The review says which checkpoint produced each final number (real headless Chromium)."""

import json

import pytest
from cdp_browser import Chromium, find_chromium
from review_helpers import fake_run

from siamese.review.__main__ import main as review_main

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="needs chromium (apt-get install -y chromium)")


@needs_chromium
def test_final_table_names_the_epoch_and_checkpoint_of_each_column(tmp_path):
    run = fake_run(tmp_path / "run", seed=0)
    (run / "metrics.json").write_text(json.dumps({
        "test/precision_at_1": 0.9, "test_shifted/precision_at_1": 0.7, "val/precision_at_1": 0.95, "epochs": 10.0,
        "checkpoint/test_epoch": 3.0, "checkpoint/fit_epoch": 10.0}))
    out = review_main([str(run), "--out", str(tmp_path / "review.html"), "--no-figures", "--max-points", "50"])
    browser = Chromium(str(tmp_path / "profile"))
    try:
        browser.navigate(out.as_uri())
        browser.wait_for("document.body.dataset.ready === '1'")
        header = browser.evaluate("[...document.querySelector('table.final tr').children].map(td => td.textContent)")
    finally:
        browser.close()
    assert header[0] == "final (epochs 10)"
    assert "test \u2014 epoch 3 (best checkpoint)" in header
    assert "shifted test \u2014 epoch 3 (best checkpoint)" in header
    assert "val \u2014 epoch 10 (last)" in header
    assert not any("checkpoint/" in cell for cell in header)
