from siamese.modules.classifier_module import ClassifierModule
from siamese.modules.metric_module import MetricLearningModule

__all__ = ["ClassifierModule", "MetricLearningModule"]
