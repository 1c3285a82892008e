"""Rendering every delegate's itinerary in every chosen format into one folder."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
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

    def done(result: tuple[str, list[tuple[str, bytes]], tuple[Problem, ...]]) -> None:
        folder, files, problems = result
        (staging / folder).mkdir()
        for name, data in files:
            (staging / folder / name).write_bytes(data)
        if progress is not None:
            progress(problems)

    try:
        for exporter in exporters:
            data = render_programme(exporter, programme, options)
            (staging / output_name("programme", exporter)).write_bytes(data)
        run_parallel(work, delegates, jobs, done)
        out.mkdir(exist_ok=True)
        earlier = _manifest(out / manifest)
        names = sorted(_files_under(staging))  # strings: 120,000 paths would take 60 MiB
        for name in names:
            target = out / name
            target.parent.mkdir(exist_ok=True)
            (staging / name).chmod(0o644)
            (staging / name).replace(target)
        _remove_stale(out, earlier - set(names))
        record = {"format": 1, "files": names}
        write_atomic(out / manifest, (json.dumps(record, indent=1) + "\n").encode())
        return names
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _files_under(folder: Path) -> Iterator[str]:
    """The files under *folder*, as ``/``-separated paths relative to it."""
    for top, _, files in os.walk(folder):
        inside = Path(top).relative_to(folder).as_posix()
        for name in files:
            yield name if inside == "." else f"{inside}/{name}"


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
