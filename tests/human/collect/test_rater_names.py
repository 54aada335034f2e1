"""Rater names with commas or pasted spaces are rated and read back; a refused name says which character."""

import pytest

from siamese.human.__main__ import main as human_main
from siamese.human.collect.page_handler import check_rater
from siamese.human.io.ratings import load_ratings
from tests.human.collect.test_rating_server import Running


def test_a_name_with_a_comma_is_rated_and_read_back(random_pair_set, tmp_path):
    pairs = random_pair_set(3, ["p01", "p02", "p03"])
    ratings = tmp_path / "ratings.csv"
    running = Running(pairs, ratings)
    try:
        status, body = running.post({"rater": "Smith, Ann", "pair_id": "p02", "rating": 7})
        assert status == 200 and body["saved"]
        # a no-break space pasted from a web page is one plain space, the same rater
        status, body = running.post({"rater": "Smith,\u00a0Ann", "pair_id": "p03", "rating": 4})
        assert status == 200 and body["ratings"] == {"p02": 7, "p03": 4}
    finally:
        running.stop()
    assert ratings.read_text().splitlines()[1].startswith('"Smith, Ann",p02,7,0,')  # quoted by the CSV writer
    loaded = load_ratings(ratings, pairs)
    assert loaded.raters == ["Smith, Ann"] and loaded.matrix[0, 1:].tolist() == [7.0, 4.0]


def test_a_refused_name_says_why():
    with pytest.raises(ValueError, match=r"^a name may not contain the invisible character U\+200B \(zero width "
                                         r"space\); type it again without it$"):
        check_rater("Ann\u200bSmith")
    with pytest.raises(ValueError, match="^a name is at most 64 characters; this one has 65$"):
        check_rater("x" * 65)
    with pytest.raises(ValueError, match="formula"):
        check_rater("=cmd")


def test_a_port_out_of_range_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        human_main(["rate", str(tmp_path), "--ratings", str(tmp_path / "r.csv"), "--port", "80000"])
    assert info.value.code == 2
    assert "argument --port: 80000 is not a port; use 0-65535 (0 = any free port)" in capsys.readouterr().err


def test_a_library_caller_gets_the_port_named_and_the_ratings_file_released(random_pair_set, tmp_path):
    from siamese.human.collect.rating_server import make_server

    pairs = random_pair_set(2)
    with pytest.raises(ValueError, match=r"^port=80000: must be an integer 0-65535 \(0 = any free port\)$"):
        make_server(pairs, tmp_path / "r.csv", port=80000)
    make_server(pairs, tmp_path / "r.csv", port=0).server_close()  # the lock was released: it opens again
