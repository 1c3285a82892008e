"""The c3voc conference schedule (``schedule.xml`` and ``schedule.json``) for conference apps.

The format comes from pentabarf and frab and is read by Giggity, EventFahrplan, ConfClerk
and others. It knows one time zone per conference and rooms without addresses, so the
multi-city tour is mapped onto it like this (docs/frab.md explains each choice):

- every event's ``date`` and every day's ``start``/``end`` carry the real UTC offset of
  the venue; ``time_zone_name`` is the zone of the first event;
- a room is a venue, named with its city; the address goes into the description;
- a date-only event is one slot per day, from the first instant of the day to its last
  minute (never 24 hours or more: readers take a duration for a clock time), and says
  "time not published" in its subtitle and description; a day the venue's clocks
  skipped gets a slot of no length at the instant of the jump, dated that day;
- status (tentative, cancelled) goes into the subtitle; cancelled events also into the
  title;
- the track is the top-level event an event belongs to.

An itinerary is the same schedule restricted to the delegate's events: no legs, no
stays, nothing about the delegate.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import metadata
from typing import Any

import pendulum

from icssi_itinerary import (
    DateSpan,
    Event,
    Exporter,
    Itinerary,
    Programme,
    RenderOptions,
    Timezone,
    Venue,
    hookimpl,
    item_uid,
    sort_key,
)

__all__ = [
    "GUID_NAMESPACE",
    "register_exporters",
    "render_itinerary_json",
    "render_itinerary_xml",
    "render_programme_json",
    "render_programme_xml",
]

GUID_NAMESPACE = uuid.NAMESPACE_URL
"""An event's ``guid`` is ``uuid5(GUID_NAMESPACE, item_uid(programme, event.id))``."""

JSON_SCHEMA_URL = "https://c3voc.de/schedule/schema.json"
GENERATOR = "icssi-itinerary"
DATE_ONLY = "time not published"
"""The words that mark a date-only event in its subtitle and description."""

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TIME_ZONE_NAME = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")  # the JSON schema's pattern


def _generator_version() -> str:
    try:
        return metadata.version("icssi-itinerary")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


# --- the schedule, independent of XML or JSON ------------------------------------------


@dataclass(frozen=True)
class _Room:
    name: str
    guid: str
    slug: str
    venue: Venue


@dataclass(frozen=True)
class _Track:
    name: str
    slug: str | None


@dataclass(frozen=True)
class _Slot:
    event: Event
    number: int
    guid: str
    slug: str
    room: _Room
    track: _Track
    start: pendulum.DateTime
    end: pendulum.DateTime
    date_only: bool
    day_of: tuple[int, int]  # (k, n): day k of an event of n days (a timed one is (1, 1))
    title: str
    subtitle: str | None
    abstract: str
    description: str

    @property
    def duration(self) -> timedelta:
        return self.end - self.start  # aware datetimes: elapsed time, whatever the clocks did


@dataclass(frozen=True)
class _Day:
    index: int
    date: date
    start: pendulum.DateTime
    end: pendulum.DateTime
    slots: tuple[_Slot, ...]

    def rooms(self) -> list[tuple[_Room, list[_Slot]]]:
        found: dict[str, tuple[_Room, list[_Slot]]] = {}
        for slot in self.slots:
            found.setdefault(slot.room.name, (slot.room, []))[1].append(slot)
        return list(found.values())


@dataclass(frozen=True)
class _Schedule:
    programme: Programme
    acronym: str
    time_zone_name: str | None
    slots: tuple[_Slot, ...]
    days: tuple[_Day, ...]
    rooms: tuple[_Room, ...]
    tracks: tuple[_Track, ...]
    timeslot: str


def _slugify(text: str, separator: str = "-") -> str:
    return re.sub(r"[^a-z0-9]+", separator, text.lower()).strip("-_")


def _acronym(programme: Programme) -> str:
    """Lower-case letters, digits and ``_``: the only form both schemas accept."""
    return _slugify(programme.id, "_").ljust(4, "_")


def _event_slugs(programme: Programme, acronym: str) -> dict[str, str]:
    """A slug per event id, unique in the programme, decided in programme order."""
    slugs: dict[str, str] = {}
    used: set[str] = set()
    for number, event in enumerate(programme.events, start=1):
        part = _slugify(event.id)
        if not part:
            part = f"event-{number}"
        elif len(part) < 4:
            part = f"event-{part}"
        slug = f"{acronym}-{part}"
        if slug in used:
            slug = f"{slug}-{number}"
        used.add(slug)
        slugs[event.id] = slug
    return slugs


def _rooms(programme: Programme) -> dict[str, _Room]:
    """A room per venue id: "venue, city", unique in the programme."""
    venues: dict[str, Venue] = {venue.id: venue for venue in programme.venues}
    for event in programme.events:
        venues.setdefault(event.venue.id, event.venue)
    rooms: dict[str, _Room] = {}
    names: set[str] = set()
    for venue in venues.values():
        name = venue.name
        if venue.city and venue.city.casefold() not in name.casefold():
            name = f"{name}, {venue.city}"
        if name in names:
            name = f"{name} ({venue.id})"
        names.add(name)
        guid = uuid.uuid5(GUID_NAMESPACE, item_uid(programme, f"venue:{venue.id}"))
        rooms[venue.id] = _Room(name, str(guid), _slugify(venue.id) or "room", venue)
    return rooms


def _root(programme: Programme, event: Event) -> Event:
    while event.parent is not None:
        event = programme.event(event.parent)
    return event


def _track(programme: Programme, event: Event) -> _Track:
    root = _root(programme, event)
    slug = _slugify(root.id)
    return _Track(root.title, slug if re.fullmatch(r"[a-z][a-z0-9-]+", slug) else None)


def _day_label(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _offset(moment: pendulum.DateTime) -> str:
    text = moment.strftime("%z")
    return f"UTC{text[:3]}:{text[3:]}"


def _when(event: Event, start: pendulum.DateTime, end: pendulum.DateTime) -> str:
    zone = event.venue.zone.key
    span = event.span
    if isinstance(span, DateSpan):
        days = _day_label(span.first_day)
        if span.last_day != span.first_day:
            days = f"{days} to {_day_label(span.last_day)}"
        part = f", {span.part_of_day}" if span.part_of_day else ""
        whole = "whole days" if span.last_day != span.first_day else "whole day"
        if start == end:
            return (
                f"When: {days}{part}; {DATE_ONLY} (date only). {_day_label(start)} did not "
                f"happen at the venue: the clocks of {zone} skipped it."
            )
        return (
            f"When: {days}{part}; {DATE_ONLY} (date only). This schedule shows the "
            f"{whole} at the venue, {zone}, one entry per day."
        )
    until = f"{end:%H:%M}" if end.date() == start.date() else f"{_day_label(end)} {end:%H:%M}"
    return (
        f"When: {_day_label(start)}, {start:%H:%M}–{until} venue time ({zone}, {_offset(start)})."
    )


def _subtitle(event: Event, day_of: tuple[int, int]) -> str | None:
    parts = {"tentative": ["To be confirmed"], "cancelled": ["Cancelled"]}.get(event.status, [])
    span = event.span
    if isinstance(span, DateSpan):
        part = f" ({span.part_of_day})" if span.part_of_day else ""
        parts.append(f"Date only{part}: {DATE_ONLY}")
    if day_of[1] > 1:
        parts.append(f"Day {day_of[0]} of {day_of[1]}")
    return " · ".join(parts) or None


def _description(programme: Programme, event: Event, when: str) -> str:
    lines = [when]
    if event.status != "confirmed":
        lines.append(
            f"Status: {'to be confirmed' if event.status == 'tentative' else 'cancelled'}."
        )
    lines.append(f"Where: {event.venue.location}")
    if event.parent is not None:
        lines.append(f"Part of: {programme.event(event.parent).title}")
    if event.follows is not None:
        lines.append(f"Follows: {programme.event(event.follows).title}")
    for contact in event.contacts:
        details = ", ".join(part for part in (contact.phone, contact.email) if part)
        role = f" ({contact.role})" if contact.role else ""
        lines.append(f"Contact: {contact.name}{': ' + details if details else ''}{role}")
    if event.url:
        lines.append(f"More: {event.url}")
    return "\n".join(lines)


def _last_day(slot: _Slot) -> date:
    return max(slot.start.date(), (slot.end - timedelta(microseconds=1)).date())


def _timeslot(slots: Iterable[_Slot]) -> str:
    """The coarsest grid (a divisor of an hour) that every start and duration fits."""
    step = 60
    for slot in slots:
        if slot.date_only:
            continue  # a whole day says nothing about the grid
        step = math.gcd(step, slot.start.hour * 60 + slot.start.minute)
        step = math.gcd(step, int(slot.duration.total_seconds()) // 60)
    return f"{step // 60:02d}:{step % 60:02d}"


_LONGEST = timedelta(hours=23, minutes=59)


def _later(moment: pendulum.DateTime, length: timedelta) -> pendulum.DateTime:
    """*length* of elapsed time after *moment*, on the same zone's clock."""
    zone = moment.timezone
    assert zone is not None
    return pendulum.from_timestamp(moment.timestamp() + length.total_seconds()).in_timezone(zone)


def _day_bounds(day: date, tz: Timezone) -> tuple[pendulum.DateTime, pendulum.DateTime]:
    """The first instant of *day* at the place and of the day after. A day the clocks
    skipped (Pacific/Apia, 30 December 2011) has no instant: both are the instant of the
    jump, written with the offset before it, so that the date still reads *day*."""
    bounds = DateSpan(day, day, tz)
    start, end = bounds.start, bounds.end
    if start == end:
        before = (start - timedelta(seconds=1)).utcoffset() or timedelta(0)
        start = end = start.in_timezone(pendulum.FixedTimezone(int(before.total_seconds())))
    return start, end


def _date_only_days(
    event: Event, span: DateSpan
) -> list[tuple[pendulum.DateTime, pendulum.DateTime, tuple[int, int]]]:
    """A date-only event as one slot per day: from the day's first instant to its last
    minute, at most 23:59 long (a 25-hour day ends an hour early)."""
    days = span.days()
    found = []
    for number, day in enumerate(days, start=1):
        start, after = _day_bounds(day, event.venue.zone)
        end = start if start == after else min(_later(after, -timedelta(minutes=1)),
                                                _later(start, _LONGEST))  # fmt: skip
        found.append((start, end, (number, len(days))))
    return found


def _extra_numbers(programme: Programme) -> dict[tuple[str, int], int]:
    """Ids for the second and later days of date-only events, after every event's own
    id, in programme order (the same in the programme and in every itinerary)."""
    numbers: dict[tuple[str, int], int] = {}
    for event in programme.events:
        if isinstance(event.span, DateSpan):
            for day in range(2, len(event.span.days()) + 1):
                numbers[(event.id, day)] = len(programme.events) + len(numbers) + 1
    return numbers


def _slots(programme: Programme, event: Event, number: int, extra: dict[tuple[str, int], int],
           slug: str, room: _Room) -> list[_Slot]:  # fmt: skip
    span = event.span
    uid = item_uid(programme, event.id)
    if isinstance(span, DateSpan):
        parts = _date_only_days(event, span)
    else:
        zone = event.venue.zone
        parts = [(span.start.in_timezone(zone), span.end.in_timezone(zone), (1, 1))]
    title = f"Cancelled: {event.title}" if event.status == "cancelled" else event.title
    found = []
    for start, end, day_of in parts:
        later = day_of[0] > 1
        when = _when(event, start, end)
        found.append(
            _Slot(
                event=event,
                number=extra[(event.id, day_of[0])] if later else number,
                guid=str(uuid.uuid5(GUID_NAMESPACE, f"{uid}#{start.date()}" if later else uid)),
                slug=f"{slug}-day-{day_of[0]}" if later else slug,
                room=room,
                track=_track(programme, event),
                start=start,
                end=end,
                date_only=isinstance(span, DateSpan),
                day_of=day_of,
                title=title,
                subtitle=_subtitle(event, day_of),
                abstract=event.description or "",
                description=_description(programme, event, when),
            )
        )
    return found


def _schedule(programme: Programme, events: Sequence[Event]) -> _Schedule:
    acronym = _acronym(programme)
    numbers = {event.id: number for number, event in enumerate(programme.events, start=1)}
    extra = _extra_numbers(programme)
    slugs = _event_slugs(programme, acronym)
    rooms = _rooms(programme)
    slots: list[_Slot] = []
    for event in sorted(events, key=sort_key):
        slots += _slots(
            programme, event, numbers[event.id], extra, slugs[event.id], rooms[event.venue.id]
        )
    slots.sort(key=lambda slot: slot.start.timestamp())  # stable: ties keep their order
    days: list[_Day] = []
    if slots:
        first = slots[0].start.date()
        last = max(_last_day(slot) for slot in slots)
        zone = slots[0].event.venue.zone
        for index in range((last - first).days + 1):
            day = first + timedelta(days=index)
            today = tuple(slot for slot in slots if slot.start.date() == day)
            if today:
                zone = today[0].event.venue.zone
            start, end = _day_bounds(day, zone)
            days.append(_Day(index + 1, day, start, end, today))
    return _Schedule(
        programme=programme,
        acronym=acronym,
        time_zone_name=slots[0].event.venue.zone.key if slots else None,
        slots=tuple(slots),
        days=tuple(days),
        rooms=tuple(dict.fromkeys(slot.room for slot in slots)),
        tracks=tuple(dict.fromkeys(slot.track for slot in slots)),
        timeslot=_timeslot(slots),
    )


def _clock(moment: pendulum.DateTime, seconds: bool) -> str:
    return f"{moment:%H:%M:%S}" if seconds and moment.second else f"{moment:%H:%M}"


def _duration(length: timedelta, seconds: bool) -> str:
    total = int(length.total_seconds())
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours:02d}:{minutes:02d}"
    return f"{text}:{secs:02d}" if seconds and secs else text


def _http(url: str | None) -> str | None:
    return url if url and re.match(r"https?://", url) else None


# --- JSON ------------------------------------------------------------------------------


def _json_event(schedule: _Schedule, slot: _Slot) -> dict[str, Any]:
    event = slot.event
    url = event.url or schedule.programme.url or f"urn:uuid:{slot.guid}"
    return {
        "guid": slot.guid,
        "id": slot.number,
        "date": slot.start.isoformat(),
        "start": _clock(slot.start, seconds=False),
        "end": slot.end.isoformat(),
        "duration": _duration(slot.duration, seconds=False),
        "room": slot.room.name,
        "slug": slot.slug,
        "url": url,
        "title": slot.title,
        "subtitle": slot.subtitle,
        "track": slot.track.name,
        "type": event.kind,
        "language": None,
        "abstract": slot.abstract,
        "description": slot.description,
        "persons": [],
        "links": [{"url": event.url, "title": event.title, "type": "web"}] if event.url else [],
    }


def _json_conference(schedule: _Schedule) -> dict[str, Any]:
    programme = schedule.programme
    conference: dict[str, Any] = {
        "acronym": schedule.acronym,
        "title": programme.title,
    }
    if programme.description:
        conference["description"] = programme.description
    if schedule.days:
        conference["start"] = schedule.days[0].date.isoformat()
        conference["end"] = schedule.days[-1].date.isoformat()
    else:
        conference["start"] = conference["end"] = ""
    conference["daysCount"] = len(schedule.days)
    conference["timeslot_duration"] = schedule.timeslot
    if schedule.time_zone_name and _TIME_ZONE_NAME.search(schedule.time_zone_name):
        conference["time_zone_name"] = schedule.time_zone_name
    if programme.url:
        conference["url"] = programme.url
    conference["tracks"] = [
        {"name": track.name, **({"slug": track.slug} if track.slug else {})}
        for track in schedule.tracks
    ]
    conference["rooms"] = [
        {
            "name": room.name,
            "slug": room.slug,
            "guid": room.guid,
            "description": room.venue.location,
            **({"url": room.venue.url} if room.venue.url else {}),
        }
        for room in schedule.rooms
    ]
    conference["meta"] = {
        # a list, not a map keyed by room name: c3voc's tools turn map keys into XML tags
        "time_zones": [
            {"room": room.name, "guid": room.guid, "time_zone_name": room.venue.zone.key}
            for room in schedule.rooms
        ],
    }
    conference["days"] = [
        {
            "index": day.index,
            "date": day.date.isoformat(),
            "day_start": day.start.isoformat(),
            "day_end": day.end.isoformat(),
            "rooms": {
                room.name: [_json_event(schedule, slot) for slot in slots]
                for room, slots in day.rooms()
            },
        }
        for day in schedule.days
    ]
    return conference


def _version(conference: dict[str, Any]) -> str:
    """A short hash of the content: it changes exactly when the schedule does."""
    data = json.dumps(conference, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:16]


def _render_json(schedule: _Schedule) -> bytes:
    conference = _json_conference(schedule)
    document = {
        "$schema": JSON_SCHEMA_URL,
        "generator": {"name": GENERATOR, "version": _generator_version()},
        "schedule": {"version": _version(conference), "conference": conference},
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# --- XML -------------------------------------------------------------------------------


def _x(text: str) -> str:
    """*text* with the characters XML 1.0 cannot carry replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {key: _x(value) for key, value in attributes.items()})
    if text is not None:
        element.text = _x(text)
    return element


def _xml_event(parent: ET.Element, slot: _Slot) -> None:
    event = slot.event
    element = _sub(parent, "event", id=str(slot.number), guid=slot.guid)
    _sub(element, "room", slot.room.name)
    _sub(element, "title", slot.title)
    if slot.subtitle is not None:
        _sub(element, "subtitle", slot.subtitle)
    _sub(element, "type", event.kind)
    _sub(element, "date", slot.start.isoformat())
    _sub(element, "start", _clock(slot.start, seconds=True))
    _sub(element, "duration", _duration(slot.duration, seconds=True))
    _sub(element, "abstract", slot.abstract)
    _sub(element, "slug", slot.slug)
    _sub(element, "track", slot.track.name)
    _sub(element, "persons")
    _sub(element, "description", slot.description)
    links = _sub(element, "links")
    if event.url:
        _sub(links, "link", event.title, href=event.url)
    url = _http(event.url)
    if url:
        _sub(element, "url", url)


def _render_xml(schedule: _Schedule) -> bytes:
    programme = schedule.programme
    root = ET.Element("schedule")
    _sub(root, "generator", name=GENERATOR, version=_generator_version())
    url = _http(programme.url)
    if url:
        _sub(root, "url", url)
    _sub(root, "version", _version(_json_conference(schedule)))
    conference = _sub(root, "conference")
    _sub(conference, "title", programme.title)
    _sub(conference, "acronym", schedule.acronym)
    if schedule.days:
        _sub(conference, "start", schedule.days[0].date.isoformat())
        _sub(conference, "end", schedule.days[-1].date.isoformat())
    _sub(conference, "days", str(len(schedule.days)))
    _sub(conference, "timeslot_duration", schedule.timeslot)
    if url:
        _sub(conference, "url", url)
    if schedule.time_zone_name:
        _sub(conference, "time_zone_name", schedule.time_zone_name)
    for track in schedule.tracks:
        _sub(
            conference,
            "track",
            **{"name": track.name, **({"slug": track.slug} if track.slug else {})},
        )
    for day in schedule.days:
        day_element = _sub(
            root,
            "day",
            date=day.date.isoformat(),
            start=day.start.isoformat(),
            end=day.end.isoformat(),
            index=str(day.index),
        )
        for room, slots in day.rooms():
            room_element = _sub(day_element, "room", name=room.name, guid=room.guid)
            for slot in slots:
                _xml_event(room_element, slot)
    ET.indent(root, space="  ")
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data + b"\n"


# --- the exporters ---------------------------------------------------------------------


def render_programme_xml(programme: Programme, options: RenderOptions) -> bytes:
    """The whole programme as ``schedule.xml`` (venue offsets; ``options`` are not used)."""
    return _render_xml(_schedule(programme, programme.events))


def render_itinerary_xml(itinerary: Itinerary, options: RenderOptions) -> bytes:
    """The delegate's events as ``schedule.xml``: no legs, stays or personal data."""
    return _render_xml(_schedule(itinerary.programme, itinerary.events))


def render_programme_json(programme: Programme, options: RenderOptions) -> bytes:
    """The whole programme as ``schedule.json`` (venue offsets; ``options`` are not used)."""
    return _render_json(_schedule(programme, programme.events))


def render_itinerary_json(itinerary: Itinerary, options: RenderOptions) -> bytes:
    """The delegate's events as ``schedule.json``: no legs, stays or personal data."""
    return _render_json(_schedule(itinerary.programme, itinerary.events))


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    """Register the ``frab`` (schedule.xml) and ``frab-json`` (schedule.json) formats."""
    register(
        Exporter(
            name="frab",
            suffix=".xml",
            media_type="application/xml; charset=utf-8",
            render_programme=render_programme_xml,
            render_itinerary=render_itinerary_xml,
            description="schedule.xml (c3voc/frab) for Giggity, EventFahrplan, ConfClerk",
        )
    )
    register(
        Exporter(
            name="frab-json",
            suffix=".json",
            media_type="application/json; charset=utf-8",
            render_programme=render_programme_json,
            render_itinerary=render_itinerary_json,
            description="schedule.json (c3voc) for conference apps",
        )
    )
