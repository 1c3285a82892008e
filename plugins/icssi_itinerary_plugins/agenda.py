"""The day-by-day view every built-in format draws: rows with both clocks and city changes.

Formats differ in how they draw a row, not in what a row says, so the decisions —
which day an item belongs to, how its times read at the place and in the reader's zone,
where the delegate changes city — are made once, here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pendulum

from icssi_itinerary import (
    DateSpan,
    Event,
    ItineraryItem,
    Programme,
    Reader,
    Stay,
    Timezone,
    TravelLeg,
)

from .formatting import (
    Moment,
    arrival_city,
    day_heading,
    local_day,
    moments_label,
    span_moments,
    zone_label,
)
from .titles import item_place, item_title

__all__ = ["Day", "Moment", "Row", "agenda"]


@dataclass(frozen=True)
class Row:
    """One item as a reader sees it."""

    item: ItineraryItem
    kind: str
    """``event``, ``leg`` or ``stay``."""
    title: str
    at_place: tuple[Moment, ...]
    """Start and end at the place (one moment where they coincide): ``10:00``,
    ``12:00 CET``; for a date-only item, its days (``27``, ``29 Oct``) or ``evening``."""
    elsewhere: tuple[Moment, ...]
    """The same on the reader's clock, where that differs; never for date-only items."""
    place: str
    depth: int
    status: str
    zone: Timezone
    """The zone the item begins in."""
    arrival_zone: Timezone
    """Whose clocks apply once the item begins: a leg's arrival zone, else :attr:`zone`."""
    arrival: pendulum.DateTime | None
    """The instant those clocks begin to apply (a leg's arrival); ``None`` for dates."""
    now_in: str | None
    """The city the delegate is in from this row on, where it changes."""
    clocks: str
    """Whose clocks apply from this row on, in words, after the city the delegate is in:
    ``Geneva time`` (see :attr:`arrival_zone`)."""

    @property
    def when(self) -> str:
        """At the place, as one label (start, en dash, end), or ``evening``."""
        return moments_label(self.at_place)

    @property
    def when_elsewhere(self) -> str | None:
        """:attr:`elsewhere` as one label, if the reader's clocks differ."""
        return moments_label(self.elsewhere) if self.elsewhere else None


@dataclass(frozen=True)
class Day:
    """The rows that begin on one local date."""

    date: date
    heading: str
    rows: tuple[Row, ...]


def _row(
    item: ItineraryItem,
    programme: Programme,
    other: Timezone | None,
    now_in: str | None,
    reader: Reader,
) -> Row:
    """The row of *item*; an event's is made once per process for each reader, second
    clock and city change, and shared by every itinerary that has it: a forum's
    delegates read the same sessions, and a row's labels take Babel's formatting."""
    if not isinstance(item, Event):
        return _made_row(item, programme, other, now_in, reader)
    key = (id(item), id(programme), id(reader), other, now_in)
    known = _EVENT_ROWS.get(key)
    if known is not None and known[0] is item and known[1] is programme and known[2] is reader:
        return known[3]
    if len(_EVENT_ROWS) >= _EVENT_ROWS_KEPT:
        _EVENT_ROWS.clear()
    row = _made_row(item, programme, other, now_in, reader)
    _EVENT_ROWS[key] = (item, programme, reader, row)  # kept alive: their ids stay theirs
    return row


_EVENT_ROWS: dict[tuple[object, ...], tuple[Event, Programme, Reader, Row]] = {}
_EVENT_ROWS_KEPT = 4_000
"""Rows kept (about 1 kB each); when full it starts again."""


def _made_row(
    item: ItineraryItem,
    programme: Programme,
    other: Timezone | None,
    now_in: str | None,
    reader: Reader,
) -> Row:
    span = item.span
    here, there = span_moments(span, reader, other)
    if isinstance(item, Event):
        kind, depth = "event", programme.depth(item)
    else:
        kind, depth = ("leg" if isinstance(item, TravelLeg) else "stay"), 0
    arrival_zone, arrival = _arrival(item)
    return Row(
        item,
        kind,
        item_title(item, reader),
        here,
        there,
        item_place(item, reader),
        depth,
        item.status,
        span.zone,
        arrival_zone,
        arrival,
        now_in,
        zone_label(arrival_zone, reader, arrival_city(item)),
    )


def _arrival(item: ItineraryItem) -> tuple[Timezone, pendulum.DateTime | None]:
    """The one place that decides whose clocks apply once *item* begins, and from when."""
    span = item.span
    if isinstance(span, DateSpan):
        return span.zone, None
    if isinstance(item, TravelLeg):
        zone = span.end.tzinfo
        assert isinstance(zone, Timezone)
        return zone, span.end
    return span.zone, span.start


def agenda(
    items: Iterable[ItineraryItem],
    programme: Programme,
    other: Timezone | None,
    reader: Reader,
) -> list[Day]:
    """Group *items* (already in time order) by the local date each begins on, with
    headings, times and zones in the language of *reader*.

    A row carries ``now_in`` where the delegate's city changes: on arrival for a leg,
    at the event for an event in a new city. A stay never moves anyone.

    The agenda made last is kept for the same items (a tuple: it cannot change), since
    each format of an itinerary asks for it in turn.
    """
    last = _LAST[0] if _LAST else None
    if (
        last is not None
        and isinstance(items, tuple)
        and last[0] is items
        and last[1] is programme
        and last[2] == other
        and last[3] is reader
    ):
        return list(last[4])
    days = _agenda(items, programme, other, reader)
    if isinstance(items, tuple):
        _LAST[:] = [(items, programme, other, reader, tuple(days))]
    return days


_Made = tuple[tuple[ItineraryItem, ...], Programme, Timezone | None, Reader, tuple[Day, ...]]
_LAST: list[_Made] = []
"""The last agenda made of a tuple of items, with what it was made of (kept alive, so
that no other object can take their place)."""


def _agenda(
    items: Iterable[ItineraryItem],
    programme: Programme,
    other: Timezone | None,
    reader: Reader,
) -> list[Day]:
    days: list[Day] = []
    rows: list[Row] = []
    current: date | None = None
    city: str | None = None
    for item in items:
        day = local_day(item)
        if day != current:
            if current is not None:
                days.append(Day(current, day_heading(current, reader), tuple(rows)))
            current, rows = day, []
        here = arrival_city(item)
        moved = not isinstance(item, Stay) and (city is None or here.casefold() != city.casefold())
        now_in = here if moved and (city is not None or isinstance(item, TravelLeg)) else None
        rows.append(_row(item, programme, other, now_in, reader))
        if not isinstance(item, Stay):
            city = here
    if current is not None:
        days.append(Day(current, day_heading(current, reader), tuple(rows)))
    return days
