"""Compare model similarity with human ratings: the table (CSV + Markdown), scatter plots and annotated sheet."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from siamese.human.formats import PairSet, Ratings, csv_text, write_text_atomic
from siamese.human.similarity import (LoadedNet, PixelPCA, layer_similarity, load_net, pixel_similarity,
                                      random_init_like)
from siamese.human.stats import compare, leave_one_out_ceiling, minmax, spearman, split_half_ceiling

log = logging.getLogger(__name__)

BASELINES = ("pixels", "pca", "random", "classifier")
COLUMNS = ["model", "layer", "n_pairs", "r", "r_ci_low", "r_ci_high", "r_p", "rho", "rho_ci_low", "rho_ci_high",
           "rho_p", "ceiling_loo_r", "ceiling_split_half_r"]


def noise_ceiling(ratings: Ratings) -> dict[str, float]:
    """Pearson noise ceilings of the raters: mean leave-one-out r and the Spearman-Brown split-half r."""
    loo, _ = leave_one_out_ceiling(ratings.matrix, "pearson")
    _, corrected = split_half_ceiling(ratings.matrix, "pearson")
    return {"ceiling_loo_r": loo, "ceiling_split_half_r": corrected}


def model_scores(pairs: PairSet, ckpt: str | Path | None = None, layers=None, baselines=(),
                 classifier_ckpt: str | Path | None = None, seed: int = 0) -> dict[tuple[str, str], np.ndarray]:
    """``{(model, layer): similarity per pair}`` for the checkpoint's ``layers`` and the chosen ``baselines``:
    ``pixels`` (raw pixel cosine), ``pca`` (cosine in a 50-component PCA fitted on MNIST train), ``random`` (the
    checkpoint's architecture with random weights; same layers), ``classifier`` (a ``task=classify`` checkpoint,
    ``classifier_ckpt``; its conv1, conv2, fc layers)."""
    unknown = [b for b in baselines if b not in BASELINES]
    if unknown:
        raise ValueError(f"unknown baseline {unknown[0]!r}; choose from {list(BASELINES)}")
    scores: dict[tuple[str, str], np.ndarray] = {}
    loaded = None
    if ckpt is not None:
        loaded = load_net(ckpt)
        for layer, values in layer_similarity(loaded, pairs.images_a, pairs.images_b, layers).items():
            scores[(loaded.name, layer)] = values
    if "pixels" in baselines:
        scores[("pixels", "pixels")] = pixel_similarity(pairs.images_a, pairs.images_b)
    if "pca" in baselines:
        scores[("pca", "pca50")] = PixelPCA(50, seed=seed).similarity(pairs.images_a, pairs.images_b)
    if "random" in baselines:
        if loaded is None:
            raise ValueError("the 'random' baseline copies the architecture of --ckpt; give --ckpt")
        random_net = random_init_like(loaded, seed)
        for layer, values in layer_similarity(random_net, pairs.images_a, pairs.images_b, layers).items():
            scores[("random-init", layer)] = values
    if "classifier" in baselines:
        if classifier_ckpt is None:
            raise ValueError("the 'classifier' baseline needs --classifier-ckpt (a python train.py task=classify run)")
        classifier = load_net(classifier_ckpt, name="classifier")
        classifier_layers = [name for name in classifier.net.layer_names if name != "logits"] + ["logits"]
        for layer, values in layer_similarity(classifier, pairs.images_a, pairs.images_b, classifier_layers).items():
            scores[("classifier", layer)] = values
    return scores


def comparison_table(scores: dict[tuple[str, str], np.ndarray], ratings: Ratings, n_boot: int = 2000,
                     n_perm: int = 5000, seed: int = 0) -> list[dict]:
    human = ratings.mean()
    ceiling = noise_ceiling(ratings)
    rows = []
    for (model, layer), values in scores.items():
        rows.append({"model": model, "layer": layer, **compare(values, human, n_boot, n_perm, seed), **ceiling})
    return rows


def _fmt(value) -> str:
    if isinstance(value, (int, np.integer)):
        return str(value)
    return "nan" if not np.isfinite(value) else f"{value:.3f}"


def markdown_table(rows: list[dict]) -> str:
    header = "| model | layer | pairs | r [95% CI] | p(r) | rho [95% CI] | p(rho) | ceiling r (LOO) | ceiling r (split-half SB) |"
    lines = [header, "|" + "---|" * 9]
    for row in rows:
        lines.append(f"| {row['model']} | {row['layer']} | {row['n_pairs']} | {_fmt(row['r'])} "
                     f"[{_fmt(row['r_ci_low'])}, {_fmt(row['r_ci_high'])}] | {row['r_p']:.4f} | {_fmt(row['rho'])} "
                     f"[{_fmt(row['rho_ci_low'])}, {_fmt(row['rho_ci_high'])}] | {row['rho_p']:.4f} | "
                     f"{_fmt(row['ceiling_loo_r'])} | {_fmt(row['ceiling_split_half_r'])} |")
    return "\n".join(lines) + "\n"


def scatter_plot(model_values, human_values, path: Path, title: str, pair_ids=None,
                 ylabel: str = "mean human rating (min-max normalized)") -> Path:
    """Model vs human similarity per pair, both min-max normalized to [0, 1], each point labelled by pair id."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x, y = minmax(model_values), minmax(human_values)
    fig, ax = plt.subplots(figsize=(5, 5), dpi=120)
    ax.scatter(x, y, s=25, color="tab:blue")
    if pair_ids is not None:
        for xi, yi, name in zip(x, y, pair_ids):
            ax.annotate(name, (xi, yi), fontsize=6, xytext=(2, 2), textcoords="offset points")
    ax.plot([0, 1], [0, 1], color="0.7", lw=0.8, ls="--")
    ax.set_xlim(-0.05, 1.05), ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("model similarity (min-max normalized)")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    fig.savefig(tmp)
    plt.close(fig)
    tmp.replace(path)
    return path


def evaluate(pairs: PairSet, ratings: Ratings, out_dir: str | Path, ckpt=None, layers=None, baselines=(),
             classifier_ckpt=None, n_boot: int = 2000, n_perm: int = 5000, seed: int = 0,
             synthetic: bool = False) -> list[dict]:
    """Write ``comparison.csv``, ``comparison.md``, ``scatter_<model>_<layer>.png`` and ``sheet_scored.png``.

    ``synthetic``: the ratings are SYNTHETIC (not people); every output then says so."""
    from siamese.human.pairs import save_sheet

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    scores = model_scores(pairs, ckpt, layers, baselines, classifier_ckpt, seed)
    if not scores:
        raise ValueError("nothing to evaluate: give --ckpt and/or --baselines")
    rows = comparison_table(scores, ratings, n_boot, n_perm, seed)
    write_text_atomic(out_dir / "comparison.csv", csv_text(COLUMNS, [[row[c] for c in COLUMNS] for row in rows]))
    ceiling = noise_ceiling(ratings)
    who = "SYNTHETIC ratings (not from people)" if synthetic else "human"
    summary = ("**SYNTHETIC RATINGS: generated, not given by people.**\n\n" if synthetic else "") + (
               f"{len(pairs)} pairs, {len(ratings.raters)} raters, {int(ratings.counts().sum())} ratings "
               f"(scale {ratings.scale[0]:g}-{ratings.scale[1]:g}). Model similarity: cosine of flattened "
               f"activations. r: Pearson, rho: Spearman, with bootstrap 95% CIs over pairs and two-sided "
               f"permutation p-values. Noise ceiling (Pearson): each rater vs the mean of the others, and "
               f"split-half with Spearman-Brown.\n\n")
    write_text_atomic(out_dir / "comparison.md", summary + markdown_table(rows))
    human = ratings.mean()
    for (model, layer), values in scores.items():
        row = next(r for r in rows if r["model"] == model and r["layer"] == layer)
        scatter_plot(values, human, out_dir / f"scatter_{model}_{layer}.png",
                     ("SYNTHETIC ratings - " if synthetic else "") + f"{model} / {layer}: r = {row['r']:.2f}, rho = {row['rho']:.2f} (n = {row['n_pairs']})",
                     pairs.pair_id, ylabel=f"mean {'SYNTHETIC' if synthetic else 'human'} rating (min-max normalized)")
    notes = []
    human_norm = minmax(human)
    for k in range(len(pairs)):
        parts = [f"{layer} {minmax(values)[k]:.2f}" for (_, layer), values in list(scores.items())[:3]]
        notes.append(f"{'synthetic' if synthetic else 'human'} {human[k]:.1f} ({human_norm[k]:.2f})\n" + ", ".join(parts))
    save_sheet(pairs, out_dir / "sheet_scored.png", title=f"pairs with {who} mean rating (normalized) and model "
                                                          "similarity (min-max normalized)", notes=notes)
    log.info("wrote %s", out_dir / "comparison.md")
    return rows


# -------------------------------------------------------------------------------------- matrices and triplets
def similarity_matrix(model: LoadedNet | None, images, layer: str | None) -> np.ndarray:
    """N x N cosine similarity matrix of the images at ``layer`` (raw pixels when ``model`` is None)."""
    from siamese.human.similarity import cosine_rows

    n = len(images)
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    if model is None:
        values = pixel_similarity(np.asarray(images)[i.ravel()], np.asarray(images)[j.ravel()])
    else:
        import torch

        with torch.no_grad():
            acts = model.net.activations(model.normalize(images), [layer])[layer].reshape(n, -1).numpy()
        values = cosine_rows(acts[i.ravel()], acts[j.ravel()])
    return values.reshape(n, n)


def matrix_agreement(model_matrix, human_matrix) -> float:
    """Spearman correlation of the upper triangles (diagonal excluded) of the two N x N matrices."""
    model_matrix, human_matrix = np.asarray(model_matrix), np.asarray(human_matrix)
    if model_matrix.shape != human_matrix.shape or model_matrix.shape[0] != model_matrix.shape[1]:
        raise ValueError(f"matrices must be square and equal in shape, got {model_matrix.shape}, {human_matrix.shape}")
    upper = np.triu_indices(len(model_matrix), k=1)
    return spearman(model_matrix[upper], human_matrix[upper])


def triplet_agreement(model_matrix, triplets) -> float:
    """Fraction of triplets ``(anchor, a, b, chosen)`` where the model finds the chosen image more similar to the
    anchor than the other one (ties count half)."""
    model_matrix = np.asarray(model_matrix)
    if not triplets:
        raise ValueError("no triplets to score")
    agree = 0.0
    for anchor, a, b, chosen in triplets:
        other = b if chosen == a else a
        s_chosen, s_other = model_matrix[anchor, chosen], model_matrix[anchor, other]
        agree += 1.0 if s_chosen > s_other else 0.5 if s_chosen == s_other else 0.0
    return agree / len(triplets)
