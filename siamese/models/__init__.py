from siamese.models.base import LayeredNet
from siamese.models.classifier_net import ClassifierNet
from siamese.models.conv_net import ConvNet
from siamese.models.embedding_net import EmbeddingNet
from siamese.models.siamese_net import SiameseNet
from siamese.models.verification_head import VerificationHead

__all__ = ["LayeredNet", "ClassifierNet", "ConvNet", "EmbeddingNet", "SiameseNet", "VerificationHead"]
