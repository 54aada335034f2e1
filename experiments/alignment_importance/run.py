"""Study: alignment importance of conv2 in the digit classifier and in a Siamese embedding net.

    python experiments/alignment_importance/run.py --classifier-ckpt CLS.ckpt --siamese-ckpt SIAM.ckpt \
        [--ratings RATINGS.csv] [--pairs DIR]

Without --pairs, 100 within-digit pairs of 8s (MNIST test, seed 0) are made in ``pairs_8/``. Without --ratings,
SYNTHETIC ratings (pixel cosine + noise, 4 simulated raters; no person gave them) are written there and every
output is marked SYNTHETIC. Writes ``<model>/`` reports (``python -m siamese.human ais``) and ``results.md``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from siamese.human.__main__ import main as human_main
from siamese.human.collect.pairs import make_pairs
from siamese.human.compare.synthetic import synthetic_ratings
from siamese.human.io.pair_set import load_pair_set

HERE = Path(__file__).resolve().parent


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--classifier-ckpt", required=True, help="python train.py task=classify")
    parser.add_argument("--siamese-ckpt", required=True, help="a Siamese run of python train.py (e.g. the default)")
    parser.add_argument("--pairs", default=str(HERE / "pairs_8"))
    parser.add_argument("--ratings")
    parser.add_argument("--layer", default="conv2")
    parser.add_argument("--repeats", type=int, default=8)
    args = parser.parse_args(argv)

    pairs_dir = Path(args.pairs)
    if not (pairs_dir / "pairs.csv").exists() and not (pairs_dir / "pairs.npz").exists():
        make_pairs(pairs_dir, n=100, digit=8, seed=0)
    ratings = args.ratings or str(synthetic_ratings(load_pair_set(pairs_dir), pairs_dir / "ratings_synthetic.csv",
                                                    4, 1.0, 0))
    rows = []
    for name, ckpt in (("classifier", args.classifier_ckpt), ("siamese", args.siamese_ckpt)):
        out = HERE / name
        code = human_main(["ais", "--ckpt", ckpt, "--layer", args.layer, "--pairs", str(pairs_dir),
                           "--ratings", ratings, "--repeats", str(args.repeats), "--out", str(out)])
        if code:
            raise SystemExit(code)
        rows.append((name, json.loads((out / "summary.json").read_text())))
    synthetic = any(s["synthetic"] for _, s in rows)  # the ratings file says so (its ``synthetic`` column)
    tag = " on SYNTHETIC ratings (pixel cosine + noise; not people)" if synthetic else ""
    lines = [f"# Alignment importance of {args.layer}{tag}", "",
             "| model | maps | pairs | held-out rho, all maps | held-out rho, S* | gain [95% CI] | paired t p "
             "| mean S* size |",
             "|---|---|---|---|---|---|---|---|"]
    for name, s in rows:
        lines.append(f"| {name} | {s['maps']} | {s['pairs']} | {s['heldout_rho_all']:.3f} | "
                     f"{s['heldout_rho_selected']:.3f} | {s['gain']:+.3f} [{s['gain_ci_low']:+.3f}, "
                     f"{s['gain_ci_high']:+.3f}] | {s['p']:.3g} | {s['mean_num_selected']:.1f} |")
    (HERE / "results_table.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
