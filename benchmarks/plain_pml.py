"""The plain pytorch-metric-learning script the framework is measured against (no Lightning, no Hydra).

``python -m benchmarks.plain_pml [--epochs 1] [--batch-size 250] [--m 25] [--target 0.95]``

What a careful pml user writes (pml's README loop and its MNIST example): torchvision's MNIST read from the
repository's own files, normalized once into float tensors, a ``DataLoader`` over a ``TensorDataset`` with pml's
``MPerClassSampler``, the framework's ``EmbeddingNet`` (same layers, PyTorch's default NCHW memory format),
pml's semi-hard
``TripletMarginMiner`` and ``TripletMarginLoss`` (plain Euclidean, margin 1), Adam 1e-3. It trains on the same
54,000 training images as the framework's 10-digit run (the framework keeps 10% for validation) and after every
epoch measures test precision@1 (10,000 test images against those training images) with pml's
``AccuracyCalculator`` (faiss k-NN), as pml's example does. With ``--target`` it stops after the first epoch that
reaches that precision@1.

Prints one JSON line: seconds of each phase (``imports_s`` from process start, ``data_s``, per-epoch ``train_s`` and
``test_s``), images per second, test precision@1 per epoch, ``total_s`` (process start to the end) and
``target_s`` (process start to the end of the first epoch whose test precision@1 >= ``--target``, or null).
"""

from __future__ import annotations

import time

START = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from pytorch_metric_learning import distances, losses, miners, samplers  # noqa: E402
from pytorch_metric_learning.utils.accuracy_calculator import AccuracyCalculator  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402
from torchvision.datasets import MNIST  # noqa: E402

from siamese.data.mnist import DEFAULT_CACHE_DIR, prepare_mnist  # noqa: E402
from siamese.models import EmbeddingNet  # noqa: E402

IMPORTS_S = time.perf_counter() - START


def load(train: bool, root: str) -> tuple[torch.Tensor, torch.Tensor]:
    dataset = MNIST(root, train=train, download=False)
    return dataset.data.float().div(255.0).unsqueeze(1), dataset.targets.long()


@torch.no_grad()
def embed(net: torch.nn.Module, images: torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
    net.eval()
    out = torch.cat([net(images[i:i + batch_size]) for i in range(0, len(images), batch_size)])
    net.train()
    return out


def make_parts(channels_last: bool = False, seed: int = 0) -> dict:
    """Net (PyTorch's default NCHW memory format unless ``channels_last``, as a plain script has it), Adam, the
    semi-hard miner and the triplet loss."""
    torch.manual_seed(seed)
    net = EmbeddingNet(embedding_dim=2, channels_last=channels_last)
    distance = distances.LpDistance(normalize_embeddings=False)
    return {"net": net, "optimizer": torch.optim.Adam(net.parameters(), lr=1e-3),
            "miner": miners.TripletMarginMiner(margin=1.0, type_of_triplets="semihard", distance=distance),
            "loss": losses.TripletMarginLoss(margin=1.0, distance=distance)}


def train_epoch(loader, parts: dict, max_batches: int | None = None) -> int:
    """pml's README loop over ``loader`` (``(images, labels)`` batches); returns the number of images trained on."""
    net, optimizer, miner, loss_fn = parts["net"], parts["optimizer"], parts["miner"], parts["loss"]
    net.train()
    images = 0
    for step, (data, labels) in enumerate(loader):
        if step == max_batches:
            break
        embeddings = net(data)
        triplets = miner(embeddings, labels)
        loss = loss_fn(embeddings, labels, triplets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        images += len(labels)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return images


def plain_loader(images: torch.Tensor, labels: torch.Tensor, batch_size: int, m: int) -> DataLoader:
    """A ``DataLoader`` over a ``TensorDataset`` of normalized float images with pml's ``MPerClassSampler``."""
    sampler = samplers.MPerClassSampler(labels, m=m, batch_size=batch_size, length_before_new_iter=len(labels))
    return DataLoader(TensorDataset(images, labels), batch_size=batch_size, sampler=sampler)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=250)
    parser.add_argument("--m", type=int, default=25, help="images per class in a batch (MPerClassSampler)")
    parser.add_argument("--target", type=float, default=None, help="stop at this test precision@1")
    parser.add_argument("--max-train", type=int, default=54_000, help="training images (first of a seeded shuffle)")
    parser.add_argument("--max-test", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    np.random.seed(args.seed)  # MPerClassSampler draws from numpy's global generator
    start = time.perf_counter()
    root = str(prepare_mnist(cache_dir=DEFAULT_CACHE_DIR))
    train_x, train_y = load(True, root)
    keep = torch.randperm(len(train_y))[: args.max_train]
    train_x, train_y = train_x[keep], train_y[keep]
    test_x, test_y = load(False, root)
    if args.max_test:
        test_x, test_y = test_x[: args.max_test], test_y[: args.max_test]
    mean, std = train_x.mean(), train_x.std()
    train_x, test_x = (train_x - mean) / std, (test_x - mean) / std
    loader = plain_loader(train_x, train_y, args.batch_size, args.m)
    data_s = time.perf_counter() - start

    parts = make_parts(seed=args.seed)
    calculator = AccuracyCalculator(include=("precision_at_1",), k=1)
    result = {"imports_s": IMPORTS_S, "data_s": data_s, "train_s": [], "img_s": [], "test_s": [],
              "test_precision_at_1": [], "target_s": None}
    for _ in range(args.epochs):
        start = time.perf_counter()
        images = train_epoch(loader, parts)
        result["train_s"].append(time.perf_counter() - start)
        result["img_s"].append(images / result["train_s"][-1])
        start = time.perf_counter()
        net = parts["net"]
        accuracy = calculator.get_accuracy(embed(net, test_x), test_y, embed(net, train_x), train_y, False)
        result["test_s"].append(time.perf_counter() - start)
        result["test_precision_at_1"].append(float(accuracy["precision_at_1"]))
        if args.target is not None and accuracy["precision_at_1"] >= args.target:
            result["target_s"] = time.perf_counter() - START
            break
    result["total_s"] = time.perf_counter() - START
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
