"""``python -m siamese.human export-rdms``: RDM files in rsatoolbox's format, read back, and the comparison table."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("rsatoolbox")

from siamese.human.__main__ import main  # noqa: E402
from siamese.human.compare.rsa import load_rdms  # noqa: E402


def pair_set(tmp_path):
    rng = np.random.default_rng(0)
    pool = rng.integers(0, 256, size=(6, 28, 28), dtype=np.uint8)
    i, j = np.triu_indices(6, k=1)  # every pair of 6 images: 15 pairs sharing images
    pairs = tmp_path / "pairs"
    pairs.mkdir()
    np.savez(pairs / "pairs.npz", images_a=pool[i], images_b=pool[j], pair_id=np.array([f"q{k}" for k in range(15)]))
    rows = ["rater,pair_id,rating"] + [f"r{r},q{k},{rng.integers(1, 11)}" for r in range(3) for k in range(15)]
    (pairs / "ratings.csv").write_text("\n".join(rows) + "\n")
    return pairs


def test_writes_human_and_model_rdms_and_the_comparison(tmp_path, random_classifier_ckpt, capsys):
    pairs = pair_set(tmp_path)
    assert main(["export-rdms", "--pairs", str(pairs), "--model", str(random_classifier_ckpt), "--layers", "fc"]) == 0
    out = pairs / "rdms"
    human = load_rdms(out / "human.hdf5")
    assert human.n_rdm == 3 and human.n_cond == 6 and not np.isnan(human.get_vectors()).any()
    assert load_rdms(out / "pixels_pixels.hdf5").n_rdm == 1
    table = json.loads((out / "comparison.json").read_text())
    assert [row["layer"] for row in table] == ["pixels", "fc"] and table[0]["rsa_complete_pairs"] == 15
    assert "rsa rho-a" in capsys.readouterr().out


def test_eval_offers_rsatoolbox_beside_its_own_numbers(tmp_path, capsys):
    import csv

    pairs = pair_set(tmp_path)
    assert main(["eval", "--pairs", str(pairs), "--ratings", str(pairs / "ratings.csv"), "--baselines", "pixels",
                 "--n-boot", "20", "--n-perm", "20", "--rsatoolbox"]) == 0
    [rsa] = json.loads((pairs / "eval" / "rsatoolbox.json").read_text())
    with open(pairs / "eval" / "comparison.csv") as f:
        [row] = [r for r in csv.DictReader(f) if r["layer"] == "pixels"]
    assert rsa["r"] == pytest.approx(float(row["r"]), abs=1e-9)  # the project's r, beside rsatoolbox's columns
    assert {"rsa_rho_a", "rsa_tau_a", "rsa_corr_ceiling_lower", "rsa_corr_ceiling_upper"} <= set(rsa)
    assert "rsa tau-a" in capsys.readouterr().out
