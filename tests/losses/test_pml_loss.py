"""loss=pml: any pytorch-metric-learning loss by name, pml's own value, proxies trained by the optimizer."""

import pytest
import torch
from pytorch_metric_learning import losses as pml_losses

from siamese.losses import PMLLoss
from siamese.training import build


@pytest.mark.parametrize("name, kwargs", [("MultiSimilarityLoss", {"alpha": 2.0, "beta": 40.0}),
                                          ("ContrastiveLoss", {"neg_margin": 0.8}),
                                          ("ProxyAnchorLoss", {"margin": 0.1}),
                                          ("NormalizedSoftmaxLoss", {"temperature": 0.1})])
def test_value_equals_pmls_own_on_a_fixed_batch(name, kwargs):
    generator = torch.Generator().manual_seed(0)
    emb = torch.randn(12, 5, generator=generator)
    labels = torch.tensor([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3])
    torch.manual_seed(1)
    ours = PMLLoss(name, num_classes=4, embedding_size=5, **kwargs)
    torch.manual_seed(1)  # the same proxy initialisation
    extra = {"num_classes": 4, "embedding_size": 5} if name.startswith(("Proxy", "Normalized")) else {}
    theirs = getattr(pml_losses, name)(**extra, **kwargs)
    value = ours(emb, labels)
    assert value.item() == pytest.approx(theirs(emb, labels).item(), abs=1e-6) and value.item() > 0


def test_bad_name_and_missing_class_count_fail_with_the_key():
    with pytest.raises(ValueError, match="loss.name='Nope'.*ProxyAnchorLoss"):
        PMLLoss("Nope")
    with pytest.raises(ValueError, match="loss.num_classes"):
        PMLLoss("ProxyAnchorLoss", embedding_size=4)
    with pytest.raises(ValueError, match="label 9 has no proxy"):
        PMLLoss("ProxyAnchorLoss", num_classes=4, embedding_size=2)(torch.randn(2, 2), torch.tensor([1, 9]))


def test_a_proxy_loss_trains_its_proxies_with_the_net(cfg_factory):
    cfg = cfg_factory("debug=fdr", "loss=pml", "loss.name=ProxyAnchorLoss", "loss.num_classes=10",
                      "loss.lr_multiplier=10", "miner=none", "model.embedding_dim=8", "logger=none",
                      "callbacks=none", "test=false")
    assert cfg.loss.embedding_size == 8  # interpolated from the model config
    datamodule, module, trainer = build(cfg)
    proxies = module.loss.inner.proxies
    before = proxies.detach().clone()
    optimizer = module.configure_optimizers()
    assert [g["lr"] for g in optimizer.param_groups] == [cfg.optimizer.lr, cfg.optimizer.lr * 10]
    trainer.fit(module, datamodule=datamodule)
    assert module.loss.inner.proxies is proxies and not torch.equal(proxies.detach(), before)
