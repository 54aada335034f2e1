"""``python -m siamese.human export-rdms``: rated pairs and a model's layers as rsatoolbox RDMs (HDF5), read back,
with rsatoolbox's comparisons and noise ceiling beside the project's (docs/odd_one_out.md)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from siamese.models.source_arguments import add_source_arguments, source_from_args

HELP = "write rated pairs and model similarity as rsatoolbox RDMs (HDF5) and compare with rsatoolbox"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser)
    parser.add_argument("--pairs", required=True, help="pair set directory (pairs.npz or pairs.csv)")
    parser.add_argument("--ratings", help="ratings.csv (default <pairs>/ratings.csv)")
    parser.add_argument("--scale", type=float, nargs=2, default=(1, 10), metavar=("LOW", "HIGH"))
    parser.add_argument("--layers", nargs="+", help="layers of --model (default: all)")
    parser.add_argument("--out", help="output directory (default: <pairs>/rdms)")


def rows_for(judgments, model, layers) -> list[tuple[str, str, object]]:
    """``(model name, layer, per-pair cosine)`` for pixels and each layer of ``model``."""
    from siamese.human.compare.similarity import layer_similarity, pixel_similarity

    out = [("pixels", "pixels", pixel_similarity(judgments.images_a, judgments.images_b))]
    if model is not None:
        sims = layer_similarity(model, judgments.images_a, judgments.images_b, layers)
        out += [(model.name, layer, values) for layer, values in sims.items()]
    return out


def comparison_table(judgments, sources) -> tuple[str, list[dict]]:
    """rsatoolbox's numbers (``rsatoolbox_scores``) beside the project's r and leave-one-out ceiling, as markdown
    and rows."""
    import numpy as np

    from siamese.human.compare.rsa import human_rdms, model_rdm, rsatoolbox_scores
    from siamese.human.compare.stats import leave_one_out_ceiling, pearson

    human = human_rdms(judgments)
    mean = judgments.mean()
    loo, _ = leave_one_out_ceiling(judgments.ratings)
    rows = []
    for name, layer, s in sources:
        keep = np.isfinite(mean)
        rows.append({"model": name, "layer": layer, "r": pearson(np.asarray(s)[keep], mean[keep]),
                     "ceiling_loo_r": loo, **rsatoolbox_scores(model_rdm(s, judgments, name), human)})
    lines = ["| model | layer | r (project) | rsa corr | rsa rho-a | rsa tau-a | loo ceiling (project) | "
             "rsa corr ceiling | rsa rho-a ceiling | rsa tau-a ceiling |", "|---|---|---|---|---|---|---|---|---|---|"]
    bound = lambda r, m: f"{r[f'rsa_{m}_ceiling_lower']:.3f} - {r[f'rsa_{m}_ceiling_upper']:.3f}"  # noqa: E731
    for r in rows:
        lines.append(f"| {r['model']} | {r['layer']} | {r['r']:.3f} | {r['rsa_corr']:.3f} | {r['rsa_rho_a']:.3f} | "
                     f"{r['rsa_tau_a']:.3f} | {r['ceiling_loo_r']:.3f} | {bound(r, 'corr')} | {bound(r, 'rho_a')} | "
                     f"{bound(r, 'tau_a')} |")
    note = (f"\nrsa columns: rsatoolbox on the {rows[0]['rsa_complete_pairs']} image pairs every rater rated, mean "
            "over raters of compare(model, rater); ceilings: rsatoolbox.inference.boot_noise_ceiling (lower - upper). "
            "r (project): Pearson with the mean rating over all rated pairs; loo ceiling: each rater vs the mean of "
            "the others.")
    return ("SYNTHETIC ratings\n\n" if judgments.synthetic else "") + "\n".join(lines) + note, rows


def write_comparison(judgments, sources, out: Path, stem: str = "rsatoolbox") -> str:
    """Write ``<stem>.md`` and ``<stem>.json`` of ``comparison_table`` into ``out``; returns the markdown."""
    from siamese.utils.files import write_text_atomic

    text, rows = comparison_table(judgments, sources)
    Path(out).mkdir(parents=True, exist_ok=True)
    write_text_atomic(Path(out) / f"{stem}.md", text + "\n")
    write_text_atomic(Path(out) / f"{stem}.json", json.dumps(rows, indent=1, default=float))
    return text + f"\nwrote {Path(out) / stem}.md, .json"


def run(args) -> int:
    import numpy as np

    from siamese.human.compare.rsa import human_rdms, load_rdms, model_rdm, save_rdms
    from siamese.human.io.read import read_pairs

    judgments = read_pairs(args.pairs, args.ratings, tuple(args.scale))
    if judgments.ratings is None:
        raise ValueError(f"{args.pairs}: no ratings (give --ratings FILE)")
    out = Path(args.out or Path(args.pairs) / "rdms")
    sources = rows_for(judgments, source_from_args(args), args.layers)
    written = {"human.hdf5": human_rdms(judgments)}
    written.update({f"{name}_{layer}.hdf5".replace("/", "_"): model_rdm(s, judgments, f"{name}:{layer}")
                    for name, layer, s in sources})
    for file, rdms in written.items():
        back = load_rdms(save_rdms(rdms, out / file))
        if not np.array_equal(back.get_vectors(), rdms.get_vectors(), equal_nan=True):
            raise RuntimeError(f"{out / file} did not read back identical")
    print(write_comparison(judgments, sources, out, "comparison"))
    print(f"wrote {len(written)} RDM files (read back identical) and comparison.md/json to {out}")
    return 0
