"""Reading finished runs back from their run directories (config, metrics, saved embeddings). The digit images
of a run's points: ``siamese.data.mnist.digit_images`` (reads MNIST through ``$SIAMESE_CACHE``)."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

EPOCH_FILE = re.compile(r"epoch_(\d+)\.npz$")


@dataclass
class Run:
    """One run directory: ``config`` (the resolved Hydra config, {} if absent), ``overrides``, ``final`` metrics
    (metrics.json), ``history`` (one dict per epoch, from metrics_history.jsonl or csv/metrics.csv) and
    ``epochs`` -> path of the saved embeddings."""

    path: Path
    config: dict = field(default_factory=dict)
    overrides: list = field(default_factory=list)
    final: dict = field(default_factory=dict)
    history: list = field(default_factory=list)
    epochs: dict = field(default_factory=dict)

    @property
    def has_metrics(self) -> bool:
        """Whether the run wrote ``metrics.json`` (a failed or still running job has not)."""
        return (self.path / "metrics.json").is_file()

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


def _history_from_jsonl(path: Path) -> list[dict]:
    rows: dict[int, dict] = {}
    for line in path.read_text().splitlines():
        if line.strip():
            row = json.loads(line)
            if row.get("stage", "fit") == "fit":
                rows[int(row["epoch"])] = row  # a resumed run's later row of an epoch wins
    return [rows[e] for e in sorted(rows)]


def _history_from_csv(path: Path) -> list[dict]:
    """Lightning's CSVLogger rows merged per epoch (its ``epoch`` column counts from 0; ours counts completed)."""
    rows: dict[int, dict] = {}
    with open(path) as handle:
        for row in csv.DictReader(handle):
            if not row.get("epoch"):
                continue
            epoch = int(float(row["epoch"])) + 1
            merged = rows.setdefault(epoch, {"epoch": epoch})
            merged.update({k: float(v) for k, v in row.items() if v not in ("", None) and k not in ("epoch",)})
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

        run.config = OmegaConf.to_container(OmegaConf.load(config_file), resolve=False)
    overrides = path / ".hydra" / "overrides.yaml"
    if overrides.is_file():
        import yaml

        run.overrides = list(yaml.safe_load(overrides.read_text()) or [])
    if (path / "metrics.json").is_file():
        run.final = json.loads((path / "metrics.json").read_text())
    if (path / "metrics_history.jsonl").is_file():
        run.history = _history_from_jsonl(path / "metrics_history.jsonl")
    elif (path / "csv" / "metrics.csv").is_file():
        run.history = _history_from_csv(path / "csv" / "metrics.csv")
    for file in sorted((path / "embeddings").glob("epoch_*.npz")):
        match = EPOCH_FILE.search(file.name)
        if match:
            run.epochs[int(match.group(1))] = file
    run.epochs = dict(sorted(run.epochs.items()))
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
