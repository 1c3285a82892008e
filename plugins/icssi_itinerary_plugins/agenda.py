"""The day-by-day view every built-in format draws: rows with both clocks and city changes.

Formats differ in how they draw a row, not in what a row says, so the decisions —
which day an item belongs to, how its times read at the place and in the reader's zone,
where the delegate changes city — are made once, here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from icssi_itinerary import (
    DateSpan,
    Event,
    ItineraryItem,
    Programme,
    Span,
    Stay,
    Timezone,
    TravelLeg,
)

from .formatting import arrival_city, day_heading, local_day, span_label

__all__ = ["Day", "Row", "agenda", "machine_times"]


@dataclass(frozen=True)
class Row:
    """One item as a reader sees it."""

    item: ItineraryItem
    kind: str
    """``event``, ``leg`` or ``stay``."""
    title: str
    when: str
    """At the place: ``10:00–12:00 CET``, ``evening``, ``27–29 Oct``."""
    when_elsewhere: str | None
    """The same on the reader's clock, where that differs; never for date-only items."""
    place: str
    depth: int
    status: str
    start: str
    """Machine-readable start: an ISO 8601 instant with offset, or a date."""
    end: str
    """Machine-readable end (inclusive last day for dates)."""
    now_in: str | None
    """The city the delegate is in from this row on, where it changes."""


@dataclass(frozen=True)
class Day:
    """The rows that begin on one local date."""

    date: date
    heading: str
    rows: tuple[Row, ...]


def machine_times(span: Span) -> tuple[str, str]:
    """ISO 8601 start and end: instants with their offsets, or dates (last day inclusive)."""
    if isinstance(span, DateSpan):
        return span.first_day.isoformat(), span.last_day.isoformat()
    return span.start.isoformat(), span.end.isoformat()


def _place(item: ItineraryItem) -> str:
    if isinstance(item, Event):
        return item.venue.location
    if isinstance(item, TravelLeg):
        return f"{item.origin_place or item.origin} → {item.destination_place or item.destination}"
    return ", ".join(part for part in (item.name, item.address or item.city) if part)


def _row(
    item: ItineraryItem, programme: Programme, other: Timezone | None, now_in: str | None
) -> Row:
    when, elsewhere = span_label(item.span, other)
    start, end = machine_times(item.span)
    if isinstance(item, Event):
        kind, depth = "event", programme.depth(item)
    else:
        kind, depth = ("leg" if isinstance(item, TravelLeg) else "stay"), 0
    return Row(
        item,
        kind,
        item.title,
        when,
        elsewhere,
        _place(item),
        depth,
        item.status,
        start,
        end,
        now_in,
    )


def agenda(
    items: Iterable[ItineraryItem], programme: Programme, other: Timezone | None
) -> list[Day]:
    """Group *items* (already in time order) by the local date each begins on.

    A row carries ``now_in`` where the delegate's city changes: on arrival for a leg,
    at the event for an event in a new city. A stay never moves anyone.
    """
    days: list[Day] = []
    rows: list[Row] = []
    current: date | None = None
    city: str | None = None
    for item in items:
        day = local_day(item)
        if day != current:
            if current is not None:
                days.append(Day(current, day_heading(current), tuple(rows)))
            current, rows = day, []
        here = arrival_city(item)
        moved = not isinstance(item, Stay) and (city is None or here.casefold() != city.casefold())
        now_in = here if moved and (city is not None or isinstance(item, TravelLeg)) else None
        rows.append(_row(item, programme, other, now_in))
        if not isinstance(item, Stay):
            city = here
    if current is not None:
        days.append(Day(current, day_heading(current), tuple(rows)))
    return days
