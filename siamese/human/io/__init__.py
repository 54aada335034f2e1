"""People's judgments and the files they come in: the one type every analysis takes
(:class:`~siamese.human.io.judgments.Judgments`), the readers that return it (``read``), and one module per file
format, each validating on load (docs/human_similarity.md)."""

from siamese.human.io.common import SYNTHETIC, FormatError
from siamese.human.io.image_set import ImageSet, load_image_set
from siamese.human.io.judgments import ODD_ONE_OUT, TWO_AFC, Judgments, TripletAnswers
from siamese.human.io.pair_set import PairSet, load_pair_set
from siamese.human.io.ratings import Ratings, load_ratings
from siamese.human.io.read import from_pair_set, read_image_set, read_images_with_matrix, read_pairs, read_two_afc
from siamese.human.io.triplets import load_triplets

__all__ = ["ODD_ONE_OUT", "SYNTHETIC", "TWO_AFC", "FormatError", "ImageSet", "Judgments", "PairSet", "Ratings",
           "TripletAnswers", "from_pair_set", "load_image_set", "load_pair_set", "load_ratings", "load_triplets",
           "read_image_set", "read_images_with_matrix", "read_pairs", "read_two_afc"]
