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


def test_every_truncation_and_a_text_file_give_a_checkpoint_error(tmp_path, random_classifier_ckpt):
    """A file cut anywhere (a kill mid-copy), or text given as ckpt_path, is a CheckpointError naming it; torch's
    readers raise KeyError, EOFError, RuntimeError, UnpicklingError ... depending on where the cut is."""
    data = random_classifier_ckpt.read_bytes()
    cuts = sorted({*range(0, 64, 3), *range(0, len(data), max(1, len(data) // 97))} - {len(data)})
    path = tmp_path / "cut.ckpt"
    for cut in cuts:
        path.write_bytes(data[:cut])
        with pytest.raises(CheckpointError, match=f"ckpt_path={path}: truncated or not a checkpoint"):
            load_checkpoint(path)
    path.write_text("hello, this is not a checkpoint\n")  # was KeyError: 104 from torch's legacy reader
    with pytest.raises(CheckpointError, match=r"truncated or not a checkpoint of this project \(KeyError"):
        load_checkpoint(path)


def test_the_search_beside_a_broken_checkpoint_skips_what_it_cannot_read(tmp_path, random_classifier_ckpt):
    from siamese.training import _other_checkpoints

    good = tmp_path / "epoch001.ckpt"
    checkpoint = torch.load(random_classifier_ckpt, weights_only=True)
    torch.save(checkpoint, good)
    (tmp_path / "last.ckpt").write_text("hello")  # the broken one
    (tmp_path / "garbage.ckpt").write_bytes(b"\x80\x02garbage" * 7)
    (tmp_path / "notes.ckpt").write_text("hello")  # torch's legacy reader: KeyError, was not skipped
    (tmp_path / "folder.ckpt").mkdir()
    (tmp_path / "dangling.ckpt").symlink_to(tmp_path / "gone.ckpt")
    assert _other_checkpoints(str(tmp_path / "last.ckpt")) == f"Resume from ckpt_path={good} instead"
