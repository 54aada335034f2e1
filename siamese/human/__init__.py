"""The human-similarity toolkit: people's judgments of how alike images look, compared with, and used to train,
the framework's networks. It sits above the whole framework (it imports ``siamese.*``; nothing outside
``siamese.human`` imports it) and has its own one-way layers (docs/architecture.md):

- ``io``: the judgments type (:class:`siamese.human.io.judgments.Judgments`) and the readers of every file format;
- ``compare``: model similarity per layer, statistics, correlation with people, baselines, SYNTHETIC raters;
  ``ais``: alignment importance of feature maps; ``readouts``: readouts fitted on a frozen net, nested CV;
- ``train``: human objectives and losses, the human term and the human-aligned modules, the human callbacks,
  cross-validated fine-tuning;
- ``collect``: the rating server and page, drawing pair and trial sets;
- ``report``: the written reports of AIS and readouts;
- ``cli``: the subcommands of ``python -m siamese.human``.

Nothing is imported here, so that importing ``siamese.human.io`` does not pull in the upper layers.
"""
