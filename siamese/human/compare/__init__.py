"""Comparing model similarity with people's: per-layer cosine similarity, statistics, baselines, evaluation."""
