"""A bad value or file given to ``train.py`` / ``eval.py`` ends in one message and exit code 2, not a traceback.

What counts as the user's error: a ``ConfigError`` (a config key and value), a ``ParameterError`` (a
``CheckpointError`` included: a file that is not a checkpoint) and a missing file (``FileNotFoundError``, e.g. a
dataset that is not there, with its fetch command), also when Hydra's ``instantiate`` wrapped it
(``InstantiationException`` raised from it). Its message is printed as written (real newlines, so a fetch command
can be copied), written to the run's log, and the process exits with code 2. ``HYDRA_FULL_ERROR=1`` shows the
traceback instead, as Hydra does for any error. Everything else (a bug, a NaN loss) keeps its traceback.
"""

from __future__ import annotations

import functools
import logging
import os
import sys

from siamese.utils.config_checks import ConfigError
from siamese.utils.parameters import ParameterError

log = logging.getLogger(__name__)
USER_ERRORS = (ConfigError, ParameterError, FileNotFoundError)
EXIT_CODE = 2  # as argparse exits for a bad flag


def user_error_of(error: BaseException | None) -> BaseException | None:
    """``error`` or the error it was raised from (``__cause__``, else ``__context__``) that is a user's error."""
    for _ in range(8):
        if error is None or isinstance(error, USER_ERRORS):
            return error
        error = error.__cause__ or error.__context__
    return None


def exit_on_user_error(task):
    """Wrap a Hydra task function: a user's error -> ``error: <message>`` on stderr (and in the log), exit 2."""

    @functools.wraps(task)
    def run(cfg):
        try:
            return task(cfg)
        except Exception as error:
            found = user_error_of(error)
            if found is None or os.environ.get("HYDRA_FULL_ERROR") == "1":
                raise
            message = str(found).strip()
            for handler in logging.getLogger().handlers:  # the run's train.log, not the console a second time
                if isinstance(handler, logging.FileHandler):
                    handler.emit(log.makeRecord(log.name, logging.ERROR, __file__, 0, message, (), None))
            print(f"error: {message}", file=sys.stderr, flush=True)
            sys.exit(EXIT_CODE)

    return run
