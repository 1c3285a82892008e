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
from .model import Itinerary, Programme, Roster

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
    progress: Callable[[Itinerary], None] | None = None,
) -> list[Path]:
    """Write ``programme.<suffix>`` and ``<delegate id>/itinerary.<suffix>`` per format.

    Everything is rendered into a staging folder first; files move into *out* only when
    all of them rendered, so a failure leaves *out* as it was. Returns the files written.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.staging-"))
    try:
        for exporter in exporters:
            data = render_programme(exporter, programme, options)
            (staging / output_name("programme", exporter)).write_bytes(data)
        for delegate in roster.delegates:
            itinerary = build_itinerary(programme, delegate)
            folder = staging / delegate.id
            folder.mkdir()
            for exporter in exporters:
                data = render_itinerary(exporter, itinerary, options)
                (folder / output_name("itinerary", exporter)).write_bytes(data)
            if progress is not None:
                progress(itinerary)
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
