"""A state_dict from a local weights file, and loading it into a model with every mismatch named.

The file is read with ``torch.load(weights_only=True)`` (``siamese.utils.checkpoints.read_torch_file``): nothing in
it runs; garbage bytes, a truncated file or a pickled object give a ``CheckpointError`` that says it is not a
weights file and what is expected. A ``{"state_dict": ...}`` dict (a Lightning checkpoint, say) is unwrapped.
"""

from __future__ import annotations

from pathlib import Path

from torch import nn

from siamese.utils.checkpoints import CheckpointError, read_torch_file
from siamese.utils.parameters import ParameterError, ParameterFileError

EXPECTED = "a weights file (expected a state_dict: torch.save(model.state_dict(), path))"
SHOWN = 10  # missing / unexpected keys listed in a mismatch message


def load_weights_file(path: str | Path, parameter: str = "weights") -> dict:
    """The state_dict in ``path``; errors name ``parameter``, the caller's parameter that gave ``path``."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise ParameterFileError(parameter, path, "no such file (weights are never downloaded)")
    state = read_torch_file(path, parameter, EXPECTED)
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
        raise CheckpointError(parameter, path, f"not {EXPECTED}; it holds a {type(state).__name__}")
    return state


def _listed(names: list[str]) -> str:
    return ", ".join(names[:SHOWN]) + (f" ... ({len(names)} in all)" if len(names) > SHOWN else "")


def load_matching_weights(model: nn.Module, state: dict, path: str | Path, parameter: str = "weights") -> None:
    """``model.load_state_dict(state)`` (``state`` read from ``path``) that fails with one ``ParameterError`` naming
    ``parameter=path`` and listing at most ``SHOWN`` missing keys, unexpected keys and shape mismatches."""
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [f"{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}" for k in own
              if k in state and hasattr(state[k], "shape") and tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or shapes:
        parts = [f"{label} ({len(names)}): {_listed(names)}" for label, names in
                 (("missing keys", missing), ("unexpected keys", unexpected), ("shape file vs model", shapes))
                 if names]
        raise ParameterError(parameter, Path(path), f"the weights do not fit {type(model).__name__}: "
                             + "; ".join(parts))
    model.load_state_dict(state)
