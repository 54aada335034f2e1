"""Human-similarity correlation: how well a model's similarity of image pairs follows people's judgments.

For rated pairs (``evaluate``): Pearson r and Spearman rho of the model's similarity per pair against the mean
rating per pair, with BCa bootstrap CIs (over images where pairs share images, else over pairs), permutation
p-values and the raters' noise ceiling; written as a table (CSV + Markdown), scatter plots and an annotated sheet.
For an image set: Spearman of the two similarity matrices' upper triangles (``matrix_agreement``) and the share of
2AFC triplets where the model picks what people picked (``triplet_agreement``), each with a bootstrap CI.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from siamese.human.compare.baselines import model_scores
from siamese.human.compare.figures import save_sheet, scatter_plot
from siamese.human.compare.stats import (
    bootstrap_ci,
    compare,
    leave_one_out_ceiling,
    minmax,
    spearman,
    split_half_ceiling,
    unit_bootstrap_ci,
)
from siamese.human.compare.undefined import ceiling_undefined, correlation_undefined
from siamese.human.io.judgments import Judgments
from siamese.utils.files import csv_text, write_text_atomic

log = logging.getLogger(__name__)

COLUMNS = ["model", "layer", "n_pairs", "r", "r_ci_low", "r_ci_high", "r_p", "rho", "rho_ci_low", "rho_ci_high",
           "rho_p", "ceiling_loo_r", "ceiling_split_half_r", "normalization", "synthetic", "note"]
SHEET_MAX_PAIRS = 48  # pairs on sheet_scored.png
SYNTHETIC_BANNER = "**SYNTHETIC RATINGS: generated, not given by people.**\n\n"


def noise_ceiling(judgments: Judgments) -> dict[str, float]:
    """Pearson noise ceilings of the raters: mean leave-one-out r and the Spearman-Brown split-half r."""
    loo, _ = leave_one_out_ceiling(judgments.ratings, "pearson")
    _, corrected = split_half_ceiling(judgments.ratings, "pearson")
    return {"ceiling_loo_r": loo, "ceiling_split_half_r": corrected}


def check_usable(judgments: Judgments, source: str = "the ratings", minimum: int = 3) -> None:
    """Refuse ratings that cannot give a correlation (the table would be all NaN): fewer than ``minimum`` pairs
    with a rating, or the same mean rating on every rated pair. ``source`` (the file) is named in the message."""
    human = judgments.mean()
    rated = np.isfinite(human)
    if rated.sum() < minimum:
        raise ValueError(f"{source}: {int(rated.sum())} of {len(human)} pairs have a rating; a correlation needs at "
                         f"least {minimum} rated pairs (do the pair_id values match the pair set?)")
    if np.ptp(human[rated]) == 0:
        raise ValueError(f"{source}: every rated pair has the same mean rating ({human[rated][0]:g}); a correlation "
                         "with constant ratings is undefined")


def comparison_table(scores: dict[tuple[str, str], np.ndarray], judgments: Judgments, n_boot: int = 2000,
                     n_perm: int = 5000, seed: int = 0) -> list[dict]:
    """One row per ``(model, layer)`` of ``scores`` (similarity per pair): ``compare`` of it against the mean
    rating, resampling images where the pairs share them, beside the noise ceiling, and a ``note`` saying why any
    of them is NaN (``siamese.human.compare.undefined``; '' when all are defined)."""
    human = judgments.mean()
    ceiling = noise_ceiling(judgments)
    ceiling_note = ""
    if not all(np.isfinite(v) for v in ceiling.values()):
        ceiling_note = "noise ceiling " + (ceiling_undefined(judgments.ratings, judgments.raters) or "undefined")
    rows = []
    for (model, layer), values in scores.items():
        row = {"model": model, "layer": layer, **compare(values, human, n_boot, n_perm, seed, judgments.pairs),
               **ceiling}
        r_note = (f"r and rho {correlation_undefined(values, human, f'the similarity of {layer}')}"
                  if not (np.isfinite(row["r"]) and np.isfinite(row["rho"])) else "")
        rows.append({**row, "note": "; ".join(n for n in (r_note, ceiling_note) if n), "r_note": r_note,
                     "ceiling_note": ceiling_note})
    return rows


def cell(value) -> str:
    """One table cell of every human report: text and integers as they are, a number to 3 decimals, ``nan`` for a
    missing one (None or not finite)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, np.integer)):
        return str(value)
    return "nan" if value is None or not np.isfinite(value) else f"{value:.3f}"


def markdown_table(rows: list[dict], banner: bool = True) -> str:
    """The comparison as a Markdown table; rows of SYNTHETIC data (``row['synthetic']``) put the SYNTHETIC banner
    above it (unless ``banner`` is False, for a caller that writes the banner itself)."""
    header = ("| model | layer | pairs | r [95% CI] | p(r) | rho [95% CI] | p(rho) | ceiling r (LOO) "
              "| ceiling r (split-half SB) |")
    lines = [header, "|" + "---|" * 9]
    for row in rows:
        lines.append(f"| {row['model']} | {row['layer']} | {row['n_pairs']} | {cell(row['r'])} "
                     f"[{cell(row['r_ci_low'])}, {cell(row['r_ci_high'])}] | {row['r_p']:.4f} | {cell(row['rho'])} "
                     f"[{cell(row['rho_ci_low'])}, {cell(row['rho_ci_high'])}] | {row['rho_p']:.4f} | "
                     f"{cell(row['ceiling_loo_r'])} | {cell(row['ceiling_split_half_r'])} |")
    synthetic = banner and any(row.get("synthetic") for row in rows)
    notes = [f"- {row['model']} / {row['layer']}: {row['r_note']}" for row in rows if row.get("r_note")]
    notes += list(dict.fromkeys(f"- {row['ceiling_note']}" for row in rows if row.get("ceiling_note")))
    return (SYNTHETIC_BANNER if synthetic else "") + "\n".join(lines) + "\n" + (
        "\nWhy nan:\n" + "\n".join(notes) + "\n" if notes else "")


def sheet_rows(human, most: int = SHEET_MAX_PAIRS) -> np.ndarray:
    """The pairs the scored sheet shows: all up to ``most``, else ``most`` spread evenly over the mean rating's
    order (lowest to highest; unrated pairs last). A sheet of every pair took minutes at 1,000 pairs."""
    if len(human) <= most:
        return np.arange(len(human))
    order = np.argsort(np.where(np.isnan(human), np.inf, human), kind="stable")
    return order[np.unique(np.linspace(0, len(order) - 1, most).round().astype(int))]


def evaluate(judgments: Judgments, out_dir: str | Path, ckpt=None, layers=None, baselines=(),
             classifier_ckpt=None, n_boot: int = 2000, n_perm: int = 5000, seed: int = 0,
             extra_scores: dict[tuple[str, str], np.ndarray] | None = None) -> list[dict]:
    """Write ``comparison.csv``, ``comparison.md``, ``scatter_<model>_<layer>.png`` and ``sheet_scored.png``.

    The ratings may be normalized per rater (``normalize_ratings``): the human score, the ceilings and every
    output then use and name that normalization. ``extra_scores`` (``{(model, layer): similarity per pair}``,
    e.g. fitted readouts) are reported beside the checkpoint's layers and the baselines. SYNTHETIC judgments
    (``Judgments.synthetic``) say so in every output."""
    synthetic = judgments.synthetic
    check_usable(judgments)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    scores = model_scores(judgments, ckpt, layers, baselines, classifier_ckpt, seed)
    scores.update(extra_scores or {})
    if not scores:
        raise ValueError("nothing to evaluate: give ckpt and/or baselines")
    rows = [{**row, "normalization": judgments.normalization, "synthetic": int(synthetic)}
            for row in comparison_table(scores, judgments, n_boot, n_perm, seed)]
    write_text_atomic(out_dir / "comparison.csv", csv_text(COLUMNS, [[row[c] for c in COLUMNS] for row in rows]))
    who = "SYNTHETIC ratings (not from people)" if synthetic else "human"
    summary = (SYNTHETIC_BANNER if synthetic else "") + (
               f"{len(judgments)} pairs, {len(judgments.raters)} raters, {int(judgments.counts().sum())} ratings "
               f"(scale {judgments.scale[0]:g}-{judgments.scale[1]:g}; {judgments.describe()}). Model "
               f"similarity: cosine of flattened "
               f"activations. r: Pearson, rho: Spearman, with BCa bootstrap 95% CIs (over images where pairs "
               f"share images, else over pairs) and two-sided "
               f"permutation p-values. Noise ceiling (Pearson): each rater vs the mean of the others, and "
               f"split-half with Spearman-Brown.\n\n")
    write_text_atomic(out_dir / "comparison.md", summary + markdown_table(rows, banner=False))
    human = judgments.mean()
    for (model, layer), values in scores.items():
        row = next(r for r in rows if r["model"] == model and r["layer"] == layer)
        title = f"{model} / {layer}: r = {row['r']:.2f}, rho = {row['rho']:.2f} (n = {row['n_pairs']})"
        scatter_plot(values, human, out_dir / f"scatter_{model}_{layer}.png",
                     ("SYNTHETIC ratings - " if synthetic else "") + title, judgments.pair_id,
                     ylabel=f"mean {'SYNTHETIC' if synthetic else 'human'} rating (min-max normalized)")
    notes = []
    human_norm = minmax(human)
    shown = list(scores.items())[:3]
    normalized = [minmax(values) for _, values in shown]
    rows_shown = sheet_rows(human)
    for k in rows_shown:
        parts = [f"{layer} {values[k]:.2f}" for ((_, layer), _), values in zip(shown, normalized)]
        who_k = f"{'synthetic' if synthetic else 'human'} {human[k]:.1f} ({human_norm[k]:.2f})"
        notes.append(who_k + "\n" + ", ".join(parts))
    some = "" if len(rows_shown) == len(judgments) else f"{len(rows_shown)} of {len(judgments)} "
    save_sheet(judgments.subset_pairs(rows_shown), out_dir / "sheet_scored.png",
               title=f"{some}pairs with {who} mean rating (normalized) and model similarity (min-max normalized)",
               notes=notes)
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


def triplet_scores(model_matrix, triplets) -> np.ndarray:
    """Per triplet ``(anchor, a, b, chosen)`` (rows of ``TripletAnswers.rows()`` of 2AFC answers): 1 where the model
    finds the chosen image more similar to the anchor than the other one, 0.5 on a tie, else 0."""
    model_matrix = np.asarray(model_matrix)
    triplets = np.asarray(triplets, dtype=np.int64).reshape(-1, 4)
    if not len(triplets):
        raise ValueError("no triplets to score")
    anchor, a, b, chosen = triplets.T
    other = np.where(chosen == a, b, a)
    s_chosen, s_other = model_matrix[anchor, chosen], model_matrix[anchor, other]
    return np.where(s_chosen > s_other, 1.0, np.where(s_chosen == s_other, 0.5, 0.0))


def triplet_agreement(model_matrix, triplets) -> float:
    """Fraction of triplets ``(anchor, a, b, chosen)`` where the model finds the chosen image more similar to the
    anchor than the other one (ties count half)."""
    return float(triplet_scores(model_matrix, triplets).mean())


def matrix_agreement_ci(model_matrix, human_matrix, n_boot: int = 2000, level: float = 0.95,
                        seed: int = 0) -> tuple[float, float]:
    """BCa bootstrap CI of ``matrix_agreement`` over images (the units; pairs of one image are not independent):
    ``bootstrap_ci`` of the upper triangles with their image positions, so each resample draws N images with
    replacement and keeps the pairs of two different drawn images, as often as they were drawn."""
    model_matrix, human_matrix = np.asarray(model_matrix), np.asarray(human_matrix)
    matrix_agreement(model_matrix, human_matrix)  # shape checks
    i, j = np.triu_indices(len(model_matrix), k=1)
    return bootstrap_ci(model_matrix[i, j], human_matrix[i, j], "spearman", n_boot, level, seed,
                        pairs=np.column_stack([i, j]))


def triplet_agreement_ci(model_matrix, triplets, n_boot: int = 2000, level: float = 0.95,
                         seed: int = 0) -> tuple[float, float]:
    """BCa bootstrap CI of ``triplet_agreement`` over triplets (``scipy.stats.bootstrap`` of the mean score)."""
    scores = triplet_scores(model_matrix, triplets)
    return unit_bootstrap_ci(lambda rows: scores[rows].mean(), len(scores), n_boot, level, seed)
