"""The offline review report: one self-contained HTML file (no network, scripts inlined) for one or more runs."""

from __future__ import annotations

import base64
import html
import json
import math
from importlib import resources
from pathlib import Path

import numpy as np

from siamese.data.run_images import resolved_data_config, split_images, thumbnails
from siamese.evaluation.embeddings import subsample_positions
from siamese.evaluation.projection import project_epochs
from siamese.review.runs import NO_EPOCH, Run, config_summary

REVIEW_SPLITS = ("train", "test", "test_shifted")
CURVE_GROUPS = {  # chart title -> metric keys (those a run logged are drawn)
    "loss": ["train/loss", "val/loss"],
    "precision@1": ["val/precision_at_1", "fit/test/precision_at_1", "fit/test_shifted/precision_at_1"],
    "MAP@R and R-precision": ["fit/test/mean_average_precision_at_r", "fit/test_shifted/mean_average_precision_at_r",
                              "fit/test/r_precision", "fit/test_shifted/r_precision"],
    "clustering": ["fit/test/NMI", "fit/test_shifted/NMI", "fit/test/AMI", "fit/test_shifted/AMI",
                   "fit/test/silhouette", "fit/test_shifted/silhouette"],
    "time per epoch (s)": ["time/train_epoch_s", "time/retrieval_metrics_s"],
}
DATA_KEYS = ("dataset", "root", "split", "channels", "resize", "crop", "test_fraction", "split_seed", "cache_dir",
             "shift")  # what identifies a run's images


class ImageStore:
    """Deduplicated 28x28 grey thumbnails: one id per (dataset, split family, index, shift), shared by all runs of
    a report. MNIST runs show their digits; runs on other datasets (their resolved ``data`` config) show their
    images as grey 28x28 thumbnails (``siamese.data.run_images``)."""

    def __init__(self):
        self.ids: dict[tuple, int] = {}
        self.pending: list[tuple[str, str, int, int]] = []  # (data key, split, index, shift)
        self.configs: dict[str, dict] = {}

    def add(self, split: str, index: np.ndarray, shift: np.ndarray, data_config: dict | None = None) -> list[int]:
        family = "train" if split in ("train", "val") else "test"
        cfg = {k: v for k, v in (data_config or {}).items() if k in DATA_KEYS}
        data_key = json.dumps(cfg, sort_keys=True, default=str) if cfg.get("dataset", "mnist") != "mnist" else ""
        self.configs[data_key] = cfg
        out = []
        for i, s in zip(index.tolist(), shift.tolist()):
            key = (data_key, family, int(i), int(s))
            if key not in self.ids:
                self.ids[key] = len(self.ids)
                self.pending.append((data_key, split, int(i), int(s)))
            out.append(self.ids[key])
        return out

    def encode(self) -> str:
        groups: dict[tuple[str, str], tuple[list, list]] = {}
        order = []
        for data_key, split, i, s in self.pending:
            groups.setdefault((data_key, split), ([], []))
            groups[(data_key, split)][0].append(i)
            groups[(data_key, split)][1].append(s)
            order.append((data_key, split))
        images = np.zeros((len(self.pending), 28, 28), np.uint8)
        for (data_key, split), (index, shift) in groups.items():
            where = [k for k, name in enumerate(order) if name == (data_key, split)]
            images[where] = thumbnails(split_images(self.configs[data_key],
                                                    [(split, np.array(index), np.array(shift))]))
        return base64.b64encode(images.tobytes()).decode("ascii")


def _finite(values):
    return [None if v is None or not math.isfinite(float(v)) else round(float(v), 6) for v in values]


def run_payload(run: Run, store: ImageStore, max_points: int = 600, projection: str = "pca", seed: int = 0) -> dict:
    """The JSON one run contributes: summary, final metrics, curves, and per saved epoch the 2-D coordinates of
    ``max_points`` points per split (the same points every epoch; axes fixed over all epochs)."""
    epochs = list(run.epochs)
    data_config = resolved_data_config(run.config)
    splits_out: dict[str, dict] = {}
    coords: list[dict[str, np.ndarray]] = []
    keep: dict[str, np.ndarray] = {}
    for e in epochs:
        data = run.embeddings(e)
        names = [s for s in REVIEW_SPLITS if s in data]
        if not keep:
            keep = {s: subsample_positions(len(data[s]["label"]), max_points, seed) for s in names}
            for s in names:
                d = data[s]
                splits_out[s] = {"label": d["label"][keep[s]].tolist(), "shift": d["shift"][keep[s]].tolist(),
                                 "index": d["index"][keep[s]].tolist(),
                                 "image": store.add(s, d["index"][keep[s]], d["shift"][keep[s]], data_config)}
        coords.append({s: data[s]["embedding"] for s in keep})
    bounds = None
    if coords:
        fit = "train" if "train" in coords[0] else next(iter(coords[0]))
        projected = project_epochs(coords, fit_split=fit, method=projection, seed=seed)
        for s in keep:
            splits_out[s]["xy"] = [np.round(p[s][keep[s]], 4).astype(float).ravel().tolist() for p in projected]
        allxy = np.concatenate([p[s][keep[s]] for p in projected for s in keep])
        lo, hi = allxy.min(0), allxy.max(0)
        pad = 0.05 * np.maximum(hi - lo, 1e-6)
        bounds = [float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]), float(hi[1] + pad[1])]
        dim = coords[0][fit].shape[1]
    history_keys = sorted({k for row in run.history for k in row if k not in ("epoch", "stage", "step")})
    history = {"epoch": [row["epoch"] for row in run.history],
               "metrics": {k: _finite([row.get(k) for row in run.history]) for k in history_keys}}
    final = {k: v for k, v in sorted(run.final.items())
             if k.startswith(("test", "val/precision", "epochs", "checkpoint/"))}
    return {"name": run.name, "path": str(run.path), "status": run.status, "skipped": list(run.skipped),
            "summary": config_summary(run),
            "final": {k: _finite([v])[0] for k, v in final.items()}, "history": history, "epochs": epochs,
            "splits": splits_out, "bounds": bounds,
            "projection": "none" if not coords or dim == 2 else projection}


def build_report(runs: list[Run], title: str = "siamese review", max_points: int = 600, projection: str = "pca",
                 seed: int = 0) -> str:
    """The whole HTML document (template ``review_page.html`` with the data and the script inlined). Runs with no
    epoch logged (``Run.status``: failed stubs, or runs in their first epoch) get no card; the page lists them with
    the last line of their ``train.log``."""
    store = ImageStore()
    shown = [r for r in runs if r.status != NO_EPOCH]
    payload = {"title": title, "runs": [run_payload(r, store, max_points, projection, seed) for r in shown],
               "no_epoch": [{"name": r.name, "last": r.last_log_line()} for r in runs if r.status == NO_EPOCH],
               "curves": CURVE_GROUPS}
    payload["images"] = store.encode()
    template = resources.files("siamese.review").joinpath("review_page.html").read_text()
    data = json.dumps(payload, separators=(",", ":")).replace("</", "<\\/")
    return template.replace("__TITLE__", html.escape(title)).replace("__DATA__", data)


def write_report(runs: list[Run], out: str | Path, **kwargs) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build_report(runs, **kwargs))
    return out
