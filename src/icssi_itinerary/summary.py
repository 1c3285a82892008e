"""Plain data views of a programme, for listings and machine-readable output."""

from __future__ import annotations

from typing import Any

from .model import Event, Programme
from .timing import DateSpan, Timezone, in_zone

__all__ = ["event_summary", "programme_summary"]


def event_summary(event: Event, zone: Timezone | None = None) -> dict[str, Any]:
    """An event as JSON-ready data: ISO 8601 instants with offsets, or dates.

    With *zone*, timed events also carry ``start_in_zone``/``end_in_zone`` on its clocks;
    date-only events stay dates.
    """
    span = event.span
    data: dict[str, Any] = {
        "id": event.id,
        "title": event.title,
        "kind": event.kind,
        "parent": event.parent,
        "follows": event.follows,
        "venue": event.venue.id,
        "city": event.city,
        "timezone": event.venue.zone.key,
        "all_day": span.all_day,
        "status": event.status,
    }
    if isinstance(span, DateSpan):
        data |= {
            "start": span.first_day.isoformat(),
            "end": span.last_day.isoformat(),
            "part_of_day": span.part_of_day,
        }
    else:
        data |= {"start": span.start.isoformat(), "end": span.end.isoformat()}
        if zone is not None:
            data |= {
                "zone": zone.key,
                "start_in_zone": in_zone(span.start, zone).isoformat(),
                "end_in_zone": in_zone(span.end, zone).isoformat(),
            }
    return data


def programme_summary(programme: Programme, zone: Timezone | None = None) -> list[dict[str, Any]]:
    """Every event of *programme* as :func:`event_summary` data, in file order."""
    return [event_summary(event, zone) for event in programme.events]
