"""Time to train an Omniglot one-shot preset and its one-shot error: one whole ``python train.py`` process.

``python -m benchmarks.omniglot_preset [--preset omniglot_normalized_softmax] [--threads N] [--out FILE]``

Runs ``python train.py experiment=<preset>`` as a child process (start-up, data decoding, training with the
per-epoch ``val/oneshot_error``, the test pass on the held-out test alphabet, checkpoints) and reports its wall
seconds, the per-epoch training and validation seconds, the best epoch by ``val/oneshot_error`` and the
20-way 1-shot errors with their 95% CI half-widths (``val``: the validation alphabet, ``test``: the test alphabet,
of the best checkpoint). ``benchmarks/run.py`` includes it as section 6; ``--out`` (default
``benchmarks/results.md``) replaces that section alone, so the other sections are not rerun.
Under CPU contention, give ``--threads 1``: two OpenMP threads per process on an oversubscribed machine spin and
were measured 14x slower per epoch (210 s vs 14.6 s) than one.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.end_to_end import timed_run

HEADING = "## 6. Omniglot one-shot preset: time to train and 20-way 1-shot error"


def measure(preset: str = "omniglot_normalized_softmax", threads: int | None = None, extra=()) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        wall_s, _ = timed_run([sys.executable, "train.py", f"experiment={preset}", "logger=csv",
                               f"hydra.run.dir={folder}", *extra], threads, timeout=3600)
        metrics = json.loads((Path(folder) / "metrics.json").read_text())
        history = [json.loads(line) for line in (Path(folder) / "metrics_history.jsonl").read_text().splitlines()]
    return {"preset": preset, "wall_s": wall_s, "metrics": metrics, "history": history, "extra": list(extra),
            "threads": threads}


def section(row: dict) -> list[str]:
    m, history = row["metrics"], row["history"]
    train_s = sum(h.get("time/train_epoch_s", 0.0) for h in history)
    val_s = sum(h.get("time/validation_s", 0.0) for h in history)
    command = " ".join(["python train.py", f"experiment={row['preset']}", *row["extra"]])
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    return [HEADING, "",
            f"`{command}` as one process (`python -m benchmarks.omniglot_preset`, threads "
            f"{row['threads'] or 'torch default'}; load at the end: `{uptime}`).", "",
            "| preset | process s | epochs | training s | validation s | best epoch | val 20-way 1-shot error | "
            "test 20-way 1-shot error |", "|---|---|---|---|---|---|---|---|",
            f"| {row['preset']} | {row['wall_s']:.0f} | {len(history)} | {train_s:.0f} | {val_s:.0f} | "
            f"{m.get('checkpoint/test_epoch', float('nan')):.0f} | "
            f"{100 * m['val/oneshot_error']:.1f}% ± {100 * m['val/oneshot_error_ci']:.1f} | "
            f"{100 * m['test/oneshot_error']:.1f}% ± {100 * m['test/oneshot_error_ci']:.1f} |", ""]


def replace_section(text: str, lines: list[str]) -> str:
    """``text`` (a results.md) with its section 6 replaced by ``lines`` (appended when it has none)."""
    head, found, rest = text.partition(HEADING)
    tail = ""
    if found:
        after = rest.split("\n## ", 1)
        tail = "\n## " + after[1] if len(after) > 1 else ""
    return head.rstrip("\n") + "\n\n" + "\n".join(lines) + tail


def main(argv=None) -> list[str]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="omniglot_normalized_softmax")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", default=str(Path(__file__).with_name("results.md")))
    parser.add_argument("overrides", nargs="*", help="extra train.py overrides (trainer.max_epochs=5)")
    args = parser.parse_args(argv)
    lines = section(measure(args.preset, args.threads, args.overrides))
    print("\n".join(lines))
    out = Path(args.out)
    out.write_text(replace_section(out.read_text() if out.exists() else "", lines))
    return lines


if __name__ == "__main__":
    main()
