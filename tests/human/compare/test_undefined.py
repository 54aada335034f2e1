"""Why a correlation or a noise ceiling is NaN, said in one sentence (hand-made cases)."""

import numpy as np

from siamese.human.compare.undefined import ceiling_undefined, correlation_undefined


def test_each_reason_a_correlation_is_undefined():
    human = np.array([1.0, 2.0, 3.0, 4.0])
    assert correlation_undefined([0.1, 0.3, 0.2, 0.5], human) == ""
    assert correlation_undefined([0.7, 0.7, 0.7, 0.7], human, "the similarity of fc") == (
        "undefined: the similarity of fc is the same (0.7) on all 4 pairs (a constant layer, or one that does not "
        "depend on the image)")
    assert correlation_undefined([0.1, 0.3, 0.2, 0.5], [5.0, 5.0, 5.0, np.nan]) == \
        "undefined: every pair has the same mean rating (5)"
    assert correlation_undefined([np.nan, np.nan, np.nan, 0.2], human) == (
        "undefined: the model's similarity is NaN or infinite on 3 of 4 pairs (an all-zero activation has no "
        "cosine); a correlation needs 2 or more pairs with both")


def test_each_reason_a_noise_ceiling_is_undefined():
    assert ceiling_undefined([[1, 2, 3, 4]], ["ann"]) == (
        "undefined: 1 rater; a noise ceiling compares raters with each other and needs 2 or more")
    assert ceiling_undefined([[3, 3, 3, 3], [5, 5, np.nan, 5]]) == (
        "undefined: every rater gave one rating to all the pairs they rated, so no rater's ratings vary")
    nan = np.nan
    assert ceiling_undefined([[1, 2, nan, nan, nan], [nan, nan, 3, 4, 5]]) == (
        "undefined: no two raters rated 3 or more of the same pairs (at most 0 in common), so no rater can be "
        "compared with the others")
    assert ceiling_undefined([[1, 2, 3, 4], [2, 1, 4, 3]]) == ""
