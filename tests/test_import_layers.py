"""Data flows one way through the package: a module imports only from its own layer rank or a lower one.

Every ``.py`` file under ``siamese/`` is parsed with ``ast`` and every import is checked, wherever it is written
(module level, inside a function or a method, under ``if TYPE_CHECKING``): ``import siamese.x``,
``from siamese.x import y`` (``y`` counts as the module ``siamese.x.y`` when that file exists), and relative imports
(``from . import y``, ``from ..x import y``), resolved against the importing module's package.

A module's rank is that of the longest ``RANKS`` entry that is it or one of its parent packages (the layer order of
docs/architecture.md). The framework comes first::

    0  siamese.utils, siamese.config
    1  siamese.data
    2  siamese.models, siamese.losses, siamese.miners, siamese.samplers
    3  siamese.modules
    4  siamese.evaluation
    5  siamese.callbacks
    6  siamese.training, siamese.evaluating
    7  siamese.review, siamese.sweeps, siamese.scripts (the train/eval console-script entry points)

and the human toolkit sits above all of it, in its own order::

    8  siamese.human (its package file, which runs on the way to every child), siamese.human.io
    9  siamese.human.compare, siamese.human.ais, siamese.human.readouts
    10 siamese.human.train   (objectives, the human term, the human-aligned modules, the human callbacks)
    11 siamese.human.collect (the rating server and page, drawing pair and trial sets)
    12 siamese.human.report
    13 siamese.human.cli, siamese.human.__main__, siamese.rate (``python -m siamese.rate``: a thin entry point of
       the toolkit that forwards to ``python -m siamese.human rate``; the one toolkit module outside siamese/human/)

So the framework never imports the toolkit (8 > 7), and ``siamese/human/__init__.py`` can import nothing above
``io``. A module under ``siamese.human`` that no longer entry names gets the toolkit's lowest rank, 8: forgetting
an entry can only make the check stricter. Any other module without a rank is an error (add it to the table), so
the check cannot pass by omission.

``siamese`` (``siamese/__init__.py``) runs on every import of the package: a module-level import of a subpackage
in it counts as an import from rank -1; its function-local imports (the lazy ``siamese.load``) run only when
called and are exempt.
Run: ``python -m pytest tests/test_import_layers.py -q``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "siamese"

RANKS: dict[str, int] = {
    "siamese.utils": 0,
    "siamese.config": 0,
    "siamese.data": 1,
    "siamese.models": 2,
    "siamese.losses": 2,
    "siamese.miners": 2,
    "siamese.samplers": 2,
    "siamese.modules": 3,
    "siamese.evaluation": 4,
    "siamese.callbacks": 5,
    "siamese.training": 6,
    "siamese.evaluating": 6,
    "siamese.review": 7,
    "siamese.sweeps": 7,
    "siamese.scripts": 7,
    "siamese.oneshot": 7,  # python -m siamese.oneshot: scoring the standard one-shot runs (reader, scorer, CLI)
    # the human toolkit, above the whole framework
    "siamese.human": 8,
    "siamese.human.io": 8,
    "siamese.human.compare": 9,
    "siamese.human.ais": 9,
    "siamese.human.readouts": 9,
    "siamese.human.train": 10,
    "siamese.human.collect": 11,
    "siamese.human.report": 12,
    "siamese.human.cli": 13,
    "siamese.human.__main__": 13,
    "siamese.rate": 13,  # python -m siamese.rate: the toolkit's entry point (forwards to siamese.human rate)
}
TOOLKIT_OUTSIDE = {"siamese.rate"}  # toolkit modules that live outside siamese/human/ (entry points only)
FRAMEWORK_TOP = 7  # the highest framework rank; every toolkit entry ranks above it
TOP = "siamese"  # siamese/__init__.py: function-local imports exempt (lazy load), module-level ones rank -1


def rank(module: str) -> int | None:
    """The rank of the longest table entry that is ``module`` or a parent package of it; None if none is."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in RANKS:
            return RANKS[".".join(parts[:end])]
    return None


def module_name(path: Path, root: Path = PACKAGE_DIR.parent) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_modules(package_dir: Path = PACKAGE_DIR) -> dict[str, Path]:
    """``{dotted module name: file}`` of every ``.py`` file of the package."""
    return {module_name(p, package_dir.parent): p for p in sorted(package_dir.rglob("*.py"))}


@dataclass(frozen=True)
class Import:
    line: int
    imported: str        # the dotted module imported
    in_function: bool    # written inside a function or method (lazy)


def imports_of(source: str, module: str, is_package: bool, known: set[str]) -> list[Import]:
    """Every import of a ``siamese`` module in ``source`` (the text of ``module``), relative ones resolved."""
    tree = ast.parse(source)
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            lazy = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend(Import(child.lineno, alias.name, in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = _resolve_from(child, module, is_package)
                for alias in child.names:
                    sub = f"{base}.{alias.name}"
                    found.append(Import(child.lineno, sub if sub in known else base, in_function))
            visit(child, lazy)

    visit(tree, False)
    unique = dict.fromkeys(i for i in found if i.imported == TOP or i.imported.startswith(TOP + "."))
    return list(unique)  # `from x import a, b` of one module x: one entry


def _resolve_from(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    if node.level - 1 > len(package) - 1:
        raise ValueError(f"{module}: relative import beyond the top package (level {node.level})")
    base = package[:len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def violations(source: str, module: str, is_package: bool, known: set[str], where: str = "") -> list[str]:
    """One line per import of ``module`` that goes against the table (upward, or a module without a rank)."""
    where = where or module
    if module == TOP:
        importer_rank = -1
    else:
        importer_rank = rank(module)
        if importer_rank is None:
            return [f"{where}: {module} has no rank in RANKS (add it to the table)"]
    problems = []
    for imp in imports_of(source, module, is_package, known):
        if imp.imported == TOP or (module == TOP and imp.in_function):
            continue  # `import siamese` itself (runs only siamese/__init__), and the lazy load of the top package
        imported_rank = rank(imp.imported)
        if imported_rank is None:
            problems.append(f"{where}:{imp.line}: {module} -> {imp.imported} (no rank in RANKS)")
        elif imported_rank > importer_rank:
            problems.append(f"{where}:{imp.line}: {module} (rank {importer_rank}) -> {imp.imported} "
                            f"(rank {imported_rank}){' [inside a function]' if imp.in_function else ''}")
    return problems


def test_no_module_imports_from_a_higher_layer():
    modules = package_modules()
    known = set(modules)
    problems = []
    for name, path in modules.items():
        where = str(path.relative_to(PACKAGE_DIR.parent))
        problems += violations(path.read_text(), name, path.name == "__init__.py", known, where)
    assert not problems, f"{len(problems)} import(s) against the layer order:\n" + "\n".join(problems)


KNOWN = {"siamese", "siamese.models", "siamese.models.loading", "siamese.training", "siamese.callbacks",
         "siamese.callbacks.periodic", "siamese.miners", "siamese.miners.knn_miner", "siamese.utils",
         "siamese.utils.files", "siamese.human", "siamese.human.io", "siamese.human.io.ratings",
         "siamese.human.compare", "siamese.human.compare.similarity"}


@pytest.mark.parametrize("source,module,is_package,expected", [
    # an upward import hidden in a function is found, with its line and both ranks
    ("import torch\n\n\ndef f():\n    from siamese.training import train\n", "siamese.miners.knn_miner", False,
     ["x.py:5: siamese.miners.knn_miner (rank 2) -> siamese.training (rank 6) [inside a function]"]),
    # relative imports resolve against the importer's package; `from .. import callbacks` names the subpackage
    ("from .. import callbacks\n", "siamese.miners.knn_miner", False,
     ["x.py:1: siamese.miners.knn_miner (rank 2) -> siamese.callbacks (rank 5)"]),
    ("from ..callbacks.periodic import PeriodicEvaluation\n", "siamese.miners", True,
     ["x.py:1: siamese.miners (rank 2) -> siamese.callbacks.periodic (rank 5)"]),
    ("import siamese.human.compare.similarity as s\n", "siamese.human.io.ratings", False,
     ["x.py:1: siamese.human.io.ratings (rank 8) -> siamese.human.compare.similarity (rank 9)"]),
    # the framework never imports the toolkit, not even lazily
    ("def f():\n    from siamese.human.io.ratings import Ratings\n", "siamese.callbacks.periodic", False,
     ["x.py:2: siamese.callbacks.periodic (rank 5) -> siamese.human.io.ratings (rank 8) [inside a function]"]),
    ("from siamese.human import io\n", "siamese.review", True,
     ["x.py:1: siamese.review (rank 7) -> siamese.human.io (rank 8)"]),
    # a method's import is inside a function too
    ("class A:\n    def m(self):\n        from siamese.callbacks import X\n", "siamese.modules.base", False,
     ["x.py:3: siamese.modules.base (rank 3) -> siamese.callbacks (rank 5) [inside a function]"]),
    # same rank and lower ranks are allowed, as is a sibling module through `from . import`
    ("from siamese.utils.files import write_text_atomic\nfrom . import knn_miner\nimport siamese\n",
     "siamese.miners.random_miner", False, []),
    ("from siamese.human.io.ratings import Ratings\nfrom ...models.loading import load_net\n",
     "siamese.human.compare.similarity", False, []),
    # the top package: its lazy (function-local) load is exempt, a module-level import of a subpackage is not
    ("def load(p):\n    from siamese.models.loading import load_net\n", "siamese", True, []),
    ("from siamese.models.loading import load_net\n", "siamese", True,
     ["x.py:1: siamese (rank -1) -> siamese.models.loading (rank 2)"]),
    # siamese.human's __init__ runs on the way to human.io (rank 8): re-exporting compare from it is upward
    ("from siamese.human.compare import similarity\n", "siamese.human", True,
     ["x.py:1: siamese.human (rank 8) -> siamese.human.compare.similarity (rank 9)"]),
    # an unlisted toolkit module ranks with io: it may not import compare
    ("from siamese.human.compare import similarity\n", "siamese.human.newthing", False,
     ["x.py:1: siamese.human.newthing (rank 8) -> siamese.human.compare.similarity (rank 9)"]),
    # a module the table does not know is reported, not skipped
    ("import os\n", "siamese.newthing", False, ["x.py: siamese.newthing has no rank in RANKS (add it to the table)"]),
])
def test_the_check_finds_upward_imports_in_synthetic_modules(source, module, is_package, expected):
    assert violations(source, module, is_package, KNOWN, "x.py") == expected


def test_rank_is_the_longest_matching_entry():
    assert rank("siamese.human.ais.core") == 9 and rank("siamese.human.report.ais") == 12
    assert rank("siamese.human.ais") == 9 and rank("siamese.human") == 8 and rank("siamese.human.cli.evaluate") == 13
    assert rank("siamese.utilsx") is None and rank("numpy") is None
    assert rank("siamese.human.ais_cli") == 8  # an unlisted toolkit module: the toolkit's lowest rank


def test_the_toolkit_ranks_above_the_whole_framework():
    framework = {name: r for name, r in RANKS.items() if not name.startswith("siamese.human")
                 and name not in TOOLKIT_OUTSIDE}
    toolkit = {name: r for name, r in RANKS.items() if name.startswith("siamese.human") or name in TOOLKIT_OUTSIDE}
    assert max(framework.values()) == FRAMEWORK_TOP < min(toolkit.values())


def test_no_framework_module_imports_the_toolkit():
    """The same rule, said directly: no file outside ``siamese/human/`` names ``siamese.human`` in an import (but
    the toolkit's own entry points, ``TOOLKIT_OUTSIDE``)."""
    modules = package_modules()
    known = set(modules)
    offenders = [f"{path.relative_to(PACKAGE_DIR.parent)}:{imp.line} -> {imp.imported}"
                 for name, path in modules.items()
                 if not name.startswith("siamese.human") and name not in TOOLKIT_OUTSIDE
                 for imp in imports_of(path.read_text(), name, path.name == "__init__.py", known)
                 if imp.imported.startswith("siamese.human")]
    assert not offenders, "\n".join(offenders)
