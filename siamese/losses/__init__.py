from siamese.losses.base import BasePairLoss
from siamese.losses.contrastive import ContrastiveLoss
from siamese.losses.graded import GradedLoss
from siamese.losses.pml_loss import PMLLoss
from siamese.losses.triplet import TripletLoss
from siamese.losses.verification import VerificationLoss

__all__ = ["BasePairLoss", "ContrastiveLoss", "GradedLoss", "PMLLoss", "TripletLoss", "VerificationLoss"]
