"""What each choice of the per-epoch evaluation costs next to a training epoch, and what it reads.

``python -m benchmarks.validation_cost [--digits 0 1 ... 9] [--train-batches 60]``

Trains the default net (contrastive, random pairs, batch 128) for ``--train-batches`` batches in a real Trainer,
then, at the end of that validation epoch, times each evaluation choice on the same net (the cache of embeddings
emptied before each, so every choice pays its own embedding):

- ``before``: the issue-9 default: val precision@1 of the whole val split (embedded again) against the whole
  train split, plus six metrics of 1000 test and 1000 shifted-test queries against 2000 train embeddings;
- ``val from the loop``: the same, but the val embeddings are the ones the validation loop already computed;
- ``val vs 2000 train``: val precision@1 against the same 2000 seeded train embeddings as the fit/ metrics (the
  whole train split is no longer embedded every epoch), with the fit/ metrics every epoch or, the default, every
  5th epoch (``callbacks.retrieval_metrics.fit_every_n_epochs``);
- ``no fit/ metrics``: only val precision@1;
- embedding-plot snapshot of train, test and shifted test: whole splits vs 2000 seeded points each (the default
  ``max_items``).

The training epoch is ``len(train) / (images per second of the timed batches)``: the ratio is per epoch. Values
read: val precision@1 with its standard error sqrt(p (1 - p) / n_val) against the whole train split and against
the 2000-image subsample, so the price of the subsample in accuracy is visible.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pytorch_lightning as pl

from siamese.callbacks import EpochTimer
from siamese.callbacks.split_embeddings import clear_split_embeddings, split_embeddings
from siamese.data import MNISTDataModule
from siamese.evaluation.retrieval import ALL_METRICS, evaluate_split, precision_standard_error

FIT_SPLITS = ("test", "test_shifted")


def _fit_metrics(trainer, module, max_queries=1000, max_references=2000, seed=0) -> None:
    reference = split_embeddings(trainer, module, "train", max_references, seed + 1)
    for split in FIT_SPLITS:
        evaluate_split(split_embeddings(trainer, module, split, max_queries, seed), reference, ALL_METRICS)


def _val_precision(trainer, module, max_references, from_loop: bool, seed=0) -> tuple[float, float]:
    reference = split_embeddings(trainer, module, "train", max_references, seed + 1)
    query = split_embeddings(trainer, module, "val", use_loop=from_loop)
    p = evaluate_split(query, reference, ("precision_at_1",))["precision_at_1"]
    return p, precision_standard_error(p, len(query["label"]))


PLOT_SPLITS = ("train", "test", "test_shifted")


class _Components(pl.Callback):
    """At the end of the (only) validation epoch: time each piece of the per-epoch evaluation on the trained net,
    each from an empty embedding cache (``prefill``: work done before the clock starts)."""

    def __init__(self, plot_whole_splits: bool):
        self.plot_whole_splits, self.seconds, self.values = plot_whole_splits, {}, {}

    def _time(self, name, work, prefill=None):
        clear_split_embeddings(self.module)
        if prefill is not None:
            prefill()
        start = time.perf_counter()
        value = work()
        self.seconds[name] = time.perf_counter() - start
        if value is not None:
            self.values[name] = value

    def on_validation_epoch_end(self, trainer, module) -> None:
        if trainer.sanity_checking:
            return
        self.module = module

        def embed(*args, **kw):
            return lambda: split_embeddings(trainer, module, *args, **kw) and None

        self._time("embed val again", embed("val", use_loop=False))
        self._time("val P@1 vs whole train", lambda: _val_precision(trainer, module, None, True))
        self._time("val P@1 vs 2000 train", lambda: _val_precision(trainer, module, 2000, True))
        self._time("fit/ metrics", lambda: _fit_metrics(trainer, module))
        self._time("fit/ metrics, 2000 train cached", lambda: _fit_metrics(trainer, module), embed("train", 2000, 1))
        self._time("plot, 2000 points", lambda: [embed(s, 2000)() for s in PLOT_SPLITS] and None)
        if self.plot_whole_splits:
            self._time("plot, whole splits", lambda: [embed(s)() for s in PLOT_SPLITS] and None)
        clear_split_embeddings(module)

    def choices(self) -> list[dict]:
        """Seconds per epoch (besides the val loss loop) and val precision@1 of each choice."""
        s, v = self.seconds, self.values
        rows = [("before: val embedded again, vs whole train, + fit/",
                 s["embed val again"] + s["val P@1 vs whole train"] + s["fit/ metrics"], v["val P@1 vs whole train"]),
                ("val from the loop, vs whole train, + fit/",
                 s["val P@1 vs whole train"] + s["fit/ metrics"], v["val P@1 vs whole train"]),
                ("val from the loop, vs 2000 train shared with fit/, fit/ every epoch (fit_every_n_epochs=1)",
                 s["val P@1 vs 2000 train"] + s["fit/ metrics, 2000 train cached"], v["val P@1 vs 2000 train"]),
                ("the default: val P@1 vs 2000 train every epoch, fit/ every 5th (mean per epoch)",
                 s["val P@1 vs 2000 train"] + s["fit/ metrics, 2000 train cached"] / 5, v["val P@1 vs 2000 train"]),
                ("val P@1 only, vs 2000 train", s["val P@1 vs 2000 train"], v["val P@1 vs 2000 train"])]
        rows = [{"choice": name, "seconds": seconds, "value": value} for name, seconds, value in rows]
        for name in ("plot, 2000 points", "plot, whole splits"):
            if name in s:
                rows.append({"choice": f"embedding {name} (one snapshot; every 5th epoch by default)",
                             "seconds": s[name], "value": None})
        return rows


def measure(digits, train_batches: int | None, batch_size: int = 128, plot_whole_splits: bool = True,
            max_train_samples: int | None = None) -> dict:
    """One (possibly shortened: ``train_batches``) epoch of the default net, then every evaluation piece."""
    from benchmarks.throughput import make_module

    dm = MNISTDataModule(digits=list(digits), batch_size=batch_size, device="auto",
                         max_train_samples=max_train_samples, max_test_samples=max_train_samples)
    components, timer = _Components(plot_whole_splits), EpochTimer()
    trainer = pl.Trainer(max_epochs=1, limit_train_batches=train_batches or 1.0, logger=False,
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                         num_sanity_val_steps=0, accelerator="auto", devices=1, callbacks=[timer, components])
    start = time.perf_counter()
    trainer.fit(make_module("contrastive"), datamodule=dm)
    metrics = {k: float(v) for k, v in trainer.callback_metrics.items()}
    n = len(dm.datasets["train"])
    images = min((train_batches or n) * batch_size, n)
    epoch_s = n / (images / metrics["time/train_epoch_s"])
    loop_s = metrics["time/validation_s"] - sum(components.seconds.values())  # the val loss loop alone
    return {"digits": list(digits), "train_images": n, "val_images": len(dm.datasets["val"]),
            "epoch_s": epoch_s, "val_loop_s": loop_s, "rows": components.choices(),
            "wall_s": time.perf_counter() - start}


def table(result: dict) -> list[str]:
    epoch = result["epoch_s"]
    lines = [f"training epoch {epoch:.1f} s ({result['train_images']} images); validation loss loop "
             f"({result['val_images']} val images) {result['val_loop_s']:.2f} s = {result['val_loop_s'] / epoch:.2f} of "  # noqa: E501
             "an epoch, paid by every choice (the val loss decides the best checkpoint)", "",
             "| per-epoch evaluation choice | seconds | / training epoch | with the val loss loop | val precision@1 ± SE |",  # noqa: E501
             "|---|---|---|---|---|"]
    for r in result["rows"]:
        value = f"{r['value'][0]:.3f} ± {r['value'][1]:.3f}" if r["value"] else ""
        loop = "" if r["value"] is None else f"{(r['seconds'] + result['val_loop_s']) / epoch:.2f}"
        lines.append(f"| {r['choice']} | {r['seconds']:.2f} | {r['seconds'] / epoch:.2f} | {loop} | {value} |")
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--digits", type=int, nargs="*", default=list(range(10)))
    parser.add_argument("--train-batches", type=int, default=60)
    args = parser.parse_args(argv)
    print("\n".join(table(measure(args.digits, args.train_batches))))


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
