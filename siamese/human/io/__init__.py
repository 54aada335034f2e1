"""Human-similarity input formats, one module per format, each validating on load (docs/human_similarity.md)."""

from siamese.human.io.common import SYNTHETIC, FormatError
from siamese.human.io.image_set import ImageSet, load_image_set
from siamese.human.io.pair_set import PairSet, load_pair_set
from siamese.human.io.ratings import Ratings, load_ratings
from siamese.human.io.triplets import load_triplets

__all__ = ["SYNTHETIC", "FormatError", "ImageSet", "PairSet", "Ratings", "load_image_set", "load_pair_set",
           "load_ratings", "load_triplets"]
