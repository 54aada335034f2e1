"""The study server under concurrent participants: answers per second, latency percentiles, answers lost.

    python -m benchmarks.study_server [--participants 50] [--db sqlite:///PATH | postgresql://...] [--out FILE]

A SYNTHETIC rating study (60 pairs of seeded noise images; make-study: 2 practice, 2 catch, 4 repeats) is served
by ``python -m siamese.rate STUDY`` (a subprocess: the real command, its own process) and --participants SYNTHETIC
participants (``experiments/running_a_study/participants.py``) answer at once, one thread each, with no pause
between answers (a worst case: people take ~2 s per answer). Reported: answers/s over the whole run, p50 / p95 /
max latency of an answer POST (the server commits before it replies), and answers lost = answers the server
confirmed that the database does not hold (read back afterwards; must be 0), plus rows beyond the confirmed ones.
Writes the results as markdown (default benchmarks/study_server.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from experiments.running_a_study.participants import centered_cosine, take_part
from experiments.running_a_study.run import human, serve


def write_pair_set(directory: Path, n: int) -> None:
    directory.mkdir(parents=True)
    images = np.random.default_rng(0).integers(0, 256, size=(2, n, 28, 28), dtype=np.uint8)
    np.savez(directory / "pairs.npz", images_a=images[0], images_b=images[1],
             pair_id=np.array([f"p{k}" for k in range(n)]), synthetic=np.array(True))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--pairs", type=int, default=60)
    parser.add_argument("--db", help="database URL (default: a SQLite file in a temporary directory)")
    parser.add_argument("--out", default=str(Path(__file__).with_name("study_server.md")))
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="study-bench-"))
    write_pair_set(root / "pairs", args.pairs)
    study = root / "study"
    human("make-study", root / "pairs", "--task", "rating", "--out", study, "--synthetic")
    db = args.db or f"sqlite:///{root / 'answers.sqlite'}"
    spec = json.loads((study / "study.json").read_text())
    similarity = centered_cosine(np.load(study / "images.npz")["images"])
    process, base = serve(study, db)
    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(args.participants) as pool:
            results = list(pool.map(lambda k: take_part(base, spec, similarity, "attentive", k, f"BENCH{k:03d}"),
                                    range(args.participants)))
    finally:
        seconds = time.perf_counter() - started
        process.terminate()
        process.wait(30)
    latencies = np.array([s for r in results for s in r["latencies"]]) * 1000
    confirmed = {(r["pid"], seq) for r in results for seq in r["confirmed"]}
    if db.startswith("sqlite:///"):
        with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
            stored = set(conn.execute("SELECT p.prolific_pid, a.seq FROM answers a JOIN participants p ON "
                                      "p.id = a.participant_id").fetchall())
    else:
        from siamese.human.collect.study_database import StudyDatabase

        database = StudyDatabase(db)
        stored = {(r["prolific_pid"], r["seq"]) for r in database.rows()}
        database.close()
    sent = sum(len(r["answers"]) for r in results)
    row = {"participants": args.participants, "answers_sent": sent, "answers_confirmed": len(confirmed),
           "answers_lost": len(confirmed - stored), "rows_not_confirmed": len(stored - confirmed),
           "seconds": round(seconds, 2), "answers_per_s": round(len(confirmed) / seconds, 1),
           "p50_ms": round(float(np.percentile(latencies, 50)), 1),
           "p95_ms": round(float(np.percentile(latencies, 95)), 1), "max_ms": round(float(latencies.max()), 1),
           "database": db.split(":", 1)[0], "cpus": os.cpu_count(), "load_avg_end": round(os.getloadavg()[0], 2),
           "python": platform.python_version()}
    print(json.dumps(row, indent=1))
    lines = ["# Study server under concurrent SYNTHETIC participants", "",
             f"Command: `python -m benchmarks.study_server --participants {args.participants} --pairs {args.pairs}"
             f"{' --db ' + args.db if args.db else ''}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
             f"{row['cpus']} CPUs shared, load average {row['load_avg_end']} at the end; no pause between answers)",
             "", "| participants | answers confirmed / sent | answers/s | latency p50 / p95 / max (ms) | "
             "answers lost | database |", "|---|---|---|---|---|---|",
             f"| {row['participants']} | {row['answers_confirmed']} / {row['answers_sent']} | {row['answers_per_s']} "
             f"| {row['p50_ms']} / {row['p95_ms']} / {row['max_ms']} | {row['answers_lost']} | {row['database']} |",
             "", "```json", json.dumps(row, indent=1), "```"]
    Path(args.out).write_text("\n".join(lines) + "\n")
    return 0 if row["answers_lost"] == 0 and len(confirmed) == sent else 1


if __name__ == "__main__":
    sys.exit(main())
