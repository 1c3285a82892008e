"""Itinerary items as plain, versioned JSON: what the ledger keeps of each published item.

A snapshot names what it is (``item``: ``event``, ``leg``, ``stay``) and its fields, never a Python
class, so renaming a class in the code leaves old ledgers readable, and reading one runs
no code. Instants are kept as UTC with the IANA zone whose wall clock they were shown on,
so a snapshot read back is the same instant on the same clock.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pendulum

from .model import Contact, Event, ItineraryItem, Stay, TravelLeg, Venue
from .timing import DateSpan, Span, TimeSpan, zone

__all__ = ["SNAPSHOT_VERSION", "SnapshotError", "item_from_json", "item_to_json"]

SNAPSHOT_VERSION = 1
"""The layout of a snapshot; a ledger records it and refuses a newer one."""


class SnapshotError(ValueError):
    """A snapshot that cannot be read back as an item."""


def _moment(moment: pendulum.DateTime) -> dict[str, str]:
    utc = moment.in_timezone("UTC")
    name = moment.timezone_name
    assert name is not None  # the library's instants are all in IANA zones
    return {"utc": utc.format("YYYY-MM-DD[T]HH:mm:ss.SSSSSS[Z]"), "zone": name}


def _read_moment(data: dict[str, str]) -> pendulum.DateTime:
    moment = pendulum.parse(data["utc"])
    assert isinstance(moment, pendulum.DateTime)
    return moment.in_timezone(zone(data["zone"]))


def _span(span: Span) -> dict[str, Any]:
    if isinstance(span, DateSpan):
        return {
            "first_day": span.first_day.isoformat(),
            "last_day": span.last_day.isoformat(),
            "zone": span.zone.key,
            "part_of_day": span.part_of_day,
        }
    return {"start": _moment(span.start), "end": _moment(span.end)}


def _read_span(data: dict[str, Any]) -> Span:
    if "first_day" in data:
        return DateSpan(
            date.fromisoformat(data["first_day"]),
            date.fromisoformat(data["last_day"]),
            zone(data["zone"]),
            data.get("part_of_day"),
        )
    return TimeSpan(_read_moment(data["start"]), _read_moment(data["end"]))


def _venue(venue: Venue) -> dict[str, Any]:
    return {**vars(venue), "zone": venue.zone.key}


def _contact(contact: Contact) -> dict[str, Any]:
    return dict(vars(contact))


def item_to_json(item: ItineraryItem) -> dict[str, Any]:
    """*item* as JSON-ready data: its kind, the snapshot version and every field."""
    if isinstance(item, Event):
        fields: dict[str, Any] = {
            **{name: getattr(item, name) for name in _EVENT_PLAIN},
            "venue": _venue(item.venue),
            "span": _span(item.span),
            "contacts": [_contact(contact) for contact in item.contacts],
            "tags": list(item.tags),
        }
        kind = "event"
    elif isinstance(item, TravelLeg):
        fields = {name: getattr(item, name) for name in _LEG_PLAIN}
        fields["span"] = _span(item.span)
        kind = "leg"
    else:
        fields = {name: getattr(item, name) for name in _STAY_PLAIN}
        fields.update(
            zone=item.zone.key,
            check_in=item.check_in.isoformat(),
            check_out=item.check_out.isoformat(),
        )
        kind = "stay"
    return {"item": kind, "version": SNAPSHOT_VERSION, **fields}


def item_from_json(data: dict[str, Any]) -> ItineraryItem:
    """The item a snapshot describes (:class:`SnapshotError` if it cannot be read)."""
    try:
        if data.get("version") != SNAPSHOT_VERSION:
            raise SnapshotError(f"snapshot version {data.get('version')!r} is not known")
        kind = data["item"]
        if kind == "event":
            venue = {**data["venue"], "zone": zone(data["venue"]["zone"])}
            return Event(
                **{name: data[name] for name in _EVENT_PLAIN},
                venue=Venue(**venue),
                span=_read_span(data["span"]),
                contacts=tuple(Contact(**contact) for contact in data["contacts"]),
                tags=tuple(data["tags"]),
            )
        if kind == "leg":
            span = _read_span(data["span"])
            assert isinstance(span, TimeSpan)
            return TravelLeg(**{name: data[name] for name in _LEG_PLAIN}, span=span)
        if kind == "stay":
            return Stay(
                **{name: data[name] for name in _STAY_PLAIN},
                zone=zone(data["zone"]),
                check_in=date.fromisoformat(data["check_in"]),
                check_out=date.fromisoformat(data["check_out"]),
            )
        raise SnapshotError(f"unknown kind {kind!r}")
    except SnapshotError:
        raise
    except (KeyError, TypeError, ValueError, AssertionError) as error:
        raise SnapshotError(f"unreadable snapshot: {error!r}") from error


_EVENT_PLAIN = ("id", "title", "kind", "status", "parent", "follows", "description", "url")
_LEG_PLAIN = (
    "id",
    "delegate_id",
    "mode",
    "origin",
    "destination",
    "origin_place",
    "destination_place",
    "reference",
    "status",
)
_STAY_PLAIN = ("id", "delegate_id", "name", "city", "address", "status")
