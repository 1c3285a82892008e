"""iCalendar feeds (RFC 5545 + RFC 7986): the programme, and one personal feed per delegate.

Bytes are deterministic for the same input: UIDs come from the programme and item ids,
DTSTAMP from the data (or the change ledger), never from the clock or the host.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
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


def _base(
    programme: Programme, item: ItineraryItem, stamp: datetime, ledger: Mapping[str, Any]
) -> icalendar.Event:
    uid = item_uid(programme, item.id)
    change = ledger.get(uid, {})
    component = icalendar.Event()
    component.add("uid", uid)
    component.add("dtstamp", change.get("last_modified", stamp))
    component.add("sequence", int(change.get("sequence", 0)))
    if "last_modified" in change:
        component.add("last-modified", change["last_modified"])
    _add_span(component, item.span)
    return component


def _event(
    programme: Programme, event: Event, stamp: datetime, ledger: Mapping[str, Any]
) -> icalendar.Event:
    component = _base(programme, event, stamp, ledger)
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
    if event.parent:
        component.add(
            "related-to", item_uid(programme, event.parent), parameters={"RELTYPE": "PARENT"}
        )
    return component


def _leg(
    programme: Programme, leg: TravelLeg, stamp: datetime, ledger: Mapping[str, Any]
) -> icalendar.Event:
    component = _base(programme, leg, stamp, ledger)
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
    component.add("class", "PRIVATE")
    return component


def _stay(
    programme: Programme, stay: Stay, stamp: datetime, ledger: Mapping[str, Any]
) -> icalendar.Event:
    component = _base(programme, stay, stamp, ledger)
    component.add("summary", stay.title)
    component.add(
        "description", f"Check in {stay.check_in:%d %b %Y}, check out {stay.check_out:%d %b %Y}."
    )
    component.add("location", ", ".join(p for p in (stay.name, stay.address, stay.city) if p))
    component.add("transp", "TRANSPARENT")
    component.add("class", "PRIVATE")
    return component


def _component(
    programme: Programme, item: ItineraryItem, stamp: datetime, ledger: Mapping[str, Any]
) -> icalendar.Event:
    if isinstance(item, Event):
        return _event(programme, item, stamp, ledger)
    if isinstance(item, TravelLeg):
        return _leg(programme, item, stamp, ledger)
    return _stay(programme, item, stamp, ledger)


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
    if items:
        first, last = feed_years(_days(items))
        for zone_name in _zones(items):
            calendar.add_component(vtimezone(zone_name, first, last))
    ledger = options.ledger or {}
    stamp = min((_first_instant(item.span) for item in items), default=datetime(1970, 1, 1))
    for item in items:
        calendar.add_component(_component(programme, item, stamp.replace(tzinfo=UTC), ledger))
    return bytes(calendar.to_ical())


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
