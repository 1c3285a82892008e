"""What a published site version holds: per file its ETag, size, modification time and
media type, written by ``publish`` so that a server answers from it without reading or
even listing the files.

The manifest sits beside its version folder (``.site.version-x.manifest.json``), never
inside it: it names every delegate's token folder, so no web server may serve it.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from pathlib import Path
from typing import Any, TypedDict

from .files import write_atomic

__all__ = ["FileFacts", "etag_of", "facts_of", "manifest_path", "read_manifest", "write_manifest"]

_FORMAT = 1


class FileFacts(TypedDict):
    """One file of a site version, as a server needs to answer for it."""

    etag: str
    """A strong validator from the bytes (quoted, as sent in the ``ETag`` header)."""
    size: int
    mtime: float
    """Seconds since the epoch: the file's modification time (``Last-Modified``)."""
    type: str
    """The ``Content-Type`` header, with its charset for text."""


def etag_of(data: bytes) -> str:
    """The ``ETag`` of a file with these bytes."""
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def facts_of(path: Path, media_type: str | None = None, data: bytes | None = None) -> FileFacts:
    """The facts of the file at *path* (its bytes read only if *data* is not given)."""
    info = path.stat()
    if media_type is None:
        guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        media_type = f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed
    content = path.read_bytes() if data is None else data
    return FileFacts(etag=etag_of(content), size=info.st_size, mtime=info.st_mtime, type=media_type)


def manifest_path(folder: Path) -> Path:
    """Where the manifest of the version *folder* is kept: beside it."""
    return folder.parent / f"{folder.name}.manifest.json"


def read_manifest(folder: Path) -> dict[str, FileFacts] | None:
    """The manifest of *folder* by path inside it (``token/itinerary.ics``); ``None``
    where there is none or it is not one this version reads (a site published before
    manifests: the server then looks at the files themselves)."""
    try:
        data: Any = json.loads(manifest_path(folder).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        return None
    files = data.get("files")
    return files if isinstance(files, dict) else None


def write_manifest(folder: Path, files: dict[str, FileFacts]) -> None:
    """Write the manifest of *folder*, its files listed in order."""
    text = json.dumps({"format": _FORMAT, "files": dict(sorted(files.items()))}, indent=0)
    write_atomic(manifest_path(folder), text.encode("utf-8"), mode=0o600)
