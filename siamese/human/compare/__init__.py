"""Comparing model similarity with people's: per-layer cosine similarity, statistics, the correlation with
people's judgments (``correlation``), baselines, per-rater normalization and SYNTHETIC raters."""
