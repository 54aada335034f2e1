"""``python train.py`` with torchvision's CIFAR md5 list pointed at generated SYNTHETIC files (their md5 in the JSON
file given first); used by run.py only. Real CIFAR files need no such step."""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

if __name__ == "__main__":
    from torchvision.datasets import CIFAR10

    sums = json.loads(Path(sys.argv.pop(1)).read_text())
    CIFAR10.train_list = [[f, sums[f]] for f, _ in CIFAR10.train_list]
    CIFAR10.test_list = [[f, sums[f]] for f, _ in CIFAR10.test_list]
    CIFAR10.meta = {**CIFAR10.meta, "md5": sums[CIFAR10.meta["filename"]]}
    import runpy

    sys.argv[0] = str(ROOT / "train.py")
    runpy.run_path(sys.argv[0], run_name="__main__")  # as `python train.py ...` (Hydra finds conf/ beside it)
