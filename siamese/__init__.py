"""siamese: metric-learning embeddings (Siamese pairs, triplets) on MNIST and their comparison with people."""

__version__ = "0.1.0"
