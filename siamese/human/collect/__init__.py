"""Collecting human ratings: the local rating server and page (``python -m siamese.human rate``), drawing pair sets."""
