"""k-NN graph build of the k-NN miner: faiss (what the miner uses) versus a brute-force torch baseline.

``python -m benchmarks.knn_graph [--sizes 1000 10000 60000] [--synthetic 1000000] [--k 5]``

Real rows: the first N normalized MNIST training images of all ten digits (784-D pixels, the miner's default
reference space). Synthetic rows: N SYNTHETIC standard-normal vectors (16-D, 10 random classes), to see how the
build grows beyond MNIST. Both builders return, for every item, the k nearest same-class items (exact search);
the benchmark checks that they agree.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from siamese.miners.neighbor_graph import brute_force_neighbor_graph, build_neighbor_graph


def mnist_pixels(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    from siamese.data import load_mnist

    images, labels = load_mnist("train")
    x = images[:n].reshape(min(n, len(images)), -1).float() / 255.0
    return (x - x.mean()) / x.std(), labels[:n].long()


def synthetic_vectors(n: int, dim: int = 16, classes: int = 10, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, dim, generator=generator), torch.randint(0, classes, (n,), generator=generator)


def timed(fn, *args) -> tuple[float, torch.Tensor]:
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def agreement(a: torch.Tensor, b: torch.Tensor) -> float:
    """Fraction of rows whose neighbour sets agree (ties at equal distance may order or pick differently)."""
    return float(np.mean([set(x) == set(y) for x, y in zip(a.tolist(), b.tolist())]))


def bench(features: torch.Tensor, labels: torch.Tensor, k: int, brute_force: bool = True) -> dict:
    faiss_s, graph = timed(build_neighbor_graph, features, labels, k)
    row = {"n": len(features), "dim": features.shape[1], "k": k, "faiss_s": faiss_s}
    if brute_force:
        torch_s, reference = timed(brute_force_neighbor_graph, features, labels, k)
        row.update(torch_s=torch_s, speedup=torch_s / faiss_s, agreement=agreement(graph, reference))
    return row


def exact_rows(features: torch.Tensor, labels: torch.Tensor, rows: np.ndarray, k: int) -> torch.Tensor:
    """``[len(rows), k]`` exact same-class neighbours of the items ``rows`` only (faiss flat search of those rows
    against their class): the reference of an approximate graph at sizes where the whole exact graph is too long."""
    import faiss

    x = np.ascontiguousarray(features.numpy(), dtype=np.float32)
    out = torch.empty(len(rows), k, dtype=torch.long)
    for label in labels[rows].unique():
        members = (labels == label).nonzero().squeeze(1)
        mine = np.nonzero(labels[rows].numpy() == int(label))[0]
        index = faiss.IndexFlatL2(x.shape[1])
        index.add(x[members.numpy()])
        _, found = index.search(x[rows[mine]], k + 1)
        found = members[torch.from_numpy(found)]
        keep = found != torch.as_tensor(rows[mine])[:, None]
        out[torch.as_tensor(mine)] = torch.stack([f[m][:k] for f, m in zip(found, keep)])
    return out


def neighbor_recall(graph: torch.Tensor, reference: torch.Tensor) -> float:
    """Mean over rows of |graph row & reference row| / k (1.0 = the exact neighbours)."""
    return float((graph[:, :, None] == reference[:, None, :]).any(2).float().mean())


def ivf_curve(sizes=(100_000, 1_000_000), nprobes=(4, 16, 64), k: int = 5, sample: int = 2000, seed: int = 0,
              exact_max: int = 1_000_000) -> list[dict]:
    """Seconds and recall of the IVF graph (``ivf_neighbor_graph``) against the exact one on SYNTHETIC 16-D vectors:
    recall on ``sample`` seeded rows (their exact neighbours by ``exact_rows``); the exact build is timed up to
    ``exact_max`` items."""
    from siamese.miners.neighbor_graph import ivf_neighbor_graph

    rows = []
    for n in sizes:
        features, labels = synthetic_vectors(n)
        picked = np.sort(np.random.default_rng(seed).choice(n, size=min(sample, n), replace=False))
        reference = exact_rows(features, labels, picked, k)
        exact_s = timed(build_neighbor_graph, features, labels, k)[0] if n <= exact_max else None
        for nprobe in nprobes:
            seconds, graph = timed(ivf_neighbor_graph, features, labels, k, nprobe)
            rows.append({"n": n, "nprobe": nprobe, "ivf_s": seconds, "exact_s": exact_s,
                         "recall": neighbor_recall(graph[torch.as_tensor(picked)], reference)})
    return rows


def ivf_table(rows: list[dict]) -> list[str]:
    lines = ["| N | nprobe | IVF s | exact s | speed-up | recall@5 vs exact |", "|---|---|---|---|---|---|"]
    for r in rows:
        exact = f"{r['exact_s']:.2f} | {r['exact_s'] / r['ivf_s']:.1f}x" if r["exact_s"] is not None else "not run | "
        lines.append(f"| {r['n']:,} | {r['nprobe']} | {r['ivf_s']:.2f} | {exact} | {r['recall']:.3f} |")
    return lines


def plot_ivf(rows: list[dict], path) -> None:
    """Recall against seconds, one curve per N (points = nprobe), the exact build as a star at recall 1."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.2))
    for n in sorted({r["n"] for r in rows}):
        mine = [r for r in rows if r["n"] == n]
        line, = ax.plot([r["ivf_s"] for r in mine], [r["recall"] for r in mine], "o-", label=f"IVF, N = {n:,}")
        for r in mine:
            ax.annotate(f"nprobe {r['nprobe']}", (r["ivf_s"], r["recall"]), fontsize=7, xytext=(3, -9),
                        textcoords="offset points")
        if mine[0]["exact_s"] is not None:
            ax.plot([mine[0]["exact_s"]], [1.0], "*", ms=12, color=line.get_color(), label=f"exact, N = {n:,}")
    ax.set(xscale="log", xlabel="seconds to build the graph (2 CPU cores)", ylabel="recall@5 vs the exact graph",
           title="k-NN graph: faiss IVF vs exact (16-D SYNTHETIC, 10 classes)", ylim=(0, 1.05))
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run(sizes=(1_000, 10_000, 60_000), synthetic=(1_000_000,), k: int = 5, brute_force_max: int = 60_000) -> list[dict]:
    rows = []
    for n in sizes:
        rows.append({"data": "MNIST pixels", **bench(*mnist_pixels(n), k)})
    for n in synthetic:
        rows.append({"data": "SYNTHETIC normal", **bench(*synthetic_vectors(n), k, brute_force=n <= brute_force_max)})
    return rows


def table(rows: list[dict]) -> list[str]:
    lines = ["| data | N | dim | k | faiss s | torch brute force s | faiss speed-up | same neighbours |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        torch_cols = (f"{r['torch_s']:.2f} | {r['speedup']:.1f}x | {r['agreement']:.3f}" if "torch_s" in r
                      else "not run | | ")
        lines.append(f"| {r['data']} | {r['n']:,} | {r['dim']} | {r['k']} | {r['faiss_s']:.2f} | {torch_cols} |")
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000, 10_000, 60_000])
    parser.add_argument("--synthetic", type=int, nargs="*", default=[1_000_000])
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--ivf", type=int, nargs="*", default=[], help="N for the IVF recall/time curve")
    parser.add_argument("--nprobe", type=int, nargs="*", default=[4, 16, 64])
    args = parser.parse_args(argv)
    print("\n".join(table(run(args.sizes, args.synthetic, args.k))))
    if args.ivf:
        print("\n".join(ivf_table(ivf_curve(args.ivf, args.nprobe, args.k))))


if __name__ == "__main__":
    main()
