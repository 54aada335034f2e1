"""Unseen classes, measured: Omniglot alphabets held out by cross-validation, and MNIST 0-4 -> 5-9. One command:

    python experiments/unseen_classes/run.py --out DIR [--folds N] [--grid quick|full] [--epochs E] [--skip-mnist]

1. Omniglot (the shipped minimal background sets, 8 alphabets). Fold i tests on alphabet T_i and validates on
   T_{i+1} (the 7 alphabets with >= 20 characters, so a 20-way within-alphabet episode fits; Tagalog, 17, only
   trains); the other 6 alphabets train. Every grid entry (``GRIDS``: loss x miner x augmentation, each a
   ``python train.py experiment=omniglot_* ...`` command) trains on each of the first ``--folds`` folds for
   ``--epochs`` epochs; its ``test/oneshot_error`` (20-way 1-shot within one alphabet, 200 seeded episodes, the
   checkpoint with the best ``val/oneshot_error``) is read from the run's metrics.json. The two model-free
   baselines score the same episodes of the same test alphabet: pixel cosine at 28 x 28 and the modified
   Hausdorff distance of centred ink at 105 x 105 (``siamese.evaluation.oneshot_baselines``).
   Reported per entry: the mean over folds with a 95% t CI over folds, every fold's error with its CI over
   episodes, and the seconds of training + validation summed over epochs (``time/train_epoch_s`` +
   ``time/validation_s``; start-up and the test pass not included).
2. MNIST, class-disjoint: train on digits 0-4, test on 5-9 (``data.train_classes`` / ``data.test_classes``), test
   queries ranked against the other test images: MAP@R, precision@1 and Recall@K (K = 1, 2, 4, 8).
Writes ``<out>/results.md`` and ``<out>/results.json``, the runs under ``<out>/runs/``. The full grid (7 folds x
every entry) takes hours on 2 CPU cores; ``--folds`` and ``--grid`` size it, and results.md says what ran.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TEST_ALPHABETS = ("Balinese", "Early_Aramaic", "Greek", "Japanese_(katakana)", "Korean", "Latin", "Sanskrit")
NO_AUG = ["data.affine.degrees=0", "data.affine.shear=0", "data.affine.scale=[1.0,1.0]", "data.affine.translate=0.0"]

# name -> (loss, miner, augmentation, overrides of python train.py)
OMNIGLOT = {
    "verification BCE (Koch), random pairs, affine": ["experiment=omniglot_siamese"],
    "contrastive, random pairs, affine": ["experiment=omniglot_contrastive"],
    "normalized softmax (proxy), no miner, affine": ["experiment=omniglot_normalized_softmax"],
    "multi-similarity, MS miner, affine": ["experiment=omniglot_normalized_softmax", "loss.name=MultiSimilarityLoss",
                                           "miner=pml", "miner.name=MultiSimilarityMiner", "sampler=m_per_class"],
    "proxy anchor, no miner, affine": ["experiment=omniglot_normalized_softmax", "loss.name=ProxyAnchorLoss",
                                       "loss.lr_multiplier=100"],
    "normalized softmax (proxy), no miner, no augmentation": ["experiment=omniglot_normalized_softmax", *NO_AUG],
    "normalized softmax (proxy), no miner, affine, 40 px": ["experiment=omniglot_normalized_softmax",
                                                             "data.image_size=40"],
    "contrastive, random pairs, no augmentation": ["experiment=omniglot_contrastive", *NO_AUG],
}
GRIDS = {"quick": ["normalized softmax (proxy), no miner, affine", "contrastive, random pairs, affine",
                   "verification BCE (Koch), random pairs, affine",
                   "normalized softmax (proxy), no miner, no augmentation"],
         "full": list(OMNIGLOT)}
MNIST = {
    "contrastive, random pairs": ["loss=contrastive", "miner=random"],
    "triplet, semi-hard": ["loss=triplet", "miner=semi_hard", "sampler=m_per_class"],
    "multi-similarity, MS miner": ["loss=pml", "loss.name=MultiSimilarityLoss", "miner=pml",
                                   "miner.name=MultiSimilarityMiner", "sampler=m_per_class"],
    "normalized softmax (proxy)": ["loss=pml", "loss.name=NormalizedSoftmaxLoss", "loss.num_classes=10", "miner=none"],
}
MNIST_COMMON = ["data.train_classes=[0,1,2,3,4]", "data.test_classes=[5,6,7,8,9]", "model.embedding_dim=32",
                "data.max_train_samples=10000", "trainer.max_epochs=2", "~callbacks.embedding_plot",
                "~callbacks.wandb_embedding_table"]
MNIST_KEYS = ("mean_average_precision_at_r", "precision_at_1", "recall_at_1", "recall_at_2", "recall_at_4",
              "recall_at_8")


def train(overrides: list[str], run_dir: Path) -> tuple[dict, float]:
    """``python train.py OVERRIDES`` in ``run_dir``: (its metrics.json, seconds of training + validation summed
    over its epochs, from metrics_history.jsonl). A run whose metrics.json exists is not repeated (a stopped study
    resumes)."""
    command = [sys.executable, "train.py", *overrides, "logger=csv", f"hydra.run.dir={run_dir}"]
    if (run_dir / "metrics.json").exists():
        print("= (done before)", " ".join(command), flush=True)
    else:
        print("+", " ".join(command), flush=True)
        done = subprocess.run(command, cwd=ROOT, env={**os.environ, "WANDB_MODE": "offline"}, capture_output=True,
                              text=True)
        if done.returncode != 0:
            sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
            raise SystemExit(f"failed: {' '.join(command)}")
    history = [json.loads(line) for line in (run_dir / "metrics_history.jsonl").read_text().splitlines()]
    seconds = sum(row.get("time/train_epoch_s", 0.0) + row.get("time/validation_s", 0.0) for row in history)
    return json.loads((run_dir / "metrics.json").read_text()), seconds


def fold_alphabets(fold: int) -> tuple[str, str]:
    """(validation, test) alphabet of ``fold``."""
    return TEST_ALPHABETS[(fold + 1) % len(TEST_ALPHABETS)], TEST_ALPHABETS[fold]


def baselines(fold: int, episodes: int = 200, hausdorff_episodes: int = 50, seed: int = 0
              ) -> dict[str, tuple[float, float]]:
    """Pixel cosine (28 px) and modified Hausdorff (105 px) on the episodes the one-shot callback draws from the
    test alphabet of ``fold`` (same labels in the same order, same seed): ``{name: (error, CI half-width)}``.
    The Hausdorff distance scores the first ``hausdorff_episodes`` of them (seeded episodes are drawn in
    sequence, so these are the same episodes; about 2 s each on a busy CPU at 105 px)."""
    import numpy as np

    from siamese.data.omniglot import OmniglotReader
    from siamese.evaluation.oneshot import mean_ci, sample_episodes
    from siamese.evaluation.oneshot_baselines import hausdorff_scores, pixel_cosine_scores

    val, test = fold_alphabets(fold)
    out = {}
    for name, size, scores, count in (("pixels (cosine, 28 px)", 28, pixel_cosine_scores, episodes),
                                      (f"modified Hausdorff (105 px, first {hausdorff_episodes} episodes)", 105,
                                       hausdorff_scores, hausdorff_episodes)):
        reader = OmniglotReader(image_size=size, val_alphabets=[val], test_alphabets=[test])
        arrays = reader.read("test")
        images, labels = arrays.images[:, 0].numpy(), arrays.labels.numpy()
        errors = []
        for episode in sample_episodes(labels, reader.label_groups, 20, 1, count, 1, True, seed):
            s = scores(images[episode.query], images[episode.support[:, 0]])
            errors.append(float(np.mean(np.argmax(s, axis=1) != episode.query_class)))
        mean, low, high = mean_ci(errors)
        out[name] = (mean, (high - low) / 2)
    return out


def omniglot(out: Path, names: list[str], folds: int, epochs: int | None) -> tuple[list[str], dict]:
    from siamese.evaluation.oneshot import mean_ci

    rows, raw = [], {}
    base, cache = {}, out / "baselines.json"
    cached = json.loads(cache.read_text()) if cache.exists() else {}
    for fold in range(folds):
        if str(fold) not in cached:
            print(f"baselines, fold {fold}", flush=True)
            cached[str(fold)] = baselines(fold)
            cache.write_text(json.dumps(cached, indent=2))
        for name, value in cached[str(fold)].items():
            base.setdefault(name, []).append(tuple(value))
    for name in names:
        raw[name] = []
        for fold in range(folds):
            val, test = fold_alphabets(fold)
            extra = [f"data.val_alphabets=[{val}]", f"data.test_alphabets=[{test}]"]
            extra += [f"trainer.max_epochs={epochs}"] if epochs else []
            metrics, seconds = train(OMNIGLOT[name] + extra, out / "runs" / slug(name) / f"fold{fold}")
            raw[name].append({"test": test, "val": val, "error": metrics["test/oneshot_error"],
                              "val_error": metrics.get("val/oneshot_error"),
                              "ci": metrics["test/oneshot_error_ci"], "seconds": seconds,
                              "epochs": metrics.get("epochs"), "best_epoch": metrics.get("checkpoint/test_epoch")})
    tests = [fold_alphabets(f)[1] for f in range(folds)]
    header = "| method | mean over folds (95% CI) | " + " | ".join(tests) + " | train + val s (mean) |"
    rows = [header, "|" + "---|" * (len(tests) + 3)]

    def row(name, pairs, seconds=""):
        errors = [e for e, _ in pairs]
        if len(errors) > 1:
            mean, low, high = mean_ci(errors)
            summary = f"{100 * mean:.1f}% ({100 * low:.1f}-{100 * high:.1f})"
        else:
            summary = f"{100 * errors[0]:.1f}%"
        cells = " | ".join(f"{100 * e:.1f} ± {100 * c:.1f}" for e, c in pairs)
        return f"| {name} | {summary} | {cells} | {seconds} |"

    for name in names:
        runs = raw[name]
        rows.append(row(name, [(r["error"], r["ci"]) for r in runs],
                        f"{sum(r['seconds'] for r in runs) / len(runs):.0f}"))
    for name, pairs in base.items():
        rows.append(row(name, pairs))
    rows += ["", "The validation alphabets' errors of the same checkpoints (what chose them; not held out from the "
             "choice):", "", "| method | " + " | ".join(fold_alphabets(f)[0] for f in range(folds)) + " |",
             "|" + "---|" * (folds + 1)]
    rows += [f"| {name} | " + " | ".join(f"{100 * r['val_error']:.1f}" for r in raw[name]) + " |" for name in names]
    return rows, {"models": raw, "baselines": base}


def mnist(out: Path, names: list[str]) -> tuple[list[str], dict]:
    rows = ["| loss, miner | " + " | ".join(MNIST_KEYS) + " | train + val s |", "|" + "---|" * (len(MNIST_KEYS) + 2)]
    raw = {}
    for name in names:
        metrics, seconds = train(MNIST[name] + MNIST_COMMON, out / "runs" / "mnist" / slug(name))
        raw[name] = {key: metrics[f"test/{key}"] for key in MNIST_KEYS}
        rows.append(f"| {name} | " + " | ".join(f"{raw[name][k]:.3f}" for k in MNIST_KEYS) + f" | {seconds:.0f} |")
    return rows, raw


def slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name).strip("_").lower()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(HERE / "results"))
    parser.add_argument("--folds", type=int, default=len(TEST_ALPHABETS), help="first N of the 7 folds")
    parser.add_argument("--grid", choices=sorted(GRIDS), default="full")
    parser.add_argument("--only", nargs="*", help="grid entries by name (instead of --grid)")
    parser.add_argument("--epochs", type=int, default=None, help="trainer.max_epochs (default: the presets')")
    parser.add_argument("--skip-mnist", action="store_true")
    parser.add_argument("--mnist-only", nargs="*", help="MNIST entries by name (default: all)")
    parser.add_argument("--skip-omniglot", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))  # this checkout's siamese, also when run as a script
    if not 1 <= args.folds <= len(TEST_ALPHABETS):
        parser.error(f"--folds must be 1..{len(TEST_ALPHABETS)}, got {args.folds}")
    names = args.only or GRIDS[args.grid]
    unknown = [n for n in names if n not in OMNIGLOT]
    if unknown:
        parser.error(f"--only: unknown entry {unknown[0]!r}; entries: {list(OMNIGLOT)}")
    unknown = [n for n in args.mnist_only or [] if n not in MNIST]
    if unknown:
        parser.error(f"--mnist-only: unknown entry {unknown[0]!r}; entries: {list(MNIST)}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    command = "python experiments/unseen_classes/run.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    lines = ["# Unseen classes", "", f"Produced by `{command}` (experiments/unseen_classes/run.py).", ""]
    results = {}
    if not args.skip_omniglot:
        rows, results["omniglot"] = omniglot(out, names, args.folds, args.epochs)
        lines += ["## Omniglot: 20-way 1-shot error within one held-out alphabet (lower is better)", "",
                  f"{args.folds} of 7 folds (test alphabet per column, validation = the next one), "
                  f"{f'{args.epochs} epochs' if args.epochs else 'the presets epochs'}; per fold the error "
                  "± the 95% CI half-width over 200 episodes; the mean's CI is over folds (t). Not run: "
                  + ("; ".join(n for n in OMNIGLOT if n not in names) or "none") + ".", "", *rows, ""]
    if not args.skip_mnist:
        mnist_names = args.mnist_only or list(MNIST)
        rows, results["mnist"] = mnist(out, mnist_names)
        lines += ["## MNIST: train on 0-4, test on 5-9 (test queries ranked against the other test images)", "",
                  "32-D embedding, the default embedding net, 10000 training images of digits 0-4, 2 epochs. Not run: "
                  + ("; ".join(n for n in MNIST if n not in mnist_names) or "none") + ".", "",
                  *rows, ""]
    (out / "results.md").write_text("\n".join(lines))
    (out / "results.json").write_text(json.dumps(results, indent=2))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
