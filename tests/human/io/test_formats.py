"""Every malformed human-similarity file fails with an error naming the file, the row and the problem."""

import re

import numpy as np
import pytest

from siamese.human.io import FormatError, load_image_set, load_pair_set, load_ratings

PAIRS = ["p1", "p2", "p3"]


def write(path, text):
    path.write_text(text)
    return path


def error_of(call, *args, **kwargs) -> FormatError:
    with pytest.raises(FormatError) as info:
        call(*args, **kwargs)
    return info.value


@pytest.mark.parametrize("text, row, problem", [
    ("rater,pair_id\nann,p1\n", 1, "missing column 'rating'"),
    ("rater,pair_id,rating\nann,p1,4\nann,p2,11\n", 3, "rating 11 is outside the scale 1-10"),
    ("rater,pair_id,rating\nann,p1,0\n", 2, "rating 0 is outside the scale 1-10"),
    ("rater,pair_id,rating\nann,p1,4\nann,p9,5\n", 3, "unknown pair_id 'p9'"),
    ("rater,pair_id,rating\nann,p1,4\nbob,p1,5\nann,p1,6\n", 4, "duplicate rating of pair 'p1' by rater 'ann'"),
    ("rater,pair_id,rating\nann,p1,high\n", 2, "column 'rating' must be a number, got 'high'"),
    ("rater,pair_id,rating\nann,p1\n", 2, "has 2 fields, the header has 3"),
    ("rater,pair_id,rating\n,p1,3\n", 2, "empty value in column 'rater'"),
    ("rater,pair_id,rating,revision\nann,p1,4,0\nann,p1,6,0\n", 3, "duplicate rating of pair 'p1'"),
])
def test_malformed_ratings_name_file_row_and_problem(tmp_path, text, row, problem):
    path = write(tmp_path / "ratings.csv", text)
    error = error_of(load_ratings, path, PAIRS)
    assert error.row == row and problem in str(error)
    assert str(error).startswith(f"{path}, row {row}: ")


def test_ratings_load_with_missing_ratings_revisions_and_declared_scale(tmp_path):
    path = write(tmp_path / "ratings.csv", "rater,pair_id,rating,revision\nann,p1,4,0\nbob,p1,6,0\nann,p2,2,0\n"
                                          "ann,p2,8,1\n")
    ratings = load_ratings(path, PAIRS)
    assert ratings.raters == ["ann", "bob"]
    np.testing.assert_array_equal(ratings.matrix, [[4, 8, np.nan], [6, np.nan, np.nan]])  # revision 1 wins
    np.testing.assert_array_equal(ratings.mean(), [5, 8, np.nan])
    scaled = write(tmp_path / "ratings7.csv", "rater,pair_id,rating\nann,p1,7\n")
    assert load_ratings(scaled, PAIRS, scale=(1, 7)).matrix[0, 0] == 7
    with pytest.raises(FormatError, match="outside the scale 0-5"):
        load_ratings(scaled, PAIRS, scale=(0, 5))


def test_malformed_pairs_npz(tmp_path):
    good = dict(images_a=np.zeros((2, 28, 28), np.uint8), images_b=np.zeros((2, 28, 28), np.uint8),
                pair_id=np.array(["a", "b"]))
    cases = [
        (dict(good, images_b=np.zeros((2, 28, 27, 2), np.uint8)),  # any size is fine, 2 channels are not
         "key 'images_b' has shape (2, 28, 27, 2); images must be N x H x W (grey) or N x H x W x 3 (RGB)"),
        (dict(good, images_a=np.zeros((3, 28, 28), np.uint8)), "key 'images_a' holds 3 images, expected 2"),
        ({k: v for k, v in good.items() if k != "pair_id"}, "missing key 'pair_id'"),
        (dict(good, pair_id=np.array(["a", "a"])), "duplicate id 'a'"),
        (dict(good, images_a=np.full((2, 28, 28), 300.0)), "pixel values outside 0-255"),
    ]
    for k, (arrays, problem) in enumerate(cases):
        directory = tmp_path / f"set{k}"
        directory.mkdir()
        np.savez(directory / "pairs.npz", **arrays)
        error = error_of(load_pair_set, directory)
        assert str(error).startswith(str(directory / "pairs.npz")) and problem in str(error), str(error)
    good_dir = tmp_path / "good"
    good_dir.mkdir()
    np.savez(good_dir / "pairs.npz", **good, label=np.array([8, 8]))
    pairs = load_pair_set(good_dir)
    assert pairs.pair_id == ["a", "b"] and pairs.images_a.dtype == np.uint8 and pairs.label.tolist() == [8, 8]


@pytest.mark.parametrize("text, row, problem", [
    ("pair_id,split,index_a\np1,test,1\n", 1, "missing column 'index_b'"),
    ("pair_id,split,index_a,index_b\np1,test,1,2\np2,valid,3,4\n", 3, "unknown split 'valid'"),
    ("pair_id,split,index_a,index_b\np1,test,1,10000\n", 2, "index_b 10000 is outside MNIST test (0-9999)"),
    ("pair_id,split,index_a,index_b\np1,test,1,2\np1,test,3,4\n", 3, "duplicate pair_id 'p1' (first on row 2)"),
    ("pair_id,split,index_a,index_b\np1,test,one,2\n", 2, "column 'index_a' must be an integer"),
    ("pair_id,split,index_a,index_b,shift_a,shift_b\np1,test,1,2,0,30\n", 2, "shift_b 30 would move the digit"),
])
def test_malformed_pairs_csv(tmp_path, text, row, problem):
    path = write(tmp_path / "pairs.csv", text)
    error = error_of(load_pair_set, tmp_path)
    assert str(error).startswith(f"{path}, row {row}: ") and problem in str(error), str(error)


def test_pairs_csv_references_mnist_with_shifts(tmp_path):
    from siamese.data import load_mnist, shift_images
    from siamese.data.mnist import mnist_cache_dir

    write(tmp_path / "pairs.csv", "pair_id,split,index_a,index_b,shift_a,shift_b\nx,test,0,1,,3\ny,train,5,6,-2,0\n")
    pairs = load_pair_set(tmp_path)
    test_images, test_labels = load_mnist("test", cache_dir=mnist_cache_dir())
    train_images, _ = load_mnist("train", cache_dir=mnist_cache_dir())
    np.testing.assert_array_equal(pairs.images_a[0], test_images[0].numpy())
    np.testing.assert_array_equal(pairs.images_b[0], shift_images(test_images[1:2], 3)[0].numpy())
    np.testing.assert_array_equal(pairs.images_a[1], shift_images(train_images[5:6], -2)[0].numpy())
    expected = int(test_labels[0]) if test_labels[0] == test_labels[1] else -1
    assert pairs.label[0] == expected
    np.savez(tmp_path / "pairs.npz", images_a=pairs.images_a, images_b=pairs.images_b, pair_id=np.array(["x", "y"]))
    with pytest.raises(FormatError, match="holds both pairs.npz and pairs.csv"):
        load_pair_set(tmp_path)
    with pytest.raises(FormatError, match="holds neither"):
        load_pair_set(tmp_path / "..")


def image_set(tmp_path, n=3):
    np.savez(tmp_path / "images.npz", images=np.zeros((n, 28, 28), np.uint8), image_id=np.array(["i0", "i1", "i2"][:n]))
    return tmp_path


def test_malformed_similarity_matrices_and_triplets(tmp_path):
    directory = image_set(tmp_path)
    np.save(directory / "similarity.npy", np.eye(2))
    assert "has shape (2, 2); the matrix must be 3 x 3" in str(error_of(load_image_set, directory))
    np.save(directory / "similarity.npy", np.array([[1, 0.5, 0], [0.4, 1, 0], [0, 0, 1]]))
    assert "not symmetric: [0, 1] = 0.5 but [1, 0] = 0.4" in str(error_of(load_image_set, directory))
    (directory / "similarity.npy").unlink()
    write(directory / "similarity.csv", "1,0.5,0\n0.5,1\n0,0,1\n")
    error = error_of(load_image_set, directory)
    assert error.row == 2 and "has 2 values; the matrix must be 3 x 3" in str(error)
    write(directory / "similarity.csv", "1,0.5,0\n0.5,1,0.2\n0,0.2,1\n")
    for text, row, problem in [
        ("anchor,a,b,choice\ni0,i1,i2,a\ni0,i1,i9,b\n", 3, "unknown image id 'i9' in column 'b'"),
        ("anchor,a,b,choice\ni0,i1,i2,c\n", 2, "choice 'c' must be 'a', 'b', or the id of a or b"),
        ("anchor,a,b,choice\ni0,i0,i2,a\n", 2, "three different images"),
        ("anchor,a,b\ni0,i1,i2\n", 1, "missing column 'choice'"),
    ]:
        write(directory / "triplets.csv", text)
        error = error_of(load_image_set, directory)
        assert error.path.endswith("triplets.csv") and error.row == row and problem in str(error), str(error)
    write(directory / "triplets.csv", "anchor,a,b,choice\ni0,i1,i2,a\ni2,i0,i1,i1\n")
    loaded = load_image_set(directory)
    assert loaded.similarity[1, 2] == 0.2 and loaded.triplets == [(0, 1, 2, 1), (2, 0, 1, 1)]
    np.savez(directory / "images.npz", images=np.zeros((3, 32), np.uint8), image_id=np.array(["i0", "i1", "i2"]))
    assert re.search(r"images.npz: key 'images' has shape \(3, 32\)", str(error_of(load_image_set, directory)))
    np.savez(directory / "images.npz", images=np.zeros((3, 32, 40, 3), np.uint8), image_id=np.array(["i0", "i1", "i2"]))
    assert load_image_set(directory).images.shape == (3, 32, 40, 3)  # RGB of any size
