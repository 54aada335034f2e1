"""rsatoolbox interoperability: RDMs of rated pairs and of a model, their HDF5 file read back, and the project's
correlation and noise ceiling against rsatoolbox's on the same data (equal, or the stated difference)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("rsatoolbox")

from rsatoolbox.inference import boot_noise_ceiling  # noqa: E402
from rsatoolbox.rdm import RDMs, compare  # noqa: E402

from siamese.human.compare.rsa import (  # noqa: E402
    condensed_index,
    human_rdms,
    load_rdms,
    model_rdm,
    rsatoolbox_scores,
    save_rdms,
    to_vectors,
)
from siamese.human.compare.stats import leave_one_out_ceiling, pearson, spearman  # noqa: E402
from siamese.human.io.judgments import Judgments  # noqa: E402


def rated(n_images=7, n_raters=5, seed=0, missing=False):
    """Every pair i < j of the images rated by every rater (1-10, SYNTHETIC: a shared signal plus noise)."""
    rng = np.random.default_rng(seed)
    i, j = np.triu_indices(n_images, k=1)
    signal = rng.normal(size=len(i))
    ratings = np.clip(np.round(5.5 + 2 * signal + rng.normal(scale=1.5, size=(n_raters, len(i)))), 1, 10)
    if missing:
        ratings[0, 3] = np.nan
    images = np.zeros((n_images, 4, 4), np.uint8)
    return Judgments([f"im{k}" for k in range(n_images)], images, [f"p{k}" for k in range(len(i))],
                     np.column_stack([i, j]), ratings, [f"r{k}" for k in range(n_raters)], synthetic=True), rng


def test_condensed_index_is_scipys_order():
    from scipy.spatial.distance import squareform

    n = 5
    square = np.arange(n * n, dtype=float).reshape(n, n)
    square = square + square.T
    np.fill_diagonal(square, 0)
    pairs = np.array([[0, 1], [3, 1], [2, 4], [4, 3]])
    assert squareform(square)[condensed_index(pairs, n)].tolist() == square[pairs[:, 0], pairs[:, 1]].tolist()


def test_duplicate_pairs_are_averaged_and_self_pairs_left_out():
    j = Judgments(list("abc"), np.zeros((3, 2, 2), np.uint8), ["x", "y", "z", "w"], [[0, 1], [1, 0], [2, 2], [1, 2]],
                  np.array([[2.0, 4.0, 10.0, np.nan]]), ["ann"])
    vector = to_vectors(j.ratings, j)
    assert vector.shape == (1, 3) and vector[0, 0] == 3.0 and np.isnan(vector[0, 1:]).all()


def test_project_correlation_equals_rsatoolbox_on_the_mean_rdm():
    j, rng = rated()
    s = rng.uniform(-1, 1, len(j))
    human = human_rdms(j)
    mean = RDMs(np.nanmax(j.ratings) - j.mean()[None, :])  # the raters' mean rating as one RDM
    model = model_rdm(s, j)
    assert compare(model, mean, "corr")[0, 0] == pytest.approx(pearson(s, j.mean()), abs=1e-12)
    assert compare(model, mean, "spearman")[0, 0] == pytest.approx(spearman(s, j.mean()), abs=1e-12)
    assert human.n_rdm == 5 and human.rdm_descriptors["rater"] == j.raters


def test_leave_one_out_ceiling_equals_rsatoolbox_lower_bound_on_zscored_ratings():
    j, _ = rated()
    z = (j.ratings - j.ratings.mean(axis=1, keepdims=True)) / j.ratings.std(axis=1, keepdims=True)
    zj = j.with_ratings(z, "zscore")
    lower, upper = boot_noise_ceiling(human_rdms(zj), method="corr", rdm_descriptor="index")
    project, _ = leave_one_out_ceiling(zj.ratings)
    assert lower == pytest.approx(project, abs=1e-12) and upper > lower
    # on raw ratings rsatoolbox still z-scores each rater before pooling; the project averages raw ratings
    raw_lower, _ = boot_noise_ceiling(human_rdms(j), method="corr", rdm_descriptor="index")
    raw_project, _ = leave_one_out_ceiling(j.ratings)
    assert raw_lower == pytest.approx(project, abs=1e-12)
    assert raw_project != pytest.approx(raw_lower, abs=1e-6)


def test_scores_read_only_the_pairs_every_rater_rated():
    j, rng = rated(missing=True)
    scores = rsatoolbox_scores(model_rdm(rng.uniform(-1, 1, len(j)), j), human_rdms(j))
    assert scores["rsa_complete_pairs"] == len(j) - 1
    for key in ("rsa_corr", "rsa_rho_a", "rsa_tau_a", "rsa_rho_a_ceiling_lower", "rsa_tau_a_ceiling_upper"):
        assert np.isfinite(scores[key])
    assert scores["rsa_corr_ceiling_lower"] <= scores["rsa_corr_ceiling_upper"]


def test_hdf5_file_reads_back_identical(tmp_path):
    j, rng = rated()
    human = human_rdms(j)
    path = save_rdms(human, tmp_path / "human.hdf5")
    back = load_rdms(path)
    np.testing.assert_array_equal(back.get_vectors(), human.get_vectors())
    assert list(back.rdm_descriptors["rater"]) == j.raters
    assert list(back.pattern_descriptors["image_id"]) == j.image_id
    assert [p.name for p in tmp_path.iterdir()] == ["human.hdf5"]  # no temporary left
    (tmp_path / "bad.hdf5").write_text("not hdf5")
    with pytest.raises(ValueError, match="bad.hdf5: not an rsatoolbox HDF5 RDM file"):
        load_rdms(tmp_path / "bad.hdf5")
