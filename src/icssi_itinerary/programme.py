"""Loading and validating a programme file (TOML), and the bundled programmes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TypeVar, cast, get_args

from .errors import InputError
from .icsfile import ics_tables
from .model import Contact, Event, Programme, Status, Venue
from .sources import Lines, Record, shown, toml_records, toml_tables, without_cycle_collection
from .timing import PARTS_OF_DAY, DateSpan, Span, TimeSpan, Timezone

__all__ = ["MAX_NESTING", "bundled_programmes", "load_programme"]

DEFAULT_PROGRAMME = "icssi-2014"
MAX_NESTING = 32
"""The most parents an event may have above it (a session in a conference: 1)."""

_Item = TypeVar("_Item", Contact, Venue)

_PROGRAMME_FIELDS = frozenset(
    {"id", "title", "description", "url", "organiser", "livestream", "hashtag", "source"}
)
_CONTACT_FIELDS = frozenset({"id", "name", "phone", "email", "role"})
_VENUE_FIELDS = frozenset(
    {"id", "name", "address", "city", "country", "timezone", "latitude", "longitude", "url", "note"}
)
_EVENT_FIELDS = frozenset(
    {
        "id", "title", "kind", "venue", "start", "end", "part_of_day", "fold", "status",
        "parent", "follows", "description", "url", "contacts", "tags",
    }
)  # fmt: skip


def bundled_programmes() -> list[str]:
    """Names of the programmes shipped inside the package."""
    folder = resources.files("icssi_itinerary").joinpath("data")
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    )


def load_programme(source: str | Path | None = None) -> Programme:
    """Load a programme from a TOML file, or a bundled one by name.

    With no argument, the bundled ``icssi-2014`` programme. Raises :class:`InputError`
    naming the file, line and field of anything that cannot be used.
    """
    if source is None or (isinstance(source, str) and source in bundled_programmes()):
        name = source or DEFAULT_PROGRAMME
        resource = resources.files("icssi_itinerary").joinpath("data", f"{name}.toml")
        with resources.as_file(resource) as path:
            return _read(path, label=f"<bundled {name}>")
    path = Path(source)
    return _read(path, label=str(path))


def _read(path: Path, label: str) -> Programme:
    with without_cycle_collection():
        return _load(path, label)


def _load(path: Path, label: str) -> Programme:
    if path.suffix.lower() == ".ics":
        data, lines = ics_tables(path, label), Lines()
    else:
        data, lines = toml_tables(path, label)
    top = sorted(set(data) - {"programme", "venues", "contacts", "events"})
    if top:
        raise InputError(
            f"unknown table {shown(top[0])}",
            source=label,
            line=lines.tables.get((top[0], 0), lines.of("").get(top[0])),
            hint="use [programme], [[venues]], [[contacts]] and [[events]]",
        )
    header = data.get("programme")
    if not isinstance(header, dict):
        raise InputError(
            "missing [programme] table",
            source=label,
            line=lines.of("").get("programme"),
            hint="add [programme] with id and title",
        )
    head = Record(header, label, "programme", lines=lines, table=("programme", 0))
    head.only(_PROGRAMME_FIELDS)
    contacts = _unique(_contact(r) for r in toml_records(data, lines, "contacts", label))
    venues = _unique(_venue(r) for r in toml_records(data, lines, "venues", label))
    records = list(toml_records(data, lines, "events", label))
    events = _Events(records, venues, contacts).build()
    return Programme(
        id=head.identifier(),
        title=head.required("title"),
        events=events,
        venues=tuple(venues.values()),
        contacts=tuple(contacts.values()),
        description=head.text("description"),
        url=head.text("url"),
        organiser=head.text("organiser"),
        livestream=head.text("livestream"),
        hashtag=head.text("hashtag"),
        source=head.text("source"),
    )


def _unique(items: Iterable[tuple[Record, _Item]]) -> dict[str, _Item]:
    found: dict[str, _Item] = {}
    for record, item in items:
        if item.id in found:
            raise record.error("id", f"duplicate id '{item.id}'", "give each entry its own id")
        found[item.id] = item
    return found


def _contact(record: Record) -> tuple[Record, Contact]:
    record.only(_CONTACT_FIELDS)
    return record, Contact(
        id=record.identifier(),
        name=record.required("name"),
        phone=record.text("phone"),
        email=record.text("email"),
        role=record.text("role"),
    )


def _venue(record: Record) -> tuple[Record, Venue]:
    record.only(_VENUE_FIELDS)
    latitude, longitude = record.number("latitude"), record.number("longitude")
    if (latitude is None) != (longitude is None):
        raise record.error("latitude", "latitude and longitude go together", "give both or neither")
    if latitude is not None and not -90 <= latitude <= 90:
        raise record.error("latitude", f"{latitude} is not a latitude", "use -90 to 90 degrees")
    if longitude is not None and not -180 <= longitude <= 180:
        raise record.error("longitude", f"{longitude} is not a longitude", "use -180 to 180")
    zone = record.zone("timezone", required=True)
    assert zone is not None
    return record, Venue(
        id=record.identifier(),
        name=record.required("name"),
        city=record.required("city"),
        country=record.text("country"),
        zone=zone,
        address=record.text("address"),
        latitude=latitude,
        longitude=longitude,
        url=record.text("url"),
        note=record.text("note"),
    )


def _parse_span(
    record: Record, zone: Timezone, start_key: str = "start", end_key: str = "end"
) -> Span:
    """The span given by *start_key*/*end_key* of *record*, on the wall clock of *zone*."""
    start = record.moment(start_key, required=True)
    end = record.moment(end_key)
    part = record.text("part_of_day") if "part_of_day" in record.data else None
    if isinstance(start, datetime):
        if end is None:
            raise record.error(end_key, "missing", "give an end time, or give dates only")
        if not isinstance(end, datetime):
            raise record.error(
                end_key, "is a date but start is a date-time", "give both as one kind"
            )
        if part is not None:
            raise record.error("part_of_day", "only goes with dates", "remove it or give dates")
        fold = record.fold()
        span = TimeSpan(
            record.localize(start_key, start, zone, fold), record.localize(end_key, end, zone, fold)
        )
        if span.duration.total_seconds() <= 0:
            raise record.error(end_key, "ends before it starts", f"give an end after {start_key}")
        return span
    assert start is not None
    last = start if end is None else end
    if isinstance(last, datetime):
        raise record.error(end_key, "is a date-time but start is a date", "give both as one kind")
    if last < start:
        raise record.error(end_key, "ends before it starts", "give a last day on or after start")
    if record.has("fold"):
        raise record.error("fold", "only goes with times of day", "remove it for a date-only event")
    if part is not None and part not in PARTS_OF_DAY:
        raise record.error(
            "part_of_day",
            f"'{part}' is not a part of the day",
            "use one of: " + ", ".join(PARTS_OF_DAY),
        )
    return DateSpan(start, last, zone, part)


class _Events:
    """Turns event records into events, resolving venues, parents and links."""

    def __init__(
        self, records: list[Record], venues: Mapping[str, Venue], contacts: Mapping[str, Contact]
    ) -> None:
        self.records: dict[str, Record] = {}
        for record in records:
            record.only(_EVENT_FIELDS)
            event_id = record.identifier()
            if event_id in self.records:
                raise record.error("id", f"duplicate id '{event_id}'", "give each event its own id")
            self.records[event_id] = record
        self.venues = venues
        self.contacts = contacts
        self.built: dict[str, Event] = {}
        self.depths: dict[str, int] = {}  # how many parents each built event has

    def build(self) -> tuple[Event, ...]:
        for event_id in self.records:
            self._event(event_id, ())
        self._check_follows()
        return tuple(self.built[event_id] for event_id in self.records)

    def _reference(self, record: Record, key: str) -> str | None:
        target = record.text(key)
        if target is not None and target not in self.records:
            raise record.error(
                key, f"unknown event {shown(target)}", "use the id of an event in this file"
            )
        return target

    def _event(self, event_id: str, chain: tuple[str, ...]) -> Event:
        if event_id in self.built:
            return self.built[event_id]
        record = self.records[event_id]
        if event_id in chain:
            raise record.error(
                "parent", "events are nested in a circle", "break the loop of parents"
            )
        parent_id = self._reference(record, "parent")
        parent = None
        if parent_id is not None:
            if len(chain) < MAX_NESTING:
                parent = self._event(parent_id, (*chain, event_id))
            if parent is None or self.depths[parent_id] >= MAX_NESTING:
                raise record.error(
                    "parent",
                    f"nested more than {MAX_NESTING} events deep",
                    "attach sessions to a conference, not to each other in a line",
                )
        self.depths[event_id] = 0 if parent_id is None else self.depths[parent_id] + 1
        venue = self._venue(record, parent)
        status = record.text("status") or "confirmed"
        if status not in get_args(Status):
            raise record.error(
                "status", f"'{status}' is not a status", "use confirmed, tentative or cancelled"
            )
        event = Event(
            id=event_id,
            title=record.required("title"),
            kind=record.text("kind") or "event",
            venue=venue,
            span=_parse_span(record, venue.zone),
            status=cast(Status, status),
            parent=parent_id,
            follows=self._reference(record, "follows"),
            description=record.text("description"),
            url=record.text("url"),
            contacts=tuple(self._contact(record, c) for c in record.strings("contacts")),
            tags=record.strings("tags"),
        )
        if parent is not None and not (
            parent.span.start <= event.span.start and event.span.end <= parent.span.end
        ):
            raise record.error(
                "start",
                f"lies outside its parent '{parent.id}'",
                "move it inside the parent's dates or change parent",
            )
        self.built[event_id] = event
        return event

    def _venue(self, record: Record, parent: Event | None) -> Venue:
        venue_id = record.text("venue")
        if venue_id is None:
            if parent is None:
                raise record.error("venue", "missing", "give the id of a venue")
            return parent.venue
        if venue_id not in self.venues:
            names = ", ".join(list(self.venues)[:20]) + (", …" if len(self.venues) > 20 else "")
            raise record.error(
                "venue",
                f"unknown venue {shown(venue_id)}",
                f"use one of: {names}" if self.venues else "add a [[venues]] table",
            )
        return self.venues[venue_id]

    def _contact(self, record: Record, contact_id: str) -> Contact:
        if contact_id not in self.contacts:
            raise record.error(
                "contacts",
                f"unknown contact {shown(contact_id)}",
                "use the id of a [[contacts]] entry",
            )
        return self.contacts[contact_id]

    def _check_follows(self) -> None:
        """No chain of ``follows`` runs in a circle; each event starts no earlier than
        the one it follows. Every event is walked once (a long tour stays linear)."""
        done: set[str] = set()
        for start in self.built.values():
            path: set[str] = set()
            current: Event | None = start
            while current is not None and current.id not in done:
                if current.id in path:
                    raise self.records[start.id].error(
                        "follows",
                        "events follow each other in a circle",
                        "break the loop of follows",
                    )
                path.add(current.id)
                current = self.built[current.follows] if current.follows else None
            done |= path
            before = self.built[start.follows] if start.follows else None
            if before is not None and before.span.start > start.span.start:
                raise self.records[start.id].error(
                    "follows",
                    f"'{before.id}' starts after this event",
                    "check the order of events",
                )
