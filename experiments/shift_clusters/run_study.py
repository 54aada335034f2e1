"""The four-cluster shifted-MNIST study: run every preset (one Hydra multirun) and write
experiments/shift_clusters.md (table preset x shift-cluster metrics, the final shifted-test plot of each).

    python experiments/shift_clusters/run_study.py [extra overrides ...]    # runs, then writes the report
    python experiments/shift_clusters/run_study.py --seeds 1,2 [...]        # also repeat every preset with these seeds
    python experiments/shift_clusters/run_study.py --report-only            # rewrite the report from the runs

The main table and the plots are of the default seed (runs/<preset>); with --seeds the report adds mean and
standard deviation over all seeds (runs/seed<k>/<preset> for the extra ones).
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
RUNS = HERE / "runs"
FIGURES = HERE / "figures"
PRESETS = ["shift_baseline", "shift_knn_regime1", "shift_knn_regime2", "shift_knn_triplet", "shift_graded",
           "shift_batch_hard"]
METRICS = [("test_shifted/digit_1nn", "digit 1-NN acc"), ("test_shifted/group_1nn", "group 1-NN acc"),
           ("test_shifted/group_silhouette", "group silhouette")]


def run(extra: list[str], seed: int | None = None) -> None:
    sweep_dir, seed_override = (RUNS, []) if seed is None else (RUNS / f"seed{seed}", [f"seed={seed}"])
    command = [sys.executable, "train.py", "-m", f"experiment={','.join(PRESETS)}", "logger=csv",
               f"hydra.sweep.dir={sweep_dir}", "hydra.sweep.subdir=${task_name}", *seed_override, *extra]
    print(" ".join(command), flush=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "WANDB_MODE": "offline"}
    subprocess.run(command, cwd=ROOT, env=env, check=True)


def last_shifted_test(run_dir: Path) -> tuple[int, dict[str, np.ndarray]] | None:
    """(epoch, shifted-test embeddings) of the last saved epoch of a run, or None when it saved none."""
    from siamese.review.runs import load_run

    run = load_run(run_dir)
    if not run.epochs:
        return None
    epoch = max(run.epochs)
    return epoch, run.embeddings(epoch)["test_shifted"]


def final_plot(run_dir: Path, name: str) -> Path | None:
    from siamese.evaluation.plots import plot_embeddings

    last = last_shifted_test(run_dir)
    if last is None:
        return None
    epoch, split = last
    fig = plot_embeddings({"test_shifted": split}, title=f"{name} (epoch_{epoch:03d})")
    fig.set_size_inches(6.6, 5.0)  # room for the legend beside a single panel
    fig.tight_layout(rect=(0, 0, 0.78, 0.95))
    FIGURES.mkdir(parents=True, exist_ok=True)
    path = FIGURES / f"{name}.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


@functools.cache  # the report and the seed table both read the default seed's runs
def last_epoch_metrics(run_dir: Path) -> dict[str, float]:
    """The shift-cluster metrics of the last epoch's saved shifted-test embeddings (the plotted ones; the
    run's own test pass uses the best-val-loss checkpoint, which for the k-NN presets is not their objective)."""
    from siamese.evaluation.shift_clusters import shift_cluster_metrics

    _, data = last_shifted_test(run_dir)
    values = shift_cluster_metrics(*(data[key] for key in ("embedding", "label", "shift", "index")))
    metrics = json.loads((run_dir / "metrics.json").read_text())
    return {**{f"test_shifted/{k}": v for k, v in values.items()}, "val/precision_at_1": metrics.get(
        "val/precision_at_1", float("nan")), "epochs": metrics.get("epochs", 0)}


def seed_table() -> list[str]:
    """Mean +- standard deviation over every seed that has a finished run of the preset (default + runs/seed*)."""
    seed_dirs = [RUNS, *sorted(RUNS.glob("seed*"))]
    lines = ["| preset | seeds | " + " | ".join(label for _, label in METRICS) + " |",
             "|---|---|" + "---|" * len(METRICS)]
    for name in PRESETS:
        runs = [d / name for d in seed_dirs if (d / name / "metrics.json").is_file()]
        if not runs:
            continue
        values = np.array([[last_epoch_metrics(r)[key] for key, _ in METRICS] for r in runs])
        cells = [f"{m:.3f} +- {sd:.3f}" for m, sd in zip(values.mean(0), values.std(0, ddof=1) if len(runs) > 1
                                                             else np.full(len(METRICS), np.nan))]
        lines.append(f"| `{name}` | {len(runs)} | " + " | ".join(cells) + " |")
    return lines if len(seed_dirs) > 1 else []


def report() -> None:
    rows = []
    for name in PRESETS:
        if not (RUNS / name / "metrics.json").is_file():
            rows.append((name, None, None))
            continue
        rows.append((name, last_epoch_metrics(RUNS / name), final_plot(RUNS / name, name)))
    lines = ["| preset | " + " | ".join(label for _, label in METRICS) + " | val P@1 | epochs |",
             "|---|" + "---|" * (len(METRICS) + 2)]
    for name, metrics, _ in rows:
        if metrics is None:
            lines.append(f"| {name} | " + " | ".join("(not run)" for _ in range(len(METRICS) + 2)) + " |")
            continue
        values = [f"{metrics.get(key, float('nan')):.3f}" for key, _ in METRICS]
        lines.append(f"| `{name}` | " + " | ".join(values)
                     + f" | {metrics['val/precision_at_1']:.3f} | {metrics.get('epochs', 0):.0f} |")
    plots = [f"![{name}](shift_clusters/figures/{name}.png)" for name, _, plot in rows if plot]
    text = (HERE / "reading.md").read_text() if (HERE / "reading.md").is_file() else "(reading to be written)\n"
    out = ["# Four-cluster shifted-MNIST study", "",
           "Generated by `python experiments/shift_clusters/run_study.py` (presets in `conf/experiment/shift_*.yaml`;"
           " 4 vs 9, small net, 2-D embedding, every train image with one stored shift from {0, -6, -3, +3, +6}).",
           "Metrics on the shifted test set (every test 4/9 shifted by -6, -3, +3, +6; group = (digit, sign of "
           "shift)) of the model after the last epoch (the plotted embeddings); val P@1 = 1-NN digit accuracy of the "
           "validation split against the train split, same epoch.", "",
           *lines, ""]
    seeds = seed_table()
    if seeds:
        out += ["Over seeds (the default seed and `--seeds`; mean +- sample standard deviation of the same last-epoch "
                "metrics):", "", *seeds, ""]
    out += ["## Reading", "", text, "## Final shifted-test embeddings", "", *plots, ""]
    (HERE.parent / "shift_clusters.md").write_text("\n".join(out))
    print("\n".join(lines))


if __name__ == "__main__":
    args = sys.argv[1:]
    extra_seeds = []
    if "--seeds" in args:
        at = args.index("--seeds")
        extra_seeds = [int(seed) for seed in args[at + 1].split(",")]
        del args[at:at + 2]
    if "--report-only" not in args:
        run(args)
        for seed in extra_seeds:
            run(args, seed)
    report()
