"""Pure metric, projection and plotting functions of embeddings (numpy in, numbers or figures out; no Lightning).

- ``embeddings``: embed a loader with a net; deterministic subsamples (``subsample_positions``, ``take``)
- ``retrieval``: precision@1, R-precision, MAP@R, NMI/AMI, silhouette (``evaluate_split``); the 1-NN errors
- ``oneshot``: N-way k-shot error of an embedding over seeded episodes, with a 95% CI (``oneshot_error``)
- ``oneshot_baselines``: pixel cosine and modified Hausdorff scores of drawings (one-shot baselines)
- ``shift_clusters``: do (digit, shift direction) groups form clusters (``shift_cluster_metrics``)
- ``collapse``: spread of a set of embeddings (``embedding_spread``)
- ``projection``: 2-D views (PCA / UMAP)
- ``plots``: every embedding figure (scatter per split, evolution grid/GIF, error gallery)
"""
