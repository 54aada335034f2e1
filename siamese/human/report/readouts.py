"""What ``align-readout`` writes: the held-out table (CSV + Markdown), a figure, summary.json and the readouts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from siamese.human.compare.correlation import cell
from siamese.human.readouts.nested_cv import ReadoutCVResult
from siamese.utils.files import csv_text, save_figure_atomic, write_text_atomic

COLUMNS = ["method", "readout", "layers", "n_pairs", "r", "r_ci_low", "r_ci_high", "r_p", "rho", "rho_ci_low",
           "rho_ci_high", "rho_p", "gain_r", "gain_ci_low", "gain_ci_high",
           "fold_r_mean", "fold_r_sd", "chosen_reg", "normalization", "heldout"]


def readout_file_name(spec_name: str) -> str:
    return "readout_" + re.sub(r"[^A-Za-z0-9_.+-]+", "_", spec_name).strip("_") + ".npz"


def _gain(row) -> str:
    if not np.isfinite(row["gain_r"]):
        return "-"
    return f"{row['gain_r']:+.3f} [{row['gain_ci_low']:+.3f}, {row['gain_ci_high']:+.3f}]"


def write_readout_report(result: ReadoutCVResult, out_dir: str | Path, context: dict) -> dict:
    """``context``: ``model``, ``pairs``, ``ratings``, ``normalization`` (+ its description), ``synthetic``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    heldout = "pairs+images+raters" if result.heldout_raters else "pairs+images"
    for row in result.rows:
        row["normalization"], row["heldout"] = context["normalization"], heldout
    write_text_atomic(out / "readouts.csv", csv_text(COLUMNS + (["synthetic"] if context["synthetic"] else []),
                                                     [[row[c] for c in COLUMNS] + ([1] if context["synthetic"] else [])
                                                      for row in result.rows]))
    files = {}
    for name, readout in result.final.items():
        path = readout.save(out / readout_file_name(name), meta={
            "model": context["model"], "pairs": context["pairs"], "ratings": context["ratings"],
            "normalization": context["normalization"], "synthetic": context["synthetic"],
            "fitted_on": "all rated pairs", "reg_chosen_by": "image-grouped CV on those pairs"})
        files[name] = path.name
    c = result.ceiling
    tag = "SYNTHETIC ratings (generated, not given by people): " if context["synthetic"] else ""
    lines = [f"# Readout alignment, held-out{' (SYNTHETIC)' if context['synthetic'] else ''}", "",
             f"{tag}model {context['model']}, pairs {context['pairs']}, ratings {context['ratings']}; "
             f"{context['normalization_description']}.", "",
             f"{result.folds}-fold image-grouped cross-validation (pairs sharing an image stay in one fold): every "
             "readout is fitted on the training pairs only, its regularization chosen by nested image-grouped CV "
             "inside them; r is Pearson of the pooled held-out scores with the mean rating, 95% bootstrap CI over "
             "pairs; rho Spearman." + (f" Readouts fitted to raters {', '.join(result.raters_fit)}; scored "
                                       f"against raters {', '.join(result.raters_eval)}." if result.heldout_raters
                                       else ""), "",
             "| method | layers | held-out r [95% CI] | gain over frozen layer [paired 95% CI] | rho [95% CI] | "
             "mean fold r (sd) | reg per fold |",
             "|---|---|---|---|---|---|---|"]
    for row in result.rows:
        name = row["readout"] if row["method"] == "readout" else "frozen cosine"
        fold = "-" if not np.isfinite(row["fold_r_mean"]) else f"{row['fold_r_mean']:.3f} ({row['fold_r_sd']:.3f})"
        lines.append(f"| {name} | {row['layers']} | {cell(row['r'])} [{cell(row['r_ci_low'])}, "
                     f"{cell(row['r_ci_high'])}] | {_gain(row)} | {cell(row['rho'])} [{cell(row['rho_ci_low'])}, "
                     f"{cell(row['rho_ci_high'])}] | {fold} | {row['chosen_reg'] or '-'} |")
    lines += ["", f"Noise ceiling ({context['normalization']} ratings): leave-one-out r {cell(c['ceiling_loo_r'])} "
                  f"[{cell(c['ceiling_loo_ci_low'])}, {cell(c['ceiling_loo_ci_high'])}], split-half "
                  f"(Spearman-Brown) {cell(c['ceiling_split_half_r'])}."
              + (f" Mean of the fitting raters vs mean of the held-out raters: r {cell(c['rater_half_r'])}."
                 if "rater_half_r" in c else ""), ""]
    if files:
        lines += ["Readouts fitted on all rated pairs (for `eval --readout FILE`): "
                  + ", ".join(f"`{f}`" for f in files.values()), ""]
    write_text_atomic(out / "readouts.md", "\n".join(lines))
    summary = {"synthetic": context["synthetic"], "normalization": context["normalization"], "heldout": heldout,
               "model": context["model"], "pairs": context["pairs"], "ratings": context["ratings"],
               "folds": result.folds, "raters_fit": result.raters_fit, "raters_eval": result.raters_eval,
               **c, "rows": result.rows, "readout_files": files}
    write_text_atomic(out / "summary.json", json.dumps(summary, indent=2, default=float) + "\n")
    _figure(result, out / "readouts.png", context)
    return summary


def _figure(result: ReadoutCVResult, path: Path, context: dict) -> None:
    """Held-out r with its 95% CI per row, the leave-one-out ceiling as a band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result.rows
    labels = [("frozen " if r["method"] != "readout" else r["readout"].replace("_", " ") + " ") + r["layers"]
              for r in rows]
    labels = [label if len(label) < 40 else label[:37] + "..." for label in labels]
    r = np.array([row["r"] for row in rows])
    low, high = np.array([row["r_ci_low"] for row in rows]), np.array([row["r_ci_high"] for row in rows])
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(rows) + 1.5), dpi=120)
    y = np.arange(len(rows))
    colors = ["0.6" if row["method"] != "readout" else "tab:blue" for row in rows]
    ax.barh(y, r, xerr=[r - low, high - r], color=colors, capsize=2)
    c = result.ceiling
    ax.axvspan(c["ceiling_loo_ci_low"], c["ceiling_loo_ci_high"], color="tab:orange", alpha=0.2)
    ax.axvline(c["ceiling_loo_r"], color="tab:orange", lw=1, label="noise ceiling (leave-one-out, 95% CI)")
    ax.set_yticks(y, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(f"held-out Pearson r ({context['normalization']} ratings)")
    ax.set_title(("SYNTHETIC - " if context["synthetic"] else "") + f"readouts of {context['model']}", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    save_figure_atomic(fig, path)
    plt.close(fig)
