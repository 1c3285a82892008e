"""Calendar invitations (iTIP, RFC 5546) for delegates who chose them over the feed.

A digest becomes at most two iCalendar objects: ``METHOD:REQUEST`` with every item that
is new, changed or back, ``METHOD:CANCEL`` with every item that is cancelled or left.
Each VEVENT is the one the delegate's feed holds (same UID, same SEQUENCE, same words,
written by :mod:`.ical_feed`), organised by the coordinator and attended by the delegate.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import icalendar

from icssi_itinerary import Change, Digest, Event, Invitation, ItineraryItem, TravelLeg, reader

from .ical_feed import (
    PRODID,
    _event,
    _leg,
    _Organizer,
    _safe,
    _Stamp,
    _stay,
    _vtimezone_bytes,
    _zones,
)

__all__ = ["invitations"]

_END = b"END:VCALENDAR\r\n"


def _cancelling(change: Change) -> bool:
    after = change.after
    return change.kind in ("cancelled", "left") or after is None or after.status == "cancelled"


def _vevent(
    uid: str, item: ItineraryItem, sequence: int, stamp: datetime, organizer: _Organizer,
    attendee: icalendar.vCalAddress, digest: Digest,
) -> bytes:  # fmt: skip
    words = reader(digest.delegate.language)
    stamped = _Stamp(uid, stamp, sequence)
    if isinstance(item, Event):
        data = _event(stamped, item, None, organizer, words)
    elif isinstance(item, TravelLeg):
        data = _leg(stamped, item, organizer, words)
    else:
        data = _stay(stamped, item, organizer, words)
    component = icalendar.Event.from_ical(data)
    component.add("attendee", attendee)
    return _safe(component.to_ical())


def _calendar(method: str, items: list[ItineraryItem], events: list[bytes]) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    header = _safe(calendar.to_ical())
    zones = [_vtimezone_bytes(name, *span) for name, span in _zones(items).items()]
    return header[: -len(_END)] + b"".join(zones) + b"".join(events) + _END


def _attendee(digest: Digest, cancel: bool) -> icalendar.vCalAddress:
    person = digest.delegate
    attendee = icalendar.vCalAddress(f"mailto:{person.email}")
    attendee.params["CN"] = person.name
    attendee.params["ROLE"] = "REQ-PARTICIPANT"
    attendee.params["PARTSTAT"] = "ACCEPTED" if cancel else "NEEDS-ACTION"
    attendee.params["RSVP"] = "FALSE"
    return attendee


def invitations(digest: Digest, coordinator: str) -> list[Invitation]:
    """The REQUEST and CANCEL objects for *digest*, organised by *coordinator* (an
    e-mail address); none for a delegate without an address."""
    if not digest.delegate.email:
        return []
    organizer = _Organizer(digest.programme, f"mailto:{coordinator}")
    found: list[Invitation] = []
    for method in ("REQUEST", "CANCEL"):
        cancel = method == "CANCEL"
        attendee = _attendee(digest, cancel)
        items: list[ItineraryItem] = []
        events: list[bytes] = []
        for change in digest.changes:
            item = change.after or change.before
            if _cancelling(change) != cancel or item is None:
                continue
            if cancel:
                item = replace(item, status="cancelled")
            items.append(item)
            sequence = digest.sequences.get(change.uid, 0)
            stamp = digest.published_at
            events.append(_vevent(change.uid, item, sequence, stamp, organizer, attendee, digest))
        if events:
            found.append(Invitation(method, _calendar(method, items, events)))
    return found
