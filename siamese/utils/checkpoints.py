"""Which checkpoint ``ckpt_path`` means: a file, a run directory, or ``last``."""

from __future__ import annotations

from pathlib import Path

LAST = "last.ckpt"


def resolve_ckpt_path(ckpt_path: str | None, task_dir: str | Path | None) -> str | None:
    """The checkpoint file to resume from.

    - ``None``: none (train from scratch);
    - ``last``: the newest (modification time) ``checkpoints/last.ckpt`` below ``task_dir`` (``paths.task_dir``,
      default ``outputs/<task_name>``), i.e. of any single run or multirun job of this task;
    - a directory: that run directory's ``checkpoints/last.ckpt`` (or the directory's own ``last.ckpt``);
    - a file: that file.
    Raises ``FileNotFoundError`` naming what was looked for when there is nothing to resume from.
    """
    if ckpt_path is None or str(ckpt_path) == "":
        return None
    if str(ckpt_path) == "last":
        if task_dir is None:
            raise ValueError("ckpt_path=last needs paths.task_dir (the folder whose runs are searched)")
        task_dir = Path(task_dir)
        found = list(task_dir.glob(f"**/checkpoints/{LAST}")) if task_dir.is_dir() else []
        if not found:
            raise FileNotFoundError(f"ckpt_path=last: no checkpoints/{LAST} below paths.task_dir={task_dir} "
                                    f"(absolute: {task_dir.resolve()}); give a run directory or a .ckpt file instead")
        return str(max(found, key=lambda p: p.stat().st_mtime))
    path = Path(ckpt_path)
    if path.is_dir():
        for candidate in (path / "checkpoints" / LAST, path / LAST):
            if candidate.is_file():
                return str(candidate)
        raise FileNotFoundError(f"ckpt_path={ckpt_path}: the directory holds no checkpoints/{LAST}")
    if not path.is_file():
        raise FileNotFoundError(f"ckpt_path={ckpt_path}: no such checkpoint file")
    return str(path)


def load_checkpoint(path: str | Path) -> dict:
    """A Lightning checkpoint file as a dict, read with ``torch.load(weights_only=True)``: tensors and plain data
    only, nothing in the file is executed. FileNotFoundError names a missing file."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} not found")
    return torch.load(path, map_location="cpu", weights_only=True)


def stored_run_config(checkpoint: dict, path: str | Path) -> dict:
    """The resolved run config ``siamese.training.train`` stores in its checkpoints (``checkpoint["siamese_config"]``);
    ValueError naming ``path`` when the checkpoint has none."""
    config = checkpoint.get("siamese_config")
    if not config:
        raise ValueError(f"{path}: the checkpoint holds no siamese_config (the run config train.py stores); "
                         "it was not written by siamese.training.train")
    return config
