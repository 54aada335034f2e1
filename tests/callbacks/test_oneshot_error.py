"""OneshotError: val/oneshot_error every epoch in a real (short) MNIST training, as the checkpoint monitor; the
split check before training."""

import json
from pathlib import Path

import numpy as np
import pytest
from hydra.utils import instantiate

from siamese.callbacks.best_checkpoint import BestCheckpoint
from siamese.evaluation.embeddings import embed_loader
from siamese.evaluation.oneshot import oneshot_error
from siamese.models.loading import load_net
from siamese.training import train

TEN = "data.digits=[0,1,2,3,4,5,6,7,8,9]"
SMALL = ["logger=csv", "data.max_train_samples=400", "data.max_test_samples=200", "data.batch_size=64",
         "~callbacks.embedding_plot", "~callbacks.embedding_collapse", "~callbacks.wandb_embedding_table"]


def test_logs_every_epoch_and_is_the_checkpoint_monitor(cfg_factory):
    cfg = cfg_factory(*SMALL, TEN, "trainer.max_epochs=2", "callbacks=oneshot_error",
                      "callbacks.oneshot_error.n_way=5", "callbacks.oneshot_error.episodes=100",
                      "optimized_metric=val/oneshot_error")
    metrics = train(cfg)
    run = Path(cfg.paths.output_dir)
    history = [json.loads(line) for line in (run / "metrics_history.jsonl").read_text().splitlines()]
    errors = [row["val/oneshot_error"] for row in history]
    assert len(errors) == 2 and all(0 <= e <= 1 for e in errors)
    assert errors[-1] < 0.5 < 1 - 1 / 5  # learns: well below chance (4/5) after 2 short epochs
    assert all(row["val/oneshot_error_ci"] > 0 for row in history)
    assert 0 <= metrics["test/oneshot_error"] < 0.5
    best = list((run / "checkpoints").glob("best-epoch*.ckpt"))
    assert len(best) == 1 and best[0].name == f"best-epoch{int(np.argmin(errors)) + 1:03d}.ckpt"  # min, from 1
    # the logged value is oneshot_error of the last epoch's val embeddings (the same seeded episodes)
    datamodule = instantiate(cfg.data)
    datamodule.setup("fit")
    data = embed_loader(load_net(run / "checkpoints" / "last.ckpt").net, datamodule.eval_dataloader("val"))
    again = oneshot_error(data["embedding"], data["label"], n_way=5, episodes=100, seed=0)
    assert again.error == pytest.approx(errors[-1], abs=1e-6)


def test_mode_is_min_for_an_error():
    assert BestCheckpoint.auto_mode("val/oneshot_error") == "min"
    assert BestCheckpoint.auto_mode("val/precision_at_1") == "max"


def test_too_few_classes_fail_before_training(cfg_factory):
    cfg = cfg_factory(*SMALL, "trainer.max_epochs=1", "callbacks=oneshot_error")  # 4 vs 9: 2 classes
    with pytest.raises(ValueError, match=r"callbacks\.oneshot_error\.n_way=20 .* on the val split: n_way=20 needs "
                                         r"20 classes with >= 2 items each; there are 2"):
        train(cfg)


def test_omniglot_episodes_stay_within_an_alphabet(cfg_factory):
    # two validation alphabets: the logged error is the within-alphabet one, on the data module's label_groups
    cfg = cfg_factory("data=omniglot", "data.val_alphabets=[Early_Aramaic,Balinese]", "data.test_alphabets=[Greek]",
                      "logger=csv", "trainer.max_epochs=1", "+trainer.limit_train_batches=2", "callbacks=oneshot_error",
                      "~callbacks.embedding_plot", "~callbacks.embedding_collapse", "~callbacks.wandb_embedding_table",
                      "~callbacks.retrieval_metrics", "callbacks.oneshot_error.episodes=50", "test=false")
    train(cfg)
    run = Path(cfg.paths.output_dir)
    logged = json.loads((run / "metrics_history.jsonl").read_text().splitlines()[-1])["val/oneshot_error"]
    datamodule = instantiate(cfg.data)
    datamodule.setup("fit")
    assert set(datamodule.label_groups[c] for c in datamodule.eval_dataloader("val").dataset.labels.tolist()) == {
        "Early_Aramaic", "Balinese"}
    data = embed_loader(load_net(run / "checkpoints" / "last.ckpt").net, datamodule.eval_dataloader("val"))
    within = oneshot_error(data["embedding"], data["label"], datamodule.label_groups, episodes=50, within_group=True)
    assert logged == pytest.approx(within.error, abs=1e-6)
