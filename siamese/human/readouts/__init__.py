"""Readouts that align a frozen network's similarity with people's using a few fitted parameters
(docs/human_alignment_readouts.md)."""

from siamese.human.readouts.base import Readout, load_readout
from siamese.human.readouts.feature_reweighting import FeatureReweighting
from siamese.human.readouts.features import PIXELS, PairFeatures, extract_pair_features
from siamese.human.readouts.layer_mixing import LayerMixing
from siamese.human.readouts.linear_transform import LinearTransform

READOUTS = {cls.kind: cls for cls in (LayerMixing, FeatureReweighting, LinearTransform)}

__all__ = ["PIXELS", "READOUTS", "FeatureReweighting", "LayerMixing", "LinearTransform", "PairFeatures", "Readout",
           "extract_pair_features", "load_readout"]
