"""eval and ais say why a correlation or a noise ceiling is nan (one rater; a constant layer)."""

import csv

import pytest

from siamese.human.__main__ import main as human_main
from siamese.human.collect.pairs import make_pairs

CONSTANT_NET = '''
import torch


class ConstNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 2, 3)
        self.const = torch.nn.Linear(2, 4)

    def forward(self, x):
        return self.const(self.conv(x).mean(dim=(2, 3)) * 0)  # the same vector for every image


def make():
    torch.manual_seed(0)
    return ConstNet()
'''


@pytest.fixture
def one_rater_study(tmp_path, monkeypatch):
    (tmp_path / "constnet.py").write_text(CONSTANT_NET)
    monkeypatch.syspath_prepend(str(tmp_path))
    study = tmp_path / "eights"
    make_pairs(study, n=20, digit=8, seed=0)
    (study / "ratings.csv").write_text("rater,pair_id,rating\n" + "".join(f"ann,p{k + 1:02d},{k % 10 + 1}\n"
                                                                          for k in range(20)))
    return study


def test_eval_says_why_r_and_the_ceilings_are_nan(one_rater_study, tmp_path, capsys):
    out = tmp_path / "eval"
    assert human_main(["eval", "--model", "constnet:make", "--layers", "conv", "const", "--pairs",
                       str(one_rater_study), "--ratings", str(one_rater_study / "ratings.csv"), "--out", str(out),
                       "--n-boot", "20", "--n-perm", "20"]) == 0
    console = capsys.readouterr().out
    constant = ("r and rho undefined: the similarity of const is the same (1) on all 20 pairs (a constant layer, or "
                "one that does not depend on the image)")
    one_rater = "noise ceiling undefined: 1 rater; a noise ceiling compares raters with each other and needs 2 or more"
    assert f"Why nan:\n- make / const: {constant}\n- {one_rater}\n" in console
    assert console.count(one_rater) == 1
    rows = {row["layer"]: row for row in csv.DictReader(open(out / "comparison.csv"))}
    assert rows["conv"]["note"] == one_rater and rows["const"]["note"] == f"{constant}; {one_rater}"
    assert f"- make / const: {constant}" in (out / "comparison.md").read_text()


def test_ais_says_why_rho_is_nan_for_a_constant_layer(one_rater_study, tmp_path, capsys):
    out = tmp_path / "ais"
    assert human_main(["ais", "--model", "constnet:make", "--layer", "const", "--pairs", str(one_rater_study),
                       "--ratings", str(one_rater_study / "ratings.csv"), "--out", str(out), "--repeats", "2"]) == 0
    why = ("rho undefined: the similarity of const is the same (1) on all 20 pairs (a constant layer, or one that "
           "does not depend on the image)")
    assert f"why nan: {why}" in capsys.readouterr().out
    assert f"Why nan: {why}" in (out / "ais.md").read_text()
