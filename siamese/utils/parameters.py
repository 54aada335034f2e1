"""Errors for a bad value of one Python parameter, said in the caller's words by the front ends.

Library code names the parameter a Python caller typed: ``ParameterError("margin", 0, "must be > 0")`` reads
``margin=0: must be > 0``. The error keeps ``parameter``, ``value`` and ``rule``, so a front end can re-say it with
the name its user typed: the config checks as ``loss.margin=0: must be > 0``
(``siamese.utils.config_checks.config_keys``), a CLI as ``--margin 0: must be > 0`` (:func:`flag_names`).
"""

from __future__ import annotations

import numbers
from contextlib import contextmanager
from pathlib import PurePath


class ParameterError(ValueError):
    """A bad value of the Python parameter ``parameter``; the message is ``parameter=value: rule`` (the value's
    repr, a path as it is written)."""

    def __init__(self, parameter: str, value, rule: str):
        self.parameter, self.value, self.rule = parameter, value, rule
        super().__init__(self.renamed(parameter))

    def renamed(self, name: str, separator: str = "=") -> str:
        """The message with ``name`` (a flag or a config key) in place of the parameter; ``separator=" "`` gives
        the command-line form ``--flag value: rule``."""
        shown = self.value if separator == " " or isinstance(self.value, PurePath) else repr(self.value)
        return f"{name}{separator}{shown}: {self.rule}"


class ParameterFileError(ParameterError, FileNotFoundError):
    """A parameter that names a file which does not exist (also a ``FileNotFoundError``)."""


class ParameterTypeError(ParameterError, TypeError):
    """A parameter whose value has the wrong type (also a ``TypeError``)."""


def check_integer(parameter: str, value, minimum: int) -> int:
    """``value`` when it is an integer (not a bool, not 2.5) >= ``minimum``, else ``ParameterError`` naming
    ``parameter`` (a count such as ``k=2.5`` would otherwise fail deep inside torch)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ParameterError(parameter, value, f"must be an integer >= {minimum}")
    return int(value)


def parameter_error_of(error: BaseException | None) -> ParameterError | None:
    """The :class:`ParameterError` that ``error`` is or was raised ``from`` (Hydra's ``instantiate`` wraps what a
    constructor raises in an ``InstantiationException`` raised from it), else None."""
    for _ in range(8):
        if error is None or isinstance(error, ParameterError):
            return error
        error = error.__cause__
    return None


@contextmanager
def flag_names(flags: dict[str, str]):
    """For a command-line front end: re-say a :class:`ParameterError` raised inside with the flag the user typed,
    ``{parameter: flag}`` (``--flag value: rule``); a missing file stays a ``FileNotFoundError``, anything else is a
    ``ValueError``. Parameters not in ``flags`` pass unchanged."""
    try:
        yield
    except Exception as error:
        bad = parameter_error_of(error)
        if bad is None or bad.parameter not in flags:
            raise
        kind = FileNotFoundError if isinstance(bad, FileNotFoundError) else ValueError
        raise kind(bad.renamed(flags[bad.parameter], " ")) from None
