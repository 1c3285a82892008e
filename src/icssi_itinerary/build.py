"""Rendering every delegate's itinerary in every chosen format into one folder."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from .checks import Check, Problem
from .errors import PluginError
from .exporters import Exporter, RenderOptions, render_itinerary, render_programme
from .files import write_atomic
from .itinerary import build_itinerary
from .model import Delegate, Programme, Roster
from .parallel import run_parallel
from .shards import Shard

__all__ = ["build_all", "output_name"]

_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,16}$")
MANIFEST = ".icssi-itinerary-build.json"
"""In the output folder: the files the last build wrote, so the next one can remove
those it no longer writes (a delegate who left the roster) and nothing else."""


def output_name(stem: str, exporter: Exporter) -> str:
    """``stem`` plus the exporter's suffix, refusing a suffix that is not a plain extension."""
    if not _SUFFIX.match(exporter.suffix):
        raise PluginError(
            f"plugin '{exporter.plugin}' gave format '{exporter.name}' "
            f"the unusable suffix {exporter.suffix!r}"
        )
    return stem + exporter.suffix


def build_all(
    programme: Programme,
    roster: Roster,
    exporters: Sequence[Exporter],
    out: Path,
    options: RenderOptions,
    progress: Callable[[tuple[Problem, ...]], None] | None = None,
    jobs: int = 1,
    checks: Sequence[Check] = (),
    shard: Shard | None = None,
) -> list[str]:
    """Write ``programme.<suffix>`` and ``<delegate id>/itinerary.<suffix>`` per format.

    With *shard*, only the delegates of that shard (and the programme, the same in
    every shard), so that several machines can build one folder between them: the
    shards together write exactly what one build writes.

    Itineraries are built and rendered in *jobs* processes; *progress* gets each
    delegate's problems (what *checks* find) as they finish. Everything is written
    into a staging folder first; files move into *out* only when all of them
    rendered, so a failure leaves *out* as it was. Files an earlier build wrote
    (recorded in :data:`MANIFEST`) that this one does not, such as the folder of a
    delegate who left the roster, are removed; nothing else is. Returns the files written
    (``/``-separated, relative to *out*).
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.staging-"))
    delegates = [d for d in roster.delegates if shard is None or shard.holds(d.id)]
    manifest = MANIFEST if shard is None else f".icssi-itinerary-build.{shard.suffix}.json"

    def work(delegate: Delegate) -> tuple[str, list[tuple[str, bytes]], tuple[Problem, ...]]:
        itinerary = build_itinerary(programme, delegate, checks)
        files = [
            (output_name("itinerary", exporter), render_itinerary(exporter, itinerary, options))
            for exporter in exporters
        ]
        return delegate.id, files, itinerary.problems

    folders: list[tuple[str, tuple[str, ...]]] = []  # each delegate's folder and files
    names: dict[str, str] = {}  # each file name once, not once per delegate

    def done(result: tuple[str, list[tuple[str, bytes]], tuple[Problem, ...]]) -> None:
        folder, files, problems = result
        _make_folder(staging / folder)
        for name, data in files:
            _write_new(staging / folder / name, data)
        folders.append((folder, tuple(names.setdefault(name, name) for name, _ in files)))
        if progress is not None:
            progress(problems)

    try:
        top = [output_name("programme", exporter) for exporter in exporters]
        for name, exporter in zip(top, exporters, strict=True):
            _write_new(staging / name, render_programme(exporter, programme, options))
        run_parallel(work, delegates, jobs, done)
        if not out.is_dir():
            _make_folder(out)
        earlier = _manifest(out / manifest)
        for name in top:
            (staging / name).replace(out / name)
        for folder, files in folders:
            _move_folder(staging / folder, out / folder, files)
        every = (f"{folder}/{name}" for folder, files in folders for name in files)
        written = sorted([*top, *every])  # strings: 120,000 paths would take 60 MiB
        _remove_stale(out, earlier - set(written))
        record = {"format": 1, "files": written}
        write_atomic(out / manifest, (json.dumps(record, indent=1) + "\n").encode())
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _make_folder(path: Path) -> None:
    """A new folder that a web server (another user) can read, whatever the umask."""
    path.mkdir()
    path.chmod(0o755)


def _write_new(path: Path, data: bytes) -> None:
    """A new file of *data*, readable by all (as published files are), whatever the umask."""
    with path.open("xb") as stream:
        os.fchmod(stream.fileno(), 0o644)
        stream.write(data)


def _move_folder(source: Path, target: Path, files: Sequence[str]) -> None:
    """Move the folder *source* (holding *files*) to *target*: in one rename where no
    folder is there yet (a first build), else file by file, so that whatever else the
    folder holds stays."""
    try:
        source.rename(target)  # replaces an empty folder, or none
        return
    except OSError as error:
        if error.errno not in (errno.EEXIST, errno.ENOTEMPTY):
            raise
    for name in files:
        (source / name).replace(target / name)


def _manifest(path: Path) -> set[str]:
    """The files the last build (of this shard) recorded; none without a usable record."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        files = record["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return set()
    return {name for name in files if isinstance(name, str)}


def _remove_stale(out: Path, names: set[str]) -> None:
    """Remove the files named (relative to *out*) that an earlier build wrote, and the
    folders they leave empty; never a path outside *out*, a link, or a folder in use."""
    root = out.resolve()
    for name in sorted(names):
        path = out / name
        if ".." in Path(name).parts or Path(name).is_absolute() or path.is_symlink():
            continue
        if path.is_file() and root in path.resolve().parents:
            path.unlink()
            folder = path.parent
            if folder != out and not any(folder.iterdir()):
                folder.rmdir()
