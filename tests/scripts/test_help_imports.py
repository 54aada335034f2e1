"""``--help`` of the command lines imports neither torch nor Lightning (a typo costs a second, not 15-30 s)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("command", [[str(ROOT / "train.py"), "--help"], [str(ROOT / "eval.py"), "--help"],
                                     ["-m", "siamese.human", "--help"]])
def test_help_imports_no_torch(command, tmp_path):
    result = subprocess.run([sys.executable, "-X", "importtime", *command], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "import time:" in line}
    assert "torch" not in imported and "pytorch_lightning" not in imported and "scipy.stats" not in imported
    assert "usage" in result.stdout.lower() or "== Config ==" in result.stdout
