"""Running ``train.py`` as a subprocess with tiny settings (for the sweep, launcher and robustness tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# conf/debug/default.yaml (400 images of 4 and 9, one epoch) without callbacks or test: about a second after imports.
TINY = ["debug=default", "callbacks=none", "test=false", "optimized_metric=val/loss"]


def run_train(args: list[str], timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess:
    """``python train.py <args>`` from the repository root (so ``siamese`` resolves to this checkout)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "WANDB_MODE": "offline", "WANDB_SILENT": "true",
           "HYDRA_FULL_ERROR": "1", "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.setdefault("SIAMESE_CACHE", str(REPO / ".cache"))
    result = subprocess.run([sys.executable, str(REPO / "train.py"), *args], cwd=REPO, env=env, timeout=timeout,
                            capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"train.py {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n"
                             f"{result.stderr[-5000:]}")
    return result
