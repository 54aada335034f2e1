"""The shipped Omniglot zips: verify their sha256, list the drawings once (Greek and Latin are in both zips), and
decode them into a uint8 cache per image size.

``data/omniglot/`` ships the dataset's two "minimal" background sets (see its README for the licence, attribution
and sha256). Member layout: ``images_background_smallN/<Alphabet>/characterNN/<id>_<drawer>.png``. A drawing is
identified by ``(alphabet, character, file name)``; a drawing present in both zips counts once (the two copies
must have the same CRC-32 and size, else the zips are refused). Together: 8 alphabets, 242 characters, 4840
drawings, each class = one ``Alphabet/characterNN``.

Decoding (``siamese.data.omniglot_images.read_omniglot_image``: strokes 255 on 0, area-averaged resize) takes
seconds, so its result is written once to ``<cache>/omniglot/omniglot_<size>px.npz`` (atomically; ``<cache>`` =
``cache_dir``, else ``$SIAMESE_CACHE``, else ``<repo>/.cache``) and read from there afterwards. The cache records
the sha256 of the zips it was made from and is rebuilt when they differ.
"""

from __future__ import annotations

import functools
import io
import logging
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from siamese.data.omniglot_images import read_omniglot_image
from siamese.data.shipped_files import REPO_ROOT, cache_root, verify_sha256
from siamese.utils.files import write_bytes_atomic

log = logging.getLogger(__name__)

SHA256 = {
    "images_background_small1.zip": "f38eb80f801274ac2b4dff5b24289016bfaba4a7d5bb50deebf27104ad6cb8a4",
    "images_background_small2.zip": "3ccaa407515a8778e5d0861875af38b17e418f301ad5bb3b5a6b65d901a41c7f",
}
DEFAULT_SOURCE_DIR = REPO_ROOT / "data" / "omniglot"


@dataclass(frozen=True)
class OmniglotArrays:
    """Every distinct drawing, sorted by (alphabet, character, file): ``images`` uint8 ``[N, size, size]``,
    ``labels`` int64 ``[N]`` (index into ``class_names``, each ``Alphabet/characterNN``), ``files`` (the member
    path below the zip's top folder, ``Alphabet/characterNN/<id>_<drawer>.png``)."""

    images: np.ndarray
    labels: np.ndarray
    class_names: list[str]
    files: list[str]

    @property
    def alphabets(self) -> list[str]:
        """The alphabet of each class (``class_names[i]`` up to its ``/``)."""
        return [name.split("/")[0] for name in self.class_names]


def source_paths(source_dir: str | Path | None = None) -> list[Path]:
    """The paths of the two zips (expected files) under ``source_dir`` (default ``data/omniglot``)."""
    directory = Path(source_dir) if source_dir is not None else DEFAULT_SOURCE_DIR
    return [directory / name for name in SHA256]


def verify_sources(source_dir: str | Path | None = None) -> None:
    """Check both zips against the sha256 of the original files (``ValueError`` naming a file that differs)."""
    for path in source_paths(source_dir):
        verify_sha256(path, SHA256[path.name], "Omniglot")


def list_drawings(source_dir: str | Path | None = None) -> dict[str, tuple[Path, str]]:
    """``{"Alphabet/characterNN/file.png": (zip path, member name)}`` of every distinct drawing, sorted by key."""
    drawings: dict[str, tuple[Path, str]] = {}
    seen: dict[str, tuple[int, int]] = {}
    for path in source_paths(source_dir):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                parts = info.filename.split("/")
                if info.is_dir() or len(parts) != 4 or not parts[3].lower().endswith(".png"):
                    continue
                key = "/".join(parts[1:])
                if key in seen and seen[key] != (info.CRC, info.file_size):
                    raise ValueError(f"{path}: {info.filename} differs from the drawing of the same name in "
                                     f"{drawings[key][0]}")
                if key not in seen:
                    seen[key], drawings[key] = (info.CRC, info.file_size), (path, info.filename)
    return dict(sorted(drawings.items()))


def decode_drawings(drawings: dict[str, tuple[Path, str]], size: int) -> OmniglotArrays:
    """Decode every drawing of ``list_drawings`` at ``size`` x ``size`` pixels."""
    keys = list(drawings)
    class_names = sorted({key.rsplit("/", 1)[0] for key in keys})
    class_id = {name: i for i, name in enumerate(class_names)}
    images = np.empty((len(keys), size, size), dtype=np.uint8)
    archives: dict[Path, zipfile.ZipFile] = {}
    try:
        for i, key in enumerate(keys):
            path, member = drawings[key]
            if path not in archives:
                archives[path] = zipfile.ZipFile(path)
            archive = archives[path]
            source = io.BytesIO(archive.read(member))
            source.name = f"{path}:{member}"
            images[i] = read_omniglot_image(source, size)
    finally:
        for archive in archives.values():
            archive.close()
    labels = np.array([class_id[key.rsplit("/", 1)[0]] for key in keys], dtype=np.int64)
    return OmniglotArrays(images, labels, class_names, keys)


@functools.lru_cache(maxsize=4)
def load_omniglot(size: int = 28, source_dir: str | None = None, cache_dir: str | None = None) -> OmniglotArrays:
    """Every distinct drawing at ``size`` pixels: the zips are verified, then read from the cache (decoded and
    written there on first use)."""
    verify_sources(source_dir)
    stamp = np.array(sorted(SHA256.values()))
    path = cache_root(cache_dir) / "omniglot" / f"omniglot_{int(size)}px.npz"
    if path.exists():
        with np.load(path, allow_pickle=False) as data:
            if np.array_equal(data["sources_sha256"], stamp):
                return OmniglotArrays(data["images"], data["labels"], data["class_names"].tolist(),
                                      data["files"].tolist())
        log.info("%s was made from other zips: decoding again", path)
    start = time.perf_counter()
    arrays = decode_drawings(list_drawings(source_dir), int(size))
    buffer = io.BytesIO()
    np.savez(buffer, images=arrays.images, labels=arrays.labels, class_names=np.array(arrays.class_names),
             files=np.array(arrays.files), sources_sha256=stamp)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(path, buffer.getvalue())
    log.info("decoded %d Omniglot drawings at %dpx in %.1f s into %s", len(arrays.labels), size,
             time.perf_counter() - start, path)
    return arrays
