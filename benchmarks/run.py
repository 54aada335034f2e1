"""One command, one table: ``python -m benchmarks.run [--quick]``.

Measures on this machine, in this run: framework vs plain-PyTorch training throughput (ratio, target >= 0.95),
epoch wall time and peak memory on full 10-digit MNIST, the k-NN graph build of the k-NN miner (faiss vs brute-force
torch) and its growth with N, the retrieval-metric cost versus one epoch and its growth with N, and the
human-similarity evaluation of 1,000 pairs over 4 layers. Runs unchanged on a CUDA machine (device auto-detected).
Writes the table to stdout and to ``benchmarks/results.md`` (``--out`` to change).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
from pathlib import Path

import numpy as np
import pytorch_lightning as pl
import torch

from benchmarks import knn_graph
from benchmarks.throughput import compare, make_module
from siamese.data import MNISTDataModule
from siamese.evaluation.retrieval import evaluate_split


def machine_facts() -> dict:
    return {"cpu cores": os.cpu_count(), "torch threads": torch.get_num_threads(), "torch": torch.__version__,
            "device": "cuda: " + torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
            "python": platform.python_version(), "machine": platform.machine()}


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_gpu_mib() -> float | None:
    return torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else None


def default_metric_callback():
    """The retrieval-metric callback exactly as ``callbacks=default`` configures it (the composed training config)."""
    import hydra

    from siamese.config import compose_config

    return hydra.utils.instantiate(compose_config([]).callbacks.retrieval_metrics)


def full_epoch(batch_size: int, max_train_samples: int | None) -> dict:
    """One epoch of the framework on all ten digits in a real Trainer with the default retrieval-metric callback
    (val precision@1 on the whole val split vs the whole train split, six metrics on 1000 test and 1000 shifted-test
    queries vs 2000 train embeddings), then ``trainer.test`` (test loss and the test-time metrics)."""
    from siamese.callbacks import EpochTimer

    dm = MNISTDataModule(digits=list(range(10)), batch_size=batch_size, max_train_samples=max_train_samples,
                         device="auto")
    module = make_module("contrastive")
    trainer = pl.Trainer(max_epochs=1, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, num_sanity_val_steps=0, accelerator="auto", devices=1,
                         callbacks=[EpochTimer(), default_metric_callback()])
    trainer.fit(module, datamodule=dm)
    fit = {k: float(v) for k, v in trainer.callback_metrics.items()}
    start = time.perf_counter()
    trainer.test(module, datamodule=dm, verbose=False)
    test_s = time.perf_counter() - start
    epoch_s = fit["time/train_epoch_s"]
    return {"train images": len(dm.datasets["train"]), "epoch_s": epoch_s,
            "epoch_img_s": fit["time/train_images_per_s"], "validation_s": fit["time/validation_s"],
            "metric_callback_s": fit["time/retrieval_metrics_s"],
            "metrics_vs_epoch": fit["time/retrieval_metrics_s"] / epoch_s, "test_s": test_s,
            "peak_rss_mib": peak_rss_mib(), "peak_gpu_mib": peak_gpu_mib()}


METRIC_GROUPS = {"precision@1": ("precision_at_1",),
                 "R-precision + MAP@R": ("r_precision", "mean_average_precision_at_r"),
                 "NMI + AMI": ("NMI", "AMI"), "silhouette": ("silhouette",)}


def metric_scaling(sizes, dim: int = 16, seed: int = 0) -> list[dict]:
    """Each metric group of the callback (``evaluate_split``) on N queries against N references: SYNTHETIC
    standard-normal vectors with 10 random labels (the cost depends on N, the dimension and the class sizes,
    not on what the vectors mean). R-precision and MAP@R search the R = class size (~N/10) nearest neighbours of
    every query; silhouette is all N^2 query distances."""
    rng = np.random.default_rng(seed)
    rows = []
    for n in sizes:
        reference = {"embedding": rng.normal(size=(n, dim)).astype(np.float32), "label": rng.integers(0, 10, n)}
        query = {"embedding": rng.normal(size=(n, dim)).astype(np.float32), "label": rng.integers(0, 10, n)}
        row = {"n": n}
        for group, metrics in METRIC_GROUPS.items():
            start = time.perf_counter()
            evaluate_split(query, reference, metrics)
            row[group] = time.perf_counter() - start
        rows.append(row)
    return rows


def knn_miner_per_batch(sizes, batch_size: int = 128, batches: int = 100) -> list[dict]:
    """The k-NN miner's per-batch work at N training items (first N of full MNIST): the batch sampler's next
    batch and the mining of pairs from the graph. Both touch only the batch, so they should not grow with N."""
    from siamese.miners.knn_miner import KNNMiner

    rows = []
    for n in sizes:
        dm = MNISTDataModule(digits=list(range(10)), batch_size=batch_size, max_train_samples=n)
        dm.setup()
        dataset, miner = dm.datasets["train"], KNNMiner(k=5, output="pairs")
        start = time.perf_counter()
        sampler = miner.batch_sampler(dataset, batch_size)
        graph_s = time.perf_counter() - start
        start = time.perf_counter()
        picked = [torch.tensor(b) for _, b in zip(range(batches), sampler)]
        sample_ms = (time.perf_counter() - start) / len(picked) * 1e3
        embeddings = torch.randn(batch_size, 2)
        start = time.perf_counter()
        for positions in picked:
            miner(embeddings[: len(positions)], dataset.labels[positions], indices=dataset.indices[positions])
        mine_ms = (time.perf_counter() - start) / len(picked) * 1e3
        rows.append({"n": len(dataset), "graph_s": graph_s, "sample_ms": sample_ms, "mine_ms": mine_ms})
    return rows


def human_eval_time(num_pairs: int) -> dict:
    """Cosine similarity of ``num_pairs`` MNIST pairs at 4 layers of the classifier net (what the eval does)."""
    from siamese.data import load_mnist
    from siamese.human.compare.similarity import layer_similarity
    from siamese.models import ClassifierNet
    from siamese.models.loading import LoadedNet

    images, _ = load_mnist("test")
    rng = np.random.default_rng(0)
    a = images[rng.integers(0, len(images), num_pairs)].numpy()
    b = images[rng.integers(0, len(images), num_pairs)].numpy()
    model = LoadedNet(ClassifierNet(num_classes=10).eval(), 0.1307, 0.3081)
    start = time.perf_counter()
    layer_similarity(model, a, b, ["conv1", "conv2", "fc", "logits"])
    return {"pairs": num_pairs, "layers": 4, "seconds": time.perf_counter() - start}


def plot_scaling(metric_rows: list[dict], knn_rows: list[dict], path: Path) -> None:
    """Log-log curves of seconds vs N: each metric group, and the k-NN graph build (faiss vs brute force)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for group in METRIC_GROUPS:
        left.plot([r["n"] for r in metric_rows], [max(r[group], 1e-3) for r in metric_rows], "o-", label=group)
    left.set(xscale="log", yscale="log", xlabel="N queries = N references (16-D SYNTHETIC)", ylabel="seconds",
             title="Retrieval metrics vs N")
    for data, style in (("MNIST pixels", "o-"), ("SYNTHETIC normal", "s--")):
        for builder, key in (("faiss (the miner)", "faiss_s"), ("torch brute force", "torch_s")):
            points = [(r["n"], r[key]) for r in knn_rows if r["data"] == data and key in r]
            if points:
                right.plot(*zip(*points), style, label=f"{builder}, {data}")
    right.set(xscale="log", yscale="log", xlabel="N train items (MNIST: 784-D pixels; SYNTHETIC: 16-D)",
              ylabel="seconds", title="k-NN graph build (k = 5, exact)")
    for axes in (left, right):
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(loc="upper left" if axes is left else "lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test), numbers meaningless")
    parser.add_argument("--out", default=str(Path(__file__).with_name("results.md")))
    args = parser.parse_args(argv)
    batches, repeats, limit = (4, 1, 600) if args.quick else (80, 5, None)

    lines = ["# Benchmarks", "", "Machine: " + ", ".join(f"{k} {v}" for k, v in machine_facts().items()), ""]
    dm = MNISTDataModule(digits=list(range(10)), batch_size=128, max_train_samples=limit, device="auto")
    dm.setup()
    lines += ["## Training throughput: framework vs plain PyTorch loop (target ratio >= 0.95)", "",
              "| loss | plain img/s | framework img/s | ratio |", "|---|---|---|---|"]
    for loss in ("contrastive", "triplet"):
        r = compare(dm, loss, batches, repeats)
        lines.append(f"| {loss} | {r['plain_img_s']:.0f} | {r['framework_img_s']:.0f} | {r['ratio']:.3f} |")
    e = full_epoch(128, limit)
    lines += ["", "## Full 10-digit MNIST epoch (contrastive, random pairs, batch 128, default metric callback)", "",
              "| train images | train epoch s | img/s | validation s | of which metric callback s | "
              "metric callback / epoch | trainer.test s | peak RSS MiB | peak GPU MiB |",
              "|---|---|---|---|---|---|---|---|---|",
              f"| {e['train images']} | {e['epoch_s']:.1f} | {e['epoch_img_s']:.0f} | {e['validation_s']:.1f} | "
              f"{e['metric_callback_s']:.2f} | {e['metrics_vs_epoch']:.2f} | {e['test_s']:.1f} | "
              f"{e['peak_rss_mib']:.0f} | "
              + (f"{e['peak_gpu_mib']:.0f} |" if e["peak_gpu_mib"] is not None else "no GPU |")]
    sizes = (300, 1000) if args.quick else (1_000, 10_000, 60_000)  # N for every scaling table
    scaling = metric_scaling(sizes)
    lines += ["", "## Retrieval metrics vs N (N queries x N references, 16-D SYNTHETIC vectors, 10 classes), seconds",
              "",
              "| N | " + " | ".join(METRIC_GROUPS) + " |", "|---" * (len(METRIC_GROUPS) + 1) + "|"]
    lines += [f"| {r['n']} | " + " | ".join(f"{r[g]:.2f}" for g in METRIC_GROUPS) + " |" for r in scaling]
    knn_rows = knn_graph.run(sizes, (2_000,) if args.quick else (10_000, 100_000, 1_000_000), k=5)
    lines += ["", "## k-NN graph of the k-NN miner (k = 5 same-class neighbours, exact search)", ""]
    lines += knn_graph.table(knn_rows)
    miner_rows = knn_miner_per_batch(sizes, batches=5 if args.quick else 100)
    lines += ["", "## k-NN miner per batch (batch 128, k = 5, pixel graph of the first N MNIST train images)", "",
              "| N | graph build s | next batch (sampler) ms | mining ms |", "|---|---|---|---|"]
    lines += [f"| {r['n']} | {r['graph_s']:.2f} | {r['sample_ms']:.2f} | {r['mine_ms']:.2f} |" for r in miner_rows]
    h = human_eval_time(100 if args.quick else 1000)
    lines += ["", "## Human-similarity evaluation", "", "| pairs | layers | seconds |", "|---|---|---|",
              f"| {h['pairs']} | {h['layers']} | {h['seconds']:.2f} |"]
    table = "\n".join(lines) + "\n"
    print(table)
    if not args.quick:
        Path(args.out).write_text(table)
        plot_scaling(scaling, knn_rows, Path(args.out).with_name("scaling.png"))
    return table


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
