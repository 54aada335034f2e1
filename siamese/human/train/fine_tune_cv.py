"""Honest evaluation of human-aligned training: k-fold cross-validation over rated pairs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from siamese.config import compose_config
from siamese.evaluation.folds import pair_kfold
from siamese.human.compare.correlation import noise_ceiling
from siamese.human.compare.normalize import NORMALIZATIONS, normalize_ratings
from siamese.human.compare.similarity import layer_similarity
from siamese.human.compare.stats import compare, pearson, spearman
from siamese.human.io.read import read_pairs
from siamese.models.init_weights import load_weights_by_name
from siamese.models.loading import load_net
from siamese.training import train
from siamese.utils.checkpoints import load_checkpoint, stored_run_config
from siamese.utils.files import csv_text, write_text_atomic

log = logging.getLogger(__name__)


def heldout_correlation(similarity: np.ndarray, ratings: np.ndarray) -> dict[str, float]:
    """Pearson r and Spearman rho of held-out similarities with the mean ratings."""
    return {"r": pearson(similarity, ratings), "rho": spearman(similarity, ratings)}


def _hydra_list(values) -> str:
    """A Hydra override value for a list of strings (quoted, so ids like 'p01' or 'rater 2' stay strings)."""
    return "[" + ",".join("'" + str(v).replace("'", "\\'") + "'" for v in values) + "]"


CLASSIFIER_EXPERIMENT, METRIC_EXPERIMENT = "human_aligned_classifier", "human_aligned"


def finetune_setup(ckpt_path: str | Path) -> tuple[str, dict]:
    """What fine-tuning a checkpoint keeps from the run it came from: ``(experiment, nodes)`` with experiment
    ``human_aligned_classifier`` for a ``ClassifierModule`` run (cross-entropy + human term) and
    ``human_aligned`` for a metric-learning run (its loss and miner + human term), and ``nodes`` the config
    entries copied from the checkpoint's stored run config: ``model``, ``loss``, ``miner``, ``data.digits``."""
    config = stored_run_config(load_checkpoint(ckpt_path, key="init_ckpt"), ckpt_path)
    if "model" not in config or "task" not in config:
        raise KeyError(f"init_ckpt={ckpt_path}: its stored run config has no model or task entry")
    target = str(config["task"].get("_target_", ""))
    experiment = CLASSIFIER_EXPERIMENT if target.endswith("ClassifierModule") else METRIC_EXPERIMENT
    nodes = {"model": config["model"], "loss": config["loss"], "miner": config["miner"],
             "data.digits": config["data"]["digits"]}
    return experiment, nodes


def apply_nodes(cfg, nodes: dict):
    """Set dotted ``nodes`` (``{"model": {...}, "data.digits": [...]}``) in a composed config."""
    from omegaconf import OmegaConf, open_dict

    with open_dict(cfg):
        for key, value in nodes.items():
            OmegaConf.update(cfg, key, value, merge=False)
    return cfg


def tested_checkpoint(run_dir: Path) -> Path:
    """The checkpoint ``train`` tested: the "best" one of ``callbacks.model_checkpoint`` (``best-*.ckpt``), else
    ``last.ckpt`` (held-out pairs are scored on the same weights whose test precision@1 is reported)."""
    best = sorted((run_dir / "checkpoints").glob("best-*.ckpt"))
    return best[-1] if best else run_dir / "checkpoints" / "last.ckpt"


COST_METRICS = ("test/precision_at_1", "test/accuracy")


def run_alignment_cv(pairs_dir: str, ratings_path: str, out_dir: str, folds: int = 5, weight: float = 1.0,
                     layer: str = "fc", overrides: tuple[str, ...] = (), holdout_raters: bool = False,
                     scale=(1, 10), seed: int = 0, n_boot: int = 2000, init_ckpt: str | None = None,
                     train_layers: list[str] | None = None, lr: float | None = None, val_fraction: float = 0.0,
                     patience: int = 3, normalize: str = "none") -> dict:
    """k-fold cross-validation of human-aligned training over rated pairs.

    Each fold trains two runs from the same seed and the same starting point on the same data: ``without``
    (human.weight=0) and ``with`` (human.weight=``weight``), both aligned only on the fold's training pairs;
    then every held-out pair gets each run's similarity at ``layer``, read from the checkpoint ``train`` tested.
    The held-out similarities of all folds are pooled and correlated with the mean ratings (r, rho, bootstrap
    95% CI, permutation p), beside the raters' noise ceiling and each arm's mean test precision@1 / accuracy.

    Fine-tuning (``init_ckpt``): both arms start from the checkpoint, in the module it came from
    (``finetune_setup``: a classifier keeps its cross-entropy, a metric run its loss and miner); a third arm
    ``start`` is the checkpoint itself, untrained, and ``cost`` = with - start of each test metric is what the
    alignment cost the class structure. ``train_layers``: only these layers train; ``lr``: optimizer.lr.
    ``val_fraction`` > 0: the ``with`` arm keeps that fraction of its training pairs as inner validation and
    stops early on ``val/human_score`` (``patience`` epochs), its tested checkpoint being the best by it; the
    ``without`` arm uses no human data at all. ``holdout_raters``: the raters are split in two halves (seeded);
    training sees only the first half's ratings and evaluation uses the second half's mean. Other ``train.py``
    overrides pass through ``overrides`` (e.g. ``trainer.max_epochs=5``).

    ``normalize`` (``none``, ``zscore``, ``rank``): per-rater normalization (siamese.human.compare.normalize).
    The trainings get ``human.normalize`` (each training rater normalized over the fold's training pairs, then
    averaged); the held-out similarities are correlated with the mean of the evaluation raters' normalized
    ratings (each rater normalized over all the pairs they rated, as ``eval --normalize``), and the noise
    ceiling is computed on the same normalized matrix. The outputs name the normalization."""
    if normalize not in NORMALIZATIONS:
        raise ValueError(f"normalize={normalize!r} is not a rater normalization; choose from "
                         f"{list(NORMALIZATIONS)}")
    out = Path(out_dir)
    judgments = normalize_ratings(read_pairs(pairs_dir, ratings_path, tuple(scale)), normalize)
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"val_fraction={val_fraction} must be in [0, 1)")
    experiment, nodes = finetune_setup(init_ckpt) if init_ckpt else (METRIC_EXPERIMENT, {})
    train_raters, eval_raters = list(judgments.raters), list(judgments.raters)
    if holdout_raters:
        if len(judgments.raters) < 2:
            raise ValueError(f"holdout_raters=True needs at least 2 raters, {ratings_path} has "
                             f"{len(judgments.raters)}")
        order = list(np.random.default_rng(seed).permutation(judgments.raters))
        train_raters, eval_raters = sorted(order[: len(order) // 2]), sorted(order[len(order) // 2:])
    eval_matrix = judgments.ratings[[judgments.raters.index(r) for r in eval_raters]]
    human = np.nanmean(eval_matrix, axis=0)
    image_pairs = np.array([[2 * i, 2 * i + 1] for i in range(len(judgments))])  # each pair set image is its own
    setup = training_overrides(experiment, pairs_dir, ratings_path, layer, train_raters, seed, init_ckpt,
                               train_layers, lr, normalize)
    bundle = "classify" if experiment == CLASSIFIER_EXPERIMENT else "human_similarity"
    arms = {"without": ["human.weight=0"],
            "with": [f"human.weight={weight}"] + ([f"human.val_fraction={val_fraction}",
                                                   f"callbacks=[{bundle},human_early_stopping]",
                                                   f"callbacks.human_early_stopping.patience={patience}"]
                                                  if val_fraction > 0 else [])}
    similarity = {arm: np.full(len(judgments), np.nan) for arm in ("start", *arms)}
    tested: dict[str, list[dict]] = {arm: [] for arm in ("start", *arms)}
    rows, init_report = [], None
    if init_ckpt:  # the starting point itself: no training (max_epochs=0), tested as it is
        run_dir = out / "start"
        cfg = apply_nodes(compose_config([*setup, "human.weight=0", *overrides, "trainer.max_epochs=0"],
                                         output_dir=run_dir), nodes)
        tested["start"].append(train(cfg))
        similarity["start"] = layer_similarity(load_net(init_ckpt), judgments.images_a, judgments.images_b,
                                               [layer])[layer]
    for fold, (train_rows, heldout_rows) in enumerate(pair_kfold(image_pairs, folds, seed)):
        train_ids = [judgments.pair_id[i] for i in train_rows]
        for arm, arm_overrides in arms.items():
            run_dir = out / f"fold{fold}_{arm}"
            log.info("align-cv: fold %d/%d, arm %s (human.weight %g): %d training pairs, %d held out -> %s",
                     fold + 1, folds, arm, 0.0 if arm == "without" else weight, len(train_rows), len(heldout_rows),
                     run_dir)
            cfg = compose_config([*setup, f"human.train_pairs={_hydra_list(train_ids)}", *arm_overrides, *overrides],
                                 output_dir=run_dir)
            metrics = train(apply_nodes(cfg, nodes))
            tested[arm].append(metrics)
            loaded = load_net(tested_checkpoint(run_dir))
            held = layer_similarity(loaded, judgments.images_a[heldout_rows], judgments.images_b[heldout_rows],
                                    [layer])[layer]
            similarity[arm][heldout_rows] = held
            fold_r = heldout_correlation(held, human[heldout_rows]) if len(heldout_rows) > 2 else {"r": np.nan,
                                                                                                    "rho": np.nan}
            rows.append([fold, arm, len(train_rows), len(heldout_rows), f"{fold_r['r']:.4f}", f"{fold_r['rho']:.4f}",
                         *(f"{metrics.get(m, np.nan):.4f}" for m in COST_METRICS), int(metrics.get("epochs", 0))])
            log.info("align-cv: fold %d/%d, arm %s done: held-out r %.3f", fold + 1, folds, arm, fold_r["r"])
    if init_ckpt:
        from hydra.utils import instantiate

        init_report = load_weights_by_name(instantiate(cfg.model), init_ckpt).as_dict()
    ceiling = noise_ceiling(judgments)
    summary = {"folds": folds, "weight": weight, "layer": layer, "pairs": len(judgments), "raters_train": train_raters,
               "raters_eval": eval_raters, "experiment": experiment, "init_ckpt": init_ckpt,
               "train_layers": train_layers, "lr": lr, "val_fraction": val_fraction, "init_report": init_report,
               "normalization": judgments.normalization, "normalization_description": judgments.describe(), **ceiling}
    shown = [arm for arm in ("start", *arms) if tested[arm]]
    for arm in shown:
        stats_ = compare(similarity[arm], human, n_boot=n_boot, n_perm=2000, seed=seed)
        summary[arm] = {**stats_, **{_metric_key(m): _mean_present([t.get(m) for t in tested[arm]])
                                     for m in COST_METRICS}}
    reference = "start" if init_ckpt else "without"
    summary["cost"] = {_metric_key(m): summary[reference][_metric_key(m)] - summary["with"][_metric_key(m)]
                       for m in COST_METRICS}
    summary["cost_reference"] = reference
    write_text_atomic(out / "folds.csv", csv_text(["fold", "arm", "train_pairs", "heldout_pairs", "heldout_r",
                                                   "heldout_rho", *map(_metric_key, COST_METRICS), "epochs",
                                                   "normalization"], [[*row, normalize] for row in rows]))
    write_text_atomic(out / "alignment_cv.md", _report(summary, shown, judgments.synthetic,
                                                       eval_raters))
    write_text_atomic(out / "summary.json", json.dumps(summary, indent=2, default=float))
    return summary


def training_overrides(experiment: str, pairs_dir: str, ratings_path: str, layer: str, train_raters: list[str],
                       seed: int, init_ckpt: str | None = None, train_layers: list[str] | None = None,
                       lr: float | None = None, normalize: str = "none") -> list[str]:
    """The ``train.py`` overrides every arm of every fold shares (the fold's pairs and the arm's weight are added)."""
    setup = [f"experiment={experiment}", f"human.pairs={pairs_dir}", f"human.ratings={ratings_path}",
             f"human.layer={layer}", f"human.raters={_hydra_list(train_raters)}", f"human.normalize={normalize}",
             "logger=csv", f"seed={seed}"]
    if init_ckpt:
        setup.append(f"human.init_ckpt={Path(init_ckpt).resolve()}")
    if train_layers:
        setup.append(f"human.train_layers={_hydra_list(train_layers)}")
    if lr is not None:
        setup.append(f"optimizer.lr={lr}")
    return setup


def _mean_present(values) -> float:
    """Mean of the values that were logged (NaN when none was: e.g. precision@1 without retrieval metrics)."""
    present = [float(v) for v in values if v is not None]
    return float(np.mean(present)) if present else float("nan")


def _metric_key(metric: str) -> str:
    return metric.split("/", 1)[1]  # test/precision_at_1 -> precision_at_1


def _report(summary: dict, arms: list[str], synthetic: bool, eval_raters: list[str]) -> str:
    synthetic = " (SYNTHETIC ratings: not people)" if synthetic else ""
    start = f" from {summary['init_ckpt']} ({summary['experiment']})" if summary["init_ckpt"] else ""
    setup = (f"{summary['folds']}-fold CV over {summary['pairs']} pairs (pairs sharing an image stay in one fold), "
             f"layer {summary['layer']}, human.weight {summary['weight']}{start}; trained layers "
             f"{summary['train_layers'] or 'all'}, lr {summary['lr'] or 'default'}, inner validation fraction "
             f"{summary['val_fraction']}; raters for training: {', '.join(summary['raters_train'])}; for evaluation: "
             f"{', '.join(eval_raters)}; {summary['normalization_description']} (training: over each fold's "
             f"training pairs; evaluation and ceiling: over all rated pairs).")
    lines = [f"# Held-out alignment of human-aligned training{synthetic}", "", setup, "",
             "| arm | held-out r [95% CI] | held-out rho [95% CI] | p (r) | test precision@1 | test accuracy |",
             "|---|---|---|---|---|---|"]
    names = {"start": "start (checkpoint, untrained)", "without": "without human objective",
             "with": "with human objective"}
    show = lambda v: "-" if not np.isfinite(v) else f"{v:.4f}"  # noqa: E731
    for arm in arms:
        s = summary[arm]
        lines.append(f"| {names[arm]} | {s['r']:.3f} [{s['r_ci_low']:.3f}, {s['r_ci_high']:.3f}] | "
                     f"{s['rho']:.3f} [{s['rho_ci_low']:.3f}, {s['rho_ci_high']:.3f}] | {s['r_p']:.3g} | "
                     f"{show(s['precision_at_1'])} | {show(s['accuracy'])} |")
    cost = summary["cost"]
    lines += ["", (f"Cost of the alignment in class structure ({summary['cost_reference']} - with): test "
                   f"precision@1 {show(cost['precision_at_1'])}, test accuracy {show(cost['accuracy'])}."),
              (f"Noise ceiling of the raters (Pearson): leave-one-out {summary['ceiling_loo_r']:.3f}, split-half "
               f"(Spearman-Brown) {summary['ceiling_split_half_r']:.3f}.")]
    report = summary.get("init_report")
    if report:
        lines.append(f"Init from the checkpoint: loaded layers {report['layers_loaded']}; not loaded "
                     f"{report['layers_not_loaded'] or 'none'}; unused {report['unused'] or 'none'}.")
    return "\n".join(lines) + "\n"
