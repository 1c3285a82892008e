"""Human-readable times shared by the built-in exporters (text, and the formats after it)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pendulum

from icssi_itinerary import (
    DateSpan,
    ItineraryItem,
    Reader,
    Span,
    TimeSpan,
    Timezone,
    TravelLeg,
    in_zone,
)

__all__ = [
    "N_",
    "PARTS_OF_DAY",
    "Moment",
    "clock",
    "day_heading",
    "local_day",
    "moments_label",
    "part_of_day",
    "printable_bytes",
    "span_moments",
    "utc_offset",
    "zone_label",
]


def N_(message: str) -> str:
    """Marks *message* for translation (pybabel's ``-k N_``) where it is defined, to be
    translated where it is shown."""
    return message


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SEPARATOR = re.compile("[\u2028\u2029]")


def printable_bytes(text: str) -> bytes:
    """*text* as UTF-8 without control characters (tab and line feed stay); line and
    paragraph separators become line feeds. The loaders already refuse control
    characters; this keeps text and HTML output clean for objects made in code."""
    return _CONTROL.sub("", _SEPARATOR.sub("\n", text)).encode("utf-8")


def clock(moment: pendulum.DateTime, reader: Reader, with_offset: bool = False) -> str:
    """``10:00 CET``: the wall-clock time with the zone's abbreviation. Where the
    abbreviation names both sides of a clock change (``MSK`` before and after Moscow's
    26 October 2014), or *with_offset*, the UTC offset is added: ``01:30 MSK (UTC+04:00)``."""
    label = f"{reader.time(moment)} {moment.tzname()}"
    if with_offset or _ambiguous(moment):
        return f"{label} ({utc_offset(moment, reader)})"
    return label


def utc_offset(moment: pendulum.DateTime, reader: Reader) -> str:
    """``UTC+04:00``, ``UTC-03:30``, ``UTC``: *moment*'s offset from UTC."""
    offset = moment.utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds()) // 60
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return "UTC" + reader.digits(f"{sign}{hours:02d}:{rest:02d}")


def _ambiguous(moment: pendulum.DateTime) -> bool:
    """Whether *moment*'s wall time happens twice under one abbreviation (a fold)."""
    other = moment.replace(fold=1 - moment.fold)
    return other.utcoffset() != moment.utcoffset() and other.tzname() == moment.tzname()


def zone_label(zone: Timezone, reader: Reader, city: str | None = None) -> str:
    """The zone in words, after *city* if the data names one there, else after the
    zone's own city: ``Geneva time``, ``توقيت بغداد``."""
    return reader.zone_words(zone, city)


def day_heading(day: date, reader: Reader) -> str:
    """``Thursday, October 30, 2014``: the locale's full date."""
    return reader.date(day, "full")


def moments_label(moments: tuple[Moment, ...]) -> str:
    """Start and end as one label, joined by an en dash, spaced where both ends are dates
    with their months (``Oct 26 – Nov 2``, but ``Oct 27–29``)."""
    dates = all(type(moment.value) is date for moment in moments)
    dash = " – " if dates and all(" " in moment.label for moment in moments) else "–"
    return dash.join(moment.label for moment in moments)


def span_moments(
    span: Span, reader: Reader, other: Timezone | None = None
) -> tuple[tuple[Moment, ...], tuple[Moment, ...]]:
    """*span*'s start and end, each with its label (one moment where they coincide), at
    the place and, where the clocks differ, on the clocks of *other*. Date-only spans stay
    dates (``29 Oct, afternoon``): nothing is converted, so they have no second clock.

    The place's labels belong under the heading of the day the span starts on there;
    a second-clock start on another date says which (``Fri, Oct 31 00:40 AEDT``)."""
    if isinstance(span, DateSpan):
        return _date_moments(span, reader), ()
    here = _time_moments(span, reader)
    if other is None or all(
        m.utcoffset() == in_zone(m, other).utcoffset() for m in (span.start, span.end)
    ):
        return here, ()
    return here, _time_moments(span.in_zone(other), reader, heading=span.start.date())


@dataclass(frozen=True)
class Moment:
    """A start or an end as a reader sees it: the instant (or date) and its label."""

    value: pendulum.DateTime | date
    label: str

    @property
    def iso(self) -> str:
        """ISO 8601: an instant with its offset, or a date."""
        return self.value.isoformat()


PARTS_OF_DAY = {
    "morning": N_("morning"),
    "midday": N_("midday"),
    "afternoon": N_("afternoon"),
    "evening": N_("evening"),
    "night": N_("night"),
}
"""The published part-of-day labels, as messages to translate."""


def part_of_day(part: str, reader: Reader) -> str:
    """A part-of-day label (``evening``) in the reader's language."""
    return reader.gettext(PARTS_OF_DAY[part]) if part in PARTS_OF_DAY else part


def _month_first(reader: Reader) -> bool:
    """Whether the locale writes the month before the day (``Oct 27``, not ``27 Oct``)."""
    pattern = str(getattr(reader.locale.datetime_skeletons["MMMd"], "pattern", ""))
    return pattern.lstrip("'").startswith("M") or pattern.startswith("L")


def _date_moments(span: DateSpan, reader: Reader) -> tuple[Moment, ...]:
    first, last = span.first_day, span.last_day
    part = part_of_day(span.part_of_day, reader) if span.part_of_day else None
    if first == last:
        return (Moment(first, part or reader.gettext("all day")),)
    start, end = reader.date(first, "MMMd"), reader.date(last, "MMMd")
    if (first.year, first.month) == (last.year, last.month):  # the month once: its side
        if _month_first(reader):
            end = reader.date(last, "d")  # Oct 27–29
        else:
            start = reader.date(first, "d")  # 27–29 أكتوبر, 27–29 Oct
    if part:
        end = reader.gettext("%(date)s, %(part_of_day)s", date=end, part_of_day=part)
    return Moment(first, start), Moment(last, end)


def _time_moments(
    span: TimeSpan, reader: Reader, heading: date | None = None
) -> tuple[Moment, ...]:
    start, end = span.start, span.end
    # One label for both ends where they share abbreviation and offset; the end's then
    # carries the offset if the start's hour happens twice.
    shared = (start.tzname(), start.utcoffset()) == (end.tzname(), end.utcoffset())
    first = reader.time(start) if shared else clock(start, reader)
    if heading is not None and start.date() != heading:
        first = f"{reader.date(start, 'MMMEd')} {first}"
    last = clock(end, reader, with_offset=shared and _ambiguous(start))
    if start.date() != end.date():
        last = f"{reader.date(end, 'MMMEd')} {last}"
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
