"""``siamese.load``: a run directory is taken as ``eval.py`` takes it (its ``checkpoints/last.ckpt``)."""

import shutil

import numpy as np
import pytest

import siamese


def test_a_run_directory_loads_its_last_checkpoint(tmp_path, random_classifier_ckpt):
    run = tmp_path / "runs" / "2026-01-01_00-00-00"
    (run / "checkpoints").mkdir(parents=True)
    shutil.copy(random_classifier_ckpt, run / "checkpoints" / "last.ckpt")
    images = np.random.RandomState(0).randint(0, 256, (3, 28, 28)).astype(np.uint8)
    from_dir = siamese.load(run).embed(images)
    np.testing.assert_array_equal(from_dir, siamese.load(random_classifier_ckpt).embed(images))
    with pytest.raises(FileNotFoundError, match=f"spec={tmp_path / 'runs'}: a directory, but not a run "
                                                r"directory \(it holds no checkpoints/last.ckpt\)"):
        siamese.load(tmp_path / "runs")
