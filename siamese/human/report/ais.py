"""Alignment importance end to end: features of a layer + human similarity -> tables, CV and figures.

Used by ``python -m siamese.human ais`` (the callback logs the same numbers through ``core.summarize``).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from siamese.human.ais.core import summarize
from siamese.human.ais.data import human_pairs
from siamese.human.ais.held_out import cross_validate
from siamese.human.ais.maps import (
    ais_bar_figure,
    ais_heatmaps,
    heatmap_figure,
    per_image_alignment,
    receptive_fields,
)
from siamese.human.compare.undefined import correlation_undefined
from siamese.human.io.judgments import Judgments
from siamese.utils.files import csv_text, save_figure_atomic, write_text_atomic


def write_report(features: torch.Tensor, judgments: Judgments, out_dir: str | Path, layer: str, repeats: int = 8,
                 seed: int = 0, pooling: str = "flatten", title: str = "", probe=None) -> dict:
    """Writes ``ais.csv``/``ais.md`` (per map), ``cv.csv``/``cv.md`` (per repeat + summary), ``summary.json``,
    ``ais_bars.png`` and (for spatial maps) ``heatmaps.png``; returns the summary. ``probe(images uint8) ->
    features`` (the analysed layer of the net) lets the heatmaps place each map cell on the pixels it sees
    (``receptive_fields``); without it they upsample. ``features`` are those of ``judgments.images``."""
    human = human_pairs(judgments)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tag = " (SYNTHETIC human data)" if judgments.synthetic else ""
    result = summarize(features, human, pooling)
    ais, pruned = result["ais"], result["pruned"]
    note = "" if np.isfinite(result["rho_all"]) else "rho " + correlation_undefined(
        result["terms"].similarity(np.ones((len(ais), 1)))[:, 0], human.values, f"the similarity of {layer}")
    rank = np.empty(len(ais), dtype=int)
    rank[pruned.order] = np.arange(1, len(ais) + 1)
    selected = set(pruned.selected.tolist())
    rows = [[k, f"{ais[k]:.6f}", rank[k], int(k in selected)] for k in range(len(ais))]
    write_text_atomic(out / "ais.csv", csv_text(["map", "ais", "rank", "in_selected"], rows))
    top = sorted(rows, key=lambda r: r[2])
    md = [f"# Alignment importance, layer {layer}{tag}", "",
          f"{len(ais)} maps, {len(human.values)} pairs, {human.method}, rater normalization "
          f"{judgments.normalization}; rho(all maps) = "
          f"{result['rho_all']:.4f}; rho(S*, in-sample) = {pruned.rho_selected:.4f} with |S*| = {len(selected)}", "",
          *([f"Why nan: {note}", ""] if note else []),
          "| rank | map | AIS | in S* |", "|---|---|---|---|"]
    md += [f"| {r[2]} | {r[0]} | {r[1]} | {'yes' if r[3] else ''} |" for r in top]
    write_text_atomic(out / "ais.md", "\n".join(md) + "\n")

    cv = cross_validate(features, human, repeats=repeats, seed=seed, pooling=pooling)
    summary = {"layer": layer, "maps": len(ais), "pairs": len(human.values), "method": human.method,
               "rho_all_in_sample": result["rho_all"], "rho_selected_in_sample": pruned.rho_selected,
               "num_selected": len(selected), "synthetic": judgments.synthetic,
               "normalization": judgments.normalization,
               **cv.summary(), "note": note}
    cv_rows = [[r, f"{a:.6f}", f"{s:.6f}", n] for r, (a, s, n) in
               enumerate(zip(cv.rho_all, cv.rho_selected, cv.num_selected))]
    write_text_atomic(out / "cv.csv", csv_text(["repeat", "heldout_rho_all", "heldout_rho_selected", "num_selected"],
                                               cv_rows))
    write_text_atomic(out / "cv.md", "\n".join([
        f"# Cross-validated pruning, layer {layer}{tag}", "",
        f"{cv.summary()['repeats']} seeded 80:20 splits of the images (seed {seed}); S* chosen on the training part.",
        "",
        "| held-out rho, all maps | held-out rho, S* | gain (95% CI) | mean size of S* | paired t | p |",
        "|---|---|---|---|---|---|",
        f"| {summary['heldout_rho_all']:.4f} | {summary['heldout_rho_selected']:.4f} | {summary['gain']:+.4f} "
        f"[{summary['gain_ci_low']:+.4f}, {summary['gain_ci_high']:+.4f}] | {summary['mean_num_selected']:.1f} | "
        f"{summary['t']:.3f} | {summary['p']:.4g} |"]) + "\n")
    write_text_atomic(out / "summary.json", json.dumps(summary, indent=2))

    fig = ais_bar_figure(ais, pruned.selected, layer)
    save_figure_atomic(fig, out / "ais_bars.png", dpi=120)
    plt.close(fig)
    if features.ndim == 4:
        mask = np.zeros((len(ais), 1))
        mask[pruned.selected, 0] = 1
        scores = per_image_alignment(result["terms"].similarity(mask)[:, 0], human)
        fields = None
        if probe is not None:  # where each map cell looks, so its value lands on the pixels it sees
            fields = receptive_fields(probe, np.rint(judgments.images.mean(axis=0)).astype(np.uint8))
        heat = ais_heatmaps(features, ais, judgments.images.shape[1:3], fields=fields)
        fig = heatmap_figure(judgments.images, heat, scores, title=f"AIS-weighted maps of {layer}{tag}")
        save_figure_atomic(fig, out / "heatmaps.png", dpi=120)
        plt.close(fig)
    return summary
