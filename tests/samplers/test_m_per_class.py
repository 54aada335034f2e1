"""Batch samplers: m images per class in every batch (pml MPerClassSampler), wired in by sampler=m_per_class."""

import numpy as np
import pytest
import pytorch_lightning as pl
import torch

from siamese.data import DigitTensorDataset
from siamese.samplers import MPerClassBatchSampler
from siamese.training import build


def dataset(labels):
    labels = torch.as_tensor(labels)
    return DigitTensorDataset(torch.zeros(len(labels), 28, 28, dtype=torch.uint8), labels, torch.arange(len(labels)),
                              0.0, 1.0)


def test_every_batch_holds_m_images_of_batch_size_over_m_classes():
    np.random.seed(0)
    labels = np.repeat(np.arange(10), 60)  # 600 items, 10 classes
    batches = list(MPerClassBatchSampler(dataset(labels), batch_size=50, m=10))
    assert len(batches) == 12  # 600 / 50
    for batch in batches:
        counts = np.bincount(labels[batch], minlength=10)
        assert len(batch) == 50 and sorted(counts[counts > 0].tolist()) == [10] * 5


def test_few_classes_batches_are_consecutive_passes_of_m_per_class():
    np.random.seed(0)
    labels = np.array([4] * 300 + [9] * 200)
    batches = list(MPerClassBatchSampler(dataset(labels), batch_size=16, m=4))
    assert all(np.bincount(labels[b], minlength=10)[[4, 9]].tolist() == [8, 8] for b in batches)
    assert len(batches) == 500 // 16


def test_same_numpy_seed_same_batches_and_bad_values_name_the_parameter():
    runs = []
    for _ in range(2):
        np.random.seed(3)
        runs.append(list(MPerClassBatchSampler(dataset(np.repeat(np.arange(4), 30)), batch_size=8, m=2)))
    assert runs[0] == runs[1]
    with pytest.raises(ValueError, match="^m=0: must be an integer >= 1"):
        MPerClassBatchSampler(dataset([0, 1]), batch_size=2, m=0)
    with pytest.raises(ValueError, match=r"^m=3: must divide batch_size=10"):
        MPerClassBatchSampler(dataset(np.repeat(np.arange(10), 5)), batch_size=10, m=3)


def test_sampler_m_per_class_config_feeds_the_train_loader(cfg_factory):
    cfg = cfg_factory("sampler=m_per_class", "sampler.m=8", "data.max_train_samples=400", "logger=none",
                      "callbacks=none")
    pl.seed_everything(0)
    datamodule, _, _ = build(cfg)
    datamodule.setup()
    batch = next(iter(datamodule.train_dataloader()))
    assert torch.bincount(batch["label"], minlength=10)[[4, 9]].tolist() == [64, 64]
    both = cfg_factory("sampler=m_per_class", "miner=knn", "logger=none", "callbacks=none")
    with pytest.raises(ValueError, match="sampler=MPerClassBatchSampler and miner KNNMiner both choose"):
        build(both)
