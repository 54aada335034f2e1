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
import torch

from benchmarks import knn_graph
from benchmarks.throughput import DEVICE, compare, framework_step
from siamese.callbacks.retrieval_metrics import retrieval_metrics
from siamese.data import MNISTDataModule
from siamese.models import EmbeddingNet
from siamese.utils.embeddings import embed_loader


def machine_facts() -> dict:
    return {"cpu cores": os.cpu_count(), "torch threads": torch.get_num_threads(), "torch": torch.__version__,
            "device": "cuda: " + torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
            "python": platform.python_version(), "machine": platform.machine()}


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_gpu_mib() -> float | None:
    return torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else None


def full_epoch(batch_size: int, max_train_samples: int | None) -> dict:
    """One training epoch of the framework on all ten digits, then the retrieval metrics of test vs train."""
    dm = MNISTDataModule(digits=list(range(10)), batch_size=batch_size, max_train_samples=max_train_samples,
                         device="auto")
    dm.setup()
    num_batches = len(dm.train_dataloader())
    start = time.perf_counter()
    img_s = framework_step(dm, "contrastive", num_batches)
    epoch_s = time.perf_counter() - start
    net = EmbeddingNet(embedding_dim=2).to(DEVICE)
    start = time.perf_counter()
    reference = embed_loader(net, dm.eval_dataloader("train"), DEVICE)
    query = embed_loader(net, dm.eval_dataloader("test"), DEVICE)
    embed_s = time.perf_counter() - start
    start = time.perf_counter()
    retrieval_metrics(query, reference, ("precision_at_1",))
    metric_s = time.perf_counter() - start
    return {"train images": len(dm.datasets["train"]), "epoch_s": epoch_s, "epoch_img_s": img_s,
            "embed_train_and_test_s": embed_s, "precision_at_1_s": metric_s,
            "metrics_vs_epoch": (embed_s + metric_s) / epoch_s, "peak_rss_mib": peak_rss_mib(),
            "peak_gpu_mib": peak_gpu_mib()}


def metric_scaling(sizes, dim: int = 16, seed: int = 0) -> list[dict]:
    """precision@1 (pml AccuracyCalculator, faiss exact k-NN) of N queries against N references, random vectors."""
    rng = np.random.default_rng(seed)
    rows = []
    for n in sizes:
        reference = {"embedding": rng.normal(size=(n, dim)).astype(np.float32), "label": rng.integers(0, 10, n)}
        query = {"embedding": rng.normal(size=(n, dim)).astype(np.float32), "label": rng.integers(0, 10, n)}
        start = time.perf_counter()
        retrieval_metrics(query, reference, ("precision_at_1",))
        rows.append({"n": n, "seconds": time.perf_counter() - start})
    return rows


def human_eval_time(num_pairs: int) -> dict:
    """Cosine similarity of ``num_pairs`` MNIST pairs at 4 layers of the classifier net (what the eval does)."""
    from siamese.human.similarity import LoadedNet, layer_similarity
    from siamese.models import ClassifierNet
    from siamese.data import load_mnist

    images, _ = load_mnist("test")
    rng = np.random.default_rng(0)
    a, b = images[rng.integers(0, len(images), num_pairs)].numpy(), images[rng.integers(0, len(images), num_pairs)].numpy()
    model = LoadedNet(ClassifierNet(num_classes=10).eval(), 0.1307, 0.3081)
    start = time.perf_counter()
    layer_similarity(model, a, b, ["conv1", "conv2", "fc", "logits"])
    return {"pairs": num_pairs, "layers": 4, "seconds": time.perf_counter() - start}


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test), numbers meaningless")
    parser.add_argument("--out", default=str(Path(__file__).with_name("results.md")))
    args = parser.parse_args(argv)
    batches, repeats, limit = (4, 1, 600) if args.quick else (60, 3, None)

    lines = ["# Benchmarks", "", "Machine: " + ", ".join(f"{k} {v}" for k, v in machine_facts().items()), ""]
    dm = MNISTDataModule(digits=list(range(10)), batch_size=128, max_train_samples=limit, device="auto")
    dm.setup()
    lines += ["## Training throughput: framework vs plain PyTorch loop (target ratio >= 0.95)", "",
              "| loss | plain img/s | framework img/s | ratio |", "|---|---|---|---|"]
    for loss in ("contrastive", "triplet"):
        r = compare(dm, loss, batches, repeats)
        lines.append(f"| {loss} | {r['plain_img_s']:.0f} | {r['framework_img_s']:.0f} | {r['ratio']:.3f} |")
    e = full_epoch(128, limit)
    lines += ["", "## Full 10-digit MNIST epoch (contrastive, random pairs, batch 128)", "",
              "| train images | epoch s | img/s | embed train+test s | precision@1 s | metrics / epoch | peak RSS MiB | peak GPU MiB |",
              "|---|---|---|---|---|---|---|---|",
              f"| {e['train images']} | {e['epoch_s']:.1f} | {e['epoch_img_s']:.0f} | {e['embed_train_and_test_s']:.1f}"
              f" | {e['precision_at_1_s']:.2f} | {e['metrics_vs_epoch']:.2f} | {e['peak_rss_mib']:.0f} | "
              + (f"{e['peak_gpu_mib']:.0f} |" if e["peak_gpu_mib"] is not None else "no GPU |")]
    scaling = metric_scaling((300, 1000) if args.quick else (1_000, 10_000, 60_000))
    lines += ["", "## Retrieval metric (precision@1, faiss exact) vs N (N queries x N references, 16-D)", "",
              "| N | seconds |", "|---|---|"] + [f"| {r['n']} | {r['seconds']:.2f} |" for r in scaling]
    knn_rows = knn_graph.run((300, 1000) if args.quick else (1_000, 10_000, 60_000),
                             (2_000,) if args.quick else (1_000_000,), k=5)
    lines += ["", "## k-NN graph of the k-NN miner (k = 5 same-class neighbours, exact search)", ""]
    lines += knn_graph.table(knn_rows)
    h = human_eval_time(100 if args.quick else 1000)
    lines += ["", "## Human-similarity evaluation", "", "| pairs | layers | seconds |", "|---|---|---|",
              f"| {h['pairs']} | {h['layers']} | {h['seconds']:.2f} |"]
    table = "\n".join(lines) + "\n"
    print(table)
    if not args.quick:
        Path(args.out).write_text(table)
    return table


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
