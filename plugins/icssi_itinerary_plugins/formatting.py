"""Human-readable times shared by the built-in exporters (text, and the formats after it)."""

from __future__ import annotations

import re
from datetime import date

import pendulum

from icssi_itinerary import DateSpan, ItineraryItem, Span, TimeSpan, Timezone, TravelLeg, in_zone

__all__ = [
    "clock",
    "day_heading",
    "local_day",
    "printable_bytes",
    "span_label",
    "zone_label",
]

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SEPARATOR = re.compile("[\u2028\u2029]")


def printable_bytes(text: str) -> bytes:
    """*text* as UTF-8 without control characters (tab and line feed stay); line and
    paragraph separators become line feeds. The loaders already refuse control
    characters; this keeps text and HTML output clean for objects made in code."""
    return _CONTROL.sub("", _SEPARATOR.sub("\n", text)).encode("utf-8")


def clock(moment: pendulum.DateTime) -> str:
    """``10:00 CET``: the wall-clock time with the zone's abbreviation."""
    return f"{moment:%H:%M} {moment.tzname()}"


def zone_label(tz: Timezone) -> str:
    """``Asia/Baghdad``: the zone's IANA name."""
    return tz.key


def day_heading(day: date) -> str:
    """``Monday 3 November 2014``."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def _dates(span: DateSpan) -> str:
    if span.first_day == span.last_day:
        return "all day"
    if span.first_day.month == span.last_day.month:
        return f"{span.first_day.day}–{span.last_day.day} {span.last_day:%b}"
    return f"{span.first_day.day} {span.first_day:%b} – {span.last_day.day} {span.last_day:%b}"


def span_label(span: Span, other: Timezone | None = None) -> tuple[str, str | None]:
    """The span at its place, and the same span on the clocks of *other* where they differ.

    Date-only spans stay dates: ``("29 Oct, afternoon", None)``; nothing is converted.
    """
    if isinstance(span, DateSpan):
        label = _dates(span)
        if span.part_of_day:
            label = span.part_of_day if label == "all day" else f"{label}, {span.part_of_day}"
        return label, None
    local = _time_range(span)
    if other is None or all(
        m.utcoffset() == in_zone(m, other).utcoffset() for m in (span.start, span.end)
    ):
        return local, None
    return local, _time_range(span.in_zone(other))


def _time_range(span: TimeSpan) -> str:
    start, end = span.start, span.end
    same_zone = start.tzname() == end.tzname()
    same_day = start.date() == end.date()
    first = f"{start:%H:%M}" if same_zone else clock(start)
    last = clock(end) if same_day else f"{end:%a %d %b} {clock(end)}"
    return f"{first}–{last}"


def local_day(item: ItineraryItem) -> date:
    """The date, at its place, on which an item begins."""
    span = item.span
    return span.first_day if isinstance(span, DateSpan) else span.start.date()


def arrival_city(item: ItineraryItem) -> str:
    """Where the delegate is once the item begins (a leg: its destination)."""
    return item.destination if isinstance(item, TravelLeg) else item.city
