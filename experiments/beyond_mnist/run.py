"""Beyond MNIST, measured: short trainings on a CIFAR-10-format dataset and the course convnet scored against
ratings. One command:

    python experiments/beyond_mnist/run.py [--out DIR] [--skip-course]

1. A SYNTHETIC dataset in CIFAR-10's on-disk format (pickled batches written by tests/dataset_files.py: class c is a
   bright coloured square in cell c of a grid over noise; no real CIFAR image) read by torchvision's CIFAR10, and
   ``train.py data=cifar10`` with ``model=embedding`` and with ``model=torchvision model.name=resnet18`` (random
   weights saved to a local file and loaded from it). Reported: test precision@1 and the last train loss.
2. The classic MNIST course convnet (experiments/beyond_mnist/course_net.py) trained as the course trained it
   (real MNIST, SGD lr 0.01 momentum 0.5, batch 64, one epoch), its state_dict saved, then scored with
   ``python -m siamese.human eval --model course_net:Net --weights ...`` on the 8s pair set of
   experiments/alignment_importance/pairs_8 with its SYNTHETIC ratings (pixel cosine + noise, not people).
Writes ``<out>/results.md`` (default experiments/beyond_mnist/results).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PAIRS = ROOT / "experiments" / "alignment_importance" / "pairs_8"


def run(command: list[str], env: dict | None = None) -> str:
    print("+", " ".join(command), flush=True)
    done = subprocess.run(command, cwd=ROOT, env={**os.environ, "WANDB_MODE": "offline", **(env or {})},
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"failed: {' '.join(command)}")
    return done.stdout


def cifar_format_trainings(out: Path) -> list[str]:
    sys.path.insert(0, str(ROOT))
    import torch
    import torchvision

    from tests.dataset_files import write_cifar

    data = out / "cifar10_synthetic"
    sums = write_cifar(data, n_per_batch=200, n_test=400)  # 1000 train, 400 test images, SYNTHETIC
    (out / "md5.json").write_text(json.dumps(sums, indent=2))
    torch.manual_seed(0)
    weights = out / "resnet18_random.pt"
    torch.save(torchvision.models.resnet18(weights=None).state_dict(), weights)
    rows = ["| model | test precision@1 | test_shifted precision@1 | last train loss |", "|---|---|---|---|"]
    for name, model in (("embedding (small convnet, 2-D)", ["model=embedding"]),
                        ("torchvision resnet18, random weights from a local file, 16-D",
                         ["model=torchvision", f"model.weights={weights}", "model.embedding_dim=16"])):
        run_dir = out / ("run_" + model[0].split("=")[1])
        # torchvision pins the md5 of the real CIFAR files; the helper script points it at the SYNTHETIC ones
        run([sys.executable, str(HERE / "train_pinned_cifar.py"), str(out / "md5.json"), "data=cifar10",
             f"data.root={data}", *model, "trainer.max_epochs=3", "data.batch_size=64", "logger=csv",
             f"hydra.run.dir={run_dir}", "task_name=beyond_mnist"])
        metrics = json.loads((run_dir / "metrics.json").read_text())
        rows.append(f"| {name} | {metrics['test/precision_at_1']:.3f} | "
                    f"{metrics['test_shifted/precision_at_1']:.3f} | {metrics['train/loss']:.4f} |")
    return rows


def course_convnet(out: Path) -> list[str]:
    import torch
    import torch.nn.functional as F

    sys.path.insert(0, str(HERE))
    from course_net import Net

    from siamese.data import load_mnist

    torch.manual_seed(1)
    images, labels = load_mnist("train")
    x = ((images.float() / 255 - 0.1307) / 0.3081)[:, None]
    net, order = Net(), torch.randperm(len(x))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.5)
    net.train()
    for start in range(0, len(x), 64):
        batch = order[start:start + 64]
        optimizer.zero_grad()
        F.nll_loss(net(x[batch])[0], labels[batch]).backward()
        optimizer.step()
    test_images, test_labels = load_mnist("test")
    net.eval()
    with torch.no_grad():
        predicted = net(((test_images.float() / 255 - 0.1307) / 0.3081)[:, None])[0].argmax(1)
    accuracy = (predicted == test_labels).float().mean().item()
    weights = out / "course_net.pt"
    torch.save(net.state_dict(), weights)
    table = run([sys.executable, "-m", "siamese.human", "eval", "--model", "course_net:Net", "--weights",
                 str(weights), "--mean", "0.1307", "--std", "0.3081", "--layers", "output.1", "output.2",
                 "output.3", "--baselines", "pixels", "--pairs", str(PAIRS), "--ratings",
                 str(PAIRS / "ratings_synthetic.csv"), "--out", str(out / "course_eval"), "--n-boot", "500",
                 "--n-perm", "500"], env={"PYTHONPATH": str(HERE)})
    return [f"Course convnet after one epoch: MNIST test accuracy {accuracy:.4f}.", "",
            "Against SYNTHETIC ratings (pixel cosine + noise, not people) of the 8s pairs "
            "(output.1 = fc, output.2 = conv2, output.3 = conv1):", "", table.strip()]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(HERE / "results"))
    parser.add_argument("--skip-course", action="store_true")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    lines = ["# Beyond MNIST: measured", "", "Written by `python experiments/beyond_mnist/run.py`.", "",
             "## Short trainings on a SYNTHETIC CIFAR-10-format dataset (1000 train / 400 test, 3 epochs, CPU)", ""]
    lines += cifar_format_trainings(out)
    if not args.skip_course:
        lines += ["", "## The course convnet as a model source", ""] + course_convnet(out)
    (out / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
