"""The SYNTHETIC end-to-end study in one command: make-study -> serve -> participants -> export -> import -> eval,
align-readout and odd-one-out scoring. NOT people: the participants are a simulated observer (participants.py).

    python -m experiments.running_a_study.run --out DIR [--participants 30] [--model CKPT] [--results DIR]

1. SYNTHETIC sources: 40 within-digit MNIST test pairs of 8s (make-pairs) for a rating study, 60 triplets of three
   random digits (make-triplets --across) for an odd-one-out study; make-study --synthetic of each (2 practice,
   2 catch and 4 repeated trials).
2. Both studies served by the real server, ``python -m siamese.rate STUDY --port P --db sqlite:///...`` (a
   subprocess), and answered over HTTP by --participants SYNTHETIC participants each, 8 at a time (80% attentive,
   10% careless, 10% speeders; participants.py).
3. export-study -> import-study (exclusions, test-retest) -> eval (--baselines pixels, and --model) and
   align-readout (layer mixing, nested CV) on the rating study; odd-one-out scoring on the other.
--model: a checkpoint of train.py (default: the classifier convnet with seeded random weights, written to
<out>/model/random.ckpt: the pipeline is the point, not the model). Outputs: <out>/results.md, summary.json and
every step's directory; --results DIR also copies results.md and summary.json there (the committed copy).
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from experiments.running_a_study.participants import centered_cosine, take_part

log = logging.getLogger("running_a_study")
KINDS = ("attentive",) * 8 + ("careless", "speeder")


def human(*args: str, capture: bool = False) -> str:
    """Run ``python -m siamese.human ARGS`` (the user's command), logging it; its stdout."""
    command = [sys.executable, "-m", "siamese.human", *map(str, args)]
    log.info("$ %s", " ".join(command[1:]))
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(study: Path, db: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "siamese.rate", str(study), "--port", str(port), "--db", db],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "server.js", timeout=2).read()
            log.info("serving %s at %s (%s)", study.name, base, db)
            return process, base
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited: {process.stdout.read()}") from None
            time.sleep(0.2)
    raise TimeoutError("the study server did not start")


def collect(study: Path, db: str, participants: int, seed: int) -> dict:
    """Serve ``study`` and let the SYNTHETIC participants answer; counts of what they sent and what was saved."""
    spec = json.loads((study / "study.json").read_text())
    images = np.load(study / "images.npz")["images"]
    similarity = centered_cosine(images)
    process, base = serve(study, db)
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda k: take_part(base, spec, similarity, KINDS[k % len(KINDS)], seed + k,
                                                        f"SYNTHETIC{k:03d}"), range(participants)))
    finally:
        process.terminate()
        process.wait(30)
    seconds = time.monotonic() - started
    sent = sum(len(r["answers"]) for r in results)
    log.info("%s: %d participants sent %d answers in %.1f s", study.name, participants, sent, seconds)
    return {"participants": participants, "answers_sent": sent,
            "answers_confirmed": sum(len(r["confirmed"]) for r in results),
            "kinds": {kind: sum(r["kind"] == kind for r in results) for kind in dict.fromkeys(KINDS)},
            "seconds": seconds}


def random_checkpoint(path: Path) -> Path:
    """The classifier convnet with seeded random weights, in train.py's checkpoint format."""
    import torch

    from siamese.models import ClassifierNet

    torch.manual_seed(0)
    net = ClassifierNet(num_classes=10)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"siamese_config": {"model": {"_target_": "siamese.models.ClassifierNet", "num_classes": 10},
                                   "task_name": "random-classifier"},
                "state_dict": {f"net.{k}": v for k, v in net.state_dict().items()},
                "MNISTDataModule": {"mean": 0.1307, "std": 0.3081}}, path)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--participants", type=int, default=30)
    parser.add_argument("--model", help="train.py checkpoint for eval / align-readout (default: random weights)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--results", help="also copy results.md and summary.json here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if not (out / "pairs").exists():
        human("make-pairs", out / "pairs", "--digit", 8, "--n", 40, "--seed", args.seed)
    if not (out / "trials").exists():
        human("make-triplets", out / "trials", "--across", "--n", 60, "--seed", args.seed)
    summary, sections = {}, []
    for task, source in (("rating", "pairs"), ("odd-one-out", "trials")):
        study, db = out / f"study_{task}", f"sqlite:///{(out / f'study_{task}.sqlite').resolve()}"
        for stale in (study, out / f"study_{task}.sqlite", out / f"imported_{task}"):
            shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink(missing_ok=True)
        human("make-study", out / source, "--task", task, "--out", study, "--repeats", 4, "--seed", args.seed,
              "--completion-code", "SYNTH0K", "--synthetic")
        collected = collect(study, db, args.participants, args.seed * 1000)
        human("export-study", study, "--db", db, "--out", out / f"answers_{task}.json")
        report = human("import-study", study, out / f"answers_{task}.json", "--out", out / f"imported_{task}")
        imported = out / f"imported_{task}"
        summary[task] = {"collected": collected,
                         "exclusions": json.loads((imported / "exclusions.json").read_text()),
                         "reliability": json.loads((imported / "reliability.json").read_text())}
        sections.append(f"## {task}: collection\n\n{collected['participants']} participants "
                        f"({collected['kinds']}) sent {collected['answers_sent']} answers, the server confirmed "
                        f"{collected['answers_confirmed']}, the database held "
                        f"{len(json.loads((out / f'answers_{task}.json').read_text()))} "
                        f"({collected['seconds']:.1f} s).\n\n{report.split(chr(10), 2)[2].strip()}")
    model = Path(args.model) if args.model else random_checkpoint(out / "model" / "random.ckpt")
    rated = out / "imported_rating"
    human("eval", "--pairs", rated, "--ratings", rated / "ratings.csv", "--model", model, "--baselines", "pixels",
          "--out", out / "eval", "--n-boot", 500, "--n-perm", 500)
    human("align-readout", "--model", model, "--pairs", rated, "--ratings", rated / "ratings.csv", "--out",
          out / "align_readout", "--readouts", "layer_mixing", "--folds", 3, "--inner-folds", 2, "--n-boot", 200)
    human("odd-one-out", out / "imported_odd-one-out", "--model", model, "--n-boot", 500, "--out",
          out / "odd_one_out")
    for title, path in (("eval (rating study)", out / "eval" / "comparison.md"),
                        ("align-readout (rating study)", out / "align_readout" / "readouts.md"),
                        ("odd-one-out scoring", out / "odd_one_out" / "results.md")):
        text = path.read_text() if path.exists() else f"(no {path.name}; see {path.parent})"
        sections.append(f"## {title}\n\n{text.strip()}")
    summary["seconds"] = time.monotonic() - started
    header = ("# SYNTHETIC end-to-end study (simulated participants through the real server; NOT people)\n\n"
              f"Command: python -m experiments.running_a_study.run --out {args.out} --participants "
              f"{args.participants} --seed {args.seed}{' --model ' + args.model if args.model else ''}; "
              f"{summary['seconds']:.0f} s.\n")
    from siamese.utils.files import write_text_atomic

    write_text_atomic(out / "results.md", header + "\n" + "\n\n".join(sections) + "\n")
    write_text_atomic(out / "summary.json", json.dumps(summary, indent=1) + "\n")
    if args.results:
        Path(args.results).mkdir(parents=True, exist_ok=True)
        for name in ("results.md", "summary.json"):
            shutil.copyfile(out / name, Path(args.results) / name)
    log.info("wrote %s", out / "results.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
