"""An image folder with unreadable files: fail before training naming every one, or skip them when asked."""

import logging
import math

import pytest

from siamese.data.image_datamodule import ImageDataModule
from siamese.training import train
from tests.dataset_files import write_image_folder

SHORT = ["logger=csv", "trainer.max_epochs=1", "data.batch_size=32", "data.eval_batch_size=64",
         "model.embedding_dim=8", "~callbacks.progress_bar", "data.resize=32", "data.crop=32"]


def broken_folder(root):
    write_image_folder(root, per_class=12)
    (root / "bird" / "broken.png").write_bytes(b"this is not a PNG")  # the repro
    good = (root / "cat" / "000.png").read_bytes()
    (root / "cat" / "truncated.png").write_bytes(good[:len(good) // 2])  # a copy cut short
    (root / "apple" / "empty.png").write_bytes(b"")
    return root


def test_unreadable_files_fail_before_training_and_are_all_named(tmp_path, cfg_factory):
    root = broken_folder(tmp_path / "pics")
    with pytest.raises(ValueError) as info:
        ImageDataModule(dataset="image_folder", root=root, resize=32, crop=32)
    message = str(info.value)
    assert message.startswith(f"root={root}: 3 unreadable image file(s): apple/empty.png (")
    assert "bird/broken.png (UnidentifiedImageError: cannot identify image file" in message
    assert "cat/truncated.png (" in message and message.endswith("set skip_unreadable to true to leave them out")
    assert "\n" not in message
    cfg = cfg_factory("data=image_folder", f"data.root={root}", *SHORT)
    with pytest.raises(ValueError, match=f"^data.root={root}: 3 unreadable image file"):  # the config key
        train(cfg)
    assert not list(tmp_path.rglob("*.ckpt"))  # nothing trained


def test_skip_unreadable_leaves_them_out_and_logs_the_count(tmp_path, cfg_factory, caplog):
    root = broken_folder(tmp_path / "pics")
    data = ImageDataModule(dataset="image_folder", root=root, resize=32, crop=32, skip_unreadable=True)
    data.setup()
    assert len(data.datasets["train_eval"]) + len(data.datasets["val"]) + len(data.datasets["test"]) == 36
    with pytest.raises(ValueError, match="skip_unreadable=True: is only for dataset image_folder, not npz"):
        ImageDataModule(dataset="npz", root=tmp_path / "x.npz", skip_unreadable=True)
    cfg = cfg_factory("data=image_folder", f"data.root={root}", "data.skip_unreadable=true", *SHORT)
    with caplog.at_level(logging.WARNING, logger="siamese.data.image_folder"):
        metrics = train(cfg)
    assert f"{root}: skipped 3 unreadable image file(s) (skip_unreadable): apple/empty.png" in caplog.text
    assert all(math.isfinite(v) for v in metrics.values())
