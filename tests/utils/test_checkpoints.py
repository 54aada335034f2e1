"""Checkpoint files are read without running anything from them: pickles are refused, stored targets must be
inside the project."""

from __future__ import annotations

import os

import pytest
import torch

from siamese.utils.checkpoints import CheckpointError, load_checkpoint


def test_a_malicious_pickle_in_a_checkpoint_is_never_run(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    path = tmp_path / "evil.ckpt"
    torch.save({"state_dict": {}, "siamese_config": {"model": Evil()}}, path)
    with pytest.raises(CheckpointError, match=f"ckpt_path={path}: not a checkpoint of this project"):
        load_checkpoint(path)
    assert not marker.exists()


def test_a_stored_target_outside_the_project_is_refused(tmp_path):
    from siamese.utils.checkpoints import check_targets

    with pytest.raises(CheckpointError, match="_target_='os.system'"):
        check_targets({"model": {"_target_": "siamese.models.EmbeddingNet", "x": {"_target_": "os.system"}}},
                      tmp_path / "f.ckpt")
    check_targets({"model": {"_target_": "siamese.models.EmbeddingNet"}}, tmp_path / "f.ckpt")
