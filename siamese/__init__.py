"""siamese: metric-learning embeddings (Siamese pairs, triplets) on MNIST and their comparison with people."""

__version__ = "0.1.0"


def load(spec, weights=None, name: str | None = None, **preprocessing):
    """A model ready for ``.embed(images)`` and ``.activations(images, layers)`` (``siamese.models.loading.
    LoadedNet``): a ``python train.py`` checkpoint or run directory (its ``checkpoints/last.ckpt``, as for
    ``eval.py``; with its normalization and stored config), or any other model source, ``torchvision:NAME``,
    ``torchscript:PATH``, ``package.module:factory`` (``weights``: a local state_dict; ``preprocessing``:
    overrides such as ``mean=(0.1307,), std=(0.3081,)``; see ``siamese.models.sources``). Images given to
    ``embed``/``activations`` are 0-255 pixels; NaN, infinite or out-of-range values are refused."""
    from siamese.models.sources import load_source  # lazy: ``import siamese`` stays cheap

    loaded = load_source(str(spec), weights, **preprocessing)
    if name is not None:
        loaded.name = name
    return loaded


__all__ = ["load"]
