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
from siamese.human.compare.undefined import ceiling_undefined, correlation_undefined
from siamese.human.io.pair_set import PairSet
from siamese.human.io.ratings import Ratings
from siamese.utils.files import csv_text, write_text_atomic

log = logging.getLogger(__name__)

COLUMNS = ["model", "layer", "n_pairs", "r", "r_ci_low", "r_ci_high", "r_p", "rho", "rho_ci_low", "rho_ci_high",
           "rho_p", "ceiling_loo_r", "ceiling_split_half_r", "normalization", "synthetic", "note"]
SYNTHETIC_BANNER = "**SYNTHETIC RATINGS: generated, not given by people.**\n\n"


def noise_ceiling(ratings: Ratings) -> dict[str, float]:
    """Pearson noise ceilings of the raters: mean leave-one-out r and the Spearman-Brown split-half r."""
    loo, _ = leave_one_out_ceiling(ratings.matrix, "pearson")
    _, corrected = split_half_ceiling(ratings.matrix, "pearson")
    return {"ceiling_loo_r": loo, "ceiling_split_half_r": corrected}


def check_usable(ratings: Ratings, source: str = "the ratings", minimum: int = 3) -> None:
    """Refuse ratings that cannot give a correlation (the table would be all NaN): fewer than ``minimum`` pairs
    with a rating, or the same mean rating on every rated pair. ``source`` (the file) is named in the message."""
    human = ratings.mean()
    rated = np.isfinite(human)
    if rated.sum() < minimum:
        raise ValueError(f"{source}: {int(rated.sum())} of {len(human)} pairs have a rating; a correlation needs at "
                         f"least {minimum} rated pairs (do the pair_id values match the pair set?)")
    if np.ptp(human[rated]) == 0:
        raise ValueError(f"{source}: every rated pair has the same mean rating ({human[rated][0]:g}); a correlation "
                         "with constant ratings is undefined")


def comparison_table(scores: dict[tuple[str, str], np.ndarray], ratings: Ratings, n_boot: int = 2000,
                     n_perm: int = 5000, seed: int = 0) -> list[dict]:
    """One row per (model, layer): ``compare``'s r and rho, the noise ceilings and a ``note`` saying why any of
    them is NaN (``siamese.human.compare.undefined``; '' when all are defined)."""
    human = ratings.mean()
    ceiling = noise_ceiling(ratings)
    ceiling_note = ""
    if not all(np.isfinite(v) for v in ceiling.values()):
        ceiling_note = "noise ceiling " + (ceiling_undefined(ratings.matrix, ratings.raters) or "undefined")
    rows = []
    for (model, layer), values in scores.items():
        row = {"model": model, "layer": layer, **compare(values, human, n_boot, n_perm, seed), **ceiling}
        r_note = (f"r and rho {correlation_undefined(values, human, f'the similarity of {layer}')}"
                  if not (np.isfinite(row["r"]) and np.isfinite(row["rho"])) else "")
        rows.append({**row, "note": "; ".join(n for n in (r_note, ceiling_note) if n), "r_note": r_note,
                     "ceiling_note": ceiling_note})
    return rows


def _describe_normalization(ratings: Ratings) -> str:
    describe = getattr(ratings, "describe", None)
    return describe() if describe else "rater normalization: none (raw ratings)"


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
    notes = [f"- {row['model']} / {row['layer']}: {row['r_note']}" for row in rows if row.get("r_note")]
    notes += list(dict.fromkeys(f"- {row['ceiling_note']}" for row in rows if row.get("ceiling_note")))
    return (SYNTHETIC_BANNER if synthetic else "") + "\n".join(lines) + "\n" + (
        "\nWhy nan:\n" + "\n".join(notes) + "\n" if notes else "")


def evaluate(pairs: PairSet, ratings: Ratings, out_dir: str | Path, ckpt=None, layers=None, baselines=(),
             classifier_ckpt=None, n_boot: int = 2000, n_perm: int = 5000, seed: int = 0,
             extra_scores: dict[tuple[str, str], np.ndarray] | None = None) -> list[dict]:
    """Write ``comparison.csv``, ``comparison.md``, ``scatter_<model>_<layer>.png`` and ``sheet_scored.png``.

    ``ratings`` may be normalized per rater (``normalize_ratings``): the human score, the ceilings and every
    output then use and name that normalization. ``extra_scores`` (``{(model, layer): similarity per pair}``,
    e.g. fitted readouts) are reported beside the checkpoint's layers and the baselines.

    When the ratings or the pair set are marked SYNTHETIC in their files (``Ratings.synthetic``,
    ``PairSet.synthetic``), every output says so."""
    synthetic = ratings.synthetic or pairs.synthetic
    check_usable(ratings)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    scores = model_scores(pairs, ckpt, layers, baselines, classifier_ckpt, seed)
    scores.update(extra_scores or {})
    if not scores:
        raise ValueError("nothing to evaluate: give --ckpt and/or --baselines")
    normalization = getattr(ratings, "normalization", "none")
    rows = [{**row, "normalization": normalization, "synthetic": int(synthetic)}
            for row in comparison_table(scores, ratings, n_boot, n_perm, seed)]
    write_text_atomic(out_dir / "comparison.csv", csv_text(COLUMNS, [[row[c] for c in COLUMNS] for row in rows]))
    who = "SYNTHETIC ratings (not from people)" if synthetic else "human"
    summary = (SYNTHETIC_BANNER if synthetic else "") + (
               f"{len(pairs)} pairs, {len(ratings.raters)} raters, {int(ratings.counts().sum())} ratings "
               f"(scale {ratings.scale[0]:g}-{ratings.scale[1]:g}; {_describe_normalization(ratings)}). Model "
               f"similarity: cosine of flattened "
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


def triplet_scores(model_matrix, triplets) -> np.ndarray:
    """Per triplet ``(anchor, a, b, chosen)``: 1 where the model finds the chosen image more similar to the anchor
    than the other one, 0.5 on a tie, else 0."""
    model_matrix = np.asarray(model_matrix)
    if not triplets:
        raise ValueError("no triplets to score")
    scores = []
    for anchor, a, b, chosen in triplets:
        other = b if chosen == a else a
        s_chosen, s_other = model_matrix[anchor, chosen], model_matrix[anchor, other]
        scores.append(1.0 if s_chosen > s_other else 0.5 if s_chosen == s_other else 0.0)
    return np.asarray(scores)


def triplet_agreement(model_matrix, triplets) -> float:
    """Fraction of triplets ``(anchor, a, b, chosen)`` where the model finds the chosen image more similar to the
    anchor than the other one (ties count half)."""
    return float(triplet_scores(model_matrix, triplets).mean())


def _percentiles(values, level: float) -> tuple[float, float]:
    values = np.asarray([v for v in values if np.isfinite(v)])
    if not len(values):
        return float("nan"), float("nan")
    tail = (1 - level) / 2 * 100
    return float(np.percentile(values, tail)), float(np.percentile(values, 100 - tail))


def matrix_agreement_ci(model_matrix, human_matrix, n_boot: int = 2000, level: float = 0.95,
                        seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap CI of ``matrix_agreement`` over images (the units; pairs of one image are not
    independent): draw N images with replacement, take the upper-triangle pairs of two different images among
    the draws, Spearman of model vs human on them; ``n_boot`` draws."""
    model_matrix, human_matrix = np.asarray(model_matrix), np.asarray(human_matrix)
    matrix_agreement(model_matrix, human_matrix)  # shape checks
    if n_boot < 1:
        raise ValueError(f"n_boot must be >= 1, got {n_boot}")
    rng, n = np.random.default_rng(seed), len(model_matrix)
    upper = np.triu_indices(n, k=1)
    values = []
    for _ in range(n_boot):
        pick = rng.integers(0, n, size=n)
        i, j = pick[upper[0]], pick[upper[1]]
        keep = i != j
        values.append(spearman(model_matrix[i[keep], j[keep]], human_matrix[i[keep], j[keep]]))
    return _percentiles(values, level)


def triplet_agreement_ci(model_matrix, triplets, n_boot: int = 2000, level: float = 0.95,
                         seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap CI of ``triplet_agreement`` over triplets (``n_boot`` resamples with replacement)."""
    if n_boot < 1:
        raise ValueError(f"n_boot must be >= 1, got {n_boot}")
    scores = triplet_scores(model_matrix, triplets)
    picks = np.random.default_rng(seed).integers(0, len(scores), size=(n_boot, len(scores)))
    return _percentiles(scores[picks].mean(axis=1), level)
