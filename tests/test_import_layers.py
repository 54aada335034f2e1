"""Data flows one way through the package: a module imports only from its own layer rank or a lower one.

Every ``.py`` file under ``siamese/`` is parsed with ``ast`` and every import is checked, wherever it is written
(module level, inside a function or a method, under ``if TYPE_CHECKING``): ``import siamese.x``,
``from siamese.x import y`` (``y`` counts as the module ``siamese.x.y`` when that file exists), and relative imports
(``from . import y``, ``from ..x import y``), resolved against the importing module's package.

``RANKS`` is the rank table of /work/notes/LAYOUT.md (issue 14); a module's rank is that of the longest entry that
is it or one of its parent packages::

    0  siamese.utils, siamese.config
    1  siamese.data, siamese.human.io
    2  siamese.models, siamese.losses, siamese.miners, siamese.samplers
    3  siamese.modules
    4  siamese.evaluation, siamese.human.compare, siamese.human.ais (core, cv, maps/figures)
    5  siamese.callbacks
    6  siamese.training, siamese.evaluating
    7  siamese.review, siamese.sweeps, siamese.human.collect, siamese.human.align, siamese.human.ais.report / cli,
       siamese.human.cli, siamese.human.__main__, siamese.rate, and siamese.scripts (the train/eval console-script
       entry points, added with them in issue 14; LAYOUT.md's table predates them)

Two entries are not in the table because Python runs them on the way to their children:

- ``siamese.human`` (``siamese/human/__init__.py``) runs whenever ``siamese.human.io`` (rank 1) is imported, so it
  ranks with its lowest child: 1. It imports nothing of the upper layers.
- ``siamese`` (``siamese/__init__.py``) runs on every import of the package; its function-local imports (the lazy
  ``siamese.load``) are exempt, a module-level import of a subpackage counts as an import from rank -1.

A module the table does not cover is an error too (add it to the table), so the check cannot pass by omission.
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
    "siamese.human.io": 1,
    "siamese.models": 2,
    "siamese.losses": 2,
    "siamese.miners": 2,
    "siamese.samplers": 2,
    "siamese.modules": 3,
    "siamese.evaluation": 4,
    "siamese.human.compare": 4,
    "siamese.human.ais": 4,
    "siamese.callbacks": 5,
    "siamese.training": 6,
    "siamese.evaluating": 6,
    "siamese.review": 7,
    "siamese.sweeps": 7,
    "siamese.human.collect": 7,
    "siamese.human.align": 7,
    "siamese.human.ais.report": 7,
    "siamese.human.ais.cli": 7,
    "siamese.human.cli": 7,
    "siamese.human.__main__": 7,
    "siamese.rate": 7,
    "siamese.oneshot": 7,  # python -m siamese.oneshot: scoring the standard one-shot runs (reader, scorer, CLI)
    "siamese.scripts": 7,  # console-script entry points (siamese-train, siamese-eval) over training / evaluating
}
# package __init__ files ranked on their own (not their children): siamese/human/__init__.py runs on the way to
# siamese.human.io, so it ranks with it
PACKAGE_ONLY: dict[str, int] = {"siamese.human": 1}
TOP = "siamese"  # siamese/__init__.py: function-local imports exempt (lazy load), module-level ones rank -1


def rank(module: str) -> int | None:
    """The rank of the longest table entry that is ``module`` or a parent package of it (``PACKAGE_ONLY``
    entries: ``module`` itself only); None if none is."""
    if module in PACKAGE_ONLY:
        return PACKAGE_ONLY[module]
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
     ["x.py:1: siamese.human.io.ratings (rank 1) -> siamese.human.compare.similarity (rank 4)"]),
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
    # siamese.human's __init__ runs on the way to human.io (rank 1): re-exporting compare from it is upward
    ("from siamese.human.compare import similarity\n", "siamese.human", True,
     ["x.py:1: siamese.human (rank 1) -> siamese.human.compare.similarity (rank 4)"]),
    # a module the table does not know is reported, not skipped
    ("import os\n", "siamese.newthing", False, ["x.py: siamese.newthing has no rank in RANKS (add it to the table)"]),
])
def test_the_check_finds_upward_imports_in_synthetic_modules(source, module, is_package, expected):
    assert violations(source, module, is_package, KNOWN, "x.py") == expected


def test_rank_is_the_longest_matching_entry():
    assert rank("siamese.human.ais.core") == 4 and rank("siamese.human.ais.report") == 7
    assert rank("siamese.human.ais") == 4 and rank("siamese.human") == 1 and rank("siamese.human.cli.evaluate") == 7
    assert rank("siamese.utilsx") is None and rank("numpy") is None
    assert rank("siamese.human.ais_cli") is None  # siamese.human ranks its __init__ only, not unknown children
