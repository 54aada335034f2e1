"""Which checkpoint ``ckpt_path`` means: a file, a run directory, or ``last``."""

from __future__ import annotations

from pathlib import Path

from siamese.utils.parameters import ParameterError, ParameterFileError

LAST = "last.ckpt"


# the parts of the run config that decide what is trained; resuming across a difference in them is refused
RESUME_KEYS = ("data", "model", "loss", "miner", "task", "optimizer", "scheduler", "seed")
# inside those, keys that only say where files are or how data are moved
RESUME_IGNORED = {"data": ("run_dir", "cache_dir", "num_workers", "device")}


def config_differences(stored: dict, current: dict, keys: tuple[str, ...] = RESUME_KEYS) -> list[str]:
    """``"loss._target_: checkpoint 'a', now 'b'"`` for every leaf of ``keys`` that differs between the
    checkpoint's stored run config and the current one (``RESUME_IGNORED`` left out)."""
    differences: list[str] = []

    def walk(a, b, where: str) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b), key=str):
                if key in RESUME_IGNORED.get(where, ()):
                    continue
                walk(a.get(key, "<absent>"), b.get(key, "<absent>"), f"{where}.{key}" if where else str(key))
        elif a != b:
            differences.append(f"{where}: checkpoint {a!r}, now {b!r}")

    for key in keys:
        walk((stored or {}).get(key, "<absent>"), (current or {}).get(key, "<absent>"), key)
    return differences


def run_dir_of(ckpt_path: str | Path) -> Path | None:
    """The run directory a checkpoint belongs to (``<run>/checkpoints/<file>.ckpt``), or None for a loose file."""
    path = Path(ckpt_path).resolve()
    return path.parent.parent if path.parent.name == "checkpoints" else None


def resolve_ckpt_path(ckpt_path: str | None, task_dir: str | Path | None, config: dict | None = None) -> str | None:
    """The checkpoint file to resume from.

    - ``None``: none (train from scratch);
    - ``last``: the newest (modification time) ``checkpoints/last.ckpt`` below ``task_dir`` of a run or multirun
      job trained with the same ``config`` (no :func:`config_differences`; without ``config``, of any run):
      another config's multirun job is never picked;
    - a directory: that run directory's ``checkpoints/last.ckpt`` (or the directory's own ``last.ckpt``);
    - a file: that file.
    Raises ``FileNotFoundError`` (``ParameterFileError``) naming the parameter and what was looked for when there
    is nothing to resume from.
    """
    if ckpt_path is None or str(ckpt_path) == "":
        return None
    if str(ckpt_path) == "last":
        if task_dir is None:
            raise ParameterError("task_dir", None, "ckpt_path=last needs the folder whose runs it searches")
        task_dir = Path(task_dir)
        found = [p for p in task_dir.glob(f"**/checkpoints/{LAST}") if p.is_file()] if task_dir.is_dir() else []
        if not found:
            raise ParameterFileError("task_dir", task_dir, f"no checkpoints/{LAST} below it for ckpt_path=last "
                                     f"(absolute: {task_dir.resolve()}); give a run directory or a .ckpt file as "
                                     "ckpt_path instead")
        found.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        if config is None:
            return str(found[0])
        newest_differences = None
        for candidate in found:
            try:
                stored = load_checkpoint(candidate, key="ckpt_path=last")
            except (CheckpointError, FileNotFoundError):
                continue  # a half-written or foreign file is never the one to resume
            differences = config_differences(stored.get("siamese_config") or {}, config)
            if not differences:
                return str(candidate)
            newest_differences = newest_differences or (candidate, differences)
        detail = "" if newest_differences is None else (
            f"; the newest, {newest_differences[0]}, differs in: " + "; ".join(newest_differences[1][:8]))
        raise ParameterFileError("task_dir", task_dir, f"ckpt_path=last: none of the {len(found)} "
                                 f"checkpoints/{LAST} below it was trained with this config{detail}. Give the run "
                                 "directory or .ckpt file as ckpt_path to resume it anyway")
    path = Path(ckpt_path)
    if path.is_dir():
        for candidate in (path / "checkpoints" / LAST, path / LAST):
            if candidate.is_file():
                return str(candidate)
        raise ParameterFileError("ckpt_path", path, f"the directory holds no checkpoints/{LAST}")
    if not path.is_file():
        raise ParameterFileError("ckpt_path", path, "no such checkpoint file")
    return str(path)


class CheckpointError(ParameterError):
    """A file that is not a (complete) checkpoint of this project: ``CheckpointError(parameter, path, rule)``,
    the message names the parameter that gave the path, and the path."""


def read_torch_file(path: str | Path, key: str, expected: str):
    """``torch.load(path, weights_only=True)`` (only tensors and plain types are unpickled: nothing stored in the
    file can run), with every way a file can fail to be read (truncated, garbage bytes, text, a pickled object,
    unreadable) turned into one :class:`CheckpointError` naming ``key=path`` and what was ``expected``. ``key``
    names the caller's parameter that gave the path (front ends re-say it, see ``siamese.utils.parameters``). A
    missing file raises ``ParameterFileError``."""
    import pickle
    import re

    import torch

    path = Path(path)
    if not path.is_file():
        raise ParameterFileError(key, path, "no such file")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        found = re.search(r"(?:Unsupported global: |unsupported )GLOBAL ([\w.]+)", str(error))
        if found:  # a pickled object (a whole nn.Module, say): its class would have to run to load it
            raise CheckpointError(key, path, f"not {expected}: it holds a pickled {found.group(1)} object, which "
                                  "is never loaded (only tensors and plain values are)") from None
        reason = re.search(r"WeightsUnpickler error:\s*([^\n]+)", str(error))
        raise CheckpointError(key, path, f"truncated or not {expected} (unreadable pickle: "
                              f"{reason.group(1).strip() if reason else type(error).__name__})") from None
    except Exception as error:  # noqa: BLE001 - torch's legacy reader raises KeyError, struct.error, ... on garbage
        raise CheckpointError(key, path, f"truncated or not {expected} "
                              f"({type(error).__name__}: {str(error)[:200]})") from None


def load_checkpoint(path: str | Path, key: str = "ckpt_path") -> dict:
    """The checkpoint dict of ``path`` (:func:`read_torch_file`: nothing in the file runs). ``key`` names the
    caller's parameter that gave the path. Raises :class:`CheckpointError` naming the path for a truncated or
    garbage file, a foreign pickle, or a dict without the ``state_dict`` and ``siamese_config`` every checkpoint
    of ``train.py`` holds."""
    path = Path(path)
    if not path.is_file():
        raise ParameterFileError(key, path, "no such checkpoint file")
    checkpoint = read_torch_file(path, key, "a checkpoint of this project")
    if not isinstance(checkpoint, dict) or "state_dict" not in checkpoint or "siamese_config" not in checkpoint:
        keys = sorted(map(str, checkpoint))[:10] if isinstance(checkpoint, dict) else type(checkpoint).__name__
        raise CheckpointError(key, path, "not a checkpoint of this project (no state_dict and siamese_config; "
                              f"holds {keys})")
    return checkpoint


# the packages a stored config may name in ``_target_`` (the project's classes, torch optimizers/schedulers/losses,
# the torchvision transforms of ``data.transforms``)
ALLOWED_TARGETS = ("siamese.", "torch.optim.", "torch.nn.", "pytorch_metric_learning.", "pytorch_lightning.",
                   "torchvision.transforms.")


def check_targets(node, path: Path, allowed: tuple[str, ...] = ALLOWED_TARGETS) -> None:
    """Refuse a stored config whose ``_target_`` (anywhere inside ``node``) is not a class of this project:
    ``hydra.utils.instantiate`` would otherwise call whatever a checkpoint names (``os.system`` ...)."""
    if isinstance(node, dict):
        target = node.get("_target_")
        if target is not None and not (isinstance(target, str) and target.startswith(allowed)):
            raise CheckpointError("path", Path(path), f"the stored config names _target_={target!r}, which is not "
                                  f"a class of this project ({', '.join(allowed)}*); refusing to build it")
        for value in node.values():
            check_targets(value, path, allowed)
    elif isinstance(node, list):
        for value in node:
            check_targets(value, path, allowed)


def atomic_torch_save(checkpoint: dict, path: str | Path) -> None:
    """``torch.save`` into memory, then ``siamese.utils.files.write_bytes_atomic`` (temp file in the target's own
    directory, fsync, ``os.replace``, temp removed on failure): a kill leaves the old file or the new one, never a
    truncated one (fsspec's temp file in $TMPDIR made the final move a copy across filesystems)."""
    import io

    import torch

    from siamese.utils.files import write_bytes_atomic

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    write_bytes_atomic(path, buffer.getvalue())


# ``_target_`` names a stored config may hold that now live elsewhere: old name (or package prefix) -> new one.
# The human-aligned modules, the human callbacks and the human objectives/losses moved into the human toolkit.
MOVED_TARGETS = {
    "siamese.modules.HumanAlignedModule": "siamese.human.train.human_aligned_module.HumanAlignedModule",
    "siamese.modules.HumanAlignedClassifierModule":
        "siamese.human.train.human_aligned_classifier_module.HumanAlignedClassifierModule",
    "siamese.modules.human_aligned_module.": "siamese.human.train.human_aligned_module.",
    "siamese.modules.human_aligned_classifier_module.": "siamese.human.train.human_aligned_classifier_module.",
    "siamese.callbacks.HumanSimilarity": "siamese.human.train.human_similarity.HumanSimilarity",
    "siamese.callbacks.human_similarity.": "siamese.human.train.human_similarity.",
    "siamese.callbacks.alignment_importance.": "siamese.human.train.alignment_importance.",
    "siamese.human.align.objectives.": "siamese.human.train.objectives.",
    "siamese.human.align.losses.": "siamese.human.train.losses.",
}


def renamed_targets(node):
    """``node`` (a stored config, nested dicts and lists) with every moved ``_target_`` (:data:`MOVED_TARGETS`: an
    exact name, or a prefix ending in ``.``) replaced by its new name, so checkpoints written before a move load."""
    if isinstance(node, dict):
        out = {key: renamed_targets(value) for key, value in node.items()}
        target = out.get("_target_")
        if isinstance(target, str):
            for old, new in MOVED_TARGETS.items():
                if target == old or (old.endswith(".") and target.startswith(old)):
                    out["_target_"] = new + target[len(old):] if old.endswith(".") else new
                    break
        return out
    if isinstance(node, list):
        return [renamed_targets(value) for value in node]
    return node


def stored_run_config(checkpoint: dict, path: str | Path) -> dict:
    """The resolved run config ``siamese.training.train`` stores in its checkpoints (``checkpoint["siamese_config"]``),
    moved ``_target_`` names replaced by their new ones (:func:`renamed_targets`); ValueError naming ``path`` when
    the checkpoint has none, :class:`CheckpointError` when it names a ``_target_`` outside :data:`ALLOWED_TARGETS`
    (``check_targets``: building it would run that callable)."""
    config = checkpoint.get("siamese_config")
    if not config:
        raise ValueError(f"{path}: the checkpoint holds no siamese_config (the run config train.py stores); "
                         "it was not written by siamese.training.train")
    config = renamed_targets(config)
    check_targets(config, Path(path))
    return config
