"""Every figure of embeddings, used by the training callbacks and by the review: 2-D scatter per split, the
embedding evolution over training (grid + GIF) and the error gallery (queries whose nearest training neighbour
has another label, with their k nearest training images).

Colour = digit (tab10), shade and marker = shift (darker / ◀ left, ● none, lighter / ▶ right)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from siamese.data.run_images import split_images  # noqa: E402
from siamese.evaluation.embeddings import subsample_positions  # noqa: E402
from siamese.evaluation.projection import project_2d, project_epochs  # noqa: E402
from siamese.evaluation.retrieval import misclassified  # noqa: E402
from siamese.utils.files import save_figure_atomic  # noqa: E402

EVOLUTION_SPLITS = ("test", "test_shifted")
EmbeddingsAt = Callable[[int], dict]  # epoch -> {split: {"embedding", "label", "shift", "index"}}


def save_figure(fig, path: str | Path, dpi: int = 110) -> Path:
    """Write ``fig`` to ``path`` atomically (``siamese.utils.files.save_figure_atomic``; parent folders created)
    and close it (pyplot keeps every open figure alive)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_figure_atomic(fig, path, dpi=dpi)
    plt.close(fig)
    return path

SPLIT_TITLES = {"train": "train", "val": "validation", "test": "test", "test_shifted": "shifted test"}


def shade(rgb, shift: int, max_shift: int) -> tuple:
    """Digit colour darkened for left shifts and lightened for right shifts (unshifted: the colour itself)."""
    t = 0.0 if max_shift == 0 else shift / max_shift * 0.55
    rgb = np.asarray(rgb[:3])
    return tuple(rgb + (1 - rgb) * t) if t > 0 else tuple(rgb * (1 + t))


def axis_labels(dim: int, projection: str) -> tuple[str, str]:
    """What the two plotted axes are: the embedding's own coordinates (2-D), or the projection's components."""
    if dim <= 2:
        return "embedding 1", "embedding 2" if dim == 2 else "(0)"
    return ("PC 1", "PC 2") if projection == "pca" else ("UMAP 1", "UMAP 2")


def place_legend(fig, handles, where: str = "right", rect_top: float = 0.95, fontsize: float | None = None):
    """A figure legend beside (``right``) or under (``bottom``) the axes, with the axes laid out in the rest of the
    figure: the legend is drawn first and its measured size is kept free, so it is never clipped (at ``bottom`` it
    wraps into as many columns as fit the figure width)."""
    if where == "right":
        legend = fig.legend(handles=handles, loc="center right", frameon=False, fontsize=fontsize)
    else:
        fig.canvas.draw()
        widest = max(len(h.get_label()) for h in handles) * 0.075 + 0.45  # inches per entry at 8 pt
        ncol = max(1, min(len(handles), int(fig.get_figwidth() / widest)))
        legend = fig.legend(handles=handles, loc="lower center", ncol=ncol, frameon=False, fontsize=fontsize or 8)
    fig.canvas.draw()
    box = legend.get_window_extent().transformed(fig.transFigure.inverted())
    if where == "right":
        fig.tight_layout(rect=(0, 0, max(0.3, 1 - box.width - 0.01), rect_top))
    else:
        fig.tight_layout(rect=(0, min(0.6, box.height + 0.01), 1, rect_top))
    return legend


def plot_embeddings(splits: dict[str, dict[str, np.ndarray]], title: str = "", max_points: int = 4000, seed: int = 0,
                    projection: str = "pca", split_sizes: dict[str, int] | None = None):
    """One scatter panel per split: colour = digit, shade and marker = shift (◀ left, ● none, ▶ right);
    embeddings of more than 2 dimensions are shown through ``projection`` (``pca`` or ``umap``, fitted on train),
    and the axes say which (``axis_labels``). A panel's title gives the split size N (``split_sizes[split]`` when
    the points given are a subsample of the split, else their number), or ``k of N drawn`` when k < N points are
    drawn (at most ``max_points``)."""
    xy = project_2d({name: data["embedding"] for name, data in splits.items()}, method=projection)
    digits = sorted(set(np.concatenate([d["label"] for d in splits.values()]).tolist()))
    cmap = plt.get_cmap("tab10")
    max_shift = max(1, max(int(np.abs(d["shift"]).max()) for d in splits.values()))
    xlabel, ylabel = axis_labels(next(iter(splits.values()))["embedding"].shape[1], projection)
    fig, axes = plt.subplots(1, len(splits), figsize=(5.2 * len(splits), 5), squeeze=False)
    rng = np.random.default_rng(seed)
    for ax, (name, data) in zip(axes[0], splits.items()):
        keep = np.arange(len(data["label"]))
        if len(keep) > max_points:
            keep = np.sort(rng.choice(keep, max_points, replace=False))
        labels, shifts, points = data["label"][keep], data["shift"][keep], xy[name][keep]
        for shift in np.unique(shifts):
            marker = "o" if shift == 0 else ("<" if shift < 0 else ">")
            for digit in digits:
                sel = (shifts == shift) & (labels == digit)
                if sel.any():
                    ax.scatter(points[sel, 0], points[sel, 1], s=7, marker=marker, alpha=0.6, linewidths=0,
                               color=shade(cmap(digit % 10), int(shift), max_shift))
        total = (split_sizes or {}).get(name, len(data["label"]))
        count = f"n={total}" if len(keep) == total else f"{len(keep)} of {total} drawn"
        ax.set_title(f"{SPLIT_TITLES.get(name, name)} ({count})")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_aspect("equal", adjustable="datalim")
        ax.grid(alpha=0.2)
    handles = [Line2D([], [], ls="", marker="o", color=cmap(d % 10), label=str(d)) for d in digits]
    all_shifts = sorted(set(np.concatenate([d["shift"] for d in splits.values()]).tolist()))
    handles += [Line2D([], [], ls="", marker="o" if s == 0 else ("<" if s < 0 else ">"),
                       color=shade((0.35, 0.35, 0.35), s, max_shift), label=f"shift {s:+d}") for s in all_shifts]
    fig.suptitle(title)
    place_legend(fig, handles, "right")
    return fig


# ------------------------------------------------------------------------------------------------ evolution
def evolution_points(epochs: Sequence[int], embeddings_at: EmbeddingsAt, name: str = "run",
                     splits: Sequence[str] = EVOLUTION_SPLITS, max_points: int = 2000, projection: str = "pca",
                     seed: int = 0):
    """``(epochs, xy per epoch [N, 2], label [N], shift [N], bounds (x0, x1, y0, y1))`` of the same ``max_points``
    points of ``splits`` (pooled) at every epoch of ``epochs`` (``embeddings_at(epoch)`` gives that epoch's
    ``{split: {"embedding", "label", "shift", "index"}}``); >2-D embeddings projected per epoch (fitted on train).
    ``name`` (the run) names the source in errors."""
    epochs = list(epochs)
    if not epochs:
        raise ValueError(f"{name}: no saved embeddings (embeddings/epoch_*.npz, written by the EmbeddingPlot callback)")
    per_epoch, keep, label, shift = [], None, None, None
    for e in epochs:
        data = embeddings_at(e)
        names = [s for s in splits if s in data]
        if not names:
            raise ValueError(f"{name}: epoch {e} has none of the splits {list(splits)}; saved: {sorted(data)}")
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


def pooled_note(epochs, embeddings_at: EmbeddingsAt, splits: Sequence[str], drawn: int) -> str:
    """``test + shifted test pooled, 2000 of 2400 points``: which splits an evolution figure mixes, how many."""
    data = embeddings_at(epochs[0])
    names = [s for s in splits if s in data]
    total = sum(len(data[s]["label"]) for s in names)
    what = " + ".join(SPLIT_TITLES.get(s, s) for s in names) + (" pooled" if len(names) > 1 else "")
    return f"{what}, {drawn} of {total} points" if drawn < total else f"{what}, {total} points"


def _scatter(ax, xy, label, shift, bounds, title, labels=("", "")):
    cmap, max_shift = plt.get_cmap("tab10"), max(1, int(np.abs(shift).max()))
    colours = [shade(cmap(int(d) % 10), int(s), max_shift) for d, s in zip(label, shift)]
    ax.scatter(xy[:, 0], xy[:, 1], s=4, c=colours, alpha=0.7, linewidths=0)
    ax.set_xlim(bounds[0], bounds[1])
    ax.set_ylim(bounds[2], bounds[3])
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel(labels[0], fontsize=7, labelpad=1)
    ax.set_ylabel(labels[1], fontsize=7, labelpad=1)


def _legend_handles(label, shift):
    cmap, max_shift = plt.get_cmap("tab10"), max(1, int(np.abs(shift).max()))
    handles = [Line2D([], [], ls="", marker="o", color=cmap(int(d) % 10), label=str(d)) for d in np.unique(label)]
    handles += [Line2D([], [], ls="", marker="o", color=shade((0.35, 0.35, 0.35), int(s), max_shift),
                       label=f"shift {int(s):+d}") for s in np.unique(shift)]
    return handles


def _evolution(epochs, embeddings_at, name, kwargs):
    splits = kwargs.get("splits", EVOLUTION_SPLITS)
    epochs, xy, label, shift, bounds = evolution_points(epochs, embeddings_at, name, **kwargs)
    first = embeddings_at(epochs[0])
    dim = first[next(s for s in splits if s in first)]["embedding"].shape[1]
    labels = axis_labels(dim, kwargs.get("projection", "pca"))
    return epochs, xy, label, shift, bounds, labels, pooled_note(epochs, embeddings_at, splits, len(label))


def evolution_grid(epochs: Sequence[int], embeddings_at: EmbeddingsAt, name: str = "run", **kwargs):
    """One panel per epoch (same axes), colour = digit, shade = shift (darker left, lighter right); arguments as
    ``evolution_points``. The title says which splits are pooled and how many of their points are drawn."""
    epochs, xy, label, shift, bounds, labels, note = _evolution(epochs, embeddings_at, name, kwargs)
    cols = min(len(epochs), 5)
    rows = -(-len(epochs) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.6 * rows + 0.8), squeeze=False)
    for ax in axes.flat[len(epochs):]:
        ax.remove()
    for ax, e, points in zip(axes.flat, epochs, xy):
        _scatter(ax, points, label, shift, bounds, f"epoch {e}", labels)
    fig.suptitle(f"embedding over training: {name}\n{note}", fontsize=10)
    place_legend(fig, _legend_handles(label, shift), "bottom", rect_top=0.93)
    return fig


def evolution_animation(epochs: Sequence[int], embeddings_at: EmbeddingsAt, name: str = "run", **kwargs):
    """``(figure, FuncAnimation)``: the evolution as one frame per epoch (legend and pooled-splits note fixed)."""
    from matplotlib.animation import FuncAnimation

    epochs, xy, label, shift, bounds, labels, note = _evolution(epochs, embeddings_at, name, kwargs)
    fig, ax = plt.subplots(figsize=(4.8, 5.6))
    fig.suptitle(note, fontsize=8)

    def frame(i):
        ax.clear()
        _scatter(ax, xy[i], label, shift, bounds, f"{name}: epoch {epochs[i]}", labels)

    frame(0)
    place_legend(fig, _legend_handles(label, shift), "bottom", rect_top=0.95)
    return fig, FuncAnimation(fig, frame, frames=len(epochs))


def evolution_gif(epochs: Sequence[int], embeddings_at: EmbeddingsAt, path: str | Path, name: str = "run",
                  fps: float = 2.0, **kwargs) -> Path:
    """The same frames as an animated GIF, one frame per epoch (Pillow)."""
    from matplotlib.animation import PillowWriter

    fig, animation = evolution_animation(epochs, embeddings_at, name, **kwargs)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    animation.save(path, writer=PillowWriter(fps=fps), dpi=80)
    plt.close(fig)
    return path


# ---------------------------------------------------------------------------------------------- error gallery
def error_gallery(query: dict, reference: dict, query_split: str = "test", k: int = 5, max_rows: int = 12,
                  title: str = "", data_config: dict | None = None):
    """Figure: a row per misclassified query (at most ``max_rows``, most confident errors first): the query
    image with its label and shift, then its k nearest training images with label and distance (red title:
    another label). ``data_config``: the run's resolved ``data`` config, for the images of non-MNIST datasets
    (``siamese.data.run_images.split_images``; grey drawn dark on white, RGB as is). The title counts the errors
    of ``query`` against ``reference`` as given: for a run's saved embeddings, a seeded sample of each split
    (``callbacks.embedding_plot.max_items``), not the whole test set of the final metrics. Returns
    ``(figure, misclassified(...))``; the figure is None when there is no error."""
    errors = misclassified(query, reference, k)
    rows = min(len(errors["query"]), max_rows)
    if rows == 0:
        return None, errors
    q = errors["query"][:rows]
    q_images = split_images(data_config, [(query_split, query["index"][q], query["shift"][q])])
    n = errors["neighbours"][:rows]
    r_images = split_images(data_config, [("train", reference["index"][n.ravel()], reference["shift"][n.ravel()])])
    r_images = r_images.reshape(rows, n.shape[1], *r_images.shape[1:])
    show = lambda ax, image: ax.imshow(image, cmap="gray_r", vmin=0, vmax=255) if image.ndim == 2 \
        else ax.imshow(image)  # noqa: E731
    fig, axes = plt.subplots(rows, n.shape[1] + 1, figsize=(1.15 * (n.shape[1] + 1), 1.3 * rows + 0.5),
                             squeeze=False)
    for r in range(rows):
        qi = q[r]
        ax = axes[r, 0]
        show(ax, q_images[r])
        ax.set_title(f"query {query['label'][qi]} ({int(query['shift'][qi]):+d})\n#{query['index'][qi]}", fontsize=7)
        for c in range(n.shape[1]):
            ax = axes[r, c + 1]
            show(ax, r_images[r, c])
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
    fig.suptitle(title or f"{len(errors['query'])} of {len(query['label'])} {name} images (the saved sample, not the "
                 f"whole split) whose nearest of {len(reference['label'])} saved training images has another label "
                 f"({rows} shown)", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return fig, errors
