"""Exact k-NN search of the retrieval metrics: scipy's k-d tree (``KDTreeKNN``) vs pml's ``FaissKNN`` by dimension.

``python -m benchmarks.knn_search [--queries 10000] [--references 54000] [--dims 2 4 8 12 16] [--many-k 100 5400]``

Times the search of SYNTHETIC Gaussian queries against references on each side (best of 2): precision@1's
(k = 1, ``--queries`` queries) and, on 2000 queries, R-precision's (k up to the class size: ``--many-k``), and
checks that both find the same nearest reference. ``siamese.evaluation.kdtree_knn.ExactKNN`` uses the tree where
this measured it faster. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from pytorch_metric_learning.utils.inference import FaissKNN

from siamese.evaluation.kdtree_knn import ExactKNN, KDTreeKNN


def best_seconds(search, query, reference, k: int, repeats: int = 2):
    seconds, found = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        found = search(query, k, reference, False)[1]
        seconds.append(time.perf_counter() - start)
    return min(seconds), found


def measure(num_queries: int, num_references: int, dims, many_k=(), many_queries: int = 2000,
            seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = []
    for dim in dims:
        reference = torch.from_numpy(rng.normal(size=(num_references, dim)).astype(np.float32))
        query = torch.from_numpy(rng.normal(size=(num_queries, dim)).astype(np.float32))
        for k in (1, *many_k):
            q = query if k == 1 else query[:many_queries]
            tree_s, tree = best_seconds(KDTreeKNN(), q, reference, k)
            faiss_s, flat = best_seconds(FaissKNN(), q, reference, k)
            rows.append({"dim": dim, "k": k, "queries": len(q), "tree_s": tree_s, "faiss_s": faiss_s,
                         "same": float((tree[:, 0] == flat[:, 0].to(tree.device)).float().mean()),
                         "used": type(ExactKNN.searcher(dim, k)).__name__})
    return rows


def table(rows: list[dict], num_references: int) -> list[str]:
    lines = [f"{num_references:,} references, SYNTHETIC normal vectors, best of 2", "",
             "| dim | k | queries | k-d tree s | faiss flat s | faiss / tree | same nearest | ExactKNN uses |",
             "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['dim']} | {r['k']} | {r['queries']:,} | {r['tree_s']:.3f} | {r['faiss_s']:.3f} | "
              f"{r['faiss_s'] / r['tree_s']:.2f}x | {r['same']:.4f} | {r['used']} |" for r in rows]
    return lines


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--references", type=int, default=54_000)
    parser.add_argument("--dims", type=int, nargs="+", default=[2, 4, 8, 12, 16])
    parser.add_argument("--many-k", type=int, nargs="*", default=[100, 5400])
    args = parser.parse_args(argv)
    text = "\n".join(table(measure(args.queries, args.references, args.dims, args.many_k), args.references))
    print(text)
    return text


if __name__ == "__main__":
    main()
