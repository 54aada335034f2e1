"""``python -m siamese.human odd-one-out``: a SYNTHETIC THINGS copy scored for pixels and a real (random) net."""

from __future__ import annotations

import json

from siamese.human.__main__ import main


def test_scores_pixels_and_every_layer_of_a_model(tmp_path, random_classifier_ckpt, capsys):
    things = tmp_path / "things"
    assert main(["odd-one-out", str(things), "--write-synthetic", "60", "600", "--n-boot", "50",
                 "--model", str(random_classifier_ckpt), "--layers", "fc"]) == 0
    result = json.loads((things / "odd_one_out" / "results.json").read_text())
    assert result["synthetic"] and [(r["model"], r["layer"]) for r in result["rows"]][0] == ("pixels", "pixels")
    pixels = result["rows"][0]
    # the simulated observer answers from pixel cosine (softmax, T=0.05): pixels must beat chance clearly
    assert pixels["accuracy"] > 0.6 and pixels["ci_low"] > 1 / 3 and pixels["repeated_answers"] > 0
    assert len(result["rows"]) == 2 and result["rows"][1]["layer"] == "fc"
    assert "SYNTHETIC" in capsys.readouterr().out


def test_a_bad_triplet_file_is_one_line(tmp_path, capsys):
    import numpy as np

    np.savez(tmp_path / "images.npz", images=np.zeros((3, 28, 28), np.uint8), image_id=np.array(["a", "b", "c"]))
    (tmp_path / "t.txt").write_text("0 1 3\n")
    assert main(["odd-one-out", str(tmp_path)]) == 2
    assert "t.txt, row 1: object index out of range [0, 3)" in capsys.readouterr().err
