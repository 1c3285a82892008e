"""``schedule.xml`` (the pentabarf/frab XML that Giggity, EventFahrplan and ConfClerk
read) from a :class:`~.frab_model.Schedule`."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from icssi_itinerary import safe_url

from . import frab_model
from .frab_json import schedule_version
from .frab_model import GENERATOR, Schedule, Slot, clock_text, duration_text, generator_version

__all__ = ["render_xml"]

_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: str) -> str:
    """*text* with the characters XML 1.0 cannot carry replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {key: _x(value) for key, value in attributes.items()})
    if text is not None:
        element.text = _x(text)
    return element


def _made_event(slot: Slot) -> str:
    """The ``<event>`` of *slot* as XML text, indented for its depth in the document
    (``schedule/day/room/event``), without the whitespace after it: written once per
    process and put in its place in every document that holds the slot."""
    event = slot.event
    element = ET.Element("event", {"id": str(slot.number), "guid": _x(slot.guid)})
    _sub(element, "room", slot.room.name)
    _sub(element, "title", slot.title)
    if slot.subtitle is not None:
        _sub(element, "subtitle", slot.subtitle)
    _sub(element, "type", event.kind)
    _sub(element, "date", slot.start.isoformat())
    _sub(element, "start", clock_text(slot.start, seconds=True))
    _sub(element, "duration", duration_text(slot.duration, seconds=True))
    _sub(element, "abstract", slot.abstract)
    _sub(element, "slug", slot.slug)
    _sub(element, "track", slot.track.name)
    _sub(element, "persons")
    _sub(element, "description", slot.description)
    links = _sub(element, "links")
    if event.url:
        _sub(links, "link", event.title, href=event.url)
    url = safe_url(event.url)
    if url:
        _sub(element, "url", url)
    ET.indent(element, space="  ", level=_EVENT_DEPTH)
    return ET.tostring(element, encoding="unicode")


_EVENT_DEPTH = 3


_xml_event = frab_model.SlotMade(_made_event)


def render_xml(schedule: Schedule) -> bytes:
    programme = schedule.programme
    root = ET.Element("schedule")
    events: list[str] = []
    _sub(root, "generator", name=GENERATOR, version=generator_version())
    url = safe_url(programme.url)
    if url:
        _sub(root, "url", url)
    _sub(root, "version", schedule_version(schedule))
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
                room_element.append(ET.Comment(f"{_PLACE}{len(events)}"))
                events.append(_xml_event(slot))
    ET.indent(root, space="  ")
    # as ET.tostring(root, encoding="utf-8", xml_declaration=True) writes it, in half
    # the time (it encodes each piece it writes on its own)
    text = ET.tostring(root, encoding="unicode")
    spliced = _PLACEHOLDER.sub(lambda found: events[int(found[1])], text)
    return _DECLARATION + spliced.encode("utf-8") + b"\n"


_DECLARATION = b"<?xml version='1.0' encoding='utf-8'?>\n"
_PLACE = "icssi-itinerary-event:"
_PLACEHOLDER = re.compile(f"<!--{_PLACE}([0-9]+)-->")
"""Where :func:`render_xml` put an event: a comment no text of the programme can give
(its ``<`` is written ``&lt;`` in text and attributes)."""
