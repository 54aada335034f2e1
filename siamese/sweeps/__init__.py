"""Sweeps: the Hydra callback that tabulates a multirun, and helpers to read run directories."""

from siamese.sweeps.summary import SweepSummary, collect_runs, write_summary

__all__ = ["SweepSummary", "collect_runs", "write_summary"]
