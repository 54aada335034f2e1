"""Where a training step's time goes: ``python -m benchmarks.profile_step [--batches 60] [--loss contrastive]``.

Runs the framework's ``MetricLearningModule`` in a real ``pytorch_lightning.Trainer`` on full 10-digit MNIST
(batch 128, random miner, Adam; ``--loss semihard``: batch 250 of 25 images per digit, pml's semi-hard
triplets) twice:

1. with Lightning's ``SimpleProfiler``: mean milliseconds per step of each Lightning action (fetching the batch,
   ``training_step`` = forward + mining + loss, backward, optimizer step, callbacks), i.e. what the framework
   adds around the math;
2. under ``torch.profiler``: the operators that take the time (self CPU time; CUDA time too on a GPU).

The first ``--warmup`` batches are left out of both. Nothing is written; the findings are in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import tempfile

import pytorch_lightning as pl
import torch
from pytorch_lightning.profilers import SimpleProfiler

from benchmarks.throughput import LOSSES, fit_framework, semihard_datamodule
from siamese.data import MNISTDataModule


def lightning_actions(datamodule: MNISTDataModule, loss_name: str, batches: int) -> list[tuple[str, float]]:
    """(action, mean ms per training step), largest first, for the actions that run once or more per step."""
    with tempfile.TemporaryDirectory() as folder:  # SimpleProfiler writes its own report there, not to stdout
        profiler = SimpleProfiler(dirpath=folder, filename="simple")
        fit_framework(datamodule, loss_name, batches, profiler=profiler)
    per_step = {action: 1e3 * sum(durations) / batches for action, durations in profiler.recorded_durations.items()
                if len(durations) >= batches}
    rows = sorted(per_step.items(), key=lambda row: -row[1])
    # optimizer_step runs the closure (training_step + backward); what is left is Adam's update and Lightning's glue
    inside = [per_step.get(f"[Strategy]SingleDeviceStrategy.{name}", 0.0) for name in ("training_step", "backward")]
    step = per_step.get("[LightningModule]MetricLearningModule.optimizer_step")
    if step is not None:
        rows.append(("optimizer_step minus training_step and backward (the update + Lightning glue)",
                     step - sum(inside)))
    return rows


class _TorchProfile(pl.Callback):
    """Profiles batches ``warmup`` .. end with torch.profiler."""

    def __init__(self, warmup: int):
        self.warmup, self.profile = warmup, None

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if batch_idx == self.warmup:
            activities = [torch.profiler.ProfilerActivity.CPU]
            if torch.cuda.is_available():
                activities.append(torch.profiler.ProfilerActivity.CUDA)
            self.profile = torch.profiler.profile(activities=activities)
            self.profile.__enter__()

    def on_train_epoch_end(self, trainer, pl_module):
        if self.profile is not None:
            self.profile.__exit__(None, None, None)


def operator_table(datamodule: MNISTDataModule, loss_name: str, batches: int, warmup: int, rows: int) -> str:
    callback = _TorchProfile(warmup)
    fit_framework(datamodule, loss_name, batches, callbacks=[callback])
    sort_by = "self_cuda_time_total" if torch.cuda.is_available() else "self_cpu_time_total"
    return callback.profile.key_averages().table(sort_by=sort_by, row_limit=rows)


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--loss", choices=sorted(LOSSES), default="contrastive")
    parser.add_argument("--rows", type=int, default=15, help="operators shown")
    parser.add_argument("--max-train-samples", type=int, default=None, help="smaller train set (smoke test)")
    args = parser.parse_args(argv)
    if args.batches <= args.warmup:
        parser.error(f"--batches ({args.batches}) must be > --warmup ({args.warmup})")
    if args.loss == "semihard":  # batches of 25 images of each digit, as sampler=m_per_class in the benchmarks
        dm = semihard_datamodule(args.max_train_samples)
    else:
        dm = MNISTDataModule(digits=list(range(10)), batch_size=128, max_train_samples=args.max_train_samples,
                             device="auto")
        dm.setup()
    lines = [f"Lightning actions, mean ms per training step ({args.batches} steps, {args.loss}):", ""]
    lines += [f"  {ms:8.2f}  {action}" for action, ms in lightning_actions(dm, args.loss, args.batches)]
    lines += ["", f"torch.profiler, steps {args.warmup}..{args.batches - 1}:",
              operator_table(dm, args.loss, args.batches, args.warmup, args.rows)]
    text = "\n".join(lines)
    print(text)
    return text


if __name__ == "__main__":
    main()
