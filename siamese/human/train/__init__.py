"""People's judgments as a training signal: objectives and losses, the human term and the human-aligned modules
(``task=human_aligned*``), the callbacks that score a net against people during training
(``callbacks=human_similarity``, ``alignment_importance``), and cross-validated fine-tuning (``align-cv``)."""
