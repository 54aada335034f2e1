"""The embeddings a validation or test loop computes anyway, kept for the callbacks of that epoch."""

from __future__ import annotations

import numpy as np
import torch

KEYS = ("label", "shift", "index")


class LoopEmbeddings:
    """Per stage (``val``, ``test``): the batches' embeddings with their ``label``, ``shift`` and ``index``, in
    loop order, kept on the device (one host copy per epoch, in ``result``). ``start(stage)`` empties a stage at
    the start of its loop; ``add(stage, embeddings, batch)`` in each step; ``result(stage)`` -> the dict of
    numpy arrays ``siamese.evaluation.embeddings.embed_loader`` returns (``embedding`` float32 [N, D], ...), or
    None when the stage ran no batch. Callbacks check that it covers their whole split
    (``siamese.callbacks.split_embeddings``)."""

    def __init__(self):
        self.parts: dict[str, dict[str, list[torch.Tensor]]] = {}
        self.done: dict[str, dict[str, np.ndarray]] = {}

    def start(self, stage: str) -> None:
        self.parts[stage] = {"embedding": [], **{key: [] for key in KEYS}}
        self.done.pop(stage, None)

    def add(self, stage: str, embeddings: torch.Tensor, batch: dict) -> None:
        parts = self.parts.get(stage)
        if parts is None:
            return
        parts["embedding"].append(embeddings.detach().float())
        for key in KEYS:
            parts[key].append(batch[key])
        self.done.pop(stage, None)

    def result(self, stage: str) -> dict[str, np.ndarray] | None:
        if stage not in self.done:
            parts = self.parts.get(stage)
            if not parts or not parts["embedding"]:
                return None
            self.done[stage] = {key: torch.cat(values).cpu().numpy() for key, values in parts.items()}
        return self.done[stage]
