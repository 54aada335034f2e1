"""model=torchvision: a resnet18 with random weights saved to a local file, loaded from it, trains an embedding;
freezing; grey input; named layers through the same activations() API; the k-NN miner's checkpoint_layer."""

import math
from pathlib import Path

import pytest
import torch

from siamese.models.torchvision_net import TorchvisionNet
from siamese.training import train
from siamese.utils.checkpoints import load_checkpoint
from tests.dataset_files import pin_cifar_md5, write_cifar


@pytest.fixture
def resnet_file(tmp_path):
    import torchvision

    torch.manual_seed(0)
    path = tmp_path / "resnet18_random.pt"
    torch.save(torchvision.models.resnet18(weights=None).state_dict(), path)
    return path


def test_weights_come_from_the_file_and_the_head_is_an_embedding(resnet_file):
    net = TorchvisionNet("resnet18", weights=str(resnet_file), embedding_dim=16)
    saved = torch.load(resnet_file, weights_only=True)
    assert torch.equal(net.backbone.layer4[1].conv2.weight, saved["layer4.1.conv2.weight"])
    assert isinstance(net.backbone.fc, torch.nn.Identity) and net.embedding.out_features == 16
    grey = torch.randn(2, 1, 28, 28)  # repeated to 3 channels
    net.eval()
    out = net.activations(grey, ["layer2", "layer4.1.relu_1", "embedding"])
    assert out["layer2"].shape == (2, 128, 4, 4)
    torch.testing.assert_close(out["embedding"], net(grey))
    torch.testing.assert_close(net(grey), net(grey.expand(-1, 3, -1, -1)))
    with pytest.raises(KeyError, match="unknown layer 'layer9'"):
        net.activations(grey, ["layer9"])
    with pytest.raises(FileNotFoundError, match="never downloaded"):
        TorchvisionNet("resnet18", weights=str(resnet_file.with_name("absent.pt")))


def test_freeze_all_but_the_last_stage_trains_only_layer4_and_the_head():
    net = TorchvisionNet("resnet18", embedding_dim=4, freeze="all_but_last", trainable_stages=1)
    trainable = {name.split(".")[1] if name.startswith("backbone.") else name.split(".")[0]
                 for name, p in net.named_parameters() if p.requires_grad}
    assert trainable == {"layer4", "embedding"}
    net.train()
    assert not net.backbone.bn1.training and net.backbone.layer4.training
    head_only = TorchvisionNet("resnet18", embedding_dim=4, freeze="backbone")
    assert {n for n, p in head_only.named_parameters() if p.requires_grad} == {"embedding.weight", "embedding.bias"}


def test_resnet18_from_a_local_file_lowers_a_contrastive_loss_in_a_few_steps(resnet_file):
    from pytorch_metric_learning.losses import ContrastiveLoss

    from tests.dataset_files import synthetic_images

    images, labels = synthetic_images(32, 4, size=32, channels=3)
    x = torch.as_tensor(images).permute(0, 3, 1, 2).float() / 255
    y = torch.as_tensor(labels)
    torch.manual_seed(0)
    net = TorchvisionNet("resnet18", weights=str(resnet_file), embedding_dim=16, freeze="all_but_last")
    optimizer = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=1e-3)
    loss_fn, losses = ContrastiveLoss(pos_margin=0.0, neg_margin=1.0), []
    for _ in range(6):
        optimizer.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert all(math.isfinite(v) for v in losses) and losses[-1] < 0.7 * losses[0], losses


@pytest.mark.slow  # ~25 s CPU: the whole train.py path with model=torchvision
def test_resnet18_from_a_local_file_trains_an_embedding(cfg_factory, tmp_path, monkeypatch, resnet_file):
    pin_cifar_md5(monkeypatch, write_cifar(tmp_path / "data"))
    saved = torch.load(resnet_file, weights_only=True)
    cfg = cfg_factory("data=cifar10", f"data.root={tmp_path / 'data'}", "model=torchvision",
                      f"model.weights={resnet_file}", "model.embedding_dim=16", "logger=csv",
                      "data.batch_size=32", "trainer.max_epochs=1", "+trainer.limit_train_batches=3",
                      "data.max_test_samples=20", "data.shift.values=[-0.1,0.1]", "~callbacks.progress_bar",
                      "callbacks.embedding_plot.every_n_epochs=1")
    metrics = train(cfg)
    assert math.isfinite(metrics["train/loss"]) and 0 <= metrics["test/precision_at_1"] <= 1
    checkpoint = load_checkpoint(Path(cfg.paths.output_dir) / "checkpoints" / "last.ckpt")  # as the project reads it
    trained = checkpoint["state_dict"]["net.backbone.layer1.0.conv1.weight"]
    assert trained.shape == saved["layer1.0.conv1.weight"].shape
    assert not torch.equal(trained, saved["layer1.0.conv1.weight"])  # it started there and moved
    assert (Path(cfg.paths.output_dir) / "plots" / "embeddings_epoch_001.png").exists()
    # the k-NN miner's reference space: a named layer of this checkpoint (rebuilt without re-reading the file)
    resnet_file.unlink()
    ckpt = Path(cfg.paths.output_dir) / "checkpoints" / "last.ckpt"
    knn = cfg_factory("data=cifar10", f"data.root={tmp_path / 'data'}", "debug=fdr", "miner=knn",
                      "miner.reference=checkpoint_layer", f"miner.checkpoint={ckpt}", "miner.layer=layer3")
    assert math.isfinite(train(knn)["train/loss"])
