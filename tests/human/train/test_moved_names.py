"""Names users typed before the toolkit moved above the framework: old checkpoints still load their targets, and
old imports and commands fail with the new name in the message."""

from __future__ import annotations

import pytest
from hydra.utils import get_class, get_method

from siamese.utils.checkpoints import stored_run_config

OLD_CONFIG = {
    "task": {"_target_": "siamese.modules.HumanAlignedModule",
             "human_objective": {"_target_": "siamese.human.align.objectives.rated_pairs_from_files",
                                 "loss": {"_target_": "siamese.human.align.losses.PairRankingLoss"}}},
    "callbacks": {"human_similarity": {"_target_": "siamese.callbacks.HumanSimilarity"},
                  "ais": {"_target_": "siamese.callbacks.alignment_importance.AlignmentImportance"},
                  "plot": {"_target_": "siamese.callbacks.EmbeddingPlot"}},
    "model": {"_target_": "siamese.models.EmbeddingNet"},
}


def test_a_checkpoint_written_before_the_move_names_the_new_targets():
    config = stored_run_config({"siamese_config": OLD_CONFIG}, "old.ckpt")
    task, callbacks = config["task"], config["callbacks"]
    assert task["_target_"] == "siamese.human.train.human_aligned_module.HumanAlignedModule"
    assert task["human_objective"]["_target_"] == "siamese.human.train.objectives.rated_pairs_from_files"
    assert task["human_objective"]["loss"]["_target_"] == "siamese.human.train.losses.PairRankingLoss"
    assert callbacks["human_similarity"]["_target_"] == "siamese.human.train.human_similarity.HumanSimilarity"
    assert callbacks["ais"]["_target_"] == "siamese.human.train.alignment_importance.AlignmentImportance"
    assert callbacks["plot"]["_target_"] == "siamese.callbacks.EmbeddingPlot"  # not moved: unchanged
    assert OLD_CONFIG["task"]["_target_"] == "siamese.modules.HumanAlignedModule"  # the input is not modified
    # every new name resolves
    for target in (task["_target_"], task["human_objective"]["loss"]["_target_"],
                   callbacks["human_similarity"]["_target_"], callbacks["ais"]["_target_"]):
        assert get_class(target).__name__ == target.rsplit(".", 1)[1]
    assert callable(get_method(task["human_objective"]["_target_"]))


@pytest.mark.parametrize("package,name,new", [
    ("siamese.modules", "HumanAlignedModule", "siamese.human.train.human_aligned_module.HumanAlignedModule"),
    ("siamese.callbacks", "HumanSimilarity", "siamese.human.train.human_similarity.HumanSimilarity"),
])
def test_an_old_import_names_the_new_place(package, name, new):
    import importlib

    with pytest.raises(AttributeError, match=f"siamese.*{name} is in the human toolkit: import {new}"):
        getattr(importlib.import_module(package), name)


def test_python_m_siamese_rate_forwards_to_the_toolkits_rate(capsys):
    from siamese.rate import main  # what python -m siamese.rate runs (in-process: no second start of the stack)

    assert main(["study/eights", "--ratings", "r.csv"]) == 2
    assert capsys.readouterr().err.strip() == "error: study/eights: pair set directory not found"
