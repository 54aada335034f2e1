from siamese.callbacks.embedding_plot import EmbeddingPlot, plot_embeddings
from siamese.callbacks.retrieval_metrics import RetrievalMetrics, retrieval_metrics

__all__ = ["EmbeddingPlot", "RetrievalMetrics", "plot_embeddings", "retrieval_metrics"]
