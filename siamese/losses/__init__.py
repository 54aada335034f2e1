from siamese.losses.base import BasePairLoss
from siamese.losses.contrastive import ContrastiveLoss
from siamese.losses.graded import GradedLoss
from siamese.losses.triplet import TripletLoss

__all__ = ["BasePairLoss", "ContrastiveLoss", "GradedLoss", "TripletLoss"]
