"""A SYNTHETIC replica of the standard one-shot runs in their exact format, built from the shipped background images.

Lake et al.'s 20 runs come from the 20 evaluation alphabets, which the project does not ship. The replica has the
same layout (``siamese.oneshot.runs``), built from the two minimal background zips in ``data/omniglot/``: run r
takes the r-th alphabet (in name order, cycling) among those with at least ``n_way`` characters, ``n_way`` of its
characters at random, and two different drawers at random, one for ``training/classMM.png`` (character MM) and
one for every ``test/itemKK.png``; the test items show the characters in a shuffled order, recorded in
``class_labels.txt`` (``runNN/test/itemKK.png runNN/training/classMM.png``, in item order). The PNG files are the
dataset's own bytes (105 x 105, 1 bit). Written as ``OUT/all_runs/`` and ``OUT/all_runs.zip`` (top folder
``all_runs/``) with ``OUT/README.md`` saying it is SYNTHETIC. The background alphabets are not the evaluation
ones (and may be the ones a model was trained on), so errors on the replica are not comparable to the real runs.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from siamese.data.omniglot_files import DEFAULT_SOURCE_DIR as OMNIGLOT_DIR
from siamese.data.omniglot_files import list_drawings, verify_sources
from siamese.utils.files import write_bytes_atomic, write_text_atomic


@dataclass(frozen=True)
class Replica:
    """Where the replica went and what it holds: ``assignment[run][k]`` is the class number (1-based) of test item
    k + 1 of that run; ``alphabets[run]`` the alphabet it was drawn from."""

    directory: Path
    zip_path: Path
    assignment: dict[str, list[int]]
    alphabets: dict[str, str]


def background_characters(omniglot_dir: str | Path = OMNIGLOT_DIR) -> dict[str, dict[str, dict[int, tuple]]]:
    """``{alphabet: {character: {drawer: (zip path, member name)}}}`` of the shipped background zips (sha256
    verified; a drawing in both zips counts once: ``siamese.data.omniglot_files.list_drawings``)."""
    verify_sources(omniglot_dir)
    found: dict[str, dict[str, dict[int, tuple]]] = {}
    for key, where in list_drawings(omniglot_dir).items():
        alphabet, character, file = key.split("/")
        drawer = int(PurePosixPath(file).stem.split("_")[-1])
        found.setdefault(alphabet, {}).setdefault(character, {})[drawer] = where
    return found


def make_replica(out: str | Path, n_runs: int = 20, n_way: int = 20, seed: int = 0,
                 omniglot_dir: str | Path = OMNIGLOT_DIR) -> Replica:
    """Write the SYNTHETIC replica (module docstring) to ``out`` and return what it holds."""
    characters = background_characters(omniglot_dir)
    alphabets = sorted(a for a, chars in characters.items() if len(chars) >= n_way)
    if not alphabets:
        raise ValueError(f"no shipped alphabet has n_way={n_way} characters")
    out = Path(out)
    top = out / "all_runs"
    rng = np.random.default_rng(seed)
    files: dict[str, bytes] = {}
    assignment, drawn_from = {}, {}
    archives: dict[Path, zipfile.ZipFile] = {}
    try:
        for r in range(n_runs):
            run, alphabet = f"run{r + 1:02d}", alphabets[r % len(alphabets)]
            chosen = rng.choice(sorted(characters[alphabet]), size=n_way, replace=False)
            train_drawer, test_drawer = (int(d) for d in rng.choice(np.arange(1, 21), size=2, replace=False))
            order = rng.permutation(n_way)  # test item k shows character order[k]
            lines = []
            for m, character in enumerate(chosen):
                files[f"{run}/training/class{m + 1:02d}.png"] = _read(archives, characters[alphabet][character],
                                                                      train_drawer)
            for k, m in enumerate(order):
                files[f"{run}/test/item{k + 1:02d}.png"] = _read(archives, characters[alphabet][chosen[m]],
                                                                 test_drawer)
                lines.append(f"{run}/test/item{k + 1:02d}.png {run}/training/class{m + 1:02d}.png")
            files[f"{run}/class_labels.txt"] = ("\n".join(lines) + "\n").encode()
            assignment[run], drawn_from[run] = [int(m) + 1 for m in order], alphabet
    finally:
        for archive in archives.values():
            archive.close()
    for name, data in files.items():
        (top / name).parent.mkdir(parents=True, exist_ok=True)
        (top / name).write_bytes(data)  # a data set written once: no fsync per tiny file
    out.mkdir(parents=True, exist_ok=True)
    buffer = _zip_bytes({f"all_runs/{name}": data for name, data in sorted(files.items())})
    zip_path = write_bytes_atomic(out / "all_runs.zip", buffer)
    write_text_atomic(out / "README.md", _readme(n_runs, n_way, seed, drawn_from))
    return Replica(top, zip_path, assignment, drawn_from)


def _read(archives: dict, drawings: dict[int, tuple], drawer: int) -> bytes:
    zip_path, name = drawings[drawer]
    if zip_path not in archives:
        archives[zip_path] = zipfile.ZipFile(zip_path)
    return archives[zip_path].read(name)


def _zip_bytes(files: dict[str, bytes]) -> bytes:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2015, 10, 20, 0, 0, 0)), data)
    return buffer.getvalue()


def _readme(n_runs: int, n_way: int, seed: int, alphabets: dict[str, str]) -> str:
    rows = "\n".join(f"| {run} | {alphabet} |" for run, alphabet in alphabets.items())
    return (f"# SYNTHETIC replica of the one-shot runs (not the real runs)\n\n"
            f"Written by `python -m siamese.oneshot make-replica` (seed {seed}): {n_runs} runs of {n_way}-way "
            f"within-alphabet one-shot classification in the exact `all_runs` format (docs/oneshot.md), built from "
            f"the shipped Omniglot *background* images (data/omniglot/, MIT; Lake, Salakhutdinov & Tenenbaum 2015). "
            f"The real runs use the 20 evaluation alphabets; these alphabets are easier and may be the ones a model "
            f"trained on, so errors here are not comparable with published ones.\n\n"
            f"`all_runs/` and `all_runs.zip` (top folder `all_runs/`) hold the same files.\n\n"
            f"| run | alphabet |\n|---|---|\n{rows}\n")
