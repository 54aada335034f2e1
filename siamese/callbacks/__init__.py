from siamese.callbacks.embedding_plot import EmbeddingPlot, plot_embeddings
from siamese.callbacks.human_similarity import HumanSimilarity
from siamese.callbacks.retrieval_metrics import RetrievalMetrics, retrieval_metrics

__all__ = ["EmbeddingPlot", "HumanSimilarity", "RetrievalMetrics", "plot_embeddings", "retrieval_metrics"]
