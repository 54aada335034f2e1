"""The framework's networks; imported on first use (``siamese.models.source_arguments`` needs no torch, so the
command lines' ``--help`` stays fast)."""

import importlib

_HOMES = {"LayeredNet": "siamese.models.base", "ClassifierNet": "siamese.models.classifier_net",
          "ConvNet": "siamese.models.conv_net", "EmbeddingNet": "siamese.models.embedding_net",
          "SiameseNet": "siamese.models.siamese_net", "VerificationHead": "siamese.models.verification_head"}


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'siamese.models' has no attribute {name!r}")


__all__ = ["LayeredNet", "ClassifierNet", "ConvNet", "EmbeddingNet", "SiameseNet", "VerificationHead"]
