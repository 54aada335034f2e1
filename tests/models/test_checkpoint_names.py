"""A checkpoint's net is named by its run (as the review names runs), not by the task ("train")."""

import shutil

from siamese.models.loading import load_net


def test_a_run_checkpoint_is_named_by_its_run_directory(random_classifier_ckpt, tmp_path):
    run = tmp_path / "outputs" / "train" / "runs" / "2026-12-06_03-22-01" / "checkpoints"
    run.mkdir(parents=True)
    shutil.copy(random_classifier_ckpt, run / "last.ckpt")
    shutil.copy(random_classifier_ckpt, run / "best-epoch003.ckpt")
    assert load_net(run / "last.ckpt").name == "2026-12-06_03-22-01"
    assert load_net(run / "best-epoch003.ckpt").name == "2026-12-06_03-22-01/best-epoch003"
    job = tmp_path / "multirun" / "2026-12-06_04-00-00" / "3" / "checkpoints"
    job.mkdir(parents=True)
    shutil.copy(random_classifier_ckpt, job / "last.ckpt")
    assert load_net(job / "last.ckpt").name == "2026-12-06_04-00-00/3"
    assert load_net(random_classifier_ckpt).name == "random-classifier"  # outside a run: its task_name
