"""Shared makers of small studies for the study tests: a pair set of 6 pairs and a trial set of 6 trials over 8
seeded noise images, made into a study of each task (2 practice, 2 catch, 3 repeated trials)."""

from __future__ import annotations

import numpy as np

from siamese.human.collect.study_maker import make_study
from siamese.human.io.study import load_study


def write_sources(root):
    rng = np.random.default_rng(0)
    pairs, trials = root / "pairs", root / "trials"
    pairs.mkdir()
    trials.mkdir()
    images = rng.integers(0, 256, size=(2, 6, 28, 28), dtype=np.uint8)
    np.savez(pairs / "pairs.npz", images_a=images[0], images_b=images[1], pair_id=np.array([f"q{k}" for k in range(6)]))
    np.savez(trials / "images.npz", images=rng.integers(0, 256, size=(8, 28, 28), dtype=np.uint8),
             image_id=np.array([f"i{k}" for k in range(8)]))
    (trials / "trials.csv").write_text("trial_id,anchor,a,b\n" + "".join(
        f"t{k},i{k},i{(k + 1) % 8},i{(k + 3) % 8}\n" for k in range(6)))
    return pairs, trials


def small_study(root, task: str, **options):
    """``(study directory, loaded Study)`` of ``task`` under ``root``."""
    pairs, trials = write_sources(root)
    out = root / f"study-{task}"
    make_study(pairs if task == "rating" else trials, task, out, practice=2, catches=2, repeats=3,
               completion_code="DONE1234", **options)
    return out, load_study(out)
