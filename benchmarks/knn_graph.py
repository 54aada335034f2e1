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
    args = parser.parse_args(argv)
    print("\n".join(table(run(args.sizes, args.synthetic, args.k))))


if __name__ == "__main__":
    main()
