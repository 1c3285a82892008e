"""The iCalendar feeds themselves (RFC 5545 + RFC 7986), written with icalendar.

Bytes are deterministic for the same input: UIDs come from the programme and item ids,
DTSTAMP from the change ledger or where the programme starts (:mod:`.stamps`), never
the clock or the host.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import icalendar
import pendulum
from icalendar.timezone.tzid import is_utc

from icssi_itinerary import (
    DateSpan,
    Event,
    Itinerary,
    ItineraryItem,
    Programme,
    Reader,
    RenderOptions,
    Span,
    Stay,
    Timezone,
    TravelLeg,
    item_uid,
    reader,
    safe_url,
)

from .formatting import N_, clock, part_of_day, zone_label
from .stamps import first_instant
from .titles import item_title
from .vtimezone import vtimezone

__all__ = ["itinerary_feed", "programme_feed"]

PRODID = "-//icssi-itinerary//icssi-itinerary feed//EN"
REFRESH = timedelta(hours=12)
TO_BE_CONFIRMED = N_("Time to be confirmed.")
_END = b"END:VCALENDAR\r\n"
_STATUS = {"confirmed": "CONFIRMED", "tentative": "TENTATIVE", "cancelled": "CANCELLED"}
# RFC 5545 section 3.1 allows no control character but HTAB in a content line (CR and LF
# only as its end); U+2028/U+2029 are line breaks to many readers, so they become "\n".
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)|(?<!\r)\n")
_LINE_SEPARATORS = re.compile("\u2028|\u2029".encode())


def _safe(data: bytes) -> bytes:
    """Serialised iCalendar with every control character RFC 5545 forbids dropped and
    U+2028/U+2029 written as an escaped newline."""
    return _LINE_SEPARATORS.sub(rb"\\n", _CONTROL.sub(b"", data))


@dataclass(frozen=True)
class _Organizer:
    """RFC 5546 ``PUBLISH`` needs an ORGANIZER on every VEVENT: the programme's organiser
    (its name as ``CN``), at a contact's e-mail address, else at the programme's web
    address, else at a ``urn:uuid`` derived from the programme id (no address is
    invented)."""

    name: str
    address: str

    @classmethod
    def of(cls, programme: Programme) -> _Organizer:
        emails = [contact.email for contact in programme.contacts if contact.email]
        if emails:
            address = f"mailto:{emails[0]}"
        elif url := safe_url(programme.url):
            address = url
        else:
            address = (
                f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{programme.id}.icssi-itinerary')}"
            )
        return cls(programme.organiser or programme.title, address)

    def add_to(self, component: icalendar.Event) -> None:
        component.add(
            "organizer", icalendar.vCalAddress(self.address), parameters={"CN": self.name}
        )


def _ambiguous(moment: pendulum.DateTime) -> bool:
    return moment.replace(fold=1 - moment.fold).utcoffset() != moment.utcoffset()


def _in_utc(moment: pendulum.DateTime) -> bool:
    """Written in UTC: where the wall clock repeats (the fold), and in a zone icalendar
    writes as UTC itself (it takes Africa/Abidjan or Atlantic/Reykjavik for UTC, true
    only since 1970, and would then write their wall time with a ``Z``)."""
    return _ambiguous(moment) or is_utc(moment)


def _moment(moment: pendulum.DateTime) -> datetime:
    """A zoned time for TZID, or the same instant in UTC (see ``_in_utc``)."""
    if _in_utc(moment):
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


def _base(stamp: _Stamp, item: ItineraryItem, organizer: _Organizer) -> icalendar.Event:
    component = icalendar.Event()
    component.add("uid", stamp.uid)
    organizer.add_to(component)
    component.add("dtstamp", stamp.dtstamp)
    component.add("sequence", stamp.sequence)
    if stamp.last_modified is not None:
        component.add("last-modified", stamp.last_modified)
    _add_span(component, item.span)
    return component


@lru_cache(maxsize=16384)
def _event(
    stamp: _Stamp, event: Event, parent_uid: str | None, organizer: _Organizer, words: Reader
) -> bytes:
    """An event's VEVENT, serialised once per process and language: every feed that
    holds the event (the programme's, each attending delegate's) shares the same bytes."""
    component = _base(stamp, event, organizer)
    part = event.span.part_of_day if isinstance(event.span, DateSpan) else None
    summary = event.title
    if part:
        summary = f"{summary} ({part_of_day(part, words)})"
    component.add("summary", summary)
    notes = [event.description or ""]
    if event.venue.note:
        notes.append(words.gettext("Venue: %(note)s", note=event.venue.note))
    if event.status == "tentative":
        notes.append(words.gettext(TO_BE_CONFIRMED))
    if description := "\n\n".join(note for note in notes if note):
        component.add("description", description)
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
    return _safe(component.to_ical())


def _leg(stamp: _Stamp, leg: TravelLeg, organizer: _Organizer, words: Reader) -> bytes:
    component = _base(stamp, leg, organizer)
    component.add("summary", item_title(leg, words))
    origin = leg.origin_place or leg.origin
    destination = leg.destination_place or leg.destination
    start, end = leg.span.start, leg.span.end
    lines = [
        words.gettext(
            "Departs %(place)s at %(time)s (%(zone)s).",
            place=origin,
            time=clock(start, words),
            zone=zone_label(leg.span.zone, words, leg.origin),
        ),
        words.gettext(
            "Arrives %(place)s at %(time)s (%(zone)s).",
            place=destination,
            time=clock(end, words),
            zone=zone_label(_zone_of(end), words, leg.destination),
        ),
    ]
    if leg.reference:
        lines.append(words.gettext("Reference: %(reference)s", reference=leg.reference))
    component.add("description", "\n".join(lines))
    component.add("location", origin)
    component.add("categories", [leg.mode])
    if leg.status == "cancelled":
        component.add("status", "CANCELLED")
    component.add("class", "PRIVATE")
    return _safe(component.to_ical())


def _stay(stamp: _Stamp, stay: Stay, organizer: _Organizer, words: Reader) -> bytes:
    component = _base(stamp, stay, organizer)
    component.add("summary", item_title(stay, words))
    component.add(
        "description",
        words.gettext(
            "Check in %(check_in)s, check out %(check_out)s.",
            check_in=words.date(stay.check_in, "medium"),
            check_out=words.date(stay.check_out, "medium"),
        ),
    )
    component.add("location", ", ".join(p for p in (stay.name, stay.address, stay.city) if p))
    component.add("transp", "TRANSPARENT")
    if stay.status == "cancelled":
        component.add("status", "CANCELLED")
    component.add("class", "PRIVATE")
    return _safe(component.to_ical())


def _component(
    programme: Programme,
    item: ItineraryItem,
    stamp: datetime,
    ledger: Mapping[str, Any],
    organizer: _Organizer,
    words: Reader,
) -> bytes:
    stamped = _stamp(programme, item, stamp, ledger)
    if isinstance(item, Event):
        parent = item_uid(programme, item.parent) if item.parent else None
        return _event(stamped, item, parent, organizer, words)
    if isinstance(item, TravelLeg):
        return _leg(stamped, item, organizer, words)
    return _stay(stamped, item, organizer, words)


_stamped: list[tuple[Programme, datetime]] = []


def _programme_stamp(programme: Programme) -> datetime:
    """The DTSTAMP of a component the ledger says nothing of: where the programme
    starts, the same in the programme's feed and every delegate's, so that an event's
    VEVENT is one string of bytes in all of them (remembered for the last programme)."""
    if not _stamped or _stamped[0][0] is not programme:
        _stamped[:] = [(programme, first_instant(programme.events))]
    return _stamped[0][1]


@lru_cache(maxsize=256)
def _vtimezone_bytes(name: str, start: datetime, end: datetime) -> bytes:
    return bytes(vtimezone(name, start, end).to_ical())


def _zones(items: Iterable[ItineraryItem]) -> dict[str, tuple[datetime, datetime]]:
    """Each TZID the feed writes, with the first and last instant written in it."""
    spans: dict[str, tuple[datetime, datetime]] = {}
    for item in items:
        if isinstance(item.span, DateSpan):
            continue
        start, end = item.span.start, item.span.end
        for written in _written_zones(start, end, _tzid(start), _tzid(end)):
            tzid, instant = written
            first, last = spans.get(tzid, (instant, instant))
            spans[tzid] = (min(first, instant), max(last, instant))
    return dict(sorted(spans.items()))


@lru_cache(maxsize=16384)
def _written_zones(
    start: pendulum.DateTime, end: pendulum.DateTime, *zones: str
) -> tuple[tuple[str, datetime], ...]:
    """The TZID and UTC instant of *start* and *end* where written with a TZID (not in
    UTC), once per process for a span that many feeds hold. *zones* are their TZIDs,
    part of the cache's key: times in two zones at the same instant compare equal."""
    return tuple(
        (_tzid(moment), datetime.fromtimestamp(moment.timestamp(), UTC))
        for moment in (start, end)
        if not _in_utc(moment)
    )


def _tzid(moment: pendulum.DateTime) -> str:
    return moment.timezone_name or "UTC"


def _zone_of(moment: pendulum.DateTime) -> Timezone:
    zone = moment.tzinfo
    assert isinstance(zone, Timezone)
    return zone


def _feed(
    programme: Programme,
    items: list[ItineraryItem],
    name: str,
    description: str,
    uid: str,
    options: RenderOptions,
    words: Reader,
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
    parts += [_vtimezone_bytes(name, *span) for name, span in _zones(items).items()]
    ledger = options.ledger or {}
    stamp = _programme_stamp(programme)
    organizer = _Organizer.of(programme)
    parts += [_component(programme, item, stamp, ledger, organizer, words) for item in items]
    header = _safe(calendar.to_ical())
    assert header.endswith(_END)
    return header[: -len(_END)] + b"".join(parts) + _END


def programme_feed(programme: Programme, options: RenderOptions) -> bytes:
    """The public programme feed: every event and session, no personal data."""
    return _feed(
        programme,
        list(programme.events),
        programme.title,
        programme.description or programme.title,
        f"{programme.id}.icssi-itinerary",
        options,
        reader(options.language),
    )


def itinerary_feed(itinerary: Itinerary, options: RenderOptions) -> bytes:
    """A delegate's personal feed: their events, travel legs and stays."""
    programme, delegate = itinerary.programme, itinerary.delegate
    words = reader(options.language or delegate.language)
    return _feed(
        programme,
        list(itinerary.items),
        f"{programme.title}: {delegate.name}",
        words.gettext(
            "Personal itinerary of %(name)s for %(programme)s.",
            name=delegate.name,
            programme=programme.title,
        ),
        f"{delegate.id}.{programme.id}.icssi-itinerary",
        options,
        words,
    )
