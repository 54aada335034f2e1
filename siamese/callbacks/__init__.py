"""Thin Lightning hooks that call ``siamese.evaluation`` on a schedule (``PeriodicEvaluation``).

``KillAtBatch`` (fault injection for the crash-recovery test) is in ``siamese.callbacks.fault_injection`` and not
part of the public set."""

from siamese.callbacks.embedding_collapse import EmbeddingCollapse
from siamese.callbacks.embedding_plot import EmbeddingPlot
from siamese.callbacks.epoch_timer import EpochTimer
from siamese.callbacks.metrics_history import MetricsHistory
from siamese.callbacks.oneshot_error import OneshotError
from siamese.callbacks.periodic import PeriodicEvaluation
from siamese.callbacks.retrieval_metrics import RetrievalMetrics
from siamese.callbacks.shift_clusters import ShiftClusters
from siamese.callbacks.wandb_embedding_table import WandbEmbeddingTable

__all__ = ["EmbeddingCollapse", "EmbeddingPlot", "EpochTimer", "MetricsHistory", "OneshotError", "PeriodicEvaluation",
           "RetrievalMetrics", "ShiftClusters", "WandbEmbeddingTable"]

# callbacks of the human toolkit, which sits above the framework (never imported from here)
MOVED = {"HumanSimilarity": "siamese.human.train.human_similarity.HumanSimilarity",
         "AlignmentImportance": "siamese.human.train.alignment_importance.AlignmentImportance"}


def __getattr__(name: str):
    if name in MOVED:
        raise AttributeError(f"siamese.callbacks.{name} is in the human toolkit: import {MOVED[name]}")
    raise AttributeError(f"module 'siamese.callbacks' has no attribute {name!r}")
