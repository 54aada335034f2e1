"""The framework's Lightning modules over one shared base (``siamese.modules.base``)."""

from siamese.modules.classifier_module import ClassifierModule
from siamese.modules.metric_module import MetricLearningModule

__all__ = ["ClassifierModule", "MetricLearningModule"]

# modules of the human toolkit, which sits above the framework (never imported from here)
MOVED = {"HumanAlignedModule": "siamese.human.train.human_aligned_module.HumanAlignedModule",
         "HumanAlignedClassifierModule":
             "siamese.human.train.human_aligned_classifier_module.HumanAlignedClassifierModule"}


def __getattr__(name: str):
    if name in MOVED:
        raise AttributeError(f"siamese.modules.{name} is in the human toolkit: import {MOVED[name]}")
    raise AttributeError(f"module 'siamese.modules' has no attribute {name!r}")
