"""Human data on any images: RGB pair/image sets of any size, their display size on the rating page, make-pairs
from any dataset or an image folder; every human command takes every model source (the course convnet)."""

import io
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from siamese.human.__main__ import main as human_main
from siamese.human.io.display import display_size
from siamese.human.io.pair_set import load_pair_set
from tests.dataset_files import pin_cifar_md5, write_cifar, write_image_folder

COURSE_DIR = Path(__file__).resolve().parents[3] / "experiments" / "beyond_mnist"


def test_rgb_pair_set_of_any_size_loads_and_is_shown_at_a_sensible_size(tmp_path):
    from PIL import Image

    from siamese.human.collect.rating_server import pair_png

    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 256, (3, 40, 60, 3), dtype=np.uint8), rng.integers(0, 256, (3, 40, 60, 3), dtype=np.uint8)
    np.savez(tmp_path / "pairs.npz", images_a=a, images_b=b, pair_id=np.array(["x1", "x2", "x3"]))
    pairs = load_pair_set(tmp_path)
    assert pairs.images_a.shape == (3, 40, 60, 3) and np.array_equal(pairs.images_b, b)
    shown = Image.open(io.BytesIO(pair_png(pairs.images_a[0])))
    assert shown.size == (240, 160) and shown.mode == "RGB"  # enlarged x4 (longer side 224-320), not inverted
    assert np.array_equal(np.asarray(shown)[::4, ::4], a[0])
    digit = Image.open(io.BytesIO(pair_png(np.zeros((28, 28), np.uint8))))
    assert digit.size == (224, 224) and np.asarray(digit).min() == 255  # dark on white
    assert display_size(600, 800) == ((240, 320), False)  # large photos scaled down to fit


def test_make_pairs_from_a_cifar_format_dataset_and_from_an_image_folder(tmp_path, monkeypatch):
    pin_cifar_md5(monkeypatch, write_cifar(tmp_path / "cifar"))
    assert human_main(["make-pairs", str(tmp_path / "cats"), "--dataset", "cifar10", "--root", str(tmp_path / "cifar"),
                       "--classes", "cat", "dog", "--n", "3"]) == 0
    pairs = load_pair_set(tmp_path / "cats")
    assert pairs.images_a.shape == (3, 32, 32, 3) and set(pairs.label.tolist()) <= {3, 5}
    assert (tmp_path / "cats" / "sheet.png").exists()
    write_image_folder(tmp_path / "pics")
    assert human_main(["make-pairs", str(tmp_path / "mixed"), "--images", str(tmp_path / "pics"), "--across",
                       "--n", "4", "--image-size", "36"]) == 0
    mixed = load_pair_set(tmp_path / "mixed")
    assert mixed.images_b.shape == (4, 36, 36, 3) and (mixed.label == -1).all()
    assert human_main(["make-pairs", str(tmp_path / "x"), "--dataset", "cifar10", "--root", str(tmp_path / "no"),
                       ]) == 2  # the missing-data error, as a command-line error


@pytest.fixture
def course_model(tmp_path):
    sys.path.insert(0, str(COURSE_DIR))
    from course_net import Net

    torch.manual_seed(0)
    net = Net().eval()
    torch.save(net.state_dict(), tmp_path / "course_net.pt")
    return net, tmp_path / "course_net.pt"


def test_eval_scores_the_course_convnet_from_the_command_line(tmp_path, course_model, capsys):
    from siamese.human.compare.similarity import cosine_rows
    from siamese.human.io.ratings import load_ratings

    net, weights = course_model
    pairs_dir = Path(__file__).resolve().parents[3] / "experiments" / "alignment_importance" / "pairs_8"
    ratings = pairs_dir / "ratings_synthetic.csv"
    code = human_main(["eval", "--model", "course_net:Net", "--weights", str(weights), "--mean", "0.1307", "--std",
                       "0.3081", "--layers", "output.1", "output.2", "--pairs", str(pairs_dir), "--ratings",
                       str(ratings), "--out", str(tmp_path / "eval"), "--n-boot", "50", "--n-perm", "50"])
    assert code == 0
    table = (tmp_path / "eval" / "comparison.csv").read_text().splitlines()
    assert [line.split(",")[1] for line in table[1:]] == ["output.1", "output.2"]
    # r of output.1 (fc) equals the Pearson r computed by hand
    pairs = load_pair_set(pairs_dir)
    x = lambda im: (torch.as_tensor(im).float()[:, None] / 255 - 0.1307) / 0.3081  # noqa: E731
    with torch.no_grad():
        fc = cosine_rows(net(x(pairs.images_a))[1], net(x(pairs.images_b))[1])
    human = load_ratings(ratings, pairs.pair_id).mean()
    r = float(table[1].split(",")[3])
    assert r == pytest.approx(np.corrcoef(fc, human)[0, 1], abs=1e-3)


def test_ais_and_eval_images_take_a_user_module(tmp_path, course_model):
    _, weights = course_model
    from siamese.data import load_mnist

    images, _ = load_mnist("test")
    sim = np.corrcoef(images[:30].reshape(30, -1).float().numpy())
    (tmp_path / "set").mkdir()
    np.savez(tmp_path / "set" / "images.npz", images=images[:30].numpy(), image_id=np.arange(30).astype(str),
             synthetic=np.array(True))
    np.save(tmp_path / "set" / "similarity.npy", sim)
    common = ["--model", "course_net:Net", "--weights", str(weights), "--mean", "0.1307", "--std", "0.3081"]
    assert human_main(["eval-images", str(tmp_path / "set"), *common, "--layers", "output.1", "conv2"]) == 0
    assert human_main(["ais", *common, "--layer", "output.2", "--image-set", str(tmp_path / "set"), "--repeats", "2",
                       "--out", str(tmp_path / "ais")]) == 0
    assert (tmp_path / "ais" / "summary.json").exists()


def test_siamese_load_takes_every_source(course_model):
    import siamese

    net, weights = course_model
    model = siamese.load("course_net:Net", str(weights), mean=(0.1307,), std=(0.3081,), embedding_layer="output.1")
    images = np.zeros((2, 28, 28), np.uint8)
    with torch.no_grad():
        expected = net(torch.full((2, 1, 28, 28), -0.1307 / 0.3081))[1].numpy()
    np.testing.assert_allclose(model.embed(images), expected, rtol=1e-5, atol=1e-6)


def test_an_rgb_checkpoint_declares_its_preprocessing_and_feeds_the_knn_miner(cfg_factory, tmp_path, monkeypatch):
    import siamese
    from siamese.training import train

    pin_cifar_md5(monkeypatch, write_cifar(tmp_path / "cifar"))
    data = ["data=cifar10", f"data.root={tmp_path / 'cifar'}", "data.transforms.train=[]"]
    cfg = cfg_factory("debug=limit", *data, "model.embedding_dim=4", "trainer.max_epochs=1", "test=false")
    train(cfg)
    ckpt = Path(cfg.paths.output_dir) / "checkpoints" / "last.ckpt"
    model = siamese.load(ckpt)
    p = model.preprocessing
    assert p.channels == 3 and p.size == (32, 32) and len(p.mean) == 3
    photos = np.random.default_rng(0).integers(0, 256, (2, 48, 40, 3), dtype=np.uint8)  # any size: resized
    assert model.embed(photos).shape == (2, 4)
    assert model.activations(photos, ["conv2"])["conv2"].shape == (2, 64, 4, 4)
    knn = cfg_factory("debug=fdr", *data, "miner=knn", "miner.reference=checkpoint_layer",
                      f"miner.checkpoint={ckpt}", "miner.layer=conv2")
    assert np.isfinite(train(knn)["train/loss"])
