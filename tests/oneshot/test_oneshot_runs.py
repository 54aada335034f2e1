"""The all_runs reader on the SYNTHETIC replica (directory and zip), and its errors on bad input."""

import shutil
import zipfile

import numpy as np
import pytest

from siamese.oneshot.replica import make_replica
from siamese.oneshot.runs import read_runs


@pytest.fixture(scope="module")
def replica(tmp_path_factory):
    return make_replica(tmp_path_factory.mktemp("replica"), n_runs=3, n_way=20, seed=1)


def test_replica_is_in_the_exact_format(replica):
    top = replica.directory
    assert sorted(p.name for p in top.iterdir()) == ["run01", "run02", "run03"]
    run = top / "run02"
    assert sorted(p.name for p in (run / "training").iterdir()) == [f"class{m:02d}.png" for m in range(1, 21)]
    assert sorted(p.name for p in (run / "test").iterdir()) == [f"item{k:02d}.png" for k in range(1, 21)]
    lines = (run / "class_labels.txt").read_text().splitlines()
    assert lines[0] == f"run02/test/item01.png run02/training/class{replica.assignment['run02'][0]:02d}.png"
    assert len(lines) == 20 and sorted(replica.assignment["run02"]) == list(range(1, 21))
    assert replica.assignment["run02"] != list(range(1, 21))  # shuffled
    assert len(set(replica.alphabets.values())) == 3  # each run is one alphabet, here three different ones
    with zipfile.ZipFile(replica.zip_path) as archive:
        assert "all_runs/run02/class_labels.txt" in archive.namelist()
        assert archive.read("all_runs/run02/test/item05.png") == (run / "test" / "item05.png").read_bytes()
    assert "SYNTHETIC" in (replica.directory.parent / "README.md").read_text()


def test_replica_drawings_come_from_two_drawers_of_one_character(replica):
    # the test item and its class image are the same character by different people: similar but not identical
    runs = read_runs(replica.directory)
    test, candidates = runs.pixels(runs.runs[0], 28)
    assert test.dtype == np.uint8 and test.shape == (20, 28, 28) and test.max() == 255
    for k, answer in enumerate(runs.runs[0].answers):
        assert not np.array_equal(test[k], candidates[answer])


@pytest.mark.parametrize("form", ["directory", "zip", "parent directory"])
def test_reader_returns_the_built_assignment(replica, form):
    source = {"directory": replica.directory, "zip": replica.zip_path,
              "parent directory": replica.directory.parent}[form]
    runs = read_runs(source)
    assert [r.name for r in runs.runs] == ["run01", "run02", "run03"]
    for run in runs.runs:
        assert [c.rsplit("/", 1)[-1] for c in run.candidates] == [f"class{m:02d}.png" for m in range(1, 21)]
        assert [t.rsplit("/", 1)[-1] for t in run.tests] == [f"item{k:02d}.png" for k in range(1, 21)]
        assert [a + 1 for a in run.answers] == replica.assignment[run.name]


def copy_runs(replica, tmp_path):
    target = tmp_path / "runs"
    shutil.copytree(replica.directory, target)
    return target


def test_missing_labels_file_is_named(replica, tmp_path):
    runs = copy_runs(replica, tmp_path)
    (runs / "run02" / "class_labels.txt").unlink()
    with pytest.raises(ValueError, match=r"run02 has (test|training)/ but no class_labels\.txt"):
        read_runs(runs)
    with pytest.raises(ValueError, match="no runNN/class_labels.txt inside"):
        read_runs(replica.directory / "run01" / "training")


def test_missing_image_names_file_and_line(replica, tmp_path):
    runs = copy_runs(replica, tmp_path)
    (runs / "run03" / "test" / "item07.png").unlink()
    with pytest.raises(ValueError, match=r"run03/class_labels\.txt line 7: image run03/test/item07\.png does not "
                                         r"exist"):
        read_runs(runs)


def test_bad_lines_name_file_and_line(replica, tmp_path):
    runs = copy_runs(replica, tmp_path)
    labels = runs / "run01" / "class_labels.txt"
    lines = labels.read_text().splitlines()
    labels.write_text("\n".join([*lines[:2], "run01/test/item03.png", *lines[3:]]) + "\n")
    with pytest.raises(ValueError, match=r"run01/class_labels\.txt line 3: expected 'TEST_IMAGE CLASS_IMAGE'"):
        read_runs(runs)
    labels.write_text("\n".join([*lines[:3], lines[0]]) + "\n")
    with pytest.raises(ValueError, match=r"line 4: test image run01/test/item01\.png is named twice"):
        read_runs(runs)
    labels.write_text("run01/test/item01.png run01/test/item02.png\n")
    with pytest.raises(ValueError, match=r"line 1: class image run01/test/item02\.png is not in run01/training/"):
        read_runs(runs)


def test_unreadable_image_is_named_before_scoring(replica, tmp_path):
    runs = copy_runs(replica, tmp_path)
    (runs / "run02" / "training" / "class04.png").write_bytes(b"not a png")
    read = read_runs(runs)
    with pytest.raises(ValueError, match=r"run02/training/class04\.png: not a readable image"):
        read.check_images()
