"""Alignment importance end to end: features of a layer + human similarity -> tables, CV and figures.

Used by ``python -m siamese.human ais`` and by the ``AlignmentImportance`` callback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from siamese.human.ais import HumanPairs, MapTerms, alignment_importance, prune_by_ais
from siamese.human.ais_cv import cross_validate
from siamese.human.ais_maps import ais_bar_figure, ais_heatmaps, heatmap_figure, per_image_alignment
from siamese.human.formats import csv_text, write_text_atomic


@dataclass
class AlignmentData:
    """Images (uint8, for display), the human similarity over their pairs, and a label for outputs."""

    images: np.ndarray
    human: HumanPairs
    synthetic: bool = False


def from_pair_set(pairs, ratings) -> AlignmentData:
    """Rated pairs: image 2p is pair p's first image and 2p+1 its second; h_p = mean rating (unrated pairs dropped).
    Alignment is Pearson over pairs."""
    mean = ratings.mean()
    keep = np.flatnonzero(np.isfinite(mean))
    images = np.stack([pairs.images_a[keep], pairs.images_b[keep]], axis=1).reshape(-1, *pairs.images_a.shape[1:])
    index = np.arange(2 * len(keep)).reshape(-1, 2)
    return AlignmentData(images, HumanPairs(index, mean[keep], len(images), "pearson"))


def from_matrix(images: np.ndarray, similarity: np.ndarray) -> AlignmentData:
    """An image set with an N x N human similarity matrix (Spearman over the upper triangle)."""
    return AlignmentData(np.asarray(images), HumanPairs.from_matrix(similarity))


def summarize(features, human: HumanPairs, pooling: str = "flatten") -> dict:
    """AIS per map, S* on all pairs, rho of all maps and of S* (in-sample)."""
    terms = MapTerms.compute(features, human.pairs, pooling)
    ais, rho_all = alignment_importance(terms, human)
    pruned = prune_by_ais(terms, human, ais)
    return {"ais": ais, "rho_all": rho_all, "pruned": pruned, "terms": terms}


def write_report(features: torch.Tensor, data: AlignmentData, out_dir: str | Path, layer: str, repeats: int = 8,
                 seed: int = 0, pooling: str = "flatten", title: str = "") -> dict:
    """Writes ``ais.csv``/``ais.md`` (per map), ``cv.csv``/``cv.md`` (per repeat + summary), ``summary.json``,
    ``ais_bars.png`` and (for spatial maps) ``heatmaps.png``; returns the summary."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tag = " (SYNTHETIC human data)" if data.synthetic else ""
    result = summarize(features, data.human, pooling)
    ais, pruned = result["ais"], result["pruned"]
    rank = np.empty(len(ais), dtype=int)
    rank[pruned.order] = np.arange(1, len(ais) + 1)
    selected = set(pruned.selected.tolist())
    rows = [[k, f"{ais[k]:.6f}", rank[k], int(k in selected)] for k in range(len(ais))]
    write_text_atomic(out / "ais.csv", csv_text(["map", "ais", "rank", "in_selected"], rows))
    top = sorted(rows, key=lambda r: r[2])
    md = [f"# Alignment importance, layer {layer}{tag}", "",
          f"{len(ais)} maps, {len(data.human.values)} pairs, {data.human.method}; rho(all maps) = "
          f"{result['rho_all']:.4f}; rho(S*, in-sample) = {pruned.rho_selected:.4f} with |S*| = {len(selected)}", "",
          "| rank | map | AIS | in S* |", "|---|---|---|---|"] + [f"| {r[2]} | {r[0]} | {r[1]} | {'yes' if r[3] else ''} |"
                                                             for r in top]
    write_text_atomic(out / "ais.md", "\n".join(md) + "\n")

    cv = cross_validate(features, data.human, repeats=repeats, seed=seed, pooling=pooling)
    summary = {"layer": layer, "maps": len(ais), "pairs": len(data.human.values), "method": data.human.method,
               "rho_all_in_sample": result["rho_all"], "rho_selected_in_sample": pruned.rho_selected,
               "num_selected": len(selected), "synthetic": data.synthetic, **cv.summary()}
    cv_rows = [[r, f"{a:.6f}", f"{s:.6f}", n] for r, (a, s, n) in
               enumerate(zip(cv.rho_all, cv.rho_selected, cv.num_selected))]
    write_text_atomic(out / "cv.csv", csv_text(["repeat", "heldout_rho_all", "heldout_rho_selected", "num_selected"],
                                               cv_rows))
    write_text_atomic(out / "cv.md", "\n".join([
        f"# Cross-validated pruning, layer {layer}{tag}", "",
        f"{cv.summary()['repeats']} seeded 80:20 splits of the images (seed {seed}); S* chosen on the training part.", "",
        "| held-out rho, all maps | held-out rho, S* | gain (95% CI) | mean size of S* | paired t | p |",
        "|---|---|---|---|---|---|",
        f"| {summary['heldout_rho_all']:.4f} | {summary['heldout_rho_selected']:.4f} | {summary['gain']:+.4f} "
        f"[{summary['gain_ci_low']:+.4f}, {summary['gain_ci_high']:+.4f}] | {summary['mean_num_selected']:.1f} | "
        f"{summary['t']:.3f} | {summary['p']:.4g} |"]) + "\n")
    write_text_atomic(out / "summary.json", json.dumps(summary, indent=2))

    fig = ais_bar_figure(ais, pruned.selected, layer)
    fig.savefig(out / "ais_bars.png", dpi=120)
    plt.close(fig)
    if features.ndim == 4:
        mask = np.zeros((len(ais), 1))
        mask[pruned.selected, 0] = 1
        scores = per_image_alignment(result["terms"].similarity(mask)[:, 0], data.human)
        heat = ais_heatmaps(features, ais, data.images.shape[1:3])
        fig = heatmap_figure(data.images, heat, scores, title=f"AIS-weighted maps of {layer}{tag}")
        fig.savefig(out / "heatmaps.png", dpi=120)
        plt.close(fig)
    return summary
