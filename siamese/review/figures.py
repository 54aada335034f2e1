"""A run's figures under ``<run>/review/``: the embedding evolution (grid + GIF) and the error galleries, drawn by
``siamese.evaluation.plots`` from the run's saved embeddings."""

from __future__ import annotations

from pathlib import Path

from siamese.evaluation import plots
from siamese.evaluation.plots import error_gallery, save_figure
from siamese.evaluation.retrieval import misclassified
from siamese.review.runs import Run

__all__ = ["error_gallery", "evolution_gif", "evolution_grid", "misclassified", "write_run_figures"]


def evolution_grid(run: Run, **kwargs):
    """``siamese.evaluation.plots.evolution_grid`` of the run's saved epochs."""
    return plots.evolution_grid(list(run.epochs), run.embeddings, run.name, **kwargs)


def evolution_gif(run: Run, path: str | Path, fps: float = 2.0, **kwargs) -> Path:
    """``siamese.evaluation.plots.evolution_gif`` of the run's saved epochs."""
    return plots.evolution_gif(list(run.epochs), run.embeddings, path, run.name, fps=fps, **kwargs)


def write_run_figures(run: Run, projection: str = "pca", k: int = 5, max_rows: int = 12) -> list[Path]:
    """``<run>/review/evolution.gif``, ``evolution_grid.png`` and ``error_gallery_<split>.png`` (from the last
    saved epoch: the net at the end of training) for test and shifted test. Runs without saved embeddings get
    none."""
    if not run.epochs:
        return []
    out, written = run.path / "review", []
    out.mkdir(exist_ok=True)
    written.append(save_figure(evolution_grid(run, projection=projection), out / "evolution_grid.png", dpi=90))
    written.append(evolution_gif(run, out / "evolution.gif", projection=projection))
    last = max(run.epochs)
    data = run.embeddings(last)
    for split in ("test", "test_shifted"):
        if split in data and "train" in data:
            fig, _ = error_gallery(data[split], data["train"], split, k=k, max_rows=max_rows)
            if fig is not None:
                written.append(save_figure(fig, out / f"error_gallery_{split}.png", dpi=90))
    return written
