from siamese.modules.metric_module import MetricLearningModule

__all__ = ["MetricLearningModule"]
