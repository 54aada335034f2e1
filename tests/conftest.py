import os

import pytest

os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_SILENT", "true")
# One torch thread in the test process, as the train.py subprocesses of the tests already have (sweep_helpers): the
# tests' nets are tiny, so a second intra-op thread buys little even on an idle machine, and on a busy one (the
# other jobs of a shared 2-core box) its spin-waits doubled the wall time of the real trainings
# (test_small_real_training_learns_4_vs_9: 86 s with torch's 2 threads, 44 s with 1, back to back).
# OMP_NUM_THREADS=2 python -m pytest ... overrides it.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402  (after OMP_NUM_THREADS: it is read when torch starts its thread pool)

torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))


@pytest.fixture
def cfg_factory(tmp_path):
    """``cfg_factory(*overrides)``: the composed training config with its run directory in tmp_path."""
    from siamese.config import compose_config

    def make(*overrides):
        return compose_config(overrides, output_dir=tmp_path / "run")

    return make


@pytest.fixture(scope="session")
def random_classifier_ckpt(tmp_path_factory):
    """A checkpoint in train.py's format (run config, ``net.`` weights, data-module normalization) of the
    classifier convnet with seeded random weights: a real frozen net for the commands, without training."""
    from checkpoint_files import write_random_checkpoint

    from siamese.models import ClassifierNet

    return write_random_checkpoint(tmp_path_factory.mktemp("ckpt") / "random.ckpt", ClassifierNet,
                                   {"num_classes": 10}, "random-classifier")


@pytest.fixture
def random_pair_set(tmp_path):
    """``random_pair_set(n, pair_ids=None)``: ``n`` pairs of seeded random-noise 28x28 images written to
    ``<tmp>/pairs/pairs.npz`` and loaded (pair ids ``q0, q1, ...`` unless given): a pair set for the rating
    server and page tests."""
    import numpy as np

    from siamese.human.io.pair_set import load_pair_set

    def make(n, pair_ids=None):
        directory = tmp_path / "pairs"
        directory.mkdir()
        images = np.random.default_rng(0).integers(0, 256, size=(2, n, 28, 28), dtype=np.uint8)
        ids = list(pair_ids) if pair_ids is not None else [f"q{k}" for k in range(n)]
        np.savez(directory / "pairs.npz", images_a=images[0], images_b=images[1], pair_id=np.array(ids))
        return load_pair_set(directory)

    return make


@pytest.fixture(scope="session")
def quick_classifier_run(tmp_path_factory):
    """One quick real run of ``python train.py task=classify`` on a subset of the ten digits, shared by every test
    that needs a trained classifier checkpoint: (metrics, path of ``checkpoints/last.ckpt`` in its run directory).
    Training it once for the session instead of once per test module is the point: it is the costliest setup."""
    from siamese.config import compose_config
    from siamese.training import train

    run_dir = tmp_path_factory.mktemp("quick_classifier") / "classify"  # the model is named after its run directory
    cfg = compose_config(["task=classify", "logger=csv", "callbacks=classify", "data.max_train_samples=6000",
                          "data.max_test_samples=2000", "trainer.max_epochs=3"],
                         output_dir=run_dir)
    metrics = train(cfg)
    return metrics, run_dir / "checkpoints" / "last.ckpt"
