"""The error gallery's title counts the mistakes of the sample it was given, and says it is a sample."""

import numpy as np

from siamese.evaluation.plots import error_gallery

# references: digit 4 at x = 0, 1, 2, digit 9 at x = 10, 11, 12; queries 1 and 4 are nearest to another digit
REFERENCE = {"embedding": np.array([[0, 0], [1, 0], [2, 0], [10, 0], [11, 0], [12, 0]], np.float32),
             "label": np.array([4, 4, 4, 9, 9, 9]), "index": np.arange(6), "shift": np.zeros(6, int)}
QUERY = {"embedding": np.array([[0.4, 0], [2.6, 0], [5.8, 0], [7.1, 0], [9.5, 0]], np.float32),
         "label": np.array([4, 9, 4, 9, 4]), "index": np.arange(5), "shift": np.array([0, 0, 3, 0, -3])}


def test_the_title_says_how_many_of_the_sample_against_how_many_training_images():
    fig, errors = error_gallery(QUERY, REFERENCE, "test_shifted", k=3, max_rows=1)
    assert fig._suptitle.get_text() == ("2 of 5 shifted test images (the saved sample, not the whole split) whose "
                                        "nearest of 6 saved training images has another label (1 shown)")
