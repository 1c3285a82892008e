"""Conference-scale benchmarks: our time, a reference time in the same run, their ratio.

    python benchmarks/run.py            # full size (a few minutes on 2 cores)
    python benchmarks/run.py --small    # a quick run (CI runs it so it cannot rot)

Prints one table. Nothing here asserts a time: the ratios are read by people, and
docs/performance.md keeps the numbers of a run with the machine they came from.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import icalendar

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic

from icssi_itinerary import (
    DateSpan,
    Event,
    Itinerary,
    ItineraryItem,
    Programme,
    RenderOptions,
    TimeSpan,
    TravelLeg,
    build_itinerary,
    item_uid,
    load_programme,
    load_roster,
    publish,
)
from icssi_itinerary.build import build_all
from icssi_itinerary.parallel import default_jobs
from icssi_itinerary.plugins import get_exporters

Row = tuple[str, str, str, str, str]


def best_of(runs: int, action: Callable[[], object]) -> float:
    """The fastest of *runs* timings of *action*, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def bare_icalendar(programme: Programme, events: Sequence[Event] | None = None) -> bytes:
    """The same VEVENTs (of *events*, by default all) written with icalendar alone
    (VTIMEZONEs built once, outside)."""
    calendar = _bare_calendar(programme, sorted({e.venue.zone.key for e in programme.events}))
    for event in programme.events if events is None else events:
        calendar.add_component(_bare_event(programme, event))
    return bytes(calendar.to_ical())


def bare_feed(itinerary: Itinerary) -> bytes:
    """A delegate's whole feed written from scratch with icalendar alone: the calendar's
    name and description, a VTIMEZONE per zone, their events, travel legs and stays
    with the same properties as ours (the descriptions formatted without Babel)."""
    programme, delegate = itinerary.programme, itinerary.delegate
    zones = sorted(
        {
            moment.timezone_name or "UTC"
            for item in itinerary.items
            if isinstance(item.span, TimeSpan)
            for moment in (item.span.start, item.span.end)
        }
    )
    calendar = _bare_calendar(programme, zones)
    calendar.add("name", f"{programme.title}: {delegate.name}")
    calendar.add("x-wr-calname", f"{programme.title}: {delegate.name}")
    calendar.add("description", f"Personal itinerary of {delegate.name}.")
    calendar.add("refresh-interval", timedelta(hours=12), parameters={"VALUE": "DURATION"})
    for item in itinerary.items:
        if isinstance(item, Event):
            calendar.add_component(_bare_event(programme, item))
            continue
        component = _bare_component(programme, item)
        if isinstance(item, TravelLeg):
            component.add("summary", item.title)
            start, end = item.span.start, item.span.end
            component.add(
                "description",
                f"Departs {item.origin} at {start:%H:%M} ({start.timezone_name}).\n"
                f"Arrives {item.destination} at {end:%H:%M} ({end.timezone_name}).",
            )
            component.add("location", item.origin)
            component.add("categories", [item.mode])
        else:
            component.add("summary", item.title)
            component.add("description", f"Check in {item.check_in}, check out {item.check_out}.")
            component.add("location", f"{item.name}, {item.city}")
            component.add("transp", "TRANSPARENT")
        component.add("class", "PRIVATE")
        calendar.add_component(component)
    return bytes(calendar.to_ical())


def _bare_calendar(programme: Programme, zones: Sequence[str]) -> icalendar.Calendar:
    from icssi_itinerary_plugins.vtimezone import vtimezone

    calendar = icalendar.Calendar()
    for key, value in (("prodid", "-//bench//EN"), ("version", "2.0"), ("method", "PUBLISH")):
        calendar.add(key, value)
    for name in zones:
        calendar.add_component(
            vtimezone(name, datetime(2014, 1, 1, tzinfo=UTC), datetime(2014, 12, 31, tzinfo=UTC))
        )
    return calendar


@cache
def _bare_organizer_address(programme_id: str) -> str:
    """Every VEVENT of a PUBLISH feed has an ORGANIZER, ours too, whose address is worked
    out once per programme as ours is (the synthetic one has no contact or web address:
    a urn:uuid of its id)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{programme_id}.icssi-itinerary')}"


def _bare_component(programme: Programme, item: ItineraryItem) -> icalendar.Event:
    component = icalendar.Event()
    component.add("uid", item_uid(programme, item.id))
    organiser = programme.organiser or programme.title
    address = icalendar.vCalAddress(_bare_organizer_address(programme.id))
    component.add("organizer", address, parameters={"CN": organiser})
    component.add("dtstamp", datetime(2014, 1, 1, tzinfo=UTC))
    component.add("sequence", 0)
    if isinstance(item.span, DateSpan):
        component.add("dtstart", item.span.first_day)
        component.add("dtend", item.span.end_date)
    else:
        component.add("dtstart", item.span.start)
        component.add("dtend", item.span.end)
    return component


def _bare_event(programme: Programme, event: Event) -> icalendar.Event:
    component = _bare_component(programme, event)
    component.add("summary", event.title)
    component.add("location", event.venue.location)
    if event.venue.latitude is not None and event.venue.longitude is not None:
        component.add("geo", (event.venue.latitude, event.venue.longitude))
    component.add("categories", [event.kind, *event.tags])
    component.add("status", event.status.upper())
    component.add("class", "PUBLIC")
    if event.parent:
        component.add(
            "related-to", item_uid(programme, event.parent), parameters={"RELTYPE": "PARENT"}
        )
    return component


def ics_measure(folder: Path, events: int, runs: int) -> Row:
    synthetic.write(folder, events, 1)
    programme = load_programme(folder / "programme.toml")
    from icssi_itinerary_plugins import ical_feed as ical_module

    ical = get_exporters()["ical"]
    ical.render_programme(programme, RenderOptions())  # VTIMEZONEs built once, as for bare

    def ours_cold() -> bytes:
        ical_module._event.cache_clear()  # measure serialising, not the per-process cache
        return ical.render_programme(programme, RenderOptions())

    ours = best_of(runs, ours_cold)
    reference = best_of(runs, lambda: bare_icalendar(programme))
    return (
        f"ICS, {events}-event programme",
        f"{ours:.3f} s",
        f"{reference:.3f} s (bare icalendar)",
        f"{ours / reference:.2f}",
        "≤ 1.3",
    )


def personal_feed_measure(folder: Path, events: int, delegates: int) -> Row:
    """Every delegate's personal feed, as a build writes them one after another (VEVENT
    bytes shared across delegates), against bare icalendar writing each delegate's
    whole feed from scratch. Each side is timed three times, in turn."""
    roster_file = synthetic.write(folder, events, delegates)
    programme = load_programme(folder / "programme.toml")
    roster = load_roster(roster_file, programme)
    plans = [build_itinerary(programme, delegate) for delegate in roster.delegates]
    ical = get_exporters()["ical"]
    ical.render_programme(programme, RenderOptions())  # VTIMEZONEs built once, as for bare

    from icssi_itinerary_plugins import ical_feed as ical_module

    def ours() -> None:
        # As a build starts: no VEVENT written yet (the caches fill as delegates go by).
        ical_module._event.cache_clear()
        ical_module._written_zones.cache_clear()
        for plan in plans:
            ical.render_itinerary(plan, RenderOptions())

    def bare() -> None:
        for plan in plans:
            bare_feed(plan)

    timings = [(best_of(1, ours), best_of(1, bare)) for _ in range(3)]
    mine, reference = min(t[0] for t in timings), min(t[1] for t in timings)
    return (
        f"personal feeds, {delegates} delegates",
        f"{mine:.3f} s",
        f"{reference:.3f} s (bare icalendar)",
        f"{mine / reference:.2f}",
        "≤ 0.3",
    )


def build_measure(folder: Path, events: int, sizes: tuple[int, int], jobs: int) -> list[Row]:
    formats = [
        get_exporters()[name] for name in ("text", "ical", "html") if name in get_exporters()
    ]
    times = []
    for delegates in sizes:
        data = folder / f"build-{delegates}"
        roster_path = synthetic.write(data, events, delegates)
        programme = load_programme(data / "programme.toml")
        roster = load_roster(roster_path, programme)
        start = time.perf_counter()
        build_all(programme, roster, formats, data / "out", RenderOptions(), jobs=jobs)
        times.append(time.perf_counter() - start)
    peak = (
        max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        )
        / 1024
    )
    names = "+".join(f.name for f in formats)
    small, large = sizes
    return [
        (f"build ({names}), {small} delegates, {jobs} jobs", f"{times[0]:.2f} s", "", "", ""),
        (
            f"build ({names}), {large} delegates, {jobs} jobs",
            f"{times[1]:.2f} s",
            f"{times[0]:.2f} s ({small} delegates)",
            f"{times[1] / times[0]:.2f}",
            f"≤ 4.2 (linear); peak RSS {peak:.0f} MiB",
        ),
    ]


def pdf_measure(folder: Path, events: int, sizes: Sequence[int], jobs: int) -> list[Row]:
    """Whole PDF builds at each size in *sizes*, and by the previous code path (every
    document measures its text and subsets its fonts itself)."""
    exporters = get_exporters()
    if "pdf" not in exporters:
        return [("PDF itineraries per second", "no pdf exporter", "", "", "≥ 60")]
    from icssi_itinerary_plugins.pdf_layout import Document

    def rate(delegates: int) -> float:
        data = folder / f"pdf-{delegates}"
        roster_path = synthetic.write(data, events, delegates)
        programme = load_programme(data / "programme.toml")
        roster = load_roster(roster_path, programme)
        out = data / ("out" if Document.reuse else "out-previous")
        start = time.perf_counter()
        build_all(programme, roster, [exporters["pdf"]], out, RenderOptions(), jobs=jobs)
        return delegates / (time.perf_counter() - start)

    rows: list[Row] = []
    for delegates in sizes:
        ours = rate(delegates)
        Document.reuse = False
        try:
            previous = rate(delegates)
        finally:
            Document.reuse = True
        rows.append(
            (
                f"PDF itineraries, {delegates} delegates, {jobs} jobs",
                f"{ours:.1f} /s",
                f"{previous:.1f} /s (previous code path: fonts subset per PDF)",
                f"{ours / previous:.2f}",
                "≥ 60 /s",
            )
        )
    return rows


def republish_measure(folder: Path, events: int, delegates: int) -> Row:
    data = folder / "publish"
    roster_path = synthetic.write(data, events, delegates)
    programme = load_programme(data / "programme.toml")
    roster = load_roster(roster_path, programme)
    formats = [get_exporters()[name] for name in ("ical", "html") if name in get_exporters()]
    site = data / "site"
    start = time.perf_counter()
    publish(programme, roster, formats, site, "https://example.org/forum")
    first = time.perf_counter() - start
    start = time.perf_counter()
    again = publish(programme, roster, formats, site, "https://example.org/forum")
    second = time.perf_counter() - start
    return (
        f"republish, no change ({again.written} files rewritten)",
        f"{second:.2f} s",
        f"{first:.2f} s (first publish)",
        f"{second / first:.2f}",
        "≤ 0.20, 0 rewritten",
    )


def startup_measure(runs: int) -> Row:
    script = str(Path(sys.executable).with_name("icssi-itinerary"))

    # Both sides with their bytecode cached: click's was compiled when pip installed it,
    # ours is written on the first run unless PYTHONDONTWRITEBYTECODE forbids it (it is
    # set on some machines, where every start would compile our sources again).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    def run(command: list[str]) -> Callable[[], object]:
        return lambda: subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)

    run([script, "--help"])()  # writes our bytecode

    ours = best_of(runs, run([script, "--help"]))
    reference = best_of(runs, run([sys.executable, "-c", "import click"]))
    return (
        "icssi-itinerary --help",
        f"{ours * 1000:.0f} ms",
        f"{reference * 1000:.0f} ms (import click)",
        f"{ours / reference:.2f}",
        "≤ 1.5",
    )


def serve_measure(small: bool) -> Row:
    """``serve`` under load with republishes, and nginx serving the same folder in the
    same run (benchmarks/serve_load.py; its defaults at full size)."""
    import serve_load

    quick = ["--delegates", "20", "--events", "20", "--clients", "50", "--requests", "4"]
    args = serve_load.options([*quick, "--slow", "20", "--every", "1"] if small else [])
    mine, theirs = serve_load.measure(args)
    ours = f"p99 {mine.p99 * 1000:.0f} ms, {mine.errors} errors, {mine.torn} torn"
    if theirs is None:
        reference, ratio = "nginx not installed (apt-get install nginx-light)", ""
    else:
        reference = f"{theirs.rate:.0f} req/s (nginx; p99 {theirs.p99 * 1000:.0f} ms)"
        ratio = f"{mine.rate / theirs.rate:.2f}"
    return (
        f"serve, {args.clients} clients + {args.slow} slow, {mine.publishes} republishes",
        f"{ours}, {mine.rate:.0f} req/s",
        reference,
        ratio,
        "0 errors, 0 torn, p99 ≤ 1 s",
    )


def forum_measure(folder: Path, events: int, delegates: int, jobs: int) -> Row:
    """Every format for *delegates* (``build`` as a coordinator runs it), against a
    tenth of them in the same run: the ratio is the time a delegate takes in the
    larger build over the smaller's (benchmarks/forum.py)."""
    import forum

    tenth, part, whole, per_delegate = forum.measure(folder / "forum", events, delegates, jobs)
    return (
        f"forum build, every format, {delegates} delegates x {events} events, {jobs} jobs",
        f"{whole['seconds']:.1f} s, peak {whole['total']:.0f} MiB, {whole['files']:.0f} files",
        f"{part['seconds']:.1f} s ({tenth} delegates)",
        f"{per_delegate:.2f}",
        "1.00 is linear; 20000: ≤ 600 s, ≤ 300 MiB",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a quick run at a small size")
    parser.add_argument("--jobs", type=int, default=default_jobs())
    parser.add_argument(
        "--forum",
        type=int,
        help="delegates in the forum build (default 2000, a tenth of the target's 20000)",
    )
    arguments = parser.parse_args()
    small, jobs = arguments.small, arguments.jobs
    forum_size = arguments.forum or (40 if small else 2000)
    runs = 1 if small else 5
    with tempfile.TemporaryDirectory(prefix="icssi-bench-") as temporary:
        folder = Path(temporary)
        rows = [ics_measure(folder / "ics", 100 if small else 1000, runs)]
        rows.append(
            personal_feed_measure(folder / "feeds", 50 if small else 300, 20 if small else 1000)
        )
        rows += build_measure(
            folder, 50 if small else 300, (10, 40) if small else (500, 2000), jobs
        )
        rows += pdf_measure(folder, 50 if small else 300, (4, 8) if small else (200, 1000), jobs)
        rows.append(republish_measure(folder, 50 if small else 300, 10 if small else 500))
        rows.append(startup_measure(2 if small else 10))
        rows.append(serve_measure(small))
        rows.append(forum_measure(folder, 50 if small else 500, forum_size, jobs))
    header: Row = ("measure", "ours", "reference (same run)", "ratio", "target")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(5)]
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}")
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print(" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
