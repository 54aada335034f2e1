"""Global mining under data parallelism: gather the batch of every process, mine once, share the tuples.

With ``trainer=ddp`` every process holds one shard of the global batch. To mine as if there were one big batch,
each process gathers the embeddings, labels and dataset indices of all processes in rank order (rank 0's shard
first, so the global batch is the same on every process and equals the concatenation of the shards). The
gathered copies of the other processes carry no gradient; the local shard keeps its own tensor, so the
gradients reach this process's part of the network (the same scheme as pytorch-metric-learning's
``utils.distributed.gather``, which however puts the local shard first and so orders the batch differently on
each process). Miners that draw at random (``RandomMiner``) would draw differently on each process, so the
tuples mined on rank 0 are broadcast to all.

Gradient scaling: every process computes the same global loss L(e_1..e_N), but its backward pass only reaches
its own embeddings; the sum over processes of those partial gradients is dL/dtheta. DDP *averages* gradients
over the W processes, so the loss used for backward is W * L (pml's DistributedLossWrapper does the same).
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager

import torch
import torch.distributed as dist
from omegaconf import open_dict, read_write


def world_size() -> int:
    """Number of processes of the default process group (1 when not distributed)."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size()
    return 1


def gather_with_grad(tensor: torch.Tensor) -> torch.Tensor:
    """Concatenate ``tensor`` of all processes along dim 0 in rank order; the local part keeps its autograd graph.
    Shards may differ in length (the last batch of an epoch)."""
    if world_size() == 1:
        return tensor
    tensor = tensor.contiguous()
    size = torch.tensor([tensor.shape[0]], device=tensor.device)
    sizes = [torch.zeros_like(size) for _ in range(dist.get_world_size())]
    dist.all_gather(sizes, size)
    sizes = [int(s.item()) for s in sizes]
    longest = max(sizes)
    padded = tensor
    if tensor.shape[0] < longest:
        padding = tensor.new_zeros((longest - tensor.shape[0], *tensor.shape[1:]))
        padded = torch.cat([tensor.detach(), padding])
    parts = [torch.empty_like(padded) for _ in sizes]
    dist.all_gather(parts, padded.detach())
    parts = [part[:n] for part, n in zip(parts, sizes)]
    parts[dist.get_rank()] = tensor  # the local shard with its gradient
    return torch.cat(parts)


def broadcast_from_rank0(tuples: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
    """The index tuple as mined on rank 0, on every process (on the device the local tuple was on)."""
    if world_size() == 1:
        return tuples
    device = tuples[0].device if tuples else torch.device("cpu")
    box = [tuple(t.cpu() for t in tuples)]
    dist.broadcast_object_list(box, src=0)  # pickles; NCCL moves the bytes through the current CUDA device
    return tuple(t.to(device) for t in box[0])


# what Lightning's subprocess launcher sets in the main process (lightning_fabric ... subprocess_script.py)
_LAUNCHER_ENV = ("MASTER_ADDR", "MASTER_PORT", "NODE_RANK", "LOCAL_RANK", "WORLD_SIZE")


@contextmanager
def ddp_children_run_this_job():
    """Inside, Lightning's DDP launcher restarts ``train.py`` for ranks 1.. with *this job's* overrides.

    Lightning starts the other processes of ``strategy=ddp`` by re-running the script with ``sys.argv[1:]`` plus
    ``hydra.run.dir=<HydraConfig run.dir>``. In a multirun (``-m``, Optuna) that would re-run the whole sweep
    in every child and put it in the wrong directory. For the duration of ``fit``/``test`` this makes the
    command line that of a single run of the current job (its task overrides, ``hydra.mode=RUN``) and the run
    directory the job's output directory. Afterwards it closes the job's process group and restores the
    launcher's environment variables (MASTER_PORT, LOCAL_RANK, ...), so that the next job of the sweep starts
    its own processes.
    Outside a Hydra multirun, or in a child process, it does nothing.
    """
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    if not HydraConfig.initialized() or "LOCAL_RANK" in os.environ:
        yield
        return
    hydra_cfg = HydraConfig.get()
    if hydra_cfg.mode != RunMode.MULTIRUN:
        yield
        return
    argv, run_dir = sys.argv, hydra_cfg.run.dir
    environ = {key: os.environ.get(key) for key in _LAUNCHER_ENV}
    sys.argv = [argv[0], *hydra_cfg.overrides.task, "hydra.mode=RUN"]
    with read_write(hydra_cfg), open_dict(hydra_cfg):
        hydra_cfg.run.dir = hydra_cfg.runtime.output_dir
    try:
        yield
    finally:
        sys.argv = argv
        with read_write(hydra_cfg), open_dict(hydra_cfg):
            hydra_cfg.run.dir = run_dir
        if dist.is_available() and dist.is_initialized():
            dist.destroy_process_group()
        for key, value in environ.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
