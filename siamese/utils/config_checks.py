"""Checks of the composed training config that must fail before any data are loaded, naming key and value.

The classes check their own arguments too (``MNISTDataModule``, the losses, the miners), naming the Python
parameter (``siamese.utils.parameters.ParameterError``); :func:`config_keys` says those with the config key the
user set. The checks here are the values that would otherwise train silently wrong (a string ``no`` is truthy,
one image per batch has no pairs, one digit has no negatives, ``max_train_samples=-1`` slices off one image) or
fail only after an epoch (``step_size=0``).
"""

from __future__ import annotations

import logging
import numbers
import re
from contextlib import contextmanager

from omegaconf import DictConfig, OmegaConf

from siamese.utils.parameters import parameter_error_of

log = logging.getLogger(__name__)


class ConfigError(ValueError):
    """An invalid config value; the message names the key and the value."""


class ConfigFileError(ConfigError, FileNotFoundError):
    """A config value naming a file that does not exist."""


@contextmanager
def config_keys(keys: str | dict[str, str], cfg: DictConfig | None = None):
    """Re-say a ``ParameterError`` raised inside as a :class:`ConfigError` naming the key the user set.

    ``keys``: the config node whose ``instantiate`` calls the constructor (``"miner"``: the parameter ``k`` is
    ``miner.k``), or ``{parameter: key}`` for a function fed from several nodes (parameters not in it keep their
    name). With ``cfg``, a key whose value is an interpolation names its source (``task.init_ckpt:
    ${human.init_ckpt}`` -> ``human.init_ckpt``). A missing file stays a ``FileNotFoundError``
    (:class:`ConfigFileError`)."""
    try:
        yield
    except Exception as error:
        bad = parameter_error_of(error)
        if bad is None:
            raise
        key = keys.get(bad.parameter, bad.parameter) if isinstance(keys, dict) else f"{keys}.{bad.parameter}"
        kind = ConfigFileError if isinstance(bad, FileNotFoundError) else ConfigError
        raise kind(bad.renamed(_interpolation_source(cfg, key))) from None


def _interpolation_source(cfg: DictConfig | None, key: str) -> str:
    """``key``, or the key its value interpolates when it is exactly ``${other.key}``."""
    parent, _, leaf = key.rpartition(".")
    node = cfg if not parent or cfg is None else OmegaConf.select(cfg, parent, default=None)
    if not isinstance(node, DictConfig) or leaf not in node:
        return key
    raw = OmegaConf.to_container(node, resolve=False).get(leaf)
    match = re.fullmatch(r"\$\{([\w.]+)\}", raw) if isinstance(raw, str) else None
    return match.group(1) if match else key


# keys whose value must be a real bool (a Hydra override `key=no` is the string 'no', which is truthy)
BOOL_KEYS = ("test", "data.shift.train", "data.shift.include_unshifted", "callbacks.embedding_plot.save_initial")
CLASSIFY_TARGET = "siamese.modules.ClassifierModule"


def _get(cfg: dict, key: str, default=None):
    node = cfg
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _fail(key: str, value, rule: str) -> None:
    raise ConfigError(f"{key}={value!r} ({type(value).__name__}): {rule}")


def check_training_config(cfg: DictConfig | dict) -> None:
    """Raise :class:`ConfigError` for the first invalid value (see the module docstring for which)."""
    c = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else cfg
    missing = object()
    for key in BOOL_KEYS:
        value = _get(c, key, missing)
        if value is not missing and not isinstance(value, bool):
            _fail(key, value, "must be true or false")
    data = c.get("data") or {}
    metric_learning = _get(c, "task._target_") != CLASSIFY_TARGET
    for key in ("batch_size", "eval_batch_size"):
        value = data.get(key, missing)
        if value is not missing and (not _is_int(value) or value < 1):
            _fail(f"data.{key}", value, "must be an integer >= 1")
    if metric_learning and _is_int(data.get("batch_size")) and data["batch_size"] < 2:
        _fail("data.batch_size", data["batch_size"], "pair and triplet losses need >= 2 images per batch "
              "(one image has no partner: the loss is 0 all run)")
    digits = data.get("digits")
    if metric_learning and isinstance(digits, list) and len(set(digits)) < 2:
        _fail("data.digits", digits, "metric learning needs >= 2 classes (with one there are no negatives and "
              "precision@1 is 1.0 for any net)")
    for key in ("max_train_samples", "max_test_samples"):
        value = data.get(key)
        if value is not None and (not _is_int(value) or value <= 0):
            _fail(f"data.{key}", value, "must be null (all images) or an integer > 0")
    optimizer = c.get("optimizer") or {}
    if "lr" in optimizer and (not _is_number(optimizer["lr"]) or not optimizer["lr"] > 0):
        _fail("optimizer.lr", optimizer["lr"], "must be a number > 0")
    if "weight_decay" in optimizer and (not _is_number(optimizer["weight_decay"]) or optimizer["weight_decay"] < 0):
        _fail("optimizer.weight_decay", optimizer["weight_decay"], "must be a number >= 0")
    for key, value in (c.get("loss") or {}).items():
        if str(key).startswith(("margin", "weight")) and not _is_number(value):
            _fail(f"loss.{key}", value, "must be a number")
    scheduler = c.get("scheduler") or {}
    for key in ("step_size", "T_max"):
        if key in scheduler and (not _is_int(scheduler[key]) or scheduler[key] < 1):
            _fail(f"scheduler.{key}", scheduler[key], "must be an integer >= 1")
    seed = c.get("seed")
    if seed is not None and not _is_int(seed):
        _fail("seed", seed, "must be an integer (or null: a random seed)")
    _check_epochs(c.get("trainer") or {})


def _check_epochs(trainer: dict) -> None:
    """``trainer.max_epochs``: -1 is Lightning's "no limit" (refused unless ``trainer.max_steps`` ends the run), 0
    trains nothing (allowed, said: the test then scores the initial weights)."""
    epochs = trainer.get("max_epochs")
    if epochs is None:
        return
    if not _is_int(epochs) or epochs < -1:
        _fail("trainer.max_epochs", epochs, "must be an integer >= 1 (the number of epochs)")
    steps = trainer.get("max_steps")
    if epochs == -1 and not (_is_int(steps) and steps > 0):
        _fail("trainer.max_epochs", epochs, "-1 means no epoch limit and trainer.max_steps sets none either: the "
              "run would train forever; give the number of epochs (>= 1)")
    if epochs == 0:
        log.warning("trainer.max_epochs=0: nothing is trained; validation and test score the initial weights")
