"""The public API of a trained checkpoint: MetricLearningModule.load_from_checkpoint, eval.py, console scripts."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml

import siamese
from siamese.data.mnist import load_mnist_split
from siamese.modules import ClassifierModule, MetricLearningModule
from siamese.training import train

REPO = Path(__file__).resolve().parents[1]
TINY = ["logger=csv", "data.max_train_samples=300", "data.max_test_samples=120", "data.batch_size=64",
        "trainer.max_epochs=1", "~callbacks.embedding_plot"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from siamese.config import compose_config

    run = tmp_path_factory.mktemp("train") / "run"
    cfg = compose_config(TINY, output_dir=run)
    metrics = train(cfg)
    return run, metrics


def test_load_from_checkpoint_gives_the_trained_embeddings(trained):
    run, _ = trained
    ckpt = run / "checkpoints" / "last.ckpt"
    module = MetricLearningModule.load_from_checkpoint(ckpt).eval()
    images = load_mnist_split("test")[0][:50]
    loaded = siamese.load(ckpt)  # the net as the checkpoint stores it, with its normalization
    with torch.no_grad():
        ours = module(loaded.normalize(images)).numpy()
    assert ours.shape == (50, 2)
    assert (ours == loaded.embed(images)).all()
    # the rebuilt module is the trained one: same loss, miner and optimizer settings, state dict equal
    state = torch.load(ckpt, map_location="cpu", weights_only=True)["state_dict"]
    assert all(torch.equal(module.state_dict()[k], v) for k, v in state.items())
    assert type(module.loss).__name__ == "ContrastiveLoss" and type(module.miner).__name__ == "RandomMiner"
    assert module.configure_optimizers().param_groups[0]["lr"] == module.run_config["optimizer"]["lr"]
    with pytest.raises(TypeError, match="holds a MetricLearningModule"):
        ClassifierModule.load_from_checkpoint(ckpt)


def test_load_from_checkpoint_names_a_checkpoint_without_config(tmp_path):
    path = tmp_path / "bare.ckpt"
    torch.save({"state_dict": {}}, path)
    with pytest.raises(ValueError, match="bare.ckpt.*siamese_config"):
        MetricLearningModule.load_from_checkpoint(path)
    with pytest.raises(FileNotFoundError, match="missing.ckpt"):
        MetricLearningModule.load_from_checkpoint(tmp_path / "missing.ckpt")


def test_eval_py_tests_the_checkpoint_with_its_stored_config(trained, tmp_path):
    run, train_metrics = trained
    out = tmp_path / "eval"
    subprocess.run([sys.executable, "eval.py", f"ckpt_path={run}", f"hydra.run.dir={out}", "logger=csv"],
                   cwd=REPO, check=True, capture_output=True, timeout=600)
    metrics = json.loads((out / "metrics.json").read_text())
    # the same test sets and weights as the test after fitting (one epoch: the best checkpoint is the last)
    assert metrics["test/precision_at_1"] == train_metrics["test/precision_at_1"]
    assert metrics["test_shifted/precision_at_1"] == train_metrics["test_shifted/precision_at_1"]
    used = yaml.safe_load((out / "run_config.yaml").read_text())
    assert used["data"]["max_test_samples"] == 120 and used["paths"]["output_dir"] == str(out)
    assert (out / "csv" / "metrics.csv").is_file() and not (run / "eval").exists()  # nothing in the training run


def test_eval_overrides_change_the_stored_config(trained, tmp_path):
    from siamese.config import compose_config
    from siamese.evaluating import eval_config

    run, _ = trained
    overrides = [f"ckpt_path={run}", "data.max_test_samples=40", "~callbacks.epoch_timer", "logger=csv"]
    cfg = eval_config(compose_config(overrides, output_dir=tmp_path / "e", config_name="eval"), overrides)
    assert cfg.data.max_test_samples == 40 and cfg.data.max_train_samples == 300  # stored, unless overridden
    assert "epoch_timer" not in cfg.callbacks and cfg.ckpt_path == str(run / "checkpoints" / "last.ckpt")
    assert cfg.callbacks.metrics_history.output_dir == str(tmp_path / "e")  # re-rooted to the eval run


@pytest.mark.parametrize("script", ["train", "eval"])
def test_entry_points_answer_help(script):
    done = subprocess.run([sys.executable, "-m", f"siamese.scripts.{script}", "--help"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "Powered by Hydra" in done.stdout


@pytest.mark.slow  # the installed copy (pip install -e), a second full start of the stack per script
@pytest.mark.parametrize("script", ["train", "eval"])
def test_console_scripts_answer_help_from_any_directory(script):
    console = shutil.which(f"siamese-{script}")
    if console is None:
        pytest.skip(f"siamese-{script} is not installed (pip install -e .)")
    done = subprocess.run([console, "--help"], cwd="/", capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "ckpt_path" in done.stdout  # the composed config, found from any directory
