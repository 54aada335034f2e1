"""Reading runs back from their run directories (config, metrics, saved embeddings). The digit images of a run's
points: ``siamese.data.mnist.digit_images`` (reads MNIST through ``$SIAMESE_CACHE``).

A run may still be training, or may have been killed mid-write: what can be read is read, and each line or file
that cannot is left out with one line in ``Run.skipped`` saying which and why (also logged as a warning)."""

from __future__ import annotations

import csv
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

EPOCH_FILE = re.compile(r"^epoch_(\d+)\.npz$")
log = logging.getLogger(__name__)
NO_EPOCH = "no epoch"  # Run.status of a folder with nothing to draw


@dataclass
class Run:
    """One run directory: ``config`` (the resolved Hydra config, {} if absent), ``overrides``, ``final`` metrics
    (metrics.json), ``history`` (one dict per epoch, from metrics_history.jsonl or csv/metrics.csv) and
    ``epochs`` -> path of the saved embeddings; ``skipped``: one line per unreadable line or file left out."""

    path: Path
    config: dict = field(default_factory=dict)
    overrides: list = field(default_factory=list)
    final: dict = field(default_factory=dict)
    history: list = field(default_factory=list)
    epochs: dict = field(default_factory=dict)
    skipped: list = field(default_factory=list)

    @property
    def has_metrics(self) -> bool:
        """Whether the run wrote ``metrics.json`` (a failed or still running job has not)."""
        return (self.path / "metrics.json").is_file()

    @property
    def status(self) -> str:
        """``finished`` (metrics.json), ``running or stopped`` (epochs logged, no metrics.json yet) or ``no epoch``
        (nothing logged: a failed job's stub folder with only ``train.log`` and ``.hydra``, or a run still in its
        first epoch; a failed job's error goes to the terminal, so the folder cannot tell the two apart)."""
        if self.final:
            return "finished"
        return "running or stopped" if self.history or self.epochs else NO_EPOCH

    def last_log_line(self) -> str:
        """The last non-empty line of ``train.log`` (how far a job got), or ''."""
        log_file = self.path / "train.log"
        lines = log_file.read_text(errors="replace").strip().splitlines() if log_file.is_file() else []
        return lines[-1].strip() if lines else ""

    @property
    def name(self) -> str:
        """The directory name; a multirun's numbered run as ``<sweep>/<number>``."""
        return f"{self.path.parent.name}/{self.path.name}" if self.path.name.isdigit() else self.path.name

    def embeddings(self, epoch: int) -> dict[str, dict[str, np.ndarray]]:
        """``{split: {"embedding", "label", "shift", "index"}}`` saved at ``epoch``."""
        with np.load(self.epochs[epoch]) as data:
            out: dict[str, dict[str, np.ndarray]] = {}
            for key in data.files:
                split, name = key.split("/", 1)
                out.setdefault(split, {})[name] = data[key]
        return out


def is_run_dir(path: Path) -> bool:
    return (path / ".hydra" / "config.yaml").is_file() or (path / "embeddings").is_dir() or \
        (path / "metrics.json").is_file()


def find_runs(paths) -> list[Path]:
    """Each path is a run directory, or a multirun/sweep directory whose run directories lie up to 3 levels
    below it (sorted, numbered subdirectories in number order). Raises FileNotFoundError naming a path with no
    runs."""
    runs: list[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            raise FileNotFoundError(f"{path}: no such directory")
        if is_run_dir(path):
            runs.append(path)
            continue
        below = {p for pattern in ("*", "*/*", "*/*/*") for p in path.glob(pattern) if p.is_dir() and is_run_dir(p)}
        found = sorted(below, key=lambda p: [(0, int(part), "") if part.isdigit() else (1, 0, part)
                                             for part in p.relative_to(path).parts])
        if not found:
            raise FileNotFoundError(f"{path}: not a run directory (no .hydra/config.yaml, metrics.json or embeddings/) "
                                    "and no run directories below it")
        runs.extend(found)
    return runs


def _history_from_jsonl(path: Path, skipped: list[str]) -> list[dict]:
    """The fit rows by epoch; a line that is not a JSON row with an ``epoch`` is skipped (the last line without its
    newline: half-written, as while the run is writing it)."""
    rows: dict[int, dict] = {}
    lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            epoch = int(row["epoch"])
        except (ValueError, KeyError, TypeError) as error:
            why = ("half-written (no end of line: the run is writing it, or was stopped mid-write)"
                   if number == len(lines) else f"not a metrics row ({type(error).__name__}: {error})")
            skipped.append(f"{path.name} line {number}: {why}; skipped")
            continue
        if row.get("stage", "fit") == "fit":
            rows[epoch] = row  # a resumed run's later row of an epoch wins
    return [rows[e] for e in sorted(rows)]


def _readable_embeddings(file: Path) -> str | None:
    """Why ``embeddings/epoch_NNN.npz`` cannot be read (a truncated or corrupt zip, a key not ``split/name``), or
    None; every array is read, so a file that passes loads later."""
    try:
        with np.load(file, allow_pickle=False) as data:
            for key in data.files:
                np.asarray(data[key])  # reads and decompresses: a corrupt member fails here
                if "/" not in key:
                    return f"key {key!r} is not <split>/<name>"
    except Exception as error:  # noqa: BLE001 - zip, zlib, format errors: all mean unreadable
        return f"{type(error).__name__}: {error}"
    return None


def _history_from_csv(path: Path, skipped: list[str]) -> list[dict]:
    """Lightning's CSVLogger rows merged per epoch (its ``epoch`` column counts from 0; ours counts completed); a
    row that is not numbers (half-written) is skipped."""
    rows: dict[int, dict] = {}
    with open(path, encoding="utf-8", errors="replace") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            if not row.get("epoch"):
                continue
            try:
                epoch = int(float(row["epoch"])) + 1
                values = {k: float(v) for k, v in row.items() if v not in ("", None) and k not in ("epoch",)}
            except (ValueError, TypeError) as error:
                skipped.append(f"csv/{path.name} line {reader.line_num}: not a metrics row ({error}); skipped")
                continue
            rows.setdefault(epoch, {"epoch": epoch}).update(values)
    return [rows[e] for e in sorted(rows)]


def load_run(path: str | Path) -> Run:
    """Everything a run directory holds that the review and the sweep summary read (the one reader of run
    directories): ``.hydra/config.yaml`` and ``overrides.yaml``, ``metrics.json``, the history and
    ``embeddings/epoch_*.npz`` (paths only; loaded by ``Run.embeddings``)."""
    path = Path(path)
    run = Run(path)
    config_file = path / ".hydra" / "config.yaml"
    if config_file.is_file():
        from omegaconf import OmegaConf

        try:
            run.config = OmegaConf.to_container(OmegaConf.load(config_file), resolve=False)
        except Exception as error:  # noqa: BLE001 - a YAML or OmegaConf error: the config is unreadable
            run.skipped.append(f".hydra/config.yaml: not readable YAML ({type(error).__name__}); skipped")
    overrides = path / ".hydra" / "overrides.yaml"
    if overrides.is_file():
        import yaml

        try:
            run.overrides = list(yaml.safe_load(overrides.read_text(errors="replace")) or [])
        except (yaml.YAMLError, TypeError) as error:
            run.skipped.append(f".hydra/overrides.yaml: not a YAML list ({type(error).__name__}); skipped")
    if (path / "metrics.json").is_file():
        try:
            run.final = json.loads((path / "metrics.json").read_text(encoding="utf-8", errors="replace"))
        except ValueError as error:
            run.skipped.append(f"metrics.json: not readable JSON ({error}); skipped")
    if (path / "metrics_history.jsonl").is_file():
        run.history = _history_from_jsonl(path / "metrics_history.jsonl", run.skipped)
    elif (path / "csv" / "metrics.csv").is_file():
        run.history = _history_from_csv(path / "csv" / "metrics.csv", run.skipped)
    for file in sorted((path / "embeddings").glob("epoch_*.npz")):
        match = EPOCH_FILE.search(file.name)
        if match:
            problem = _readable_embeddings(file)
            if problem:
                run.skipped.append(f"embeddings/{file.name}: unreadable ({problem}); skipped")
            else:
                run.epochs[int(match.group(1))] = file
    run.epochs = dict(sorted(run.epochs.items()))
    for note in run.skipped:
        log.warning("%s: %s", path, note)
    return run


def config_summary(run: Run) -> dict[str, str]:
    """The handful of choices that tell runs of a sweep apart."""
    c = run.config

    def get(*keys, default="-"):
        node = c
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                return default
            node = node[key]
        return node

    def target(*keys):
        value = get(*keys, "_target_")
        return value.rsplit(".", 1)[-1] if isinstance(value, str) else "-"

    summary = {
        "model": f"{target('model')} (dim {get('model', 'embedding_dim')})",
        "loss": f"{target('loss')} (margin {get('loss', 'margin')})",
        "miner": target("miner"),
        "optimizer": f"{target('optimizer')} lr {get('optimizer', 'lr')}",
        "digits": str(get("data", "digits")),
        "batch size": str(get("data", "batch_size")),
        "train shift": str(get("data", "shift", "train")),
        "epochs": str(get("trainer", "max_epochs")),
        "seed": str(get("seed")),
    }
    if run.overrides:
        summary["overrides"] = " ".join(run.overrides)
    return summary
