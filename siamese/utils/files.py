"""Writing files so that a crash never leaves half a file, and CSV text.

``write_bytes_atomic``/``write_text_atomic`` write to a temporary file in the target's directory, flush and
fsync it, then ``os.replace`` it onto the target (atomic on POSIX and Windows within one file system). On any
error the temporary file is removed and the target is left as it was.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file beside it, fsync, rename); returns the path."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def write_text_atomic(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically, as UTF-8 with line endings kept exactly as given."""
    return write_bytes_atomic(path, text.encode(encoding))


def csv_text(header: list[str], rows) -> str:
    """A CSV document (``\\n`` line ends) with ``header`` then ``rows``, quoted as :mod:`csv` does."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def save_figure_atomic(figure, path: str | Path, **savefig_kwargs) -> Path:
    """``figure.savefig`` (a matplotlib figure) rendered in memory, then written with ``write_bytes_atomic``; the
    format follows the file suffix unless ``format=`` is given."""
    path = Path(path)
    buffer = io.BytesIO()
    savefig_kwargs.setdefault("format", path.suffix.lstrip(".") or "png")
    figure.savefig(buffer, **savefig_kwargs)
    return write_bytes_atomic(path, buffer.getvalue())
