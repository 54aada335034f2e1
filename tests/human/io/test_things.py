"""The THINGS odd-one-out reader on a tiny replica written in that exact layout (three 0-based indices per line,
odd one last; integers, or numpy.savetxt's floats), and its one-line errors."""

from __future__ import annotations

import numpy as np
import pytest

from siamese.human.io.common import FormatError
from siamese.human.io.judgments import ODD_ONE_OUT
from siamese.human.io.things import read_things, read_things_triplets, write_things_triplets


def replica(directory, n=5, synthetic=True):
    images = np.stack([np.full((28, 28), 40 * k, dtype=np.uint8) for k in range(n)])
    np.savez(directory / "images.npz", images=images, image_id=np.array([f"obj{k}" for k in range(n)]),
             synthetic=np.bool_(synthetic))
    (directory / "train_90.txt").write_text("0 1 2\n3 4 0\n\n2 1 4\n")
    np.savetxt(directory / "test_10.txt", np.array([[1, 2, 0], [4, 3, 1]]))  # "1.000000000000000000e+00 ..."
    return images


def test_the_last_index_is_the_odd_one_and_each_line_a_trial(tmp_path):
    images = replica(tmp_path)
    j = read_things(tmp_path)
    answers = j.odd_one_out
    assert answers.task == ODD_ONE_OUT and j.synthetic and j.image_id[:2] == ["obj0", "obj1"]
    assert (j.images == images).all()
    # files in sorted order: test_10.txt, then train_90.txt (its blank line 3 skipped; line numbers kept)
    assert answers.trial_id == ["test_10:1", "test_10:2", "train_90:1", "train_90:2", "train_90:4"]
    assert answers.triplets.tolist() == [[1, 2, 0], [4, 3, 1], [0, 1, 2], [3, 4, 0], [2, 1, 4]]
    assert answers.chosen.tolist() == [0, 1, 2, 0, 4] and answers.trial.tolist() == [0, 1, 2, 3, 4]
    assert answers.rater == [""] * 5
    only = read_things(tmp_path, files=["train_90.txt"])
    assert len(only.odd_one_out) == 3


def test_write_then_read_is_the_identity(tmp_path):
    triplets = np.array([[5, 0, 9], [1, 2, 3]])
    path = write_things_triplets(tmp_path / "t.txt", triplets)
    assert path.read_text() == "5 0 9\n1 2 3\n"
    assert read_things_triplets(path, 10).tolist() == triplets.tolist()


@pytest.mark.parametrize(("text", "message"), [
    ("0 1 2\n0 1\n", "row 2: expected 3 object indices, got 2 fields"),
    ("0 1 2\n0 x 2\n", "row 2: object index 'x' is not a number"),
    ("0 1 2\n0 1 5\n", "row 2: object index out of range [0, 5)"),
    ("0 1 -1\n", "row 1: object index out of range"),
    ("0 1.5 2\n", "row 1: object indices must be whole numbers"),
    ("0 1 1\n", "row 1: a triplet must name three different objects"),
    ("\n\n", "holds no triplets"),
])
def test_a_bad_line_is_named(tmp_path, text, message):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(FormatError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        read_things_triplets(path, 5)


def test_a_directory_without_triplet_files_is_refused(tmp_path):
    replica(tmp_path)
    for name in ("train_90.txt", "test_10.txt"):
        (tmp_path / name).unlink()
    with pytest.raises(FormatError, match="holds no THINGS triplet files"):
        read_things(tmp_path)
