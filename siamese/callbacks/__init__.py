from siamese.callbacks.embedding_collapse import EmbeddingCollapse, embedding_spread
from siamese.callbacks.embedding_plot import EmbeddingPlot, plot_embeddings
from siamese.callbacks.epoch_timer import EpochTimer
from siamese.callbacks.fault_injection import KillAtBatch
from siamese.callbacks.human_similarity import HumanSimilarity
from siamese.callbacks.retrieval_metrics import RetrievalMetrics, retrieval_metrics
from siamese.callbacks.shift_clusters import ShiftClusters, shift_cluster_metrics

__all__ = ["EmbeddingCollapse", "EmbeddingPlot", "EpochTimer", "HumanSimilarity", "KillAtBatch", "RetrievalMetrics",
           "ShiftClusters", "embedding_spread", "plot_embeddings", "retrieval_metrics", "shift_cluster_metrics"]
