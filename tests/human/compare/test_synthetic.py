"""SYNTHETIC is said by a file's content (a ``synthetic`` column / npz key), never by its name, and reaches every
output made from it."""

import csv
import json

import numpy as np
import pytest
import torch

from siamese.human.__main__ import main as human_main
from siamese.human.collect.pairs import make_pairs
from siamese.human.compare.synthetic import synthetic_ratings
from siamese.human.io import FormatError, load_image_set, load_pair_set, load_ratings
from siamese.human.io.read import from_pair_set
from siamese.human.report.ais import write_report


@pytest.fixture(scope="module")
def eights(tmp_path_factory):
    return make_pairs(tmp_path_factory.mktemp("eights"), n=20, digit=8, seed=0)


def test_the_synthetic_column_marks_ratings_whatever_the_file_is_called(eights, tmp_path):
    generated = synthetic_ratings(eights, tmp_path / "ratings_synthetic.csv", n_raters=3, seed=0)
    header = generated.read_text().splitlines()[0]
    assert header == "rater,pair_id,rating,pair_set,synthetic"
    renamed = tmp_path / "ratings.csv"  # a neutral name: the content still says SYNTHETIC
    renamed.write_text(generated.read_text())
    assert load_ratings(renamed, eights.pair_id).synthetic
    # a file of people's ratings called *synthetic* is not taken for generated data
    people = tmp_path / "synthetic_looking_name.csv"
    people.write_text("rater,pair_id,rating\nann,p01,3\nbob,p01,4\n")
    assert not load_ratings(people, eights.pair_id).synthetic
    zeros = tmp_path / "zeros.csv"
    zeros.write_text("rater,pair_id,rating,synthetic\nann,p01,3,0\nbob,p01,4,\n")
    assert not load_ratings(zeros, eights.pair_id).synthetic
    bad = tmp_path / "bad.csv"
    bad.write_text("rater,pair_id,rating,synthetic\nann,p01,3,maybe\n")
    with pytest.raises(FormatError, match=r"bad.csv, row 2: column 'synthetic' must be 1/true/yes or 0/false/no"):
        load_ratings(bad, eights.pair_id)


def test_pair_sets_carry_the_flag_from_npz_key_or_csv_column(eights, tmp_path):
    assert not eights.synthetic
    npz_dir = tmp_path / "npz"
    npz_dir.mkdir()
    np.savez(npz_dir / "pairs.npz", images_a=eights.images_a, images_b=eights.images_b,
             pair_id=np.array(eights.pair_id), synthetic=np.array(True))
    assert load_pair_set(npz_dir).synthetic
    csv_dir = tmp_path / "csv"
    csv_dir.mkdir()
    rows = list(csv.reader(open(eights.path / "pairs.csv")))
    (csv_dir / "pairs.csv").write_text("\n".join(",".join(r + [v]) for r, v in zip(rows, ["synthetic"] + ["1"] * 20)))
    loaded = load_pair_set(csv_dir)
    assert loaded.synthetic and loaded.pair_id == eights.pair_id
    np.testing.assert_array_equal(loaded.images_a, eights.images_a)


def test_eval_outputs_say_synthetic_from_the_content(eights, tmp_path, capsys):
    ratings = tmp_path / "ratings.csv"
    ratings.write_text(synthetic_ratings(eights, tmp_path / "ratings_synthetic.csv", n_raters=3, seed=1).read_text())
    out = tmp_path / "eval"
    assert human_main(["eval", "--pairs", str(eights.path), "--ratings", str(ratings), "--baselines", "pixels",
                       "--out", str(out), "--n-boot", "50", "--n-perm", "50"]) == 0
    console = capsys.readouterr().out
    assert console.startswith("**SYNTHETIC RATINGS: generated, not given by people.**")
    assert (out / "comparison.md").read_text().startswith("**SYNTHETIC RATINGS")
    assert [row["synthetic"] for row in csv.DictReader(open(out / "comparison.csv"))] == ["1"]
    # the same numbers from people (no column): no SYNTHETIC anywhere
    people = tmp_path / "people.csv"
    people.write_text("\n".join(line.rsplit(",", 1)[0] for line in ratings.read_text().splitlines()) + "\n")
    assert human_main(["eval", "--pairs", str(eights.path), "--ratings", str(people), "--baselines", "pixels",
                       "--out", str(tmp_path / "eval2"), "--n-boot", "50", "--n-perm", "50"]) == 0
    assert "SYNTHETIC" not in capsys.readouterr().out
    assert "SYNTHETIC" not in (tmp_path / "eval2" / "comparison.md").read_text()
    assert [row["synthetic"] for row in csv.DictReader(open(tmp_path / "eval2" / "comparison.csv"))] == ["0"]


def test_ais_report_says_synthetic_from_the_content(eights, tmp_path):
    ratings = tmp_path / "r.csv"
    ratings.write_text(synthetic_ratings(eights, tmp_path / "ratings_synthetic.csv", n_raters=3, seed=0).read_text())
    data = from_pair_set(eights, load_ratings(ratings, eights.pair_id))
    assert data.synthetic
    features = torch.as_tensor(np.random.default_rng(0).random((len(data.images), 6, 3, 3)))
    summary = write_report(features, data, tmp_path / "ais", "conv2", repeats=2)
    assert summary["synthetic"] and json.loads((tmp_path / "ais" / "summary.json").read_text())["synthetic"]
    assert (tmp_path / "ais" / "ais.md").read_text().startswith("# Alignment importance, layer conv2 (SYNTHETIC")
    assert "(SYNTHETIC" in (tmp_path / "ais" / "cv.md").read_text().splitlines()[0]


def test_image_sets_carry_the_flag_to_the_console_table(eights, tmp_path, capsys):
    images = np.concatenate([eights.images_a[:4], eights.images_b[:4]])
    np.savez(tmp_path / "images.npz", images=images, image_id=np.arange(8), synthetic=np.array(True))
    np.save(tmp_path / "similarity.npy", np.eye(8) + 0.1)
    assert load_image_set(tmp_path).synthetic
    assert human_main(["eval-images", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith("SYNTHETIC human data")
    np.savez(tmp_path / "images.npz", images=images, image_id=np.arange(8))
    assert not load_image_set(tmp_path).synthetic
    assert human_main(["eval-images", str(tmp_path)]) == 0
    assert "SYNTHETIC" not in capsys.readouterr().out
