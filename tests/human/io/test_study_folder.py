"""make-pairs / make-triplets never destroy a rated study; ratings and choices are never read with another set."""

from __future__ import annotations

import pytest

from siamese.human.__main__ import main as human_main
from siamese.human.collect.pairs import make_pairs
from siamese.human.collect.rating_server import RatingStore
from siamese.human.io.common import FormatError
from siamese.human.io.read import read_pairs
from siamese.human.io.study_folder import StudyFolderInUse


def test_make_pairs_refuses_a_rated_study_and_force_leaves_the_old_ratings_unreadable(tmp_path, capsys):
    study = tmp_path / "eights"
    eights = make_pairs(study, n=4, digit=8, seed=0)
    store = RatingStore(study / "ratings.csv", eights)  # what the rating page writes
    store.add("ann", "p01", 3)
    store.add("ann", "p02", 9)
    store.close()
    before = (study / "pairs.csv").read_bytes()
    # the repro: a second make-pairs (other digit) on the rated folder
    assert human_main(["make-pairs", "--digit", "3", "--n", "4", str(study)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"error: {study} already holds pairs.csv, ratings.csv; make-pairs would replace")
    assert "--force" in error and len(error.strip().splitlines()) == 1
    assert (study / "pairs.csv").read_bytes() == before
    assert read_pairs(study).ratings.shape == (1, 4)  # the study is intact
    with pytest.raises(StudyFolderInUse, match="force=True"):  # the library names its parameter
        make_pairs(study, n=4, digit=3, seed=0)
    # --force replaces the pairs; the ratings of 8s then never meet the pairs of 3s
    assert human_main(["make-pairs", "--digit", "3", "--n", "4", "--force", str(study)]) == 0
    assert (study / "pairs.csv").read_bytes() != before
    with pytest.raises(FormatError) as info:
        read_pairs(study)
    message = str(info.value)
    assert message.startswith(f"{study / 'ratings.csv'}, row 2: was answered on pair set {eights.fingerprint}, but "
                              f"{study / 'pairs.csv'} is pair set ")
    assert human_main(["eval", "--pairs", str(study), "--ratings", str(study / "ratings.csv"),
                       "--baselines", "pixels", "--out", str(tmp_path / "eval")]) == 2
    assert "was answered on pair set" in capsys.readouterr().err


def test_make_triplets_refuses_a_folder_with_answers(tmp_path, capsys):
    from siamese.human.collect.make_triplets import make_triplets

    study = tmp_path / "trials"
    make_triplets(study, n=3, digit=8, seed=0)
    (study / "choices.csv").write_text("rater,trial_id,anchor,a,b,choice\n")
    before = (study / "trials.csv").read_bytes()
    assert human_main(["make-triplets", "--n", "3", "--seed", "1", str(study)]) == 2
    assert capsys.readouterr().err.startswith(f"error: {study} already holds images.npz, trials.csv, choices.csv;")
    assert (study / "trials.csv").read_bytes() == before
    assert human_main(["make-triplets", "--n", "3", "--seed", "1", "--force", str(study)]) == 0
    assert (study / "trials.csv").read_bytes() != before


def test_make_pairs_into_a_new_or_empty_folder_needs_no_force(tmp_path):
    (tmp_path / "empty").mkdir()
    assert len(make_pairs(tmp_path / "empty", n=2, digit=1, seed=0)) == 2
    assert len(make_pairs(tmp_path / "new" / "deeper", n=2, digit=1, seed=0)) == 2


def test_make_observer_refuses_a_folder_with_peoples_ratings(tmp_path, capsys):
    study = tmp_path / "eights"
    make_pairs(study, n=2, digit=8, seed=0)
    (study / "ratings.csv").write_text("rater,pair_id,rating\nann,p01,3\n")
    before = (study / "pairs.csv").read_bytes()
    assert human_main(["make-observer", str(study), "--per-digit", "1", "--digits", "1"]) == 2
    assert capsys.readouterr().err == (f"error: {study} already holds pairs.csv, ratings.csv; make-observer would "
                                       "replace the study there. Use a new folder, or --force to replace it\n")
    assert (study / "pairs.csv").read_bytes() == before
