"""A summary table of a multirun (one row per run: its overrides and its final metrics), as CSV and Markdown.

Hydra calls ``SweepSummary.on_multirun_end`` once all jobs of ``python train.py -m ...`` have returned (with any
sweeper or launcher: basic, Optuna, submitit). It reads every job directory of the sweep, i.e. every
``<sweep dir>/<n>/`` holding ``.hydra/overrides.yaml`` (written by Hydra) and ``metrics.json`` (written by
``siamese.training.train``), and writes ``<sweep dir>/summary.csv`` and ``<sweep dir>/summary.md``.
The table is also rewritten after every job (``on_job_end``), so it grows while the sweep runs and survives a
sweep that Hydra aborts because a job failed. A job without ``metrics.json`` (failed, or still running) gets a
row with status ``no metrics`` and empty metric cells.
"""

from __future__ import annotations

import csv
import io
import logging
import math
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig

from siamese.review.runs import load_run
from siamese.utils.files import write_text_atomic

log = logging.getLogger(__name__)


def _job_key(path: Path) -> tuple:
    """Job directories sort by number (0, 1, ..., 10), other names after them alphabetically."""
    return (0, int(path.name), "") if path.name.isdigit() else (1, 0, path.name)


def collect_runs(sweep_dir: str | Path) -> list[dict[str, Any]]:
    """One dict per job directory of ``sweep_dir``: ``run`` (the job directory name), ``status`` (``ok`` or
    ``no metrics``), ``overrides`` (``{key: value}`` from ``.hydra/overrides.yaml``, in order) and ``metrics``
    (from ``metrics.json``; ``{}`` for a failed job)."""
    sweep_dir = Path(sweep_dir)
    runs = []
    for job_dir in sorted((p for p in sweep_dir.iterdir() if (p / ".hydra" / "overrides.yaml").is_file()),
                          key=_job_key):
        run = load_run(job_dir)
        overrides = {}
        for item in run.overrides:
            key, _, value = str(item).partition("=")
            overrides[key] = "deleted" if key.startswith("~") else value  # Hydra stores `~key` as `~key=null`
        runs.append({"run": job_dir.name, "status": "ok" if run.has_metrics else "no metrics",
                     "overrides": overrides, "metrics": run.final})
    return runs


def summary_rows(runs: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    """The table: columns ``run``, ``status``, every overridden key (first-seen order), every metric (sorted)."""
    override_keys: list[str] = []
    for run in runs:
        override_keys += [key for key in run["overrides"] if key not in override_keys]
    metric_keys = sorted({key for run in runs for key in run["metrics"]})
    columns = ["run", "status", *override_keys, *metric_keys]
    rows = [{"run": run["run"], "status": run["status"], **run["overrides"], **run["metrics"]} for run in runs]
    return columns, rows


def _markdown_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4g}"
    return str(value).replace("|", "\\|")


def write_summary(sweep_dir: str | Path) -> tuple[Path, Path] | None:
    """Write ``summary.csv`` (full precision) and ``summary.md`` (4 significant digits) into ``sweep_dir``;
    returns their paths, or ``None`` when the directory holds no job."""
    sweep_dir = Path(sweep_dir)
    runs = collect_runs(sweep_dir)
    if not runs:
        return None
    columns, rows = summary_rows(runs)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    csv_path = sweep_dir / "summary.csv"
    write_text_atomic(csv_path, buffer.getvalue())

    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(_markdown_cell(row.get(c)) for c in columns) + " |" for row in rows]
    md_path = sweep_dir / "summary.md"
    write_text_atomic(md_path, "\n".join(lines) + "\n")
    return csv_path, md_path


class SweepSummary(Callback):
    """Hydra callback (``hydra.callbacks`` in conf/hydra/default.yaml): tabulates the multirun after each job and
    when it ends."""

    def on_job_end(self, config: DictConfig, job_return: Any = None, **kwargs: Any) -> None:
        if config.hydra.mode != RunMode.MULTIRUN:
            return
        try:
            write_summary(Path(config.hydra.sweep.dir))
        except Exception as error:  # a table is never worth failing a training job for
            log.warning("sweep summary after job %s: %s", config.hydra.job.get("num"), error)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        if not sweep_dir.is_dir():
            log.warning("sweep summary: %s does not exist, nothing to tabulate", sweep_dir)
            return
        written = write_summary(sweep_dir)
        if written is None:
            log.warning("sweep summary: no job directories in %s", sweep_dir)
        else:
            log.info("sweep summary: %s, %s", *written)
