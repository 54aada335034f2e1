"""``python -m siamese.human eval`` refuses ratings it cannot use (zero usable pairs,
constant ratings, Latin-1 files, NaN pixels, --n-perm 0, --n-boot -5) with a message naming the file, and says
SYNTHETIC on its console table."""

from __future__ import annotations

import numpy as np
import pytest

from siamese.human.__main__ import main as human_main

PAIRS = [f"p{k}" for k in range(8)]


@pytest.fixture
def pair_dir(tmp_path):
    rng = np.random.default_rng(0)
    directory = tmp_path / "pairs"
    directory.mkdir()
    images = rng.integers(0, 256, size=(2, len(PAIRS), 28, 28)).astype(np.uint8)
    np.savez(directory / "pairs.npz", images_a=images[0], images_b=images[1], pair_id=np.array(PAIRS))
    return directory


def write_ratings(path, rows, header="rater,pair_id,rating", encoding="utf-8"):
    path.write_bytes((header + "\n" + "".join(f"{r}\n" for r in rows)).encode(encoding))
    return path


def evaluate(pair_dir, ratings, *extra):
    return human_main(["eval", "--pairs", str(pair_dir), "--ratings", str(ratings), "--baselines", "pixels",
                       "--n-boot", "20", "--n-perm", "20", "--out", str(pair_dir.parent / "out"), *extra])


def test_zero_usable_pairs_is_an_error_naming_the_file(pair_dir, tmp_path, capsys):
    ratings = write_ratings(tmp_path / "ratings.csv", [])
    assert evaluate(pair_dir, ratings) == 2
    err = capsys.readouterr().err
    assert str(ratings) in err and "0 of 8 pairs have a rating" in err
    assert not (tmp_path / "out" / "comparison.csv").exists()


def test_constant_ratings_are_an_error(pair_dir, tmp_path, capsys):
    ratings = write_ratings(tmp_path / "ratings.csv", [f"ann,{p},5" for p in PAIRS])
    assert evaluate(pair_dir, ratings) == 2
    err = capsys.readouterr().err
    assert str(ratings) in err and "every rated pair has the same mean rating (5)" in err


def test_a_latin1_file_is_named_with_a_hint(pair_dir, tmp_path, capsys):
    ratings = write_ratings(tmp_path / "ratings.csv", [f"Jos\u00e9,{p},{k % 10 + 1}" for k, p in enumerate(PAIRS)],
                            encoding="latin-1")
    assert evaluate(pair_dir, ratings) == 2
    err = capsys.readouterr().err
    assert f"{ratings}, row 2: not UTF-8 text" in err and "Latin-1" in err and "iconv" in err


def test_a_utf8_bom_is_accepted(pair_dir, tmp_path, capsys):
    ratings = write_ratings(tmp_path / "ratings.csv", [f"ann,{p},{k % 10 + 1}" for k, p in enumerate(PAIRS)],
                            header="\ufeffrater,pair_id,rating")
    assert evaluate(pair_dir, ratings) == 0


def test_a_nan_pixel_says_nan(tmp_path, capsys):
    directory = tmp_path / "pairs"
    directory.mkdir()
    images = np.full((2, 3, 28, 28), 100.0)
    images[1, 2, 5, 5] = np.nan
    np.savez(directory / "pairs.npz", images_a=images[0], images_b=images[1], pair_id=np.array(["a", "b", "c"]))
    ratings = write_ratings(tmp_path / "ratings.csv", ["ann,a,1", "ann,b,2", "ann,c,3"])
    assert evaluate(directory, ratings) == 2
    err = capsys.readouterr().err
    assert "pairs.npz" in err and "key 'images_b'" in err and "NaN" in err


@pytest.mark.parametrize(("option", "value"), [("--n-perm", "0"), ("--n-boot", "-5"), ("--n-boot", "0")])
def test_non_positive_resampling_counts_are_rejected(pair_dir, tmp_path, capsys, option, value):
    ratings = write_ratings(tmp_path / "ratings.csv", [f"ann,{p},{k % 10 + 1}" for k, p in enumerate(PAIRS)])
    with pytest.raises(SystemExit) as info:
        evaluate(pair_dir, ratings, option, value)
    assert info.value.code == 2
    assert f"{option}: must be an integer >= 1, got {value}" in capsys.readouterr().err


def test_the_console_table_says_synthetic(pair_dir, tmp_path, capsys):
    ratings = write_ratings(tmp_path / "ratings.csv", [f"sim,{p},{k % 10 + 1},1" for k, p in enumerate(PAIRS)],
                            header="rater,pair_id,rating,synthetic")
    assert evaluate(pair_dir, ratings) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out.split("|")[0]  # before the table
    assert "SYNTHETIC" in (tmp_path / "out" / "comparison.md").read_text()


def bca_by_hand(values, estimate, jackknife, level: float = 0.95) -> tuple[float, float]:
    """The BCa interval of bootstrap ``values``: percentiles at ``ndtr(z0 + (z0 + z) / (1 - a (z0 + z)))``, with the
    bias ``z0`` from the share of values below ``estimate`` and the acceleration ``a`` from the ``jackknife``."""
    from scipy.special import ndtr, ndtri

    values, jackknife = np.asarray(values, dtype=float), np.asarray(jackknife, dtype=float)
    z0 = ndtri(((values < estimate).mean() + (values <= estimate).mean()) / 2)
    d = jackknife.mean() - jackknife
    a = (d ** 3).sum() / (6 * (d ** 2).sum() ** 1.5)
    z = ndtri(np.array([(1 - level) / 2, (1 + level) / 2]))
    return tuple(np.percentile(values, 100 * ndtr(z0 + (z0 + z) / (1 - a * (z0 + z)))))


def test_eval_images_cis_by_hand():
    """BCa bootstrap CIs of the image-set scores, against a slow re-computation with the same draws: the matrix
    over images (the pairs of two different drawn images), the triplet agreement over triplets."""
    from scipy import stats

    from siamese.human.compare.correlation import matrix_agreement, matrix_agreement_ci, triplet_agreement_ci

    rng = np.random.default_rng(1)
    points = rng.normal(size=(12, 3))
    model = points @ points.T
    human = model + rng.normal(0, 0.5, model.shape)
    human = (human + human.T) / 2
    low, high = matrix_agreement_ci(model, human, n_boot=50, seed=3)
    draws, upper = np.random.default_rng(3), np.triu_indices(12, k=1)
    values = []
    for _ in range(50):
        pick = draws.integers(0, 12, size=12)
        i, j = pick[upper[0]], pick[upper[1]]
        keep = i != j
        values.append(stats.spearmanr(model[i[keep], j[keep]], human[i[keep], j[keep]])[0])
    jackknife = [matrix_agreement(np.delete(np.delete(model, k, 0), k, 1), np.delete(np.delete(human, k, 0), k, 1))
                 for k in range(12)]
    assert (low, high) == pytest.approx(bca_by_hand(values, matrix_agreement(model, human), jackknife))
    assert matrix_agreement_ci(model, model, n_boot=20) == (pytest.approx(1.0), pytest.approx(1.0))
    triplets = [(0, 1, 2, 1), (0, 1, 2, 2), (3, 4, 5, 4), (3, 4, 5, 5), (0, 4, 5, 4)]
    scores = np.array([1.0 if model[a, c] > model[a, b if c == x else x] else 0.0 for a, x, b, c in triplets])
    picks = np.random.default_rng(0).integers(0, 5, size=(40, 5))
    jackknife = [np.delete(scores, k).mean() for k in range(5)]
    assert triplet_agreement_ci(model, triplets, n_boot=40) == pytest.approx(
        bca_by_hand(scores[picks].mean(1), scores.mean(), jackknife))


def test_eval_images_prints_cis(tmp_path, capsys):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(6, 28, 28)).astype(np.uint8)
    np.savez(tmp_path / "images.npz", images=images, image_id=np.array([f"i{k}" for k in range(6)]))
    np.save(tmp_path / "similarity.npy", np.corrcoef(rng.normal(size=(6, 4))))
    assert human_main(["eval-images", str(tmp_path), "--n-boot", "30"]) == 0
    out = capsys.readouterr().out
    assert "| model | layer | matrix rho [95% CI] | triplet agreement [95% CI] |" in out
    row = next(line for line in out.splitlines() if line.startswith("| pixels"))
    assert row.count("[") == 1 and "30 resamples" in out
