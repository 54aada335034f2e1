from siamese.models.base import LayeredNet
from siamese.models.classifier_net import ClassifierNet
from siamese.models.embedding_net import EmbeddingNet

__all__ = ["LayeredNet", "ClassifierNet", "EmbeddingNet"]
