"""The human-alignment study in one command: which metric-learning set-up gives the most human-like within-digit
similarity with no human data, and what fine-tuning with the human objective adds on top (held-out) and costs.

    python experiments/human_aligned/run_study.py [--pairs DIR --ratings FILE] [--out DIR] [--quick] [grid options]

Without --pairs/--ratings a SYNTHETIC pair set is made in <out>/pairs: within-digit MNIST test pairs of several
digits rated by the hidden-observer benchmark (siamese.human.compare.observer, when this checkout has it) or else
by pixel cosine + noise; every output then says SYNTHETIC.

1. No human data (grid): loss x miner (random, knn, batch_hard; the graded loss goes with knn) x shift
   augmentation x embedding size x seeds, trained on all 10 digits; each run's pair similarity at --layers
   (cosine of activations) is correlated with the mean rating. No rating is used in training, so every pair is
   held out; the r of a set-up is the mean over its seeds, its 95% CI a bootstrap over pairs of that mean.
   Baselines: raw pixels and a classifier (task=classify) trained on the same images.
2. On top (part 3): `align-cv` fine-tuning, from the classifier (cross-entropy + human term) and from the best
   grid set-up's seed-0 checkpoint (its metric loss + human term): held-out r with CIs for start / without /
   with, and the cost in test precision@1 / accuracy. The best set-up is picked on the same pairs as its r
   (optimistic by selection; the fine-tuning numbers are held out).
3. On top (part 2, when this checkout has the readouts): layer mixing, feature reweighting and a linear
   transform near identity on the same two frozen nets, held out with nested CV of their regularization.
--normalize none|zscore|rank (default none): per-rater normalization of the ratings before averaging, the same
in every part: the grid's and baselines' r, the noise ceiling, align-cv (training, held-out evaluation and
ceiling) and the readouts (fit and evaluation); the report names it.
Runs are resumed: a run directory with metrics.json is not trained again. Outputs: <out>/results.md,
summary.json, grid.csv, r_by_setup.png, run directories (default outputs/studies/human_aligned; committed results
change only when --out names their directory).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import logging
import shlex
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

log = logging.getLogger("human_study")

MINERS = ("random", "knn", "batch_hard")
LOSSES = ("contrastive", "triplet", "graded")
# the graded loss needs the k-NN miner's three pair types (docs/miners_and_losses.md)
EXTRA = {("graded", "knn"): ["miner.negatives=other_class_and_non_neighbors"]}
QUICK = {"losses": ["contrastive", "graded"], "miners": ["random", "knn", "batch_hard"], "shift": ["false"],
         "dims": [16], "seeds": [0, 1], "epochs": 2, "train_samples": 2000, "test_samples": 1000, "model": "small",
         "folds": 3, "per_digit": 25, "digits": [1, 4, 7, 9]}
FULL = {"losses": list(LOSSES), "miners": list(MINERS), "shift": ["false", "true"], "dims": [2, 16, 64],
        "seeds": [0, 1, 2], "epochs": 6, "train_samples": 12000, "test_samples": None, "model": "embedding",
        "folds": 5, "per_digit": 20, "digits": [1, 2, 4, 7, 9]}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", help="your pair set directory (pairs.csv or pairs.npz)")
    parser.add_argument("--ratings", help="your ratings.csv (rater, pair_id, rating)")
    parser.add_argument("--out", default=str(ROOT / "outputs" / "studies" / "human_aligned"),
                        help="output directory (created; runs in it are resumed; default outputs/studies/"
                             "human_aligned; committed results change only when --out names them)")
    parser.add_argument("--quick", action="store_true", help="the scaled-down grid and run sizes (minutes, not "
                                                             "hours); explicit options below still win")
    parser.add_argument("--losses", nargs="+", choices=LOSSES)
    parser.add_argument("--miners", nargs="+", choices=MINERS)
    parser.add_argument("--shift", nargs="+", choices=["false", "true"], help="shift augmentation of training")
    parser.add_argument("--dims", nargs="+", type=int, help="embedding sizes")
    parser.add_argument("--seeds", nargs="+", type=int)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--train-samples", type=int, help="training images (of all 10 digits)")
    parser.add_argument("--test-samples", type=int, help="test images for precision@1 (default all)")
    parser.add_argument("--model", choices=["embedding", "small", "classifier"], help="the embedding net")
    parser.add_argument("--layers", nargs="+", default=["conv2", "fc", "embedding"], help="layers scored")
    parser.add_argument("--align-layer", default="fc", help="layer of the human objective in part 3 (default fc)")
    parser.add_argument("--folds", type=int, help="align-cv folds")
    parser.add_argument("--weight", type=float, default=1.0, help="human.weight of the 'with' arm")
    parser.add_argument("--lr", type=float, default=1e-4, help="fine-tuning learning rate (default 1e-4)")
    parser.add_argument("--val-fraction", type=float, default=0.2, help="inner validation of the 'with' arm")
    from siamese.human.compare.normalize import NORMALIZATIONS  # numpy/scipy only

    parser.add_argument("--normalize", choices=NORMALIZATIONS, default="none",
                        help="per-rater normalization of the ratings before averaging, passed to every part (grid "
                             "and baseline r, noise ceiling, align-cv, readouts; default none)")
    parser.add_argument("--skip-align", action="store_true", help="only the no-human-data grid and baselines")
    parser.add_argument("--per-digit", type=int, help="SYNTHETIC default pairs per digit")
    parser.add_argument("--digits", nargs="+", type=int, help="digits of the SYNTHETIC default pairs")
    args = parser.parse_args(argv)
    if bool(args.pairs) != bool(args.ratings):
        parser.error("--pairs and --ratings go together (or neither, for the SYNTHETIC default)")
    defaults = QUICK if args.quick else FULL
    for key, value in defaults.items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)
    return args


def setups(args) -> list[dict]:
    """The grid's set-ups: one dict per (loss, miner, shift, dim) with its train.py overrides."""
    out = []
    for loss, miner, shift, dim in itertools.product(args.losses, args.miners, args.shift, args.dims):
        if loss == "graded" and miner != "knn":
            continue
        name = f"{loss}-{miner}-shift{int(shift == 'true')}-d{dim}"
        # batch-hard mining starts after random-pair warm-up epochs (conf/miner/batch_hard.yaml: 2): half the run
        # here, so short runs mine hard pairs at all
        warmup = [f"miner.warmup_epochs={args.epochs // 2}"] if miner == "batch_hard" else []
        overrides = [f"loss={loss}", f"miner={miner}", *EXTRA.get((loss, miner), []), *warmup,
                     f"data.shift.train={shift}", f"model.embedding_dim={dim}"]
        out.append({"name": name, "loss": loss, "miner": miner, "shift": shift, "dim": dim, "overrides": overrides})
    if not out:
        raise SystemExit("the grid is empty (the graded loss runs only with --miners knn)")
    return out


def common_overrides(args) -> list[str]:
    test = [f"data.max_test_samples={args.test_samples}"] if args.test_samples else []
    return ["data.digits=[0,1,2,3,4,5,6,7,8,9]", f"data.max_train_samples={args.train_samples}", *test,
            f"trainer.max_epochs={args.epochs}", "logger=csv", "+trainer.enable_progress_bar=false",
            "~callbacks.progress_bar"]


def metric_overrides() -> list[str]:
    """Leave out the metric-learning callbacks the study does not read (plots, per-epoch fit metrics)."""
    return ["~callbacks.embedding_plot", "~callbacks.wandb_embedding_table",
            "callbacks.retrieval_metrics.fit_splits=[]"]


def train_once(overrides: list[str], run_dir: Path) -> dict:
    """``train.py <overrides>`` into ``run_dir``, or the metrics of a finished earlier run there (resume)."""
    from siamese.config import compose_config
    from siamese.training import train

    done = run_dir / "metrics.json"
    if done.is_file():
        return json.loads(done.read_text())
    log.info("training %s", run_dir)
    return train(compose_config(overrides, output_dir=run_dir))


def prepare_pairs(args, out: Path) -> tuple[str, str, str]:
    """``(pairs_dir, ratings_file, what)``: the user's, or the SYNTHETIC default made in ``out/pairs``."""
    if args.pairs:
        return args.pairs, args.ratings, "your ratings"
    target = out / "pairs"
    try:
        from siamese.human.compare.observer import RATINGS_FILE, make_observer_benchmark
    except ImportError:  # a checkout without the hidden-observer benchmark: pixel cosine + noise
        make_observer_benchmark = None
    if make_observer_benchmark is not None:
        if not (target / RATINGS_FILE).is_file():
            make_observer_benchmark(target, per_digit=args.per_digit, digits=args.digits, seed=0)
        return str(target), str(target / RATINGS_FILE), "SYNTHETIC ratings of a hidden observer network (not people)"
    from siamese.human.collect.pairs import make_pairs
    from siamese.human.compare.synthetic import synthetic_ratings
    from siamese.human.io.common import PAIR_CSV
    from siamese.human.io.pair_set import load_pair_set
    from siamese.utils.files import csv_text, write_text_atomic

    ratings = target / "ratings_synthetic.csv"
    if not ratings.is_file():
        rows = []
        for digit in args.digits:
            part = make_pairs(out / "pairs_parts" / str(digit), n=args.per_digit, digit=digit, seed=digit)
            rows += [[f"d{digit}_{s['line']:02d}", s["split"], s["index_a"], s["index_b"]] for s in part.source]
        target.mkdir(parents=True, exist_ok=True)
        write_text_atomic(target / PAIR_CSV, csv_text(["pair_id", "split", "index_a", "index_b"], rows))
        synthetic_ratings(load_pair_set(target), ratings, 4, 1.0, 0)
    return str(target), str(ratings), "SYNTHETIC ratings: pixel cosine + noise (not people)"


def seed_mean_r(similarities: np.ndarray, human: np.ndarray, n_boot: int = 2000, seed: int = 0) -> dict:
    """r of a set-up = mean over its seeds of Pearson(similarity_s, human), with a percentile bootstrap 95% CI
    over pairs (the same resampled pairs for every seed, so the CI is that of the mean) and the sd over seeds.
    ``similarities`` [seeds, pairs]."""
    def pearson_rows(x, y):  # rows of x [B, P] against rows of y [B, P]
        dx, dy = x - x.mean(axis=-1, keepdims=True), y - y.mean(axis=-1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (dx * dy).sum(-1) / np.sqrt((dx * dx).sum(-1) * (dy * dy).sum(-1))

    similarities = np.atleast_2d(similarities)
    per_seed = pearson_rows(similarities, np.broadcast_to(human, similarities.shape))
    picks = np.random.default_rng(seed).integers(0, len(human), size=(n_boot, len(human)))
    boot = np.nanmean(np.stack([pearson_rows(s[picks], human[picks]) for s in similarities]), axis=0)
    low, high = np.nanquantile(boot, [0.025, 0.975])
    return {"r": float(per_seed.mean()), "r_ci_low": float(low), "r_ci_high": float(high),
            "r_sd_seeds": float(per_seed.std(ddof=1)) if len(per_seed) > 1 else 0.0, "r_seeds": per_seed.tolist()}


def run_grid(args, out: Path, pairs, human, common) -> list[dict]:
    from siamese.human.compare.similarity import layer_similarity
    from siamese.models.loading import load_net

    rows = []
    grid = setups(args)
    for k, setup in enumerate(grid, start=1):
        log.info("set-up %d/%d: %s", k, len(grid), setup["name"])
        sims = {layer: [] for layer in args.layers}
        precision = []
        for seed in args.seeds:
            run_dir = out / "grid" / setup["name"] / f"seed{seed}"
            metrics = train_once([f"model={args.model}", *setup["overrides"], f"seed={seed}", *common,
                                  *metric_overrides()], run_dir)
            precision.append(metrics.get("test/precision_at_1", np.nan))
            scores = layer_similarity(load_net(run_dir / "checkpoints" / "last.ckpt"), pairs.images_a,
                                      pairs.images_b, args.layers)
            for layer in args.layers:
                sims[layer].append(scores[layer])
        for layer in args.layers:
            rows.append({**{key: setup[key] for key in ("name", "loss", "miner", "shift", "dim")}, "layer": layer,
                         **seed_mean_r(np.array(sims[layer]), human), "precision_at_1": float(np.mean(precision)),
                         "ckpt": str(out / "grid" / setup["name"] / f"seed{args.seeds[0]}" / "checkpoints"
                                     / "last.ckpt")})
    return rows


def run_baselines(args, out: Path, pairs, human, common) -> tuple[list[dict], Path]:
    from siamese.human.compare.similarity import layer_similarity, pixel_similarity
    from siamese.models.loading import load_net

    rows = [{"name": "pixels", "layer": "pixels", **seed_mean_r(pixel_similarity(pairs.images_a, pairs.images_b),
                                                                human), "precision_at_1": float("nan")}]
    run_dir = out / "classifier"
    metrics = train_once(["task=classify", f"seed={args.seeds[0]}", *common], run_dir)
    ckpt = run_dir / "checkpoints" / "last.ckpt"
    scores = layer_similarity(load_net(ckpt), pairs.images_a, pairs.images_b, ["conv2", "fc"])
    for layer, values in scores.items():
        rows.append({"name": "classifier (task=classify)", "layer": layer, **seed_mean_r(values, human),
                     "precision_at_1": metrics.get("test/precision_at_1", float("nan")),
                     "accuracy": metrics.get("test/accuracy", float("nan"))})
    return rows, ckpt


def run_alignment(args, out: Path, pairs_dir, ratings, starts: dict[str, Path], common) -> dict[str, dict]:
    from siamese.human.train.fine_tune_cv import run_alignment_cv

    results = {}
    for name, ckpt in starts.items():
        done = out / "align_cv" / name / "summary.json"
        if done.is_file():  # resume: this comparison finished in an earlier call
            results[name] = json.loads(done.read_text())
            if results[name].get("normalization", "none") != args.normalize:
                raise SystemExit(f"{done}: finished with --normalize {results[name].get('normalization', 'none')}, "
                                 f"this call asks for --normalize {args.normalize}; use another --out")
            continue
        layers = ["fc", "logits"] if name == "classifier" else None
        results[name] = run_alignment_cv(
            pairs_dir, ratings, str(out / "align_cv" / name), args.folds, args.weight, args.align_layer,
            (*common, *([] if name == "classifier" else [*metric_overrides(), "~callbacks.human_similarity"])),
            init_ckpt=str(ckpt),
            train_layers=layers, lr=args.lr, val_fraction=args.val_fraction, normalize=args.normalize)
    return results


READOUT_SPECS = (("layer_mixing", ["pixels", "conv2", "fc"]), ("feature_reweighting", ["conv2"]),
                 ("linear_transform", ["fc"]))


def run_readouts(args, pairs_dir, ratings_path, starts: dict[str, Path]) -> dict[str, list[dict]]:
    """Part 2 on top: each readout of a frozen start net (siamese.human.readouts.nested_cv, helper 18a),
    image-grouped outer folds with nested CV of its regularization; held-out r with CIs. The net is frozen,
    so its class structure (test precision@1) is unchanged. Skipped when this checkout has no readouts."""
    try:
        from siamese.human.readouts import extract_pair_features
        from siamese.human.readouts.nested_cv import ReadoutSpec, cross_validate_readouts
    except ImportError:
        log.info("no readouts in this checkout (part 2): skipped")
        return {}
    from siamese.human.compare.normalize import normalize_ratings
    from siamese.human.io.read import read_pairs
    from siamese.models.loading import load_net

    judgments = normalize_ratings(read_pairs(pairs_dir, ratings_path), args.normalize)
    results = {}
    for name, ckpt in starts.items():
        features = extract_pair_features(load_net(ckpt), judgments.images_a, judgments.images_b,
                                         ["pixels", "conv2", "fc"])
        specs = [ReadoutSpec(kind, layers) for kind, layers in READOUT_SPECS]
        result = cross_validate_readouts(judgments, features, specs, folds=args.folds, seed=0, fit_final=False)
        results[name] = [{key: row[key] for key in ("method", "readout", "layers", "r", "r_ci_low", "r_ci_high",
                                                    "chosen_reg")} for row in result.rows]
    return results


def fmt(value, digits: int = 3) -> str:
    return "-" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def write_report(args, out: Path, what: str, grid, baselines, alignment, readouts, ceiling, n_pairs,
                 command: str, normalization: str = "rater normalization: none (raw ratings)",
                 synthetic: bool = False) -> None:
    """``synthetic``: the pair set or ratings say SYNTHETIC in their own content (``.synthetic``)."""
    scaled = " (scaled-down: --quick)" if args.quick else ""
    lines = [f"# Human-like similarity without and with human data{' (SYNTHETIC)' if synthetic else ''}{scaled}", "",
             f"Ratings: {what}. {n_pairs} within-digit pairs. Command:", "", f"    {command}", "",
             f"Training: all 10 digits, {args.train_samples} images, {args.epochs} epochs, model={args.model}; seeds "
             f"{args.seeds}. r = Pearson of the layer's pair cosine with the mean rating, mean over seeds, 95% CI = "
             f"bootstrap over pairs. Noise ceiling of the raters (Pearson): leave-one-out "
             f"{fmt(ceiling['ceiling_loo_r'])}, split-half {fmt(ceiling['ceiling_split_half_r'])}. Ratings: "
             f"{normalization} in every part.", "",
             "## 1. No human data in training (every pair is held out)", "",
             "| set-up | layer | r [95% CI] | sd over seeds | test precision@1 | test accuracy |",
             "|---|---|---|---|---|---|"]
    for row in baselines + sorted(grid, key=lambda r: -r["r"]):
        lines.append(f"| {row['name']} | {row['layer']} | {fmt(row['r'])} [{fmt(row['r_ci_low'])}, "
                     f"{fmt(row['r_ci_high'])}] | {fmt(row['r_sd_seeds'])} | {fmt(row['precision_at_1'], 4)} | "
                     f"{fmt(row.get('accuracy'), 4)} |")
    if alignment:
        lines += ["", "## 2. Fine-tuning with the human objective on top (part 3; held-out pairs, "
                  f"{args.folds}-fold CV; layer {args.align_layer}, human.weight {args.weight}, lr {args.lr}, inner "
                  f"validation {args.val_fraction})", "",
                  "| start | arm | held-out r [95% CI] | test precision@1 | test accuracy |", "|---|---|---|---|---|"]
        for name, summary in alignment.items():
            for arm in ("start", "without", "with"):
                if arm in summary:
                    s = summary[arm]
                    lines.append(f"| {name} | {arm} | {fmt(s['r'])} [{fmt(s['r_ci_low'])}, {fmt(s['r_ci_high'])}] | "
                                 f"{fmt(s['precision_at_1'], 4)} | {fmt(s['accuracy'], 4)} |")
            cost = summary["cost"]
            lines.append(f"| {name} | cost (start - with) | | {fmt(cost['precision_at_1'], 4)} | "
                         f"{fmt(cost['accuracy'], 4)} |")
    if readouts:
        lines += ["", f"## 3. Readouts of the frozen nets on top (part 2; held-out pairs, {args.folds} image-grouped "
                  "folds, regularization by nested CV inside the training folds; the net is frozen, so test "
                  "precision@1 is unchanged: cost 0)", "",
                  "| start | method | layers | held-out r [95% CI] | chosen reg per fold |", "|---|---|---|---|---|"]
        for name, rows in readouts.items():
            for row in rows:
                method = "frozen cosine" if row["method"] == "frozen cosine" else row["readout"]
                lines.append(f"| {name} | {method} | {row['layers']} | {fmt(row['r'])} [{fmt(row['r_ci_low'])}, "
                             f"{fmt(row['r_ci_high'])}] | {row['chosen_reg']} |")
    lines += ["", "Reading: the best grid set-up is chosen on the same pairs its r is computed on (optimistic by "
              "selection); part 2's numbers are held out (pairs of a fold are never trained on)."]
    (out / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def plot(out: Path, rows: list[dict], ceiling: float | None = None, synthetic: bool = False) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted(rows, key=lambda r: r["r"])
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(rows) + 1.2), dpi=120)
    y = np.arange(len(rows))
    r = np.array([row["r"] for row in rows])
    ax.errorbar(r, y, xerr=[r - [row["r_ci_low"] for row in rows], [row["r_ci_high"] for row in rows] - r], fmt="o",
                ms=4, capsize=2)
    ax.set_yticks(y, [f"{row['name']} / {row['layer']}" for row in rows], fontsize=7)
    ax.set_xlabel("Pearson r with the mean rating (95% bootstrap CI)")
    ax.axvline(0, color="0.7", lw=0.8)
    if ceiling is not None and np.isfinite(ceiling):
        ax.axvline(ceiling, color="tab:orange", lw=1, label=f"noise ceiling (leave-one-out) {ceiling:.2f}")
        ax.legend(fontsize=7, loc="lower right")
    title = "r with the mean rating by set-up and layer"
    ax.set_title(("SYNTHETIC ratings (not from people): " if synthetic else "") + title, fontsize=9)
    fig.tight_layout()
    fig.savefig(out / "r_by_setup.png")
    plt.close(fig)


def main(argv=None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    from siamese.human.compare.correlation import noise_ceiling
    from siamese.human.compare.normalize import normalize_ratings
    from siamese.human.io.read import read_pairs

    command = "python experiments/human_aligned/run_study.py " + " ".join(shlex.quote(a) for a in
                                                                         (argv if argv is not None else sys.argv[1:]))
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    pairs_dir, ratings_path, what = prepare_pairs(args, out)
    ratings = normalize_ratings(read_pairs(pairs_dir, ratings_path), args.normalize)  # bad input fails here
    human = ratings.mean()
    keep = np.isfinite(human)
    if keep.sum() < 10:
        raise SystemExit(f"{ratings_path}: {int(keep.sum())} rated pairs; the study needs at least 10")
    pairs, human = ratings.subset_pairs(np.flatnonzero(keep)), human[keep]
    common = common_overrides(args)
    grid = run_grid(args, out, pairs, human, common)
    baselines, classifier = run_baselines(args, out, pairs, human, common)
    alignment, readouts = {}, {}
    if not args.skip_align:
        best = max((row for row in grid if row["layer"] == args.align_layer), key=lambda row: row["r"])
        starts = {"classifier": classifier, f"best_{best['name']}": Path(best["ckpt"])}
        alignment = run_alignment(args, out, pairs_dir, ratings_path, starts, common)
        readouts = run_readouts(args, pairs_dir, ratings_path, starts)
    ceiling = noise_ceiling(ratings)
    fields = ["name", "loss", "miner", "shift", "dim", "layer", "r", "r_ci_low", "r_ci_high", "r_sd_seeds",
              "precision_at_1", "accuracy"]
    with open(out / "grid.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(baselines + grid)
    summary = {"ratings": what, "command": command, "pairs": len(human), "normalization": args.normalize,
               "normalization_description": ratings.describe(), **ceiling, "grid": grid,
               "baselines": baselines, "alignment": alignment, "readouts": readouts}
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=float))
    synthetic = ratings.synthetic
    plot(out, baselines + grid, ceiling.get("ceiling_loo_r"), synthetic)
    write_report(args, out, what, grid, baselines, alignment, readouts, ceiling, len(human), command,
                 ratings.describe(), synthetic)


if __name__ == "__main__":
    main()
