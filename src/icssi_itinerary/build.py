"""Rendering every delegate's itinerary in every chosen format into one folder."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import PluginError
from .exporters import Exporter, RenderOptions, render_itinerary, render_programme
from .itinerary import build_itinerary
from .model import Problem, Programme, Roster
from .parallel import run_parallel

__all__ = ["build_all", "output_name"]

_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,16}$")


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
) -> list[Path]:
    """Write ``programme.<suffix>`` and ``<delegate id>/itinerary.<suffix>`` per format.

    Itineraries are built and rendered in *jobs* processes; *progress* gets each
    delegate's problems as they finish. Everything is written into a staging folder
    first; files move into *out* only when all of them rendered, so a failure leaves
    *out* as it was. Returns the files written.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.staging-"))

    def work(index: int) -> tuple[str, list[tuple[str, bytes]], tuple[Problem, ...]]:
        delegate = roster.delegates[index]
        itinerary = build_itinerary(programme, delegate)
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
        run_parallel(work, len(roster.delegates), jobs, done)
        out.mkdir(exist_ok=True)
        written = []
        for file in sorted(path for path in staging.rglob("*") if path.is_file()):
            target = out / file.relative_to(staging)
            target.parent.mkdir(exist_ok=True)
            file.chmod(0o644)
            file.replace(target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
