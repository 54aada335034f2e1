"""Figures from a run's saved embeddings: the embedding evolution over training (grid + GIF) and the error
gallery (queries whose nearest training neighbour has another label, with their k nearest training images)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from siamese.callbacks.embedding_plot import SPLIT_TITLES, shade  # noqa: E402
from siamese.review.runs import Run, digit_images  # noqa: E402
from siamese.utils.embeddings import subsample_positions, take  # noqa: E402
from siamese.utils.projection import project_epochs  # noqa: E402

EVOLUTION_SPLITS = ("test", "test_shifted")


# ------------------------------------------------------------------------------------------------ evolution
def evolution_points(run: Run, splits: Sequence[str] = EVOLUTION_SPLITS, max_points: int = 2000,
                     projection: str = "pca", seed: int = 0):
    """``(epochs, xy per epoch [N, 2], label [N], shift [N], bounds (x0, x1, y0, y1))`` of the same ``max_points``
    points of ``splits`` (pooled) at every saved epoch; >2-D embeddings projected per epoch (fitted on train)."""
    epochs = list(run.epochs)
    if not epochs:
        raise ValueError(f"{run.path}: no saved embeddings (embeddings/epoch_*.npz); is callbacks.embedding_plot on?")
    per_epoch, keep, label, shift = [], None, None, None
    for e in epochs:
        data = run.embeddings(e)
        names = [s for s in splits if s in data]
        if not names:
            raise ValueError(f"{run.path}: epoch {e} has none of the splits {list(splits)}; saved: {sorted(data)}")
        pooled = {k: np.concatenate([data[s][k] for s in names]) for k in ("embedding", "label", "shift")}
        if keep is None:
            keep = subsample_positions(len(pooled["label"]), max_points, seed)
            label, shift = pooled["label"][keep], pooled["shift"][keep]
        entry = {"points": pooled["embedding"][keep]}
        if "train" in data:
            entry["train"] = data["train"]["embedding"]
        per_epoch.append(entry)
    fit = "train" if all("train" in p for p in per_epoch) else "points"
    xy = [p["points"] for p in project_epochs(per_epoch, fit_split=fit, method=projection, seed=seed)]
    stacked = np.concatenate(xy)
    lo, hi = stacked.min(0), stacked.max(0)
    pad = 0.05 * np.maximum(hi - lo, 1e-6)
    return epochs, xy, label, shift, (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])


def _scatter(ax, xy, label, shift, bounds, title):
    cmap, max_shift = plt.get_cmap("tab10"), max(1, int(np.abs(shift).max()))
    colours = [shade(cmap(int(d) % 10), int(s), max_shift) for d, s in zip(label, shift)]
    ax.scatter(xy[:, 0], xy[:, 1], s=4, c=colours, alpha=0.7, linewidths=0)
    ax.set_xlim(bounds[0], bounds[1])
    ax.set_ylim(bounds[2], bounds[3])
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def _legend(fig, label, shift):
    cmap, max_shift = plt.get_cmap("tab10"), max(1, int(np.abs(shift).max()))
    handles = [Line2D([], [], ls="", marker="o", color=cmap(int(d) % 10), label=str(d)) for d in np.unique(label)]
    handles += [Line2D([], [], ls="", marker="o", color=shade((0.35, 0.35, 0.35), int(s), max_shift),
                       label=f"shift {int(s):+d}") for s in np.unique(shift)]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False, fontsize=8)


def evolution_grid(run: Run, **kwargs):
    """One panel per saved epoch (same axes), colour = digit, shade = shift (darker left, lighter right)."""
    epochs, xy, label, shift, bounds = evolution_points(run, **kwargs)
    cols = min(len(epochs), 5)
    rows = -(-len(epochs) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.6 * rows + 0.5), squeeze=False)
    for ax in axes.flat[len(epochs):]:
        ax.remove()
    for ax, e, points in zip(axes.flat, epochs, xy):
        _scatter(ax, points, label, shift, bounds, f"epoch {e}")
    _legend(fig, label, shift)
    fig.suptitle(f"embedding over training: {run.name}", fontsize=10)
    fig.tight_layout(rect=(0, 0.06, 1, 0.96))
    return fig


def evolution_gif(run: Run, path: str | Path, fps: float = 2.0, **kwargs) -> Path:
    """The same frames as an animated GIF, one frame per saved epoch (Pillow)."""
    from matplotlib.animation import FuncAnimation, PillowWriter

    epochs, xy, label, shift, bounds = evolution_points(run, **kwargs)
    fig, ax = plt.subplots(figsize=(4.6, 5.0))
    _legend(fig, label, shift)
    fig.tight_layout(rect=(0, 0.07, 1, 1))

    def frame(i):
        ax.clear()
        _scatter(ax, xy[i], label, shift, bounds, f"{run.name}: epoch {epochs[i]}")

    animation = FuncAnimation(fig, frame, frames=len(epochs))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    animation.save(path, writer=PillowWriter(fps=fps), dpi=80)
    plt.close(fig)
    return path


# ---------------------------------------------------------------------------------------------- error gallery
def nearest_references(query: np.ndarray, reference: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest references of each query (faiss IndexFlatL2, Euclidean): ``(positions [Q, k], distances
    [Q, k])``, nearest first."""
    import faiss

    k = min(k, len(reference))
    index = faiss.IndexFlatL2(reference.shape[1])
    index.add(np.ascontiguousarray(reference, dtype=np.float32))
    squared, positions = index.search(np.ascontiguousarray(query, dtype=np.float32), k)
    return positions.astype(np.int64), np.sqrt(np.maximum(squared, 0))


def misclassified(query: dict, reference: dict, k: int = 5) -> dict[str, np.ndarray]:
    """The queries whose nearest reference has another label (the 1-NN errors, i.e. 1 - precision@1):
    ``query`` positions [E] (ordered most confident first: smallest distance to that wrong neighbour),
    ``neighbours`` [E, k] reference positions and ``distances`` [E, k]."""
    positions, distances = nearest_references(query["embedding"], reference["embedding"], k)
    wrong = np.flatnonzero(reference["label"][positions[:, 0]] != query["label"])
    order = wrong[np.argsort(distances[wrong, 0], kind="stable")]
    return {"query": order, "neighbours": positions[order], "distances": distances[order]}


def error_gallery(query: dict, reference: dict, query_split: str = "test", k: int = 5, max_rows: int = 12,
                  title: str = ""):
    """Figure: a row per misclassified query (at most ``max_rows``, most confident errors first): the query
    image with its label and shift, then its k nearest training images with label and distance (red title:
    another label). Returns ``(figure, misclassified(...))``; the figure is None when there is no error."""
    errors = misclassified(query, reference, k)
    rows = min(len(errors["query"]), max_rows)
    if rows == 0:
        return None, errors
    q = errors["query"][:rows]
    q_images = digit_images([(query_split, query["index"][q], query["shift"][q])])
    n = errors["neighbours"][:rows]
    r_images = digit_images([("train", reference["index"][n.ravel()], reference["shift"][n.ravel()])]).reshape(
        rows, n.shape[1], 28, 28)
    fig, axes = plt.subplots(rows, n.shape[1] + 1, figsize=(1.15 * (n.shape[1] + 1), 1.3 * rows + 0.5),
                             squeeze=False)
    for r in range(rows):
        qi = q[r]
        ax = axes[r, 0]
        ax.imshow(q_images[r], cmap="gray_r", vmin=0, vmax=255)
        ax.set_title(f"query {query['label'][qi]} ({int(query['shift'][qi]):+d})\n#{query['index'][qi]}", fontsize=7)
        for c in range(n.shape[1]):
            ax = axes[r, c + 1]
            ax.imshow(r_images[r, c], cmap="gray_r", vmin=0, vmax=255)
            lab = reference["label"][n[r, c]]
            ax.set_title(f"{lab}  d={errors['distances'][r, c]:.3g}", fontsize=7,
                         color="tab:red" if lab != query["label"][qi] else "black")
        for ax in axes[r]:
            ax.set_xticks([])
            ax.set_yticks([])
        for spine in axes[r, 0].spines.values():
            spine.set_color("tab:blue")
            spine.set_linewidth(2)
    name = SPLIT_TITLES.get(query_split, query_split)
    fig.suptitle(title or f"{len(errors['query'])} {name} queries whose nearest training image has another label "
                 f"({rows} shown)", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return fig, errors


def write_run_figures(run: Run, projection: str = "pca", k: int = 5, max_rows: int = 12) -> list[Path]:
    """``<run>/review/evolution.gif``, ``evolution_grid.png`` and ``error_gallery_<split>.png`` (from the last
    saved epoch: the net at the end of training) for test and shifted test. Runs without saved embeddings get
    none."""
    if not run.epochs:
        return []
    out, written = run.path / "review", []
    out.mkdir(exist_ok=True)
    fig = evolution_grid(run, projection=projection)
    fig.savefig(out / "evolution_grid.png", dpi=90)
    plt.close(fig)
    written.append(out / "evolution_grid.png")
    written.append(evolution_gif(run, out / "evolution.gif", projection=projection))
    last = max(run.epochs)
    data = run.embeddings(last)
    for split in ("test", "test_shifted"):
        if split in data and "train" in data:
            fig, _ = error_gallery(data[split], data["train"], split, k=k, max_rows=max_rows)
            if fig is not None:
                fig.savefig(out / f"error_gallery_{split}.png", dpi=90)
                plt.close(fig)
                written.append(out / f"error_gallery_{split}.png")
    return written
