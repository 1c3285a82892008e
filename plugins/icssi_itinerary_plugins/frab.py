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

This module only registers the formats: the schedule model is :mod:`.frab_model`, the
writers :mod:`.frab_xml` and :mod:`.frab_json`, imported on first render.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from icssi_itinerary import Exporter, hookimpl

if TYPE_CHECKING:
    from icssi_itinerary import Itinerary, Programme, RenderOptions

__all__ = [
    "itinerary_schedule_json",
    "itinerary_schedule_xml",
    "programme_schedule_json",
    "programme_schedule_xml",
    "register_exporters",
]


def programme_schedule_xml(programme: Programme, options: RenderOptions) -> bytes:
    """The whole programme as ``schedule.xml`` (venue offsets; ``options`` are not used)."""
    from .frab_model import schedule
    from .frab_xml import render_xml

    return render_xml(schedule(programme, programme.events))


def itinerary_schedule_xml(itinerary: Itinerary, options: RenderOptions) -> bytes:
    """The delegate's events as ``schedule.xml``: no legs, stays or personal data."""
    from .frab_model import schedule
    from .frab_xml import render_xml

    return render_xml(schedule(itinerary.programme, itinerary.events))


def programme_schedule_json(programme: Programme, options: RenderOptions) -> bytes:
    """The whole programme as ``schedule.json`` (venue offsets; ``options`` are not used)."""
    from .frab_json import render_json
    from .frab_model import schedule

    return render_json(schedule(programme, programme.events))


def itinerary_schedule_json(itinerary: Itinerary, options: RenderOptions) -> bytes:
    """The delegate's events as ``schedule.json``: no legs, stays or personal data."""
    from .frab_json import render_json
    from .frab_model import schedule

    return render_json(schedule(itinerary.programme, itinerary.events))


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    """Register the ``frab`` (schedule.xml) and ``frab-json`` (schedule.json) formats."""
    register(
        Exporter(
            name="frab",
            suffix=".xml",
            media_type="application/xml; charset=utf-8",
            render_programme=programme_schedule_xml,
            render_itinerary=itinerary_schedule_xml,
            description="schedule.xml (c3voc/frab) for Giggity, EventFahrplan, ConfClerk",
        )
    )
    register(
        Exporter(
            name="frab-json",
            suffix=".json",
            media_type="application/json; charset=utf-8",
            render_programme=programme_schedule_json,
            render_itinerary=itinerary_schedule_json,
            description="schedule.json (c3voc) for conference apps",
        )
    )
