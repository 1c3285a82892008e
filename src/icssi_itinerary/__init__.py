"""icssi-itinerary: time-zone-correct personal itineraries from a programme of linked events.

The public API is what this module exports; plugins use nothing else.
"""

from .errors import InputError, PluginError
from .exporters import Exporter, RenderOptions, render_itinerary, render_programme
from .files import write_atomic
from .hookspecs import hookimpl
from .itinerary import Check, attended_events, build_itinerary, run_checks, sort_key
from .ledger import item_uid
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
from .publish import publish
from .roster import load_roster
from .timing import DateSpan, Span, TimeSpan, Timezone, in_zone, localize, zone

__all__ = [
    "Check",
    "Contact",
    "DateSpan",
    "Delegate",
    "Event",
    "Exporter",
    "InputError",
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
    "sort_key",
    "write_atomic",
    "zone",
]
