"""Human-readable times shared by the built-in exporters (text, and the formats after it)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import pendulum

from icssi_itinerary import DateSpan, ItineraryItem, Span, TimeSpan, Timezone, TravelLeg, in_zone

__all__ = [
    "Moment",
    "clock",
    "day_heading",
    "local_day",
    "moments_label",
    "printable_bytes",
    "span_moments",
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


def zone_label(zone: Timezone) -> str:
    """``Asia/Baghdad``: the zone's IANA name."""
    return zone.key


def day_heading(day: date) -> str:
    """``Monday 3 November 2014``."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def moments_label(moments: tuple[Moment, ...]) -> str:
    """Start and end as one label, joined by an en dash (spaced between dates with months)."""
    wide = isinstance(moments[0].value, date) and not isinstance(moments[0].value, datetime)
    dash = " – " if wide and " " in moments[0].label else "–"
    return dash.join(moment.label for moment in moments)


def span_moments(
    span: Span, other: Timezone | None = None
) -> tuple[tuple[Moment, ...], tuple[Moment, ...]]:
    """*span*'s start and end, each with its label (one moment where they coincide), at
    the place and, where the clocks differ, on the clocks of *other*. Date-only spans stay
    dates (``29 Oct, afternoon``): nothing is converted, so they have no second clock."""
    if isinstance(span, DateSpan):
        return _date_moments(span), ()
    here = _time_moments(span)
    if other is None or all(
        m.utcoffset() == in_zone(m, other).utcoffset() for m in (span.start, span.end)
    ):
        return here, ()
    return here, _time_moments(span.in_zone(other))


@dataclass(frozen=True)
class Moment:
    """A start or an end as a reader sees it: the instant (or date) and its label."""

    value: pendulum.DateTime | date
    label: str

    @property
    def iso(self) -> str:
        """ISO 8601: an instant with its offset, or a date."""
        return self.value.isoformat()


def _date_moments(span: DateSpan) -> tuple[Moment, ...]:
    first, last = span.first_day, span.last_day
    part = span.part_of_day
    if first == last:
        return (Moment(first, part or "all day"),)
    if first.month == last.month:
        start, end = f"{first.day}", f"{last.day} {last:%b}"
    else:
        start, end = f"{first.day} {first:%b}", f"{last.day} {last:%b}"
    return Moment(first, start), Moment(last, f"{end}, {part}" if part else end)


def _time_moments(span: TimeSpan) -> tuple[Moment, ...]:
    start, end = span.start, span.end
    same_zone = start.tzname() == end.tzname()
    same_day = start.date() == end.date()
    first = f"{start:%H:%M}" if same_zone else clock(start)
    last = clock(end) if same_day else f"{end:%a %d %b} {clock(end)}"
    if start.isoformat() == end.isoformat():  # no length: one moment
        return (Moment(start, f"{first}–{last}"),)
    return Moment(start, first), Moment(end, last)


def local_day(item: ItineraryItem) -> date:
    """The date, at its place, on which an item begins."""
    span = item.span
    return span.first_day if isinstance(span, DateSpan) else span.start.date()


def arrival_city(item: ItineraryItem) -> str:
    """Where the delegate is once the item begins (a leg: its destination)."""
    return item.destination if isinstance(item, TravelLeg) else item.city
