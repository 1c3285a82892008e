"""Markdown programmes and itineraries, and an ``early-start`` check: an icssi-itinerary plugin.

A third-party plugin, written against the public API only (``from icssi_itinerary
import ...``). Installed, it is found through its entry point in the group
``icssi_itinerary`` (see ``pyproject.toml``) and adds:

- the ``markdown`` output format (``.md``): one section per day, each item with the
  time on the clocks where it happens and, on a second line, the same times on a
  second clock (``--tz``, or the delegate's home zone);
- the ``early-start`` check: a commitment before 07:00 after a journey that arrived
  at 23:00 or later, each on the local clocks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time, timedelta

from icssi_itinerary import (
    Check,
    DateSpan,
    Event,
    Exporter,
    Itinerary,
    ItineraryItem,
    Problem,
    Programme,
    RenderOptions,
    Span,
    TimeSpan,
    Timezone,
    TravelLeg,
    hookimpl,
    in_zone,
    sort_key,
)

# --- the markdown format ---------------------------------------------------------------

_SPECIAL = re.compile(r"([\\`*_{}\[\]#>])")


def escape(text: str) -> str:
    """*text* as literal Markdown text: special characters escaped, ``<`` and ``&`` as
    entities (which every Markdown dialect reads the same way)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return _SPECIAL.sub(r"\\\1", text)


# --8<-- [start:clocks]
def clock(moment: datetime) -> str:
    """``10:00 CET``: the wall-clock time and the zone's abbreviation."""
    return f"{moment:%H:%M} {moment.tzname()}"


def short_date(day: date) -> str:
    """``Mon 3 Nov``."""
    return f"{day:%a} {day.day} {day:%b}"


def days_label(span: DateSpan) -> str:
    """``Mon 27 Oct`` to ``Wed 29 Oct``, and a part of the day: no hour is made up."""
    text = short_date(span.first_day)
    if span.last_day != span.first_day:
        text += f" – {short_date(span.last_day)}"
    return f"{text}, {span.part_of_day}" if span.part_of_day else text


def times_label(span: TimeSpan) -> str:
    """From and to, e.g. ``10:00`` to ``12:00 CET``; a journey shows each end on its own clock."""
    start, end = span.start, span.end
    if start.tzname() == end.tzname() and start.utcoffset() == end.utcoffset():
        text = f"{start:%H:%M}–{clock(end)}"
    else:
        text = f"{clock(start)} – {clock(end)}"
    if end.date() != start.date():
        text += f" ({short_date(end.date())})"
    return text


def wall(moment: datetime) -> datetime:
    """What the clock on the wall shows, without its zone."""
    return moment.replace(tzinfo=None)


def other_clock_label(span: TimeSpan, other: Timezone) -> str | None:
    """The same span on the clocks of *other*, or ``None`` where those clocks agree."""
    start, end = in_zone(span.start, other), in_zone(span.end, other)
    if wall(start) == wall(span.start) and wall(end) == wall(span.end):
        return None
    text = f"{start:%H:%M}–{clock(end)}"
    if start.date() != span.start.date():
        text = f"{short_date(start.date())} {text}"
    if end.date() != start.date():
        text += f" ({short_date(end.date())})"
    return f"{text} in {other.key}"


# --8<-- [end:clocks]


def when(span: Span) -> str:
    """The span on the clocks of the place it happens."""
    return days_label(span) if isinstance(span, DateSpan) else times_label(span)


def local_day(item: ItineraryItem) -> date:
    """The day an item starts, on the clocks where it starts."""
    span = item.span
    return span.first_day if isinstance(span, DateSpan) else span.start.date()


def where(item: ItineraryItem) -> str:
    """The venue, the stations or airports, or the hotel's address."""
    if isinstance(item, Event):
        return item.venue.location
    if isinstance(item, TravelLeg):
        return f"{item.origin_place or item.origin} → {item.destination_place or item.destination}"
    return item.address or item.city


def title(item: ItineraryItem) -> str:
    """The item's title, with its status (a leg or stay can be cancelled too)."""
    text = escape(item.title)
    if item.status == "cancelled":
        return f"~~{text}~~ (cancelled)"
    if item.status == "tentative":
        return f"{text} *(to be confirmed)*"
    return text


def item_lines(item: ItineraryItem, other: Timezone | None) -> list[str]:
    """One list item: when and what, where, and the second clock."""
    lines = [f"- **{when(item.span)}** — {title(item)}", f"  {escape(where(item))}"]
    if other is not None and isinstance(item.span, TimeSpan):
        elsewhere = other_clock_label(item.span, other)
        if elsewhere is not None:
            lines.append(f"  *{elsewhere}*")
    return [line + "  " for line in lines[:-1]] + lines[-1:]  # hard line breaks


def day_sections(items: Iterable[ItineraryItem], other: Timezone | None) -> list[str]:
    """A ``##`` heading per day (on local clocks), then the day's items."""
    lines: list[str] = []
    day: date | None = None
    for item in items:
        if local_day(item) != day:
            day = local_day(item)
            lines += ["", f"## {day:%A} {day.day} {day:%B %Y}", ""]
        lines += item_lines(item, other)
    return lines


def clock_note(other: Timezone | None) -> str:
    """Which clocks the times are on."""
    note = "Times are on the clocks where each thing happens"
    if other is None:
        return note + "."
    return note + f"; in italics, the same times in {other.key}."


def document(lines: list[str]) -> bytes:
    """The Markdown as UTF-8, ending with one newline."""
    return ("\n".join(lines).rstrip() + "\n").encode("utf-8")


# --8<-- [start:render]
def markdown_programme(programme: Programme, options: RenderOptions) -> bytes:
    """The whole programme: public, no roster data."""
    other = options.display_zone()
    lines = [f"# {escape(programme.title)}", ""]
    if programme.organiser:
        lines += [f"Organised by {escape(programme.organiser)}.", ""]
    lines.append(clock_note(other))
    lines += day_sections(sorted(programme.events, key=sort_key), other)
    return document(lines)


def markdown_itinerary(itinerary: Itinerary, options: RenderOptions) -> bytes:
    """One delegate's events, journeys and stays."""
    delegate = itinerary.delegate
    other = options.display_zone(itinerary)
    lines = [f"# Itinerary for {escape(delegate.name)}", ""]
    about = [part for part in (delegate.name_native, delegate.organisation) if part]
    if about:
        lines += [escape(" — ".join(about)), ""]
    lines += [f"*{escape(itinerary.programme.title)}*", "", clock_note(other)]
    lines += day_sections(itinerary.items, other)
    if options.show_problems and itinerary.problems:
        lines += ["", "## Problems found by the checks", ""]
        lines += [
            f"- **{problem.severity}** `{problem.code}`: {escape(problem.message)}"
            for problem in itinerary.problems
        ]
    return document(lines)


# --8<-- [end:render]


# --- the early-start check -------------------------------------------------------------

# --8<-- [start:check]
LATE = time(23, 0)
"""A journey arriving at this local time or later (or after midnight) ends the day late."""
EARLY = time(7, 0)
"""A commitment starting before this local time, the morning after, starts early."""


def _morning_after(arrival: datetime) -> date | None:
    """The morning after a late arrival (local clocks), or ``None`` if it was not late."""
    if arrival.time() >= LATE:
        return arrival.date() + timedelta(days=1)
    if arrival.time() < EARLY:  # landed after midnight: the morning is the same date
        return arrival.date()
    return None


def check_early_start(itinerary: Itinerary) -> Iterator[Problem]:
    """A commitment before 07:00 local after a journey that arrived at 23:00 local or later."""
    timed = [item for item in itinerary.items if isinstance(item.span, TimeSpan)]
    for leg in timed:
        if not isinstance(leg, TravelLeg):
            continue
        arrival = leg.span.end  # on the clocks at the destination
        morning = _morning_after(arrival)
        if morning is None:
            continue
        later = [item for item in timed if item.span.start > arrival]
        if not later:
            continue
        following = min(later, key=sort_key)
        start = following.span.start  # on the clocks where it happens
        if start.date() == morning and start.time() < EARLY:
            yield Problem(
                "warning",
                "early-start",
                f"{following.title} starts at {clock(start)} on {short_date(start.date())}, "
                f"after {leg.title} arrived at {clock(arrival)} on {short_date(arrival.date())}",
                (leg.id, following.id),
            )


# --8<-- [end:check]


# --- registration ----------------------------------------------------------------------


# --8<-- [start:register]
@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    """Add the ``markdown`` format."""
    register(
        Exporter(
            name="markdown",
            suffix=".md",
            media_type="text/markdown; charset=utf-8",
            render_programme=markdown_programme,
            render_itinerary=markdown_itinerary,
            description="Markdown, one section per day, both clocks (icssi-itinerary-markdown)",
        )
    )


@hookimpl
def register_checks(register: Callable[[Check], None]) -> None:
    """Add the ``early-start`` check."""
    register(
        Check(
            "early-start",
            check_early_start,
            "A commitment before 07:00 after a journey that arrived at 23:00 or later",
        )
    )


# --8<-- [end:register]
