"""icssi-itinerary: time-zone-correct personal itineraries from a programme of linked events.

The public API, listed once: type checkers read this stub, and ``__init__.py`` hands it
to lazy_loader, which imports each name on first use (so that ``icssi-itinerary --help``
does not pay for time zones, iCalendar or PDF). Only ``from .module import name as name``
lines belong here.
"""

from .changes import Change as Change
from .checks import Check as Check
from .checks import Problem as Problem
from .checks import run_checks as run_checks
from .digests import Digest as Digest
from .digests import DigestWriter as DigestWriter
from .digests import Invitation as Invitation
from .digests import Letter as Letter
from .errors import (
    InputError as InputError,
)
from .errors import (
    InputWarning as InputWarning,
)
from .errors import (
    PluginError as PluginError,
)
from .exporters import (
    Exporter as Exporter,
)
from .exporters import (
    RenderOptions as RenderOptions,
)
from .exporters import (
    render_itinerary as render_itinerary,
)
from .exporters import (
    render_programme as render_programme,
)
from .files import write_atomic as write_atomic
from .hookspecs import hookimpl as hookimpl
from .identity import item_uid as item_uid
from .itinerary import (
    attended_events as attended_events,
)
from .itinerary import (
    build_itinerary as build_itinerary,
)
from .itinerary import (
    sort_key as sort_key,
)
from .itinerary import (
    validate as validate,
)
from .model import (
    Contact as Contact,
)
from .model import (
    Delegate as Delegate,
)
from .model import (
    Event as Event,
)
from .model import (
    EventSelection as EventSelection,
)
from .model import (
    Itinerary as Itinerary,
)
from .model import (
    ItineraryItem as ItineraryItem,
)
from .model import (
    Programme as Programme,
)
from .model import (
    Roster as Roster,
)
from .model import (
    Stay as Stay,
)
from .model import (
    TravelLeg as TravelLeg,
)
from .model import (
    Venue as Venue,
)
from .plugins import (
    get_checks as get_checks,
)
from .plugins import get_digest_writer as get_digest_writer
from .plugins import (
    get_exporter as get_exporter,
)
from .plugins import (
    get_exporters as get_exporters,
)
from .programme import bundled_programmes as bundled_programmes
from .programme import load_programme as load_programme
from .publishing import publish as publish
from .roster import load_roster as load_roster
from .session import Session as Session
from .timing import (
    DateSpan as DateSpan,
)
from .timing import (
    Span as Span,
)
from .timing import (
    TimeSpan as TimeSpan,
)
from .timing import (
    Timezone as Timezone,
)
from .timing import (
    in_zone as in_zone,
)
from .timing import (
    localize as localize,
)
from .timing import (
    zone as zone,
)
from .translation import Catalogue as Catalogue
from .translation import Reader as Reader
from .translation import available_languages as available_languages
from .translation import reader as reader
from .urls import google_subscribe_url as google_subscribe_url
from .urls import safe_url as safe_url
from .urls import webcal_url as webcal_url

__all__: list[str]  # made from the imports above, at run time
