"""Alignment importance (AIS) of feature maps: the method (``core``), its inputs (``data``), held-out pruning
(``held_out``) and the heatmaps (``maps``); the report is ``siamese.human.report.ais``, the command
``python -m siamese.human ais`` (docs/alignment_importance.md)."""
