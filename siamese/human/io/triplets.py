"""Triplets: ``triplets.csv`` of 2AFC judgments (which of a or b is more like the anchor) over an image set."""

from __future__ import annotations

from pathlib import Path

from siamese.human.io.common import FormatError, read_csv


def load_triplets(path: str | Path, image_ids: list[str]) -> list[tuple[int, int, int, int]]:
    """``triplets.csv``: ``anchor, a, b, choice`` (image ids; choice ``a``/``b`` or the chosen id). Returns
    ``(anchor, a, b, chosen)`` positions in ``image_ids``."""
    path = Path(path)
    position = {image: i for i, image in enumerate(image_ids)}
    out = []
    for line, row in read_csv(path, ("anchor", "a", "b", "choice")):
        ids = {}
        for key in ("anchor", "a", "b"):
            if row[key] not in position:
                raise FormatError(path, f"unknown image id {row[key]!r} in column {key!r} (not in images.npz)",
                                  row=line)
            ids[key] = position[row[key]]
        if len({ids["anchor"], ids["a"], ids["b"]}) != 3:
            raise FormatError(path, "anchor, a and b must be three different images", row=line)
        choice = row["choice"]
        if choice in ("a", "b"):
            chosen = ids[choice]
        elif choice in (row["a"], row["b"]):
            chosen = position[choice]
        else:
            raise FormatError(path, f"choice {choice!r} must be 'a', 'b', or the id of a or b", row=line)
        out.append((ids["anchor"], ids["a"], ids["b"], chosen))
    return out
