"""Scoring the standard Omniglot one-shot runs (``python -m siamese.oneshot``; docs/oneshot.md).

- ``runs``: reader of Lake et al.'s ``all_runs`` format, from a directory or the zip (``read_runs``)
- ``replica``: a SYNTHETIC replica of the runs in that format from the shipped background images (``make_replica``)
- ``score``: a model and the pixel / Hausdorff baselines on every run (``score_runs``)
- ``report``: results.csv, results.json, results.md
"""
