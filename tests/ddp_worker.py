"""One process of the 2-process mining test (run by torch.multiprocessing in test_distributed_mining.py)."""

from __future__ import annotations

from functools import partial

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from siamese.data.mnist import load_mnist
from siamese.losses import ContrastiveLoss, TripletLoss
from siamese.miners import PMLMiner, RandomMiner
from siamese.modules import MetricLearningModule

NET_SEED, MINER_SEED, GLOBAL_BATCH = 0, 1, 40


def global_batch(cache_dir: str) -> dict[str, torch.Tensor]:
    """The first ``GLOBAL_BATCH`` MNIST training images of 4 and 9 (real data), normalized roughly."""
    images, labels = load_mnist("train", cache_dir=cache_dir)
    index = torch.isin(labels, torch.tensor([4, 9])).nonzero().squeeze(1)[:GLOBAL_BATCH]
    return {"image": (images[index].float() / 255.0 - 0.13).div(0.3).unsqueeze(1), "label": labels[index],
            "index": index}


def make_module(setup: str) -> MetricLearningModule:
    from siamese.models import EmbeddingNet

    torch.manual_seed(NET_SEED)
    net = EmbeddingNet(embedding_dim=8, channels=[4, 8], hidden=[16])
    if setup == "random_pairs_contrastive":
        loss, miner = ContrastiveLoss(margin=1.0), RandomMiner(num_positives=2, num_negatives=2)
    elif setup == "hard_triplets":
        loss, miner = TripletLoss(margin=0.5), PMLMiner("TripletMarginMiner", margin=0.5, type_of_triplets="hard")
    else:
        raise ValueError(setup)
    return MetricLearningModule(net, loss, miner, optimizer=partial(torch.optim.SGD, lr=0.1))


def step(module: MetricLearningModule, net: torch.nn.Module, batch: dict, miner_seed: int = MINER_SEED) -> dict:
    """One training step's loss, mined tuples and (DDP-averaged, if wrapped) gradients."""
    embeddings = net(batch["image"])
    torch.manual_seed(miner_seed)
    loss, tuples = module.mine_and_loss(embeddings, batch["label"], batch["index"], module.miner)
    world = dist.get_world_size() if dist.is_initialized() else 1
    (loss * world).backward()  # as MetricLearningModule.training_step returns it
    grads = {name: p.grad.detach().clone() for name, p in module.net.named_parameters()}
    return {"loss": loss.detach(), "tuples": [t.clone() for t in tuples], "grads": grads}


def run_rank(rank: int, world_size: int, store: str, out_dir: str, setup: str, cache_dir: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=world_size)
    try:
        batch = global_batch(cache_dir)
        shard_size = GLOBAL_BATCH // world_size
        shard = {k: v[rank * shard_size:(rank + 1) * shard_size] for k, v in batch.items()}
        module = make_module(setup)
        net = DistributedDataParallel(module.net)
        # the random number generators of the processes need not agree: rank 0's draws must win everywhere
        torch.save(step(module, net, shard, miner_seed=MINER_SEED + rank), f"{out_dir}/rank{rank}.pt")
    finally:
        dist.destroy_process_group()
