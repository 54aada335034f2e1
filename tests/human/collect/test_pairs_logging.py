"""make-pairs logs its progress (log lines, read when no terminal is attached)."""

from __future__ import annotations

import logging


def test_make_pairs_logs_its_progress(tmp_path, caplog):
    from siamese.human.collect.pairs import make_pairs

    with caplog.at_level(logging.INFO, logger="siamese.human.collect.pairs"):
        make_pairs(tmp_path / "pairs", n=4, digit=8, seed=0)
    assert "make-pairs: drawing 4 digit-8 pairs from MNIST test" in caplog.text
    assert f"make-pairs: wrote {tmp_path / 'pairs' / 'pairs.csv'}" in caplog.text
    assert f"make-pairs: wrote {tmp_path / 'pairs' / 'sheet.png'}" in caplog.text
