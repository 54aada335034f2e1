"""Every ratings and choices file names the set it was answered on; readers refuse any other set."""

from __future__ import annotations

import numpy as np
import pytest

from siamese.human.io.common import FormatError, fingerprint
from siamese.human.io.pair_set import load_pair_set
from siamese.human.io.ratings import load_ratings
from siamese.human.io.trial_set import load_choices, load_trial_set


def write_pairs(directory, images_a, images_b, ids=("p1", "p2")):
    directory.mkdir(parents=True, exist_ok=True)
    np.savez(directory / "pairs.npz", images_a=images_a, images_b=images_b, pair_id=np.array(ids))
    return load_pair_set(directory)


def test_the_fingerprint_changes_with_any_pixel_or_id_and_is_stable():
    images = np.zeros((2, 28, 28), np.uint8)
    base = fingerprint(["p1", "p2"], images, images)
    assert base == fingerprint(["p1", "p2"], images.copy(), images.copy()) and len(base) == 16
    changed = images.copy()
    changed[1, 5, 5] = 1
    assert fingerprint(["p1", "p2"], images, changed) != base
    assert fingerprint(["p1", "p3"], images, images) != base
    assert fingerprint(["p1,p2"], images, images) != base  # the parts are kept apart
    assert fingerprint(["p1", "p2"], images.astype(np.int16), images) != base  # the dtype counts


def test_ratings_of_one_pair_set_are_refused_with_another_naming_both_files(tmp_path):
    rng = np.random.default_rng(0)
    first = write_pairs(tmp_path / "a", *rng.integers(0, 256, (2, 2, 28, 28), dtype=np.uint8))
    second = write_pairs(tmp_path / "b", *rng.integers(0, 256, (2, 2, 28, 28), dtype=np.uint8))
    ratings = tmp_path / "ratings.csv"
    ratings.write_text(f"rater,pair_id,rating,pair_set\nann,p1,3,{first.fingerprint}\nann,p2,4,"
                       f"{first.fingerprint}\n")
    assert load_ratings(ratings, first).matrix.tolist() == [[3.0, 4.0]]
    with pytest.raises(FormatError) as info:
        load_ratings(ratings, second)
    assert str(info.value) == (f"{ratings}, row 2: was answered on pair set {first.fingerprint}, but "
                               f"{tmp_path / 'b' / 'pairs.npz'} is pair set {second.fingerprint} (it was redrawn "
                               "after these answers); read it with the set it was answered on, or collect new "
                               "answers in a new file")
    # a file without the column (typed by hand) cannot be checked and is read; an empty cell too
    ratings.write_text("rater,pair_id,rating,pair_set\nann,p1,3,\n")
    assert load_ratings(ratings, second).matrix[0, 0] == 3.0


def test_choices_of_one_trial_set_are_refused_with_another(tmp_path):
    trial_dirs = []
    for name, seed in (("a", 0), ("b", 1)):
        directory = tmp_path / name
        directory.mkdir()
        images = np.random.default_rng(seed).integers(0, 256, (3, 28, 28), dtype=np.uint8)
        np.savez(directory / "images.npz", images=images, image_id=np.array(["i0", "i1", "i2"]))
        (directory / "trials.csv").write_text("trial_id,anchor,a,b\nt0,i0,i1,i2\n")
        trial_dirs.append(load_trial_set(directory))
    first, second = trial_dirs
    choices = tmp_path / "choices.csv"
    choices.write_text(f"rater,trial_id,anchor,a,b,choice,trial_set\nann,t0,i0,i1,i2,a,{first.fingerprint}\n")
    assert load_choices(choices, first).chose_a.tolist() == [1.0]
    with pytest.raises(FormatError, match=rf"choices.csv, row 2: was answered on trial set {first.fingerprint}, but "
                                          rf".*b/trials.csv is trial set {second.fingerprint}"):
        load_choices(choices, second)


def test_written_judgments_record_the_fingerprint_of_their_set(tmp_path):
    import csv

    from siamese.human.io.judgments import TWO_AFC, Judgments
    from siamese.human.io.read import read_pairs, read_two_afc
    from siamese.human.io.write import write_judgments

    images = np.random.default_rng(0).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    rated = Judgments.from_pairs(images[:2], images[2:], ["p1", "p2"], ratings=[[3.0, 7.0]], raters=["ann"])
    write_judgments(rated, tmp_path / "rated")
    fingerprints = {row["pair_set"] for row in csv.DictReader(open(tmp_path / "rated" / "ratings.csv"))}
    assert fingerprints == {load_pair_set(tmp_path / "rated").fingerprint}
    assert read_pairs(tmp_path / "rated").ratings.tolist() == [[3.0, 7.0]]
    trials = Judgments.from_triplets(images[:3], ["i0", "i1", "i2"], TWO_AFC, [[0, 1, 2]], [2], rater=["ann"])
    write_judgments(trials, tmp_path / "trials")
    fingerprints = {row["trial_set"] for row in csv.DictReader(open(tmp_path / "trials" / "choices.csv"))}
    assert fingerprints == {load_trial_set(tmp_path / "trials").fingerprint}
    assert read_two_afc(tmp_path / "trials").two_afc.chosen.tolist() == [2]
