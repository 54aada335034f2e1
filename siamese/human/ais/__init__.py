"""Alignment importance (AIS) of feature maps: core, cross-validation, figures, report, CLI
(docs/alignment_importance.md)."""
