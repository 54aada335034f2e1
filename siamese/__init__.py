"""siamese: metric-learning embeddings (Siamese pairs, triplets) on MNIST and their comparison with people."""

__version__ = "0.1.0"


def load(ckpt_path, name: str | None = None):
    """The trained net of a ``python train.py`` checkpoint with its normalization and stored config, ready for
    ``.embed(images)`` and ``.activations(images, layers)`` (``siamese.models.loading.LoadedNet``)."""
    from siamese.models.loading import load_net  # lazy: ``import siamese`` stays cheap

    return load_net(ckpt_path, name)


__all__ = ["load"]
