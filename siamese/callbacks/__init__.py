from siamese.callbacks.embedding_collapse import EmbeddingCollapse, embedding_spread
from siamese.callbacks.embedding_plot import EmbeddingPlot, plot_embeddings
from siamese.callbacks.epoch_timer import EpochTimer
from siamese.callbacks.fault_injection import KillAtBatch
from siamese.callbacks.human_similarity import HumanSimilarity
from siamese.callbacks.metrics_history import MetricsHistory
from siamese.callbacks.retrieval_metrics import (RetrievalMetrics, evaluate_split, retrieval_metrics,
                                                 silhouette_by_digit)
from siamese.callbacks.shift_clusters import ShiftClusters, shift_cluster_metrics
from siamese.callbacks.wandb_embedding_table import WandbEmbeddingTable

__all__ = ["EmbeddingCollapse", "EmbeddingPlot", "EpochTimer", "HumanSimilarity", "KillAtBatch", "MetricsHistory",
           "RetrievalMetrics", "ShiftClusters", "WandbEmbeddingTable", "embedding_spread", "evaluate_split",
           "plot_embeddings", "retrieval_metrics", "shift_cluster_metrics", "silhouette_by_digit"]
