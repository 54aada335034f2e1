"""Digit classification plus the objective that aligns the net's pair similarities with people's judgments."""

from __future__ import annotations

from siamese.human.train.human_term import HumanTermMixin
from siamese.modules.classifier_module import ClassifierModule


class HumanAlignedClassifierModule(HumanTermMixin, ClassifierModule):
    """L = cross_entropy(logits, label) + human_weight * L_human (``HumanTermMixin``): fine-tune a
    ``task=classify`` checkpoint with the human objective while the classifier's own loss keeps the classes.

    ``python train.py experiment=human_aligned_classifier human.init_ckpt=CKPT human.pairs=DIR
    human.ratings=FILE [human.train_layers=[fc,logits] optimizer.lr=1e-4]``. Logs ``train/task_loss`` (the
    cross-entropy) and ``train/human_loss`` beside ``train/loss`` and ``<stage>/accuracy``."""
