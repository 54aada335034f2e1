"""Whole processes, start to exit: ``python train.py experiment=mnist10_semihard`` against ``benchmarks/plain_pml.py``.

``python -m benchmarks.end_to_end [--epochs 1] [--repeats 2] [--target 0.95]``

Both run as child processes (sides alternated, best of ``repeats``), so the times include Python start-up and
imports, data loading, training, and for the framework everything it does besides: the validation loop and its
callbacks, the test pass (test loss, test-time metrics on the test and shifted-test sets), embedding plots,
checkpoints, the offline wandb run. The plain script does the training and one test precision@1 per epoch.

- start-up alone: ``python train.py experiment=mnist10_semihard --cfg job`` (Hydra compose + every module
  ``train.py`` imports, then exit) vs ``python -c "import benchmarks.plain_pml"``; and which optional heavy
  packages a default run's start has imported (``lazy_imports``);
- time to accuracy: seconds from process start until test precision@1 >= ``target``: the plain script stops after
  the first epoch that reaches it (``--target``); the framework runs ``trainer.max_epochs`` = 1, 2, ... until its
  test/precision_at_1 (full test set vs the whole train split, after ``trainer.test``) reaches it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORK = [sys.executable, "train.py", "experiment=mnist10_semihard"]
PLAIN = [sys.executable, "-m", "benchmarks.plain_pml"]
OPTIONAL = ("wandb", "umap", "optuna", "sklearn", "matplotlib", "pandas")


def _env(threads: int | None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "WANDB_MODE": "offline", "WANDB_SILENT": "true"}
    if threads:
        env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(threads)
    return env


def timed_run(command: list[str], threads: int | None = None, timeout: float = 1800) -> tuple[float, str]:
    """(wall seconds, stdout) of a child process; raises with its stderr tail when it fails."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=_env(threads), capture_output=True, text=True, timeout=timeout)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def framework_run(epochs: int, extra=(), threads: int | None = None, quick: bool = False) -> dict:
    """One ``python train.py experiment=mnist10_semihard trainer.max_epochs=<epochs>`` process: wall seconds and
    its metrics.json (test/precision_at_1, time/train_epoch_s, time/validation_s, ...)."""
    with tempfile.TemporaryDirectory() as folder:
        sizes = ["data.max_train_samples=2000", "data.max_test_samples=500"] if quick else []
        seconds, _ = timed_run([*FRAMEWORK, f"trainer.max_epochs={epochs}", f"hydra.run.dir={folder}", *sizes,
                                *extra], threads)
        metrics = json.loads((Path(folder) / "metrics.json").read_text())
    return {"wall_s": seconds, "epochs": epochs, "metrics": metrics}


def plain_run(epochs: int, target: float | None = None, threads: int | None = None, quick: bool = False) -> dict:
    sizes = ["--max-train", "2000", "--max-test", "500"] if quick else []
    command = [*PLAIN, "--epochs", str(epochs), *sizes] + (["--target", str(target)] if target else [])
    seconds, out = timed_run(command, threads)
    return {"wall_s": seconds, **json.loads(out.strip().splitlines()[-1])}


def startup(repeats: int = 2, threads: int | None = None) -> dict:
    """Best-of-``repeats`` wall seconds of the two start-ups (alternated), and the optional packages imported."""
    framework, plain = [], []
    for _ in range(repeats):
        framework.append(timed_run([*FRAMEWORK, "--cfg", "job"], threads)[0])
        plain.append(timed_run([sys.executable, "-c", "import benchmarks.plain_pml"], threads)[0])
    return {"framework_s": min(framework), "plain_s": min(plain), "lazy_imports": lazy_imports(threads)}


def lazy_imports(threads: int | None = None) -> list[str]:
    """The ``OPTIONAL`` packages in ``sys.modules`` after building everything a default run builds (config, data
    module, module, callbacks, loggers, trainer) without fitting: what start-up pays for without using."""
    code = ("import sys\nfrom siamese.config import compose_config\nfrom siamese.training import build\n"
            "import tempfile\nd = tempfile.mkdtemp()\n"
            "build(compose_config(['experiment=mnist10_semihard', 'logger=csv'], output_dir=d))\n"
            f"print(' '.join(m for m in {OPTIONAL!r} if m in sys.modules))")
    return timed_run([sys.executable, "-c", code], threads)[1].split()


def whole_process(epochs: int = 1, repeats: int = 2, threads: int | None = None, quick: bool = False) -> dict:
    """Framework and plain script for ``epochs`` epochs, alternated, best (shortest) of ``repeats`` each."""
    framework, plain = [], []
    for _ in range(repeats):
        plain.append(plain_run(epochs, threads=threads, quick=quick))
        framework.append(framework_run(epochs, threads=threads, quick=quick))
    best_f, best_p = min(framework, key=lambda r: r["wall_s"]), min(plain, key=lambda r: r["wall_s"])
    return {"framework": best_f, "plain": best_p, "ratio": best_f["wall_s"] / best_p["wall_s"]}


def time_to_accuracy(target: float, first_framework: dict | None = None, max_epochs: int = 3,
                     threads: int | None = None, quick: bool = False) -> dict:
    """Seconds until test precision@1 >= ``target`` (None when ``max_epochs`` did not reach it) for both sides;
    ``first_framework``: an already measured 1-epoch framework run to start from."""
    plain = plain_run(max_epochs, target, threads, quick)
    runs = [first_framework] if first_framework else []
    while not runs or (runs[-1]["metrics"].get("test/precision_at_1", 0) < target and runs[-1]["epochs"] < max_epochs):
        runs.append(framework_run(runs[-1]["epochs"] + 1 if runs else 1, threads=threads, quick=quick))
    last = runs[-1]
    reached = last["metrics"].get("test/precision_at_1", 0) >= target
    return {"target": target,
            "framework_s": last["wall_s"] if reached else None, "framework_epochs": last["epochs"],
            "framework_precision_at_1": last["metrics"].get("test/precision_at_1"),
            "plain_s": None if plain["target_s"] is None else plain["target_s"] + plain["wall_s"] - plain["total_s"],
            "plain_epochs": len(plain["test_precision_at_1"]), "plain_precision_at_1": plain["test_precision_at_1"][-1]}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--target", type=float, default=0.95)
    parser.add_argument("--threads", type=int, default=None, help="OMP_NUM_THREADS of both sides")
    args = parser.parse_args(argv)
    print(json.dumps({"startup": startup(args.repeats, args.threads),
                      "whole_process": whole_process(args.epochs, args.repeats, args.threads)}, indent=1))


if __name__ == "__main__":
    main()
