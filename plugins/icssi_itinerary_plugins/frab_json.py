"""``schedule.json`` (c3voc's JSON schema) from a :class:`~.frab_model.Schedule`."""

from __future__ import annotations

import hashlib
import json
import operator
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .frab_model import (
    GENERATOR,
    Schedule,
    Slot,
    SlotMade,
    clock_text,
    duration_text,
    generator_version,
)

if TYPE_CHECKING:
    from icssi_itinerary import Programme

__all__ = ["JSON_SCHEMA_URL", "json_conference", "render_json", "schedule_version", "version"]

JSON_SCHEMA_URL = "https://c3voc.de/schedule/schema.json"
_TIME_ZONE_NAME = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")  # the JSON schema's pattern


def _json_event(schedule: Schedule, slot: Slot) -> dict[str, Any]:
    """The event of *slot*: one dictionary for every document that holds the slot (read
    only), but for its URL, which may come from the programme."""
    event = _event_of(slot)
    if event["url"] is None:
        return {**event, "url": schedule.programme.url or f"urn:uuid:{slot.guid}"}
    return event


def _made_event(slot: Slot) -> dict[str, Any]:
    event = slot.event
    return {
        "guid": slot.guid,
        "id": slot.number,
        "date": slot.start.isoformat(),
        "start": clock_text(slot.start, seconds=False),
        "end": slot.end.isoformat(),
        "duration": duration_text(slot.duration, seconds=False),
        "room": slot.room.name,
        "slug": slot.slug,
        "url": event.url or None,
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


_event_of = SlotMade(_made_event)


def json_conference(
    schedule: Schedule, event: Callable[[Schedule, Slot], Any] = _json_event
) -> dict[str, Any]:
    """The ``conference`` object; each event as *event* makes it (by default, its
    dictionary)."""
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
                room.name: [event(schedule, slot) for slot in slots] for room, slots in day.rooms()
            },
        }
        for day in schedule.days
    ]
    return conference


def version(conference: dict[str, Any]) -> str:
    """A short hash of the content: it changes exactly when the schedule does."""
    data = json.dumps(conference, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:16]


def schedule_version(schedule: Schedule) -> str:
    """:func:`version` of *schedule*'s conference, kept for the last schedule: both
    writers ask for each itinerary's in turn. A schedule is made of its programme and
    slots alone, and a slot is the same object whenever it is scheduled again."""
    programme, slots = schedule.programme, schedule.slots
    if _VERSION:
        last_programme, last_slots, made = _VERSION[0]
        if (
            last_programme is programme
            and len(last_slots) == len(slots)
            and all(map(operator.is_, last_slots, slots))
        ):
            return made
    made = version(json_conference(schedule))
    _VERSION[:] = [(programme, slots, made)]
    return made


_VERSION: list[tuple[Programme, tuple[Slot, ...], str]] = []
"""The last schedule's version, with what it was made of (kept alive: their ids stay
theirs)."""


def render_json(schedule: Schedule) -> bytes:
    """The document, indented by two spaces. Python writes indented JSON without its C
    encoder, five times slower: each event's text is written once per process and put in
    its place, indented to it; the rest is written for each document."""
    texts: list[str] = []

    def placeholder(schedule: Schedule, slot: Slot) -> str:
        texts.append(_event_text(schedule, slot))
        return f"\0{len(texts) - 1}\0"

    document = {
        "$schema": JSON_SCHEMA_URL,
        "generator": {"name": GENERATOR, "version": generator_version()},
        "schedule": {
            "version": schedule_version(schedule),
            "conference": json_conference(schedule, placeholder),
        },
    }
    text = json.dumps(document, ensure_ascii=False, indent=2)
    spliced = _PLACEHOLDER.sub(lambda found: _indented(texts[int(found[2])], found[1]), text)
    return (spliced + "\n").encode("utf-8")


_PLACEHOLDER = re.compile(r'^( *)"\\u0000(\d+)\\u0000"', re.MULTILINE)
"""Where :func:`render_json` put an event: a string no text of the programme can give
(control characters are refused as it is loaded, and a backslash is written doubled)."""


def _indented(text: str, indent: str) -> str:
    return indent + text.replace("\n", "\n" + indent)


def _event_text(schedule: Schedule, slot: Slot) -> str:
    """The JSON of *slot*'s event, indented from the left margin; once per process."""
    texts = _event_texts(slot)
    missing = _event_of(slot)["url"] is None
    url = (schedule.programme.url or f"urn:uuid:{slot.guid}") if missing else None
    text = texts.get(url)
    if text is None:
        text = texts[url] = json.dumps(_json_event(schedule, slot), ensure_ascii=False, indent=2)
    return text


_event_texts: SlotMade[dict[str | None, str]] = SlotMade(lambda slot: {})
"""Each slot's event as JSON text, by the URL given to an event that has none."""
