from siamese.models.base import LayeredNet
from siamese.models.classifier_net import ClassifierNet
from siamese.models.embedding_net import EmbeddingNet
from siamese.models.siamese_net import SiameseNet
from siamese.models.verification_head import VerificationHead

__all__ = ["LayeredNet", "ClassifierNet", "EmbeddingNet", "SiameseNet", "VerificationHead"]
