"""Collecting human ratings: the local rating server and page (``python -m siamese.rate``), drawing pair sets."""
