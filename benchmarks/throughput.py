"""Training throughput of the framework's Lightning step versus a plain PyTorch loop (same net, batches, miner, loss).

Both sides consume the same DataLoader over the same data module, with the same miner, loss and Adam optimizer;
the data module keeps the images on the training device (``device="auto"``: the GPU when there is one, so no
per-batch host copies); the framework side runs the real ``pytorch_lightning.Trainer`` with ``MetricLearningModule``
(validation, logger, checkpointing and the progress bar off, since they run on their own schedule and not in the hot
path).
Images per second counts the images that went through forward + backward.
"""

from __future__ import annotations

import time

import pytorch_lightning as pl
import torch
from pytorch_metric_learning.distances import LpDistance

from siamese.data import MNISTDataModule
from siamese.losses import ContrastiveLoss, TripletLoss
from siamese.miners import PMLMiner, RandomMiner
from siamese.models import EmbeddingNet
from siamese.modules import MetricLearningModule

DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")  # the trainer's "auto" choice
LOSSES = {"contrastive": lambda: (ContrastiveLoss(margin=1.0), RandomMiner()),
          "triplet": lambda: (TripletLoss(margin=1.0), RandomMiner(output="triplets")),
          # what conf/loss/triplet.yaml + conf/miner/semi_hard.yaml build
          "semihard": lambda: (TripletLoss(margin=1.0), PMLMiner("TripletMarginMiner", type_of_triplets="semihard",
                                                                  margin=1.0, distance=LpDistance(normalize_embeddings=False)))}  # noqa: E501


def plain_loop(datamodule: MNISTDataModule, loss_name: str, num_batches: int, seed: int = 0) -> float:
    """The loop people would write by hand; returns images per second."""
    torch.manual_seed(seed)
    net = EmbeddingNet(embedding_dim=2).to(DEVICE)
    loss_fn, miner = LOSSES[loss_name]()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    net.train()
    images, start = 0, time.perf_counter()
    for step, batch in enumerate(datamodule.train_dataloader()):
        if step == num_batches:
            break
        embeddings = net(batch["image"])
        tuples = miner(embeddings, batch["label"], indices=batch["index"])
        loss = loss_fn(embeddings, batch["label"], tuples)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        images += len(batch["label"])
    if DEVICE.type == "cuda":
        torch.cuda.synchronize()
    return images / (time.perf_counter() - start)


class _EpochClock(pl.Callback):
    """Images and seconds of the training epoch after its first ``skip`` batches (torch.compile's compile time)."""

    def __init__(self, skip: int = 0):
        self.skip = skip

    def on_train_epoch_start(self, trainer, pl_module):
        self.images, self.start = 0, time.perf_counter()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if batch_idx + 1 == self.skip:
            self.images, self.start = 0, time.perf_counter()
        else:
            self.images += len(batch["label"])

    def on_train_epoch_end(self, trainer, pl_module):
        if pl_module.device.type == "cuda":
            torch.cuda.synchronize()
        self.seconds = time.perf_counter() - self.start


def make_module(loss_name: str, seed: int = 0, channels_last: bool = True, compile: bool = False
                ) -> MetricLearningModule:
    """The framework's module with the same net, miner, loss and optimizer as ``plain_loop``; ``compile``: the net
    through ``torch.compile`` (inductor; its compile time is paid in the first batches, outside the clock only
    when they are warm-up batches)."""
    torch.manual_seed(seed)
    loss_fn, miner = LOSSES[loss_name]()
    net = EmbeddingNet(embedding_dim=2, channels_last=channels_last)
    return MetricLearningModule(torch.compile(net) if compile else net, loss_fn, miner,
                                optimizer=lambda params: torch.optim.Adam(params, lr=1e-3))


def fit_framework(datamodule: MNISTDataModule, loss_name: str, num_batches: int, seed: int = 0, callbacks=(),
                  profiler=None, channels_last: bool = True, compile: bool = False, **trainer_options) -> None:
    """``num_batches`` training steps of ``make_module`` in a real Trainer (validation, logger, checkpoints and
    progress bar off: they run on their own schedule, not in the hot path)."""
    trainer = pl.Trainer(max_epochs=1, limit_train_batches=num_batches, limit_val_batches=0, logger=False,
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                         callbacks=list(callbacks), profiler=profiler, accelerator="auto", devices=1,
                         **trainer_options)
    trainer.fit(make_module(loss_name, seed, channels_last, compile), datamodule=datamodule)


def framework_step(datamodule: MNISTDataModule, loss_name: str, num_batches: int, seed: int = 0,
                   **options) -> float:
    """The framework's Lightning module in a real Trainer; returns images per second of the training epoch.
    ``options``: ``channels_last`` / ``compile`` of the net (with compile the first 3 batches, which compile, are
    not timed and ``num_batches`` grows by 3), Trainer options (``precision="bf16-mixed"``)."""
    skip = 3 if options.get("compile") else 0
    clock = _EpochClock(skip)
    fit_framework(datamodule, loss_name, num_batches + skip, seed, callbacks=[clock], **options)
    return clock.images / clock.seconds


def compare(datamodule: MNISTDataModule, loss_name: str, num_batches: int, repeats: int = 3) -> dict:
    """Alternate the two sides ``repeats`` times (so background load hits both alike); best of each."""
    plain_loop(datamodule, loss_name, 3)  # warm-up: allocator, kernels
    plain, framework = [], []
    for r in range(repeats):
        plain.append(plain_loop(datamodule, loss_name, num_batches, seed=r))
        framework.append(framework_step(datamodule, loss_name, num_batches, seed=r))
    return {"loss": loss_name, "plain_img_s": max(plain), "framework_img_s": max(framework),
            "ratio": max(framework) / max(plain)}


def semihard_datamodule(max_train_samples: int | None = None, batch_size: int = 250, m: int = 25) -> MNISTDataModule:
    """10-digit MNIST, batches of ``m`` images of each of ``batch_size / m`` digits (``sampler=m_per_class``)."""
    from functools import partial

    from siamese.samplers import MPerClassBatchSampler

    dm = MNISTDataModule(digits=list(range(10)), batch_size=batch_size, max_train_samples=max_train_samples,
                         device="auto", batch_sampler=partial(MPerClassBatchSampler, m=m))
    dm.setup()
    return dm


def plain_pml_step(datamodule: MNISTDataModule, num_batches: int, seed: int = 0, channels_last: bool = False) -> float:
    """``benchmarks.plain_pml``'s loop (DataLoader over a TensorDataset with pml's MPerClassSampler, NCHW net) on
    the data module's train images; images per second."""
    import numpy as np

    from benchmarks.plain_pml import make_parts, plain_loader, train_epoch

    dataset = datamodule.datasets["train"]
    np.random.seed(seed)
    loader = plain_loader(dataset.normalize(dataset.images), dataset.labels, datamodule.batch_size,
                          datamodule.batch_sampler.keywords["m"])
    parts = make_parts(channels_last, seed)
    start = time.perf_counter()
    images = train_epoch(loader, parts, num_batches)
    return images / (time.perf_counter() - start)


def compare_semihard(datamodule: MNISTDataModule, num_batches: int, repeats: int = 3, options=None) -> dict:
    """Semi-hard triplets, m per class: the plain pml script's loop vs the framework (default NHWC net, the same
    with the NCHW net the plain script has, and each of ``options``: name -> ``framework_step`` keywords);
    sides alternated ``repeats`` times; name -> images per second of each repeat (or the reason it failed).
    On 2 shared cores one repeat of 12 batches varied by +-20%: compare medians of several."""
    variants = {"framework": {}, "framework, NCHW net": {"channels_last": False}, **(options or {})}
    plain_pml_step(datamodule, 3)  # warm-up
    results = {"plain pml script": [], **{name: [] for name in variants}}
    for r in range(repeats):
        results["plain pml script"].append(plain_pml_step(datamodule, num_batches, seed=r))
        for name, keywords in variants.items():
            try:
                results[name].append(framework_step(datamodule, "semihard", num_batches, seed=r, **keywords))
            except Exception as error:  # an option this machine cannot run (torch.compile without a compiler)
                results[name] = f"failed: {type(error).__name__}: {str(error).splitlines()[0][:80]}"
                variants = {k: v for k, v in variants.items() if k != name}
    return results
