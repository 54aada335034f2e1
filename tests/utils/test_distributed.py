"""DDP with global mining, 2 CPU processes (gloo): loss, mined indices and gradients equal one process on the
concatenated batch."""

from __future__ import annotations

import os

import pytest
import torch
import torch.multiprocessing as mp
from ddp_worker import global_batch, make_module, run_rank, step

from siamese.data.mnist import DEFAULT_CACHE_DIR


# each setup spawns two gloo processes (~20 s): hard triplets (the miner that needs the global batch) in the default
# set, random pairs in slow
@pytest.mark.parametrize("setup", [pytest.param("random_pairs_contrastive", marks=pytest.mark.slow), "hard_triplets"])
def test_two_processes_mine_and_learn_as_one_big_batch(tmp_path, setup):
    cache_dir = os.environ.get("SIAMESE_CACHE") or str(DEFAULT_CACHE_DIR)
    batch = global_batch(cache_dir)
    module = make_module(setup)
    single = step(module, module.net, batch)
    assert len(single["tuples"][0]) > 0, "the miner found nothing: the test would prove nothing"

    mp.start_processes(run_rank, args=(2, str(tmp_path / "store"), str(tmp_path), setup, cache_dir), nprocs=2,
                       join=True, start_method="spawn")
    for rank in range(2):
        result = torch.load(tmp_path / f"rank{rank}.pt")
        assert len(result["tuples"]) == len(single["tuples"])
        for got, expected in zip(result["tuples"], single["tuples"]):
            assert torch.equal(got, expected), f"rank {rank} mined other indices than one process"
        torch.testing.assert_close(result["loss"], single["loss"], rtol=1e-5, atol=1e-6)
        for name, grad in single["grads"].items():
            torch.testing.assert_close(result["grads"][name], grad, rtol=1e-4, atol=1e-6,
                                       msg=lambda m, name=name, rank=rank: f"rank {rank} gradient of {name}: {m}")
    # the shard alone would mine differently: the gathering is what makes them equal
    local = make_module(setup)
    shard = {k: v[:len(v) // 2] for k, v in batch.items()}
    local_tuples = step(local, local.net, shard)["tuples"]
    assert len(local_tuples[0]) != len(single["tuples"][0]) or any(
        len(a) != len(b) or not torch.equal(a, b) for a, b in zip(local_tuples, single["tuples"]))
