"""One command, one table: ``python -m benchmarks.run [--quick] [--threads N]``.

Measures on this machine, in this run (ratios compare two things measured in the same run, sides alternated):

1. validation next to a training epoch: each per-epoch evaluation choice (``benchmarks.validation_cost``) on 10
   digits and on the default 4 vs 9, and the default ``python train.py`` run itself (per-epoch
   ``time/validation_s`` / ``time/train_epoch_s``);
2. the training step: semi-hard triplets with m images per class, the framework vs the plain pml script's loop
   (``benchmarks.throughput.compare_semihard``), with mixed precision and ``torch.compile`` as options;
3. whole processes: ``python train.py experiment=mnist10_semihard`` vs ``benchmarks/plain_pml.py``, and the start-up
   alone (``benchmarks.end_to_end``);
4. time to accuracy: seconds from process start until test precision@1 >= 0.95 on 10 digits, both sides;
5. scaling: retrieval metrics vs N, the k-NN graph (faiss exact vs brute force; faiss IVF vs exact, with recall),
   the k-NN miner per batch, the human-similarity evaluation;
6. the Omniglot one-shot preset: one whole ``python train.py experiment=omniglot_normalized_softmax`` process, its
   time and 20-way 1-shot error (``benchmarks.omniglot_preset``, which also reruns this section alone).

Runs unchanged on a CUDA machine (device auto-detected, data on the device). Writes the tables to stdout and to
``benchmarks/results.md`` (``--out``), the plots next to it. ``--quick``: tiny sizes, no child processes (the
smoke test), nothing written.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from benchmarks import end_to_end, knn_graph, omniglot_preset, validation_cost
from benchmarks.throughput import compare_semihard, semihard_datamodule
from siamese.data import MNISTDataModule
from siamese.evaluation.retrieval import evaluate_split

OPTIONS = {"framework, bf16-mixed": {"precision": "bf16-mixed"}, "framework, torch.compile": {"compile": True}}
METRIC_GROUPS = {"precision@1": ("precision_at_1",), "R-precision + MAP@R": ("r_precision", "mean_average_precision_at_r"),  # noqa: E501
                 "NMI + AMI": ("NMI", "AMI"), "silhouette": ("silhouette",)}


def machine_facts() -> dict:
    return {"cpu cores": os.cpu_count(), "torch threads": torch.get_num_threads(), "torch": torch.__version__,
            "device": "cuda: " + torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
            "python": platform.python_version(), "machine": platform.machine()}


def load() -> str:
    return Path("/proc/loadavg").read_text().split(" ")[0] if Path("/proc/loadavg").exists() else "?"


def default_run(threads: int | None) -> tuple[list[dict], float, dict]:
    """``python train.py`` with every default (4 vs 9, contrastive, 10 epochs, default callbacks, offline wandb):
    its per-epoch times from metrics_history.jsonl, the whole process's wall seconds and its metrics.json."""
    with tempfile.TemporaryDirectory() as folder:
        wall_s, _ = end_to_end.timed_run([end_to_end.sys.executable, "train.py", f"hydra.run.dir={folder}"], threads)
        lines = (Path(folder) / "metrics_history.jsonl").read_text().splitlines()
        metrics = json.loads((Path(folder) / "metrics.json").read_text())
    return [json.loads(line) for line in lines if "time/train_epoch_s" in line], wall_s, metrics


def metric_scaling(sizes, dim: int = 16, seed: int = 0) -> list[dict]:
    """Each metric group (``evaluate_split``) on N queries against N references: SYNTHETIC standard-normal
    vectors with 10 random labels (the cost depends on N, the dimension and the class sizes)."""
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
    """The k-NN miner's per-batch work at N training items: the batch sampler's next batch and the mining."""
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
    a, b = images[rng.integers(0, len(images), num_pairs)].numpy(), images[rng.integers(0, len(images), num_pairs)].numpy()  # noqa: E501
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


def time_to_target(one_epoch_reached: bool, one_epoch_s: float, run_for, more_epochs=(2, 3)):
    """``(seconds, epochs)`` to the target: the one-epoch runs' mean seconds when every one of them reached it;
    else the first of ``run_for(e)`` for e in ``more_epochs`` (``-> (reached, seconds, epochs run)``) that did;
    ``(None, the last e)`` when none did."""
    if one_epoch_reached:
        return one_epoch_s, 1
    for epochs in more_epochs:
        reached, seconds, ran = run_for(epochs)
        if reached:
            return seconds, ran
    return None, more_epochs[-1]


def _seconds(value) -> str:
    return "not reached" if value is None else f"{value:.1f}"


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test), numbers meaningless")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads here and OMP_NUM_THREADS of the child processes (default: torch's)")
    parser.add_argument("--out", default=str(Path(__file__).with_name("results.md")))
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    quick = args.quick
    started, load_start = time.perf_counter(), load()
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip() if not quick else ""
    lines = ["# Benchmarks", "", "Machine: " + ", ".join(f"{k} {v}" for k, v in machine_facts().items()),
             f"Load at the start: `{uptime}`", ""]

    # 1. validation next to a training epoch
    lines += ["## 1. Validation next to a training epoch", "",
              "Each per-epoch evaluation choice timed on the same net after a training epoch "
              "(`benchmarks.validation_cost`; contrastive, random pairs, batch 128; the cache of embeddings "
              "emptied before each piece).", ""]
    for digits, batches, whole in ((list(range(10)), 40, False), ([4, 9], None, True)):
        result = validation_cost.measure(digits, 3 if quick else batches, plot_whole_splits=whole,
                                         max_train_samples=600 if quick else None)
        lines += [f"### {'10 digits' if len(digits) == 10 else '4 vs 9 (the default run)'}", ""]
        lines += validation_cost.table(result) + [""]
    if not quick:
        epochs, wall_s, final = default_run(args.threads)
        lines += ["### The default run, `python train.py` (4 vs 9, 10 epochs, every default callback)", "",
                  "Validation = the val loss loop + every callback of the validation epoch: val precision@1 every "
                  "epoch; fit/ metrics and the embedding plot after epochs 5 and 10.", "",
                  "| epoch | training s | validation s | of which retrieval metrics s | validation / training |",
                  "|---|---|---|---|---|"]
        lines += [f"| {e['epoch']} | {e['time/train_epoch_s']:.2f} | {e['time/validation_s']:.2f} | "
                  f"{e.get('time/retrieval_metrics_s', float('nan')):.2f} | "
                  f"{e['time/validation_s'] / e['time/train_epoch_s']:.2f} |" for e in epochs]
        training = sum(e["time/train_epoch_s"] for e in epochs)
        validation = sum(e["time/validation_s"] for e in epochs)
        lines += [f"| all {len(epochs)} | {training:.2f} | {validation:.2f} | | **{validation / training:.2f}** |",
                  "", f"The whole process (start-up, the epoch-0 plot, the test pass, wandb) took {wall_s:.1f} s; "
                  f"the best checkpoint (epoch {final.get('checkpoint/test_epoch', float('nan')):.0f}) reads test "
                  f"precision@1 {final.get('test/precision_at_1', float('nan')):.3f}, shifted test "
                  f"{final.get('test_shifted/precision_at_1', float('nan')):.3f}.", ""]

    # 2. the training step
    dm = semihard_datamodule(2000 if quick else None)
    batches, repeats = (2, 1) if quick else (30, 5)
    step = compare_semihard(dm, batches, repeats, {} if quick else OPTIONS)
    plain = statistics.median(step["plain pml script"])
    lines += ["## 2. Training step: semi-hard triplets, 10 digits, batch 250 = 25 images of each digit", "",
              f"Same net, batch, sampler (pml MPerClassSampler), miner (pml semi-hard TripletMarginMiner) and loss "
              f"(pml TripletMarginLoss, margin 1); {batches} batches per side, sides alternated {repeats} times; "
              "the ratio is of the medians.", "",
              "| side | img/s, median | min - max | / plain pml script |", "|---|---|---|---|"]
    for name, values in step.items():
        lines.append(f"| {name} | {statistics.median(values):.0f} | {min(values):.0f} - {max(values):.0f} | "
                     f"{statistics.median(values) / plain:.3f} |" if isinstance(values, list)
                     else f"| {name} | {values} | | |")

    # 3 + 4. whole processes, start-up, time to accuracy
    if not quick:
        start_up = end_to_end.startup(2, args.threads)
        lines += ["", "## 3. Whole processes: `python train.py experiment=mnist10_semihard` vs `benchmarks/plain_pml.py`",  # noqa: E501
                  "", "Start-up alone (best of 2): framework `train.py ... --cfg job` (Hydra + every import of train.py) "  # noqa: E501
                  f"{start_up['framework_s']:.1f} s, plain `import benchmarks.plain_pml` {start_up['plain_s']:.1f} s; "
                  "optional packages imported by building a run with `logger=csv`: "
                  f"{', '.join(start_up['lazy_imports']) or 'none'}.", ""]
        target, repeats = 0.95, 2
        plain_runs, framework_runs = [], []
        for _ in range(repeats):  # alternated, so load changes hit both sides
            plain_runs.append(end_to_end.plain_run(1, None, args.threads))
            framework_runs.append(end_to_end.framework_run(1, (), args.threads))
        plain_s = statistics.mean(r["wall_s"] for r in plain_runs)
        framework_s = statistics.mean(r["wall_s"] for r in framework_runs)
        fm = framework_runs[-1]["metrics"]
        lines += ["One epoch each, every default of both (`python train.py experiment=mnist10_semihard`: validation, "
                  "the embedding plots of epochs 0 and 1, checkpoints, the test pass of the best checkpoint on the "
                  "test and shifted test sets with all six metrics, an offline wandb run with its embedding table; "
                  "the plain script: one epoch, then test precision@1 against the training images), "
                  f"{repeats} runs each, alternated.", "",
                  "| | plain pml script | framework | framework / plain |", "|---|---|---|---|",
                  "| whole process s, each run | " + ", ".join(f"{r['wall_s']:.1f}" for r in plain_runs) + " | "
                  + ", ".join(f"{r['wall_s']:.1f}" for r in framework_runs) + " | |",
                  f"| whole process s, mean | {plain_s:.1f} | {framework_s:.1f} | **{framework_s / plain_s:.2f}** |",
                  f"| training epoch s (last run) | {plain_runs[-1]['train_s'][0]:.1f} | "
                  f"{fm['time/train_epoch_s']:.1f} | |",
                  f"| after training s (last run) | test {plain_runs[-1]['test_s'][0]:.1f} | validation "
                  f"{fm['time/validation_s']:.1f} + the rest | |",
                  f"| test precision@1 (last run) | {plain_runs[-1]['test_precision_at_1'][0]:.3f} | "
                  f"{fm.get('test/precision_at_1', float('nan')):.3f} | |"]

        # 4. time to accuracy: the fewest epochs whose process reports test precision@1 >= target
        def plain_for(epochs):
            run = end_to_end.plain_run(epochs, target, args.threads)  # stops at the first epoch at the target
            seconds = run["target_s"] and run["target_s"] + run["wall_s"] - run["total_s"]
            return run["target_s"] is not None, seconds, len(run["train_s"])

        def framework_for(epochs):
            run = end_to_end.framework_run(epochs, (), args.threads)
            return run["metrics"].get("test/precision_at_1", 0) >= target, run["wall_s"], epochs

        plain_time, plain_epochs = time_to_target(
            all(r["test_precision_at_1"][0] >= target for r in plain_runs), plain_s, plain_for)
        framework_time, framework_epochs = time_to_target(
            all(r["metrics"].get("test/precision_at_1", 0) >= target for r in framework_runs), framework_s,
            framework_for)
        lines += ["", "## 4. Time to accuracy: seconds from process start until test precision@1 >= 0.95 (10 digits)", "",  # noqa: E501
                  "The plain script stops at the first epoch that reaches it; the framework is the whole process with "
                  "the fewest epochs (`trainer.max_epochs`) whose test pass reaches it (test pass included).", "",
                  "| | plain pml script | framework (`experiment=mnist10_semihard`) |", "|---|---|---|",
                  f"| seconds | {_seconds(plain_time)} | {_seconds(framework_time)} |",
                  f"| epochs | {plain_epochs} | {framework_epochs} |"]

    # 5. scaling
    sizes = (300, 1000) if quick else (1_000, 10_000)
    scaling = metric_scaling(sizes)
    lines += ["", "## 5. Scaling", "", "### Retrieval metrics vs N (N queries x N references, 16-D SYNTHETIC, 10 classes), seconds",  # noqa: E501
              "", "| N | " + " | ".join(METRIC_GROUPS) + " |", "|---" * (len(METRIC_GROUPS) + 1) + "|"]
    lines += [f"| {r['n']} | " + " | ".join(f"{r[g]:.2f}" for g in METRIC_GROUPS) + " |" for r in scaling]
    knn_rows = knn_graph.run(sizes, (2_000,) if quick else (100_000,), k=5, brute_force_max=10_000)
    lines += ["", "### k-NN graph of the k-NN miner (k = 5 same-class neighbours, exact search)", ""]
    lines += knn_graph.table(knn_rows)
    # the exact 1M build alone takes ~3 min on 2 quiet cores; more: python -m benchmarks.knn_graph --ivf N ...
    ivf = knn_graph.ivf_curve((5_000,) if quick else (100_000, 300_000, 1_000_000), (4,) if quick else (4, 16, 64),
                              exact_max=5_000 if quick else 1_000_000)
    lines += ["", "### k-NN graph up to 1M: faiss IVF (`miner.graph_search=ivf`) vs exact, SYNTHETIC 16-D, 10 classes",
              "", "Recall@5 on 2000 seeded rows against their exact neighbours (`knn_graph.exact_rows`).", ""]
    lines += knn_graph.ivf_table(ivf)
    miner_rows = knn_miner_per_batch((900,) if quick else (900, 9_000), batches=5 if quick else 100)
    lines += ["", "### k-NN miner per batch (batch 128, k = 5, pixel graph of the first N MNIST train images)", "",
              "| N | graph build s | next batch (sampler) ms | mining ms |", "|---|---|---|---|"]
    lines += [f"| {r['n']} | {r['graph_s']:.2f} | {r['sample_ms']:.2f} | {r['mine_ms']:.2f} |" for r in miner_rows]
    h = human_eval_time(100 if quick else 1000)
    lines += ["", "### Human-similarity evaluation", "", "| pairs | layers | seconds |", "|---|---|---|",
              f"| {h['pairs']} | {h['layers']} | {h['seconds']:.2f} |"]
    if not quick:  # 6. the Omniglot preset, one whole training process
        lines += ["", *omniglot_preset.section(omniglot_preset.measure(threads=args.threads))]
    if not quick:
        uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        lines += ["", f"Load at the end: `{uptime}`; the whole run took {time.perf_counter() - started:.0f} s "
                  f"(load average {load_start} at the start)."]
    table = "\n".join(lines) + "\n"
    print(table)
    if not quick:
        Path(args.out).write_text(table)
        plot_scaling(scaling, knn_rows, Path(args.out).with_name("scaling.png"))
        knn_graph.plot_ivf(ivf, Path(args.out).with_name("ivf_recall.png"))
    return table


if __name__ == "__main__":
    main()
