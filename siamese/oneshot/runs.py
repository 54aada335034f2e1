"""Reader of the standard one-shot runs (Lake et al.'s ``all_runs`` format), from a directory or the zip.

Layout (docs/oneshot.md; /work/shared/data/omniglot/README.md)::

    run01/ ... run20/
      class_labels.txt    one line per test item: "runNN/test/itemKK.png runNN/training/classMM.png"
      training/class01.png ...   the candidates: one image of each class
      test/item01.png ...        the test items

The runs may sit at any depth of the directory or zip (``all_runs/run01/...``): a run is every folder that holds
``class_labels.txt``, and the paths in it are relative to that folder's parent. A run's candidates are all the
images in its ``training/`` folder (sorted by name, as Lake's code sorts them); a test item's answer is the
candidate its line names. Every check runs at reading, before any scoring: a folder with ``training/`` or
``test/`` but no ``class_labels.txt``, a line that is not two paths, a named image that does not exist, a class
image outside the run's ``training/``, a test item named twice; each error names the file and line.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from siamese.data.omniglot_images import read_omniglot_image

LABELS = "class_labels.txt"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


@dataclass(frozen=True)
class OneShotRun:
    """One run: ``name`` (its folder, e.g. ``run01``), ``candidates`` (image names, sorted), ``tests`` (in the
    order of ``class_labels.txt``) and ``answers`` (for each test item, the index of its class in
    ``candidates``). Names are paths inside the runs source (``all_runs/run01/test/item01.png``)."""

    name: str
    candidates: tuple[str, ...]
    tests: tuple[str, ...]
    answers: tuple[int, ...]


class OneShotRuns:
    """Every run of a runs directory or zip (``read_runs``), with the image bytes read into memory."""

    def __init__(self, source: str, runs: list[OneShotRun], images: dict[str, bytes]):
        self.source, self.runs, self.images = source, runs, images

    def __len__(self) -> int:
        return len(self.runs)

    def pixels(self, run: OneShotRun, size: int) -> tuple[np.ndarray, np.ndarray]:
        """uint8 ``[T, size, size]`` test images and ``[C, size, size]`` candidates of ``run``, MNIST-style
        (strokes 255 on 0; ``siamese.data.omniglot_images``)."""
        return self._read(run.tests, size), self._read(run.candidates, size)

    def check_images(self) -> None:
        """Decode every image once (ValueError naming the first unreadable one), before any scoring."""
        for run in self.runs:
            self.pixels(run, 1)

    def _read(self, names, size: int) -> np.ndarray:
        arrays = []
        for name in names:
            data = io.BytesIO(self.images[name])
            data.name = f"{self.source}: {name}"
            arrays.append(read_omniglot_image(data, size))
        return np.stack(arrays)


def read_runs(path: str | Path) -> OneShotRuns:
    """The runs of a directory or a zip in the ``all_runs`` format (module docstring), sorted by run name."""
    path = Path(path)
    if path.is_dir():
        files = {p.relative_to(path).as_posix(): p for p in path.rglob("*") if p.is_file()}
        read = lambda name: files[name].read_bytes()  # noqa: E731
    elif path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            contents = {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}
        files, read = contents, contents.__getitem__
    elif path.exists():
        raise ValueError(f"{path}: not a directory or a zip file of one-shot runs")
    else:
        raise FileNotFoundError(f"{path}: no such runs directory or zip")
    names = {n for n in files if not _hidden(n)}
    run_dirs = {PurePosixPath(n).parent for n in names if PurePosixPath(n).name == LABELS}
    if not run_dirs:
        raise ValueError(f"{path}: no runNN/{LABELS} inside (the all_runs format: docs/oneshot.md)")
    for name in sorted(names):
        parts = PurePosixPath(name).parts
        if len(parts) >= 3 and parts[-2] in ("training", "test") and PurePosixPath(*parts[:-2]) not in run_dirs:
            raise ValueError(f"{path}: {PurePosixPath(*parts[:-2])} has {parts[-2]}/ but no {LABELS}")
    runs, images = [], {}
    for run_dir in sorted(run_dirs, key=lambda d: (d.name, str(d))):
        run = _read_run(path, run_dir, names, read(str(run_dir / LABELS)).decode("utf-8", errors="replace"))
        for name in (*run.candidates, *run.tests):
            images[name] = read(name)
        runs.append(run)
    return OneShotRuns(str(path), runs, images)


def _hidden(name: str) -> bool:
    """macOS archive clutter (``__MACOSX/``, ``._name``) and hidden files are not part of the runs."""
    return any(part.startswith(("__MACOSX", ".")) for part in PurePosixPath(name).parts)


def _read_run(path: Path, run_dir: PurePosixPath, names: set[str], text: str) -> OneShotRun:
    root = run_dir.parent
    where = f"{path}: {run_dir / LABELS}"
    training = run_dir / "training"
    candidates = sorted(n for n in names if PurePosixPath(n).parent == training and n.lower().endswith(IMAGE_SUFFIXES))
    tests, answers = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != 2:
            raise ValueError(f"{where} line {number}: expected 'TEST_IMAGE CLASS_IMAGE', got {line.strip()!r}")
        test, label = (str(root / f) for f in fields)
        for image in (test, label):
            if image not in names:
                raise ValueError(f"{where} line {number}: image {image} does not exist")
        if label not in candidates:
            raise ValueError(f"{where} line {number}: class image {label} is not in {training}/")
        if test in tests:
            raise ValueError(f"{where} line {number}: test image {test} is named twice")
        tests.append(test)
        answers.append(candidates.index(label))
    if not tests:
        raise ValueError(f"{where}: no test items")
    return OneShotRun(run_dir.name, tuple(candidates), tuple(tests), tuple(answers))
