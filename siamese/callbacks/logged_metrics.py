"""What a run will log, known before training: every part that logs declares ``logged_metrics(pl_module)``."""

from __future__ import annotations


def expected_metrics(pl_module, callbacks) -> set[str]:
    """The union of ``logged_metrics(pl_module)`` of the module and of every callback that declares it (the
    framework's module and each callback that logs do; a callback that logs nothing declares nothing)."""
    names: set[str] = set()
    for part in (pl_module, *callbacks):
        declare = getattr(part, "logged_metrics", None)
        if declare is not None:
            names.update(declare(pl_module))
    return names
