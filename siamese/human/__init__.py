"""Human similarity, by concept (docs/human_similarity.md):

- ``io``: input formats (pair sets, ratings, image sets, triplets), validated on load;
- ``collect``: the rating server and page (``python -m siamese.rate``), drawing pair sets;
- ``compare``: model similarity per layer, statistics, evaluation against ratings, baselines, SYNTHETIC ratings;
- ``ais``: alignment importance of feature maps (core, cross-validation, figures, report, CLI);
- ``align``: human-aligned training (objectives with their losses, cross-validation).

Nothing is imported here, so that importing ``siamese.human.io`` (layer rank 1) does not pull in the upper layers.
"""
