"""iCalendar feeds (RFC 5545 + RFC 7986): the programme, and one personal feed per delegate.

Bytes are deterministic for the same input: UIDs come from the programme and item ids,
DTSTAMP from the data (or the change ledger), never from the clock or the host.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

import icalendar
import pendulum

from icssi_itinerary import (
    DateSpan,
    Event,
    Exporter,
    Itinerary,
    ItineraryItem,
    Programme,
    RenderOptions,
    Span,
    Stay,
    TravelLeg,
    hookimpl,
    item_uid,
)

from .vtimezone import feed_years, vtimezone

__all__ = ["item_uid", "render_itinerary", "render_programme"]

PRODID = "-//icssi-itinerary//icssi-itinerary feed//EN"
REFRESH = timedelta(hours=12)
TO_BE_CONFIRMED = "Time to be confirmed."
_END = b"END:VCALENDAR\r\n"
_STATUS = {"confirmed": "CONFIRMED", "tentative": "TENTATIVE", "cancelled": "CANCELLED"}


def _ambiguous(moment: pendulum.DateTime) -> bool:
    return moment.replace(fold=1 - moment.fold).utcoffset() != moment.utcoffset()


def _moment(moment: pendulum.DateTime) -> datetime:
    """A zoned time for TZID, or UTC where the wall clock repeats (the fold)."""
    if _ambiguous(moment):
        return moment.astimezone(UTC)
    return moment


def _add_span(component: icalendar.Event, span: Span) -> None:
    if isinstance(span, DateSpan):
        component.add("dtstart", span.first_day)
        component.add("dtend", span.end_date)
    else:
        component.add("dtstart", _moment(span.start))
        component.add("dtend", _moment(span.end))


@dataclass(frozen=True)
class _Stamp:
    """What a component's UID, DTSTAMP, SEQUENCE and LAST-MODIFIED say."""

    uid: str
    dtstamp: datetime
    sequence: int = 0
    last_modified: datetime | None = None


def _stamp(programme: Programme, item: ItineraryItem, stamp: datetime,
           ledger: Mapping[str, Any]) -> _Stamp:  # fmt: skip
    uid = item_uid(programme, item.id)
    change = ledger.get(uid, {})
    modified = change.get("last_modified")
    return _Stamp(uid, modified or stamp, int(change.get("sequence", 0)), modified)


def _base(stamp: _Stamp, item: ItineraryItem) -> icalendar.Event:
    component = icalendar.Event()
    component.add("uid", stamp.uid)
    component.add("dtstamp", stamp.dtstamp)
    component.add("sequence", stamp.sequence)
    if stamp.last_modified is not None:
        component.add("last-modified", stamp.last_modified)
    _add_span(component, item.span)
    return component


@lru_cache(maxsize=16384)
def _event(stamp: _Stamp, event: Event, parent_uid: str | None) -> bytes:
    """An event's VEVENT, serialised once per process: every feed that holds the event
    (the programme's, each attending delegate's) shares the same bytes."""
    component = _base(stamp, event)
    part = event.span.part_of_day if isinstance(event.span, DateSpan) else None
    component.add("summary", f"{event.title} ({part})" if part else event.title)
    notes = [event.description or ""]
    if event.venue.note:
        notes.append(f"Venue: {event.venue.note}")
    if event.status == "tentative":
        notes.append(TO_BE_CONFIRMED)
    component.add("description", "\n\n".join(note for note in notes if note))
    component.add("location", event.venue.location)
    if event.venue.latitude is not None and event.venue.longitude is not None:
        component.add("geo", (event.venue.latitude, event.venue.longitude))
    if event.url:
        component.add("url", event.url)
    for contact in event.contacts:
        details = ", ".join(p for p in (contact.name, contact.phone, contact.email) if p)
        component.add("contact", details)
    component.add("categories", [event.kind, *event.tags])
    component.add("status", _STATUS[event.status])
    component.add("class", "PUBLIC")
    if parent_uid:
        component.add("related-to", parent_uid, parameters={"RELTYPE": "PARENT"})
    return bytes(component.to_ical())


def _leg(stamp: _Stamp, leg: TravelLeg) -> bytes:
    component = _base(stamp, leg)
    component.add("summary", leg.title)
    origin = leg.origin_place or leg.origin
    destination = leg.destination_place or leg.destination
    start, end = leg.span.start, leg.span.end
    component.add(
        "description",
        (
            f"Departs {origin} at {start:%H:%M} {start.tzname()} ({start.timezone_name}).\n"
            f"Arrives {destination} at {end:%H:%M} {end.tzname()} ({end.timezone_name})."
            + (f"\nReference: {leg.reference}" if leg.reference else "")
        ),
    )
    component.add("location", origin)
    component.add("categories", [leg.mode])
    if leg.status == "cancelled":
        component.add("status", "CANCELLED")
    component.add("class", "PRIVATE")
    return bytes(component.to_ical())


def _stay(stamp: _Stamp, stay: Stay) -> bytes:
    component = _base(stamp, stay)
    component.add("summary", stay.title)
    component.add(
        "description", f"Check in {stay.check_in:%d %b %Y}, check out {stay.check_out:%d %b %Y}."
    )
    component.add("location", ", ".join(p for p in (stay.name, stay.address, stay.city) if p))
    component.add("transp", "TRANSPARENT")
    if stay.status == "cancelled":
        component.add("status", "CANCELLED")
    component.add("class", "PRIVATE")
    return bytes(component.to_ical())


def _component(
    programme: Programme, item: ItineraryItem, stamp: datetime, ledger: Mapping[str, Any]
) -> bytes:
    stamped = _stamp(programme, item, stamp, ledger)
    if isinstance(item, Event):
        parent = item_uid(programme, item.parent) if item.parent else None
        return _event(stamped, item, parent)
    if isinstance(item, TravelLeg):
        return _leg(stamped, item)
    return _stay(stamped, item)


@lru_cache(maxsize=256)
def _vtimezone_bytes(name: str, first: int, last: int) -> bytes:
    return bytes(vtimezone(name, first, last).to_ical())


def _days(items: Iterable[ItineraryItem]) -> list[date]:
    days: list[date] = []
    for item in items:
        span = item.span
        if isinstance(span, DateSpan):
            days += [span.first_day, span.last_day]
        else:
            days += [span.start.date(), span.end.date()]
    return days


def _first_instant(span: Span) -> datetime:
    """Where the span starts, as naive UTC; a date counts from 00:00 UTC (zone-free)."""
    if isinstance(span, DateSpan):
        return datetime(span.first_day.year, span.first_day.month, span.first_day.day)
    return span.start.astimezone(UTC).replace(tzinfo=None)


def _zones(items: Iterable[ItineraryItem]) -> list[str]:
    names: set[str] = set()
    for item in items:
        if not isinstance(item.span, DateSpan):
            names.update(_tzid(m) for m in (item.span.start, item.span.end) if not _ambiguous(m))
    return sorted(names)


def _tzid(moment: pendulum.DateTime) -> str:
    return moment.timezone_name or "UTC"


def _feed(
    programme: Programme,
    items: list[ItineraryItem],
    name: str,
    description: str,
    uid: str,
    options: RenderOptions,
) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("uid", uid)
    calendar.add("name", icalendar.vText(name))
    calendar.add("x-wr-calname", icalendar.vText(name))
    calendar.add("description", description)
    calendar.add("x-wr-caldesc", icalendar.vText(description))
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH))
    parts = []
    if items:
        first, last = feed_years(_days(items))
        parts += [_vtimezone_bytes(zone_name, first, last) for zone_name in _zones(items)]
    ledger = options.ledger or {}
    stamp = min((_first_instant(item.span) for item in items), default=datetime(1970, 1, 1))
    parts += [_component(programme, item, stamp.replace(tzinfo=UTC), ledger) for item in items]
    header = bytes(calendar.to_ical())
    assert header.endswith(_END)
    return header[: -len(_END)] + b"".join(parts) + _END


def render_programme(programme: Programme, options: RenderOptions) -> bytes:
    """The public programme feed: every event and session, no personal data."""
    return _feed(
        programme,
        list(programme.events),
        programme.title,
        programme.description or programme.title,
        f"{programme.id}.icssi-itinerary",
        options,
    )


def render_itinerary(itinerary: Itinerary, options: RenderOptions) -> bytes:
    """A delegate's personal feed: their events, travel legs and stays."""
    programme, delegate = itinerary.programme, itinerary.delegate
    return _feed(
        programme,
        list(itinerary.items),
        f"{programme.title}: {delegate.name}",
        f"Personal itinerary of {delegate.name} for {programme.title}.",
        f"{delegate.id}.{programme.id}.icssi-itinerary",
        options,
    )


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    """Register the ``ical`` format."""
    register(
        Exporter(
            name="ical",
            suffix=".ics",
            media_type="text/calendar; charset=utf-8",
            render_programme=render_programme,
            render_itinerary=render_itinerary,
            description="iCalendar feed (RFC 5545) for calendar apps",
        )
    )
