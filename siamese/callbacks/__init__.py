from siamese.callbacks.embedding_plot import EmbeddingPlot, plot_embeddings
from siamese.callbacks.epoch_timer import EpochTimer
from siamese.callbacks.retrieval_metrics import RetrievalMetrics, retrieval_metrics

__all__ = ["EmbeddingPlot", "EpochTimer", "RetrievalMetrics", "plot_embeddings", "retrieval_metrics"]
