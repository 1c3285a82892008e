"""The conference schedule frab's formats describe, independent of XML or JSON: days,
rooms (venues), tracks and slots, with the multi-city tour mapped onto one conference as
:mod:`.frab` explains.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import metadata
from typing import Generic, TypeVar

import pendulum

from icssi_itinerary import DateSpan, Event, Programme, Timezone, Venue, item_uid, sort_key

__all__ = [
    "DATE_ONLY",
    "GENERATOR",
    "GUID_NAMESPACE",
    "Day",
    "Room",
    "Schedule",
    "Slot",
    "SlotMade",
    "Track",
    "clock_text",
    "duration_text",
    "generator_version",
    "schedule",
]

_Made = TypeVar("_Made")

GUID_NAMESPACE = uuid.NAMESPACE_URL
"""An event's ``guid`` is ``uuid5(GUID_NAMESPACE, item_uid(programme, event.id))``."""

GENERATOR = "icssi-itinerary"
DATE_ONLY = "time not published"
"""The words that mark a date-only event in its subtitle and description."""

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@cache
def generator_version() -> str:
    try:
        return metadata.version("icssi-itinerary")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


@dataclass(frozen=True)
class Room:
    name: str
    guid: str
    slug: str
    venue: Venue


@dataclass(frozen=True)
class Track:
    name: str
    slug: str | None


@dataclass(frozen=True)
class Slot:
    event: Event
    number: int
    guid: str
    slug: str
    room: Room
    track: Track
    start: pendulum.DateTime
    end: pendulum.DateTime
    day_of: tuple[int, int]  # (k, n): day k of an event of n days (a timed one is (1, 1))
    title: str
    subtitle: str | None
    abstract: str
    description: str

    @property
    def duration(self) -> timedelta:
        # Elapsed time, whatever the clocks did: both in UTC, where datetime's own
        # subtraction is exact (pendulum's makes an Interval, four times slower).
        end, start = (datetime.astimezone(moment, UTC) for moment in (self.end, self.start))
        return datetime.__sub__(end, start)


@dataclass(frozen=True)
class Day:
    index: int
    date: date
    start: pendulum.DateTime
    end: pendulum.DateTime
    slots: tuple[Slot, ...]

    def rooms(self) -> list[tuple[Room, list[Slot]]]:
        found: dict[str, tuple[Room, list[Slot]]] = {}
        for slot in self.slots:
            found.setdefault(slot.room.name, (slot.room, []))[1].append(slot)
        return list(found.values())


@dataclass(frozen=True)
class Schedule:
    programme: Programme
    acronym: str
    time_zone_name: str | None
    slots: tuple[Slot, ...]
    days: tuple[Day, ...]
    rooms: tuple[Room, ...]
    tracks: tuple[Track, ...]
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


def _rooms(programme: Programme) -> dict[str, Room]:
    """A room per venue id: "venue, city", unique in the programme."""
    venues: dict[str, Venue] = {venue.id: venue for venue in programme.venues}
    for event in programme.events:
        venues.setdefault(event.venue.id, event.venue)
    rooms: dict[str, Room] = {}
    names: set[str] = set()
    for venue in venues.values():
        name = venue.name
        if venue.city and venue.city.casefold() not in name.casefold():
            name = f"{name}, {venue.city}"
        if name in names:
            name = f"{name} ({venue.id})"
        names.add(name)
        guid = uuid.uuid5(GUID_NAMESPACE, item_uid(programme, f"venue:{venue.id}"))
        rooms[venue.id] = Room(name, str(guid), _slugify(venue.id) or "room", venue)
    return rooms


def _root(programme: Programme, event: Event) -> Event:
    while event.parent is not None:
        event = programme.event(event.parent)
    return event


def _track(programme: Programme, event: Event) -> Track:
    root = _root(programme, event)
    slug = _slugify(root.id)
    return Track(root.title, slug if re.fullmatch(r"[a-z][a-z0-9-]+", slug) else None)


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


def _last_day(slot: Slot) -> date:
    return max(slot.start.date(), (slot.end - timedelta(microseconds=1)).date())


def _timeslot(slots: Iterable[Slot]) -> str:
    """The coarsest grid (a divisor of an hour) that every start and duration fits."""
    step = 60
    for slot in slots:
        if isinstance(slot.event.span, DateSpan):
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


def _day_bounds(day: date, zone: Timezone) -> tuple[pendulum.DateTime, pendulum.DateTime]:
    """The first instant of *day* at the place and of the day after. A day the clocks
    skipped (Pacific/Apia, 30 December 2011) has no instant: both are the instant of the
    jump, written with the offset before it, so that the date still reads *day*."""
    bounds = DateSpan(day, day, zone)
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
           slug: str, room: Room) -> list[Slot]:  # fmt: skip
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
            Slot(
                event=event,
                number=extra[(event.id, day_of[0])] if later else number,
                guid=str(uuid.uuid5(GUID_NAMESPACE, f"{uid}#{start.date()}" if later else uid)),
                slug=f"{slug}-day-{day_of[0]}" if later else slug,
                room=room,
                track=_track(programme, event),
                start=start,
                end=end,
                day_of=day_of,
                title=title,
                subtitle=_subtitle(event, day_of),
                abstract=event.description or "",
                description=_description(programme, event, when),
            )
        )
    return found


class _Whole:
    """What every schedule of one programme shares: the acronym, each event's number and
    slug, the rooms, and each event's slots (the same in the programme's schedule and in
    every itinerary that holds the event), made once per process for the programme
    scheduled last."""

    def __init__(self, programme: Programme) -> None:
        self.programme = programme
        self.acronym = _acronym(programme)
        self.numbers = {event.id: number for number, event in enumerate(programme.events, 1)}
        self.extra = _extra_numbers(programme)
        self.slugs = _event_slugs(programme, self.acronym)
        self.rooms = _rooms(programme)
        self._slots: dict[str, tuple[Event, list[Slot]]] = {}

    def slots(self, event: Event) -> list[Slot]:
        """*event*'s slots (made the first time; a read-only list)."""
        known = self._slots.get(event.id)
        if known is None or known[0] is not event:
            made = _slots(self.programme, event, self.numbers[event.id], self.extra,
                          self.slugs[event.id], self.rooms[event.venue.id])  # fmt: skip
            known = self._slots[event.id] = (event, made)
        return known[1]


class SlotMade(Generic[_Made]):
    """What a writer makes of a slot, made once per process for each: a slot seen again
    is the same object (:func:`schedule` makes each event's slots once per programme).
    Keeps at most *kept* slots' results, then starts again."""

    def __init__(self, make: Callable[[Slot], _Made], kept: int = 20_000) -> None:
        self._make, self._kept = make, kept
        self._made: dict[int, tuple[Slot, _Made]] = {}

    def __call__(self, slot: Slot) -> _Made:
        # Keyed by id: each slot is held here with its result, so no other slot can
        # have an id that is in the table.
        known = self._made.get(id(slot))
        if known is None:
            if len(self._made) >= self._kept:
                self._made.clear()
            known = self._made[id(slot)] = (slot, self._make(slot))
        return known[1]


_LAST: list[_Whole] = []
"""The programme scheduled last, with what its schedules share (at most one)."""


def _whole(programme: Programme) -> _Whole:
    if not _LAST or _LAST[0].programme is not programme:
        _LAST[:] = [_Whole(programme)]
    return _LAST[0]


def schedule(programme: Programme, events: Sequence[Event]) -> Schedule:
    whole = _whole(programme)
    acronym = whole.acronym
    slots: list[Slot] = []
    for event in sorted(events, key=sort_key):
        slots += whole.slots(event)
    slots.sort(key=lambda slot: slot.start.timestamp())  # stable: ties keep their order
    days: list[Day] = []
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
            days.append(Day(index + 1, day, start, end, today))
    return Schedule(
        programme=programme,
        acronym=acronym,
        time_zone_name=slots[0].event.venue.zone.key if slots else None,
        slots=tuple(slots),
        days=tuple(days),
        rooms=tuple(dict.fromkeys(slot.room for slot in slots)),
        tracks=tuple(dict.fromkeys(slot.track for slot in slots)),
        timeslot=_timeslot(slots),
    )


def clock_text(moment: pendulum.DateTime, seconds: bool) -> str:
    return f"{moment:%H:%M:%S}" if seconds and moment.second else f"{moment:%H:%M}"


def duration_text(length: timedelta, seconds: bool) -> str:
    total = int(length.total_seconds())
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours:02d}:{minutes:02d}"
    return f"{text}:{secs:02d}" if seconds and secs else text
