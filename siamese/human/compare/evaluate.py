"""Compare model similarity with human ratings: the table (CSV + Markdown), scatter plots and annotated sheet."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from siamese.human.compare.baselines import model_scores
from siamese.human.compare.figures import save_sheet, scatter_plot
from siamese.human.compare.stats import (
    compare,
    leave_one_out_ceiling,
    minmax,
    spearman,
    split_half_ceiling,
)
from siamese.human.io.pair_set import PairSet
from siamese.human.io.ratings import Ratings
from siamese.utils.files import csv_text, write_text_atomic

log = logging.getLogger(__name__)

COLUMNS = ["model", "layer", "n_pairs", "r", "r_ci_low", "r_ci_high", "r_p", "rho", "rho_ci_low", "rho_ci_high",
           "rho_p", "ceiling_loo_r", "ceiling_split_half_r", "synthetic"]
SYNTHETIC_BANNER = "**SYNTHETIC RATINGS: generated, not given by people.**\n\n"


def noise_ceiling(ratings: Ratings) -> dict[str, float]:
    """Pearson noise ceilings of the raters: mean leave-one-out r and the Spearman-Brown split-half r."""
    loo, _ = leave_one_out_ceiling(ratings.matrix, "pearson")
    _, corrected = split_half_ceiling(ratings.matrix, "pearson")
    return {"ceiling_loo_r": loo, "ceiling_split_half_r": corrected}


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


def markdown_table(rows: list[dict], banner: bool = True) -> str:
    """The comparison as a Markdown table; rows of SYNTHETIC data (``row['synthetic']``) put the SYNTHETIC banner
    above it (unless ``banner`` is False, for a caller that writes the banner itself)."""
    header = ("| model | layer | pairs | r [95% CI] | p(r) | rho [95% CI] | p(rho) | ceiling r (LOO) "
              "| ceiling r (split-half SB) |")
    lines = [header, "|" + "---|" * 9]
    for row in rows:
        lines.append(f"| {row['model']} | {row['layer']} | {row['n_pairs']} | {_fmt(row['r'])} "
                     f"[{_fmt(row['r_ci_low'])}, {_fmt(row['r_ci_high'])}] | {row['r_p']:.4f} | {_fmt(row['rho'])} "
                     f"[{_fmt(row['rho_ci_low'])}, {_fmt(row['rho_ci_high'])}] | {row['rho_p']:.4f} | "
                     f"{_fmt(row['ceiling_loo_r'])} | {_fmt(row['ceiling_split_half_r'])} |")
    synthetic = banner and any(row.get("synthetic") for row in rows)
    return (SYNTHETIC_BANNER if synthetic else "") + "\n".join(lines) + "\n"


def evaluate(pairs: PairSet, ratings: Ratings, out_dir: str | Path, ckpt=None, layers=None, baselines=(),
             classifier_ckpt=None, n_boot: int = 2000, n_perm: int = 5000, seed: int = 0) -> list[dict]:
    """Write ``comparison.csv``, ``comparison.md``, ``scatter_<model>_<layer>.png`` and ``sheet_scored.png``.

    When the ratings or the pair set are marked SYNTHETIC in their files (``Ratings.synthetic``,
    ``PairSet.synthetic``), every output says so."""
    synthetic = ratings.synthetic or pairs.synthetic
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    scores = model_scores(pairs, ckpt, layers, baselines, classifier_ckpt, seed)
    if not scores:
        raise ValueError("nothing to evaluate: give --ckpt and/or --baselines")
    rows = [{**row, "synthetic": int(synthetic)} for row in comparison_table(scores, ratings, n_boot, n_perm, seed)]
    write_text_atomic(out_dir / "comparison.csv", csv_text(COLUMNS, [[row[c] for c in COLUMNS] for row in rows]))
    who = "SYNTHETIC ratings (not from people)" if synthetic else "human"
    summary = (SYNTHETIC_BANNER if synthetic else "") + (
               f"{len(pairs)} pairs, {len(ratings.raters)} raters, {int(ratings.counts().sum())} ratings "
               f"(scale {ratings.scale[0]:g}-{ratings.scale[1]:g}). Model similarity: cosine of flattened "
               f"activations. r: Pearson, rho: Spearman, with bootstrap 95% CIs over pairs and two-sided "
               f"permutation p-values. Noise ceiling (Pearson): each rater vs the mean of the others, and "
               f"split-half with Spearman-Brown.\n\n")
    write_text_atomic(out_dir / "comparison.md", summary + markdown_table(rows, banner=False))
    human = ratings.mean()
    for (model, layer), values in scores.items():
        row = next(r for r in rows if r["model"] == model and r["layer"] == layer)
        title = f"{model} / {layer}: r = {row['r']:.2f}, rho = {row['rho']:.2f} (n = {row['n_pairs']})"
        scatter_plot(values, human, out_dir / f"scatter_{model}_{layer}.png",
                     ("SYNTHETIC ratings - " if synthetic else "") + title, pairs.pair_id,
                     ylabel=f"mean {'SYNTHETIC' if synthetic else 'human'} rating (min-max normalized)")
    notes = []
    human_norm = minmax(human)
    for k in range(len(pairs)):
        parts = [f"{layer} {minmax(values)[k]:.2f}" for (_, layer), values in list(scores.items())[:3]]
        who_k = f"{'synthetic' if synthetic else 'human'} {human[k]:.1f} ({human_norm[k]:.2f})"
        notes.append(who_k + "\n" + ", ".join(parts))
    save_sheet(pairs, out_dir / "sheet_scored.png", title=f"pairs with {who} mean rating (normalized) and model "
                                                          "similarity (min-max normalized)", notes=notes)
    log.info("wrote %s", out_dir / "comparison.md")
    return rows


# -------------------------------------------------------------------------------------- matrices and triplets
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
