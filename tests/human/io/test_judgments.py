"""The one judgments type: its constructors, views and checks on hand-made cases, and the readers that return it
against the format loaders they wrap."""

from __future__ import annotations

import numpy as np
import pytest

from siamese.human.io.common import FormatError, latest_answers
from siamese.human.io.judgments import ODD_ONE_OUT, TWO_AFC, Judgments, TripletAnswers
from siamese.human.io.read import read_image_set, read_pairs, read_two_afc


def image(value: int) -> np.ndarray:
    return np.full((28, 28), value, dtype=np.uint8)


def test_pairs_given_as_pixels_share_images_when_the_pixels_are_equal():
    a = np.stack([image(1), image(2), image(1)])
    b = np.stack([image(2), image(3), image(3)])
    ratings = np.array([[1.0, np.nan, 10.0], [3.0, 4.0, np.nan]])
    j = Judgments.from_pairs(a, b, ["p0", "p1", "p2"], ratings, ["ann", "bob"])
    assert j.image_id == ["img0", "img1", "img2"]  # 1, 2, 3 in order of first appearance, column a first
    assert j.pairs.tolist() == [[0, 1], [1, 2], [0, 2]]
    assert (j.images_a == a).all() and (j.images_b == b).all()
    assert np.allclose(j.mean(), [2.0, 4.0, 10.0]) and j.counts().tolist() == [2, 1, 1]
    assert len(j) == 3 and j.rated().tolist() == [0, 1, 2]
    sub = j.subset_pairs([2, 2, 0])
    assert sub.pair_id == ["p2", "p2", "p0"] and sub.ratings[0].tolist() == [10.0, 10.0, 1.0]


def test_an_unrated_pair_has_nan_mean_and_no_count():
    j = Judgments.from_pairs(np.stack([image(1)]), np.stack([image(2)]), ["p"], np.array([[np.nan]]), ["ann"])
    assert np.isnan(j.mean()[0]) and j.counts().tolist() == [0] and j.rated().tolist() == []


def test_triplet_answers_hold_2afc_and_odd_one_out_with_their_meaning():
    images = np.stack([image(v) for v in range(4)])
    two = Judgments.from_triplets(images, list("wxyz"), TWO_AFC, [[0, 1, 2], [3, 1, 2]], [2, 1],
                                  rater=["ann", "ann"])
    assert two.two_afc.rows().tolist() == [[0, 1, 2, 2], [3, 1, 2, 1]] and two.odd_one_out is None
    odd = Judgments.from_triplets(images, list("wxyz"), ODD_ONE_OUT, [[0, 1, 2]], [0])
    assert odd.odd_one_out.rows().tolist() == [[0, 1, 2, 0]] and odd.odd_one_out.trial_id == ["t0"]
    # 2AFC: the anchor is never a choice; odd-one-out: any of the three is
    with pytest.raises(ValueError, match=r"chosen image 0 is not one the trial offers \(\[1, 2\]\)"):
        TripletAnswers(TWO_AFC, [[0, 1, 2]], ["t"], ["ann"], [0], [0])
    with pytest.raises(ValueError, match="chosen image 3 is not one the trial offers"):
        TripletAnswers(ODD_ONE_OUT, [[0, 1, 2]], ["t"], ["ann"], [0], [3])


def test_a_matrix_gives_its_upper_triangle():
    m = np.array([[1.0, 0.2, 0.3], [0.2, 1.0, 0.4], [0.3, 0.4, 1.0]])
    j = Judgments.from_matrix(np.stack([image(v) for v in range(3)]), ["a", "b", "c"], m, synthetic=True)
    pairs, values = j.matrix_pairs()
    assert pairs.tolist() == [[0, 1], [0, 2], [1, 2]] and values.tolist() == [0.2, 0.3, 0.4] and j.synthetic
    with pytest.raises(ValueError, match="similarity has shape"):
        Judgments.from_matrix(np.stack([image(0)]), ["a"], m)


def test_mismatched_fields_are_refused():
    with pytest.raises(ValueError, match="2 images but 1 image ids"):
        Judgments(["a"], np.stack([image(0), image(1)]))
    with pytest.raises(ValueError, match="image ids must be unique"):
        Judgments(["a", "a"], np.stack([image(0), image(1)]))
    with pytest.raises(ValueError, match=r"pair positions must lie in \[0, 2\)"):
        Judgments(["a", "b"], np.stack([image(0), image(1)]), pair_id=["p"], pairs=[[0, 2]])


def test_the_latest_answer_of_a_rater_wins(tmp_path):
    rows = [(2, {"rater": "ann", "pair_id": "p", "revision": "0", "x": "first"}),
            (3, {"rater": "ann", "pair_id": "p", "revision": "2", "x": "last"}),
            (4, {"rater": "ann", "pair_id": "p", "revision": "1", "x": "middle"}),
            (5, {"rater": "bob", "pair_id": "p", "revision": "", "x": "bob"})]
    latest = latest_answers("f.csv", rows, ("rater", "pair_id"), "rating of pair {1!r} by rater {0!r}")
    assert {key: (line, row["x"]) for key, (line, row) in latest.items()} == {("ann", "p"): (3, "last"),
                                                                              ("bob", "p"): (5, "bob")}
    with pytest.raises(FormatError, match=r"f.csv, row 3: duplicate rating of pair 'p' by rater 'ann' with "
                                          r"revision 0 \(first on row 2\)"):
        latest_answers("f.csv", rows[:1] + [(3, dict(rows[0][1]))], ("rater", "pair_id"),
                       "rating of pair {1!r} by rater {0!r}")


def test_read_pairs_returns_the_pair_set_and_its_ratings(tmp_path):
    a = np.stack([image(10), image(20)])
    b = np.stack([image(20), image(30)])
    np.savez(tmp_path / "pairs.npz", images_a=a, images_b=b, pair_id=np.array(["p0", "p1"]))
    (tmp_path / "ratings.csv").write_text("rater,pair_id,rating,revision,synthetic\nann,p0,3,0,1\nann,p0,5,1,1\n"
                                          "bob,p1,7,,1\n")
    j = read_pairs(tmp_path)
    assert j.raters == ["ann", "bob"] and j.pair_id == ["p0", "p1"] and j.synthetic
    assert np.allclose(j.mean(), [5.0, 7.0]) and j.pairs.tolist() == [[0, 1], [1, 2]]
    assert j.scale == (1.0, 10.0) and j.normalization == "none" and j.path == tmp_path
    assert read_pairs(tmp_path, ratings=None).ratings is not None  # ratings.csv beside the pairs is found


def test_read_two_afc_and_image_set_give_the_chosen_image(tmp_path):
    images = np.stack([image(v) for v in (0, 50, 100)])
    np.savez(tmp_path / "images.npz", images=images, image_id=np.array(["u", "v", "w"]))
    (tmp_path / "trials.csv").write_text("trial_id,anchor,a,b\nt1,u,v,w\n")
    (tmp_path / "choices.csv").write_text("rater,trial_id,anchor,a,b,choice,revision,time\n"
                                          "ann,t1,u,v,w,a,0,1\nann,t1,u,v,w,b,1,2\nbob,t1,u,v,w,a,0,3\n")
    j = read_two_afc(tmp_path)
    assert j.two_afc.rows().tolist() == [[0, 1, 2, 2], [0, 1, 2, 1]] and j.two_afc.rater == ["ann", "bob"]
    (tmp_path / "triplets.csv").write_text("anchor,a,b,choice\nu,v,w,w\nw,u,v,a\n")
    np.save(tmp_path / "similarity.npy", np.eye(3))
    s = read_image_set(tmp_path)
    assert s.two_afc.rows().tolist() == [[0, 1, 2, 2], [2, 0, 1, 0]] and s.similarity.tolist() == np.eye(3).tolist()
