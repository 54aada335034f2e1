"""``train.py`` / ``eval.py``: a bad config value, a file that is not a checkpoint or a missing dataset is one
message and exit code 2; ``HYDRA_FULL_ERROR=1`` shows the traceback; other errors keep theirs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra.errors import InstantiationException

from siamese.data.reader import MissingDataError
from siamese.scripts.user_errors import exit_on_user_error
from siamese.utils.checkpoints import load_checkpoint
from siamese.utils.config_checks import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def raising(error: BaseException):
    def task(cfg):
        raise error

    return exit_on_user_error(task)


def test_a_users_error_prints_its_message_and_exits_2(capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    with pytest.raises(SystemExit) as stopped:
        raising(ConfigError("seed='abc' (str): must be an integer"))(None)
    assert stopped.value.code == 2
    assert capsys.readouterr().err == "error: seed='abc' (str): must be an integer\n"
    try:  # Hydra's instantiate wraps what a constructor raises: the message was its repr, with literal \n
        raise InstantiationException("Error in call to target 'siamese.data.MNISTDataModule'") \
            from MissingDataError("cifar10", [Path("data/a"), Path("data/b")], "python fetch.py")
    except InstantiationException as wrapped:
        with pytest.raises(SystemExit):
            raising(wrapped)(None)
    err = capsys.readouterr().err
    assert err.startswith("error: data=cifar10: 2 expected file(s) missing:\n  data/a\n  data/b\n")
    assert "\n  python fetch.py\n" in err and "\\n" not in err  # the fetch command is on a line of its own
    (tmp_path / "notes.ckpt").write_text("hello")
    try:
        load_checkpoint(tmp_path / "notes.ckpt")
    except ValueError as error:
        with pytest.raises(SystemExit):
            raising(error)(None)
    assert capsys.readouterr().err.startswith(f"error: ckpt_path={tmp_path / 'notes.ckpt'}: truncated or not")


def test_full_error_and_other_errors_keep_the_traceback(monkeypatch):
    monkeypatch.setenv("HYDRA_FULL_ERROR", "1")
    with pytest.raises(ConfigError):
        raising(ConfigError("seed='abc' (str): must be an integer"))(None)
    monkeypatch.delenv("HYDRA_FULL_ERROR")
    with pytest.raises(ZeroDivisionError):  # a bug is not the user's value
        raising(ZeroDivisionError("division by zero"))(None)


def test_train_py_with_a_bad_value_is_one_line_and_exit_code_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    result = subprocess.run([sys.executable, str(ROOT / "train.py"), "seed=abc", "logger=csv",
                             f"hydra.run.dir={tmp_path / 'run'}"], capture_output=True, text=True, cwd=tmp_path,
                            env=env, timeout=300)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.strip().splitlines() == ["error: seed='abc' (str): must be an integer (or null: a random "
                                                  "seed)"], result.stderr[-2000:]
    assert "Traceback" not in result.stdout + result.stderr
    assert "seed='abc'" in (tmp_path / "run" / "train.log").read_text()
