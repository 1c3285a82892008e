"""icssi-itinerary: time-zone-correct personal itineraries from a programme of linked events.

The public API is what this module exports; plugins use nothing else.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import InputError, InputWarning, PluginError
    from .exporters import Exporter, RenderOptions, render_itinerary, render_programme
    from .files import write_atomic
    from .hookspecs import hookimpl
    from .identity import item_uid
    from .itinerary import Check, attended_events, build_itinerary, run_checks, sort_key
    from .model import (
        Contact,
        Delegate,
        Event,
        Itinerary,
        ItineraryItem,
        Problem,
        Programme,
        Roster,
        Stay,
        TravelLeg,
        Venue,
    )
    from .programme import bundled_programmes, load_programme
    from .publishing import publish
    from .roster import load_roster
    from .timing import DateSpan, Span, TimeSpan, Timezone, in_zone, localize, zone
    from .urls import safe_url, webcal_url

_WHERE = {
    "Check": "itinerary",
    "Contact": "model",
    "DateSpan": "timing",
    "Delegate": "model",
    "Event": "model",
    "Exporter": "exporters",
    "InputError": "errors",
    "InputWarning": "errors",
    "Itinerary": "model",
    "ItineraryItem": "model",
    "PluginError": "errors",
    "Problem": "model",
    "Programme": "model",
    "RenderOptions": "exporters",
    "Roster": "model",
    "Span": "timing",
    "Stay": "model",
    "TimeSpan": "timing",
    "Timezone": "timing",
    "TravelLeg": "model",
    "Venue": "model",
    "attended_events": "itinerary",
    "build_itinerary": "itinerary",
    "bundled_programmes": "programme",
    "hookimpl": "hookspecs",
    "in_zone": "timing",
    "item_uid": "identity",
    "load_programme": "programme",
    "load_roster": "roster",
    "localize": "timing",
    "publish": "publishing",
    "render_itinerary": "exporters",
    "render_programme": "exporters",
    "run_checks": "itinerary",
    "safe_url": "urls",
    "sort_key": "itinerary",
    "webcal_url": "urls",
    "write_atomic": "files",
    "zone": "timing",
}
"""Which module defines each public name: they are imported on first use, so that
``icssi-itinerary --help`` does not pay for time zones, iCalendar or PDF."""


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "Check",
    "Contact",
    "DateSpan",
    "Delegate",
    "Event",
    "Exporter",
    "InputError",
    "InputWarning",
    "Itinerary",
    "ItineraryItem",
    "PluginError",
    "Problem",
    "Programme",
    "RenderOptions",
    "Roster",
    "Span",
    "Stay",
    "TimeSpan",
    "Timezone",
    "TravelLeg",
    "Venue",
    "attended_events",
    "build_itinerary",
    "bundled_programmes",
    "hookimpl",
    "in_zone",
    "item_uid",
    "load_programme",
    "load_roster",
    "localize",
    "publish",
    "render_itinerary",
    "render_programme",
    "run_checks",
    "safe_url",
    "sort_key",
    "webcal_url",
    "write_atomic",
    "zone",
]
