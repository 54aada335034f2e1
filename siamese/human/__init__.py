"""Human similarity: pair sets, ratings, model similarity per layer, statistics, baselines (docs/human_similarity.md)."""

from siamese.human.formats import (FormatError, ImageSet, PairSet, Ratings, load_image_set, load_pair_set,
                                   load_ratings, load_triplets)
from siamese.human.similarity import LoadedNet, cosine_rows, layer_similarity, load_net, pixel_similarity
from siamese.human.stats import (bootstrap_ci, compare, leave_one_out_ceiling, minmax, pearson, permutation_p,
                                 spearman, spearman_brown, split_half_ceiling)

__all__ = ["FormatError", "ImageSet", "LoadedNet", "PairSet", "Ratings", "bootstrap_ci", "compare", "cosine_rows",
           "layer_similarity", "leave_one_out_ceiling", "load_image_set", "load_net", "load_pair_set",
           "load_ratings", "load_triplets", "minmax", "pearson", "permutation_p", "pixel_similarity", "spearman",
           "spearman_brown", "split_half_ceiling"]
