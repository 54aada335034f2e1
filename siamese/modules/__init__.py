from siamese.modules.classifier_module import ClassifierModule
from siamese.modules.human_aligned_classifier_module import HumanAlignedClassifierModule
from siamese.modules.human_aligned_module import HumanAlignedModule
from siamese.modules.metric_module import MetricLearningModule

__all__ = ["ClassifierModule", "HumanAlignedClassifierModule", "HumanAlignedModule", "MetricLearningModule"]
