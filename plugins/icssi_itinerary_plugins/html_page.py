"""The HTML pages themselves: the views templates see, and rendering them with Jinja2.

:mod:`.html` explains what a page holds; this module is imported on the first page.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import jinja2
from markupsafe import Markup

from icssi_itinerary import (
    Contact,
    Event,
    InputError,
    Itinerary,
    ItineraryItem,
    Programme,
    Reader,
    RenderOptions,
    Stay,
    Timezone,
    TravelLeg,
    Venue,
    google_subscribe_url,
    reader,
    safe_url,
    sort_key,
    webcal_url,
)

from .agenda import Day, Row, agenda
from .formatting import N_, printable_bytes, zone_label
from .formatting import Moment as RowMoment
from .qr import qr_svg
from .reservations import reservations

__all__ = ["TEMPLATES", "environment", "itinerary_page", "programme_page", "render_page"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
"""The built-in templates."""

_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$")
_STATUS = {"confirmed": "", "tentative": N_("to be confirmed"), "cancelled": N_("cancelled")}
_KINDS = {
    "event": N_("Event"),
    "stay": N_("Hotel"),
    "flight": N_("Flight"),
    "train": N_("Train"),
    "bus": N_("Bus"),
    "car": N_("Car"),
    "ferry": N_("Ferry"),
}
"""What a row is, as its small label says (a leg by its mode)."""
_CONNECTION = timedelta(hours=24)
"""Two legs closer than this, from and to the same city, are one journey with a connection."""


# --- small, pure helpers --------------------------------------------------------------


def _language(*candidates: str | None) -> str:
    for candidate in candidates:
        if candidate and _LANGUAGE_TAG.match(candidate):
            return candidate
    return "en"


def _map_url(venue: Venue) -> str | None:
    if venue.latitude is None or venue.longitude is None:
        return None
    lat, lon = f"{venue.latitude:.5f}", f"{venue.longitude:.5f}"
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"


def _address_map_url(*parts: str | None) -> str | None:
    """An OpenStreetMap search for an address (a hotel has no coordinates in the data)."""
    query = ", ".join(part for part in parts if part)
    if not query:
        return None
    return safe_url(f"https://www.openstreetmap.org/search?query={quote_plus(query)}")


def _tel(phone: str | None) -> str | None:
    if not phone:
        return None
    digits = re.sub(r"[^\d+]", "", phone)
    return f"tel:{digits}" if re.fullmatch(r"\+?\d{3,20}", digits) else None


# --- views: exactly what templates can see ---------------------------------------------


@dataclass(frozen=True)
class Moment:
    """One ``<time>`` element: its machine-readable value and its label."""

    datetime: str
    label: str


@dataclass(frozen=True)
class Link:
    """An http(s) link and its text."""

    url: str
    text: str


@dataclass(frozen=True)
class RowView:
    """A row of a day's table."""

    kind: str
    kind_label: str
    """``Event``, ``Flight``, ``Hotel`` …, in the reader's language."""
    title: str
    reference: str | None
    """A leg's flight or train number."""
    route: tuple[str, str] | None
    """A leg's origin and destination, each its own isolate on the page."""
    depth: int
    status: str
    status_label: str
    zone: str
    """The IANA zone the item begins in, for the page's script (dates are local there)."""
    at_place: tuple[Moment, ...]
    elsewhere: tuple[Moment, ...]
    place: str
    map_url: str | None
    links: tuple[Link, ...]
    description: str | None
    tags: tuple[str, ...]
    move_before: Markup | None
    """Text of a city-change marker shown before this row (an event in a new city)."""
    move_after: Markup | None
    """Text of a city-change marker shown after this row (a leg's arrival)."""
    connection: Markup | None = None
    """The time between the previous leg and this one: ``2 h 25 min in Istanbul``."""


@dataclass(frozen=True)
class DayView:
    """One day: its heading, its date, its rows."""

    date: str
    heading: str
    short: str
    """The date, short (``Mon, Nov 3``), for the day index."""
    rows: tuple[RowView, ...]


@dataclass(frozen=True)
class VenueView:
    """A venue with its address, map link and note."""

    id: str
    name: str
    location: str
    map_url: str | None
    url: str | None
    note: str | None


@dataclass(frozen=True)
class HotelView:
    """A stay as a taxi driver reads it: the hotel, its address, its nights."""

    name: str
    address: str | None
    city: str
    zone: str
    """The IANA zone, for the page's script to find tonight's date there."""
    check_in: Moment
    check_out: Moment
    map_url: str | None
    status: str


@dataclass(frozen=True)
class QrCode:
    """One QR code: what it opens, for whom, and the SVG."""

    url: str
    caption: str
    svg: Markup


@dataclass(frozen=True)
class ContactView:
    """A published contact."""

    name: str
    role: str | None
    phone: str | None
    tel: str | None
    email: str | None


@dataclass(frozen=True)
class Subscribe:
    """Links to a feed, and its QR code as inline SVG."""

    https: str
    webcal: str
    google: str
    """Google Calendar's subscribe address (``…/render?cid=webcal://…``): Android."""
    codes: tuple[QrCode, ...]
    """QR codes that subscribe: ``webcal://`` for iPhone, Google Calendar for Android."""

    @property
    def qr_svg(self) -> Markup:
        """The first code's SVG (templates made before there were two)."""
        return self.codes[0].svg


@dataclass(frozen=True)
class DelegateView:
    """The part of a delegate a page may show (never the email address)."""

    name: str
    name_native: str | None
    organisation: str | None
    home_zone: str | None


@dataclass(frozen=True)
class ProblemView:
    """What a check found."""

    severity: str
    code: str
    message: str


def _sentence(words: Reader, message: str, **values: str) -> Markup:
    """*message* translated, each value from the input (a city) in its own ``<bdi>``."""
    return Markup(words.translations.gettext(message)) % {
        name: _isolate(value) for name, value in values.items()
    }


def _move(row: Row, words: Reader) -> Markup | None:
    if row.now_in is None:
        return None
    # the city a zone is named after is translated (Oslo: أوسلو); one the data names
    # (Geneva, in Europe/Zurich) is kept as written, and isolated
    city = _isolate(words.city(row.arrival_zone, row.now_in))
    clocks = _sentence(words, "%(city)s time", city=words.city(row.arrival_zone, row.now_in))
    return Markup(words.translations.gettext("Now in %(city)s · clocks: %(clocks)s")) % {
        "city": city,
        "clocks": clocks,
    }


def _moments(row_moments: Iterable[RowMoment]) -> tuple[Moment, ...]:
    return tuple(Moment(moment.iso, moment.label) for moment in row_moments)


def _kind(row: Row, words: Reader) -> str:
    item = row.item
    key = item.mode if isinstance(item, TravelLeg) else row.kind
    label = _KINDS.get(key)
    return words.gettext(label) if label else key.capitalize()


def _duration(length: timedelta, words: Reader) -> str:
    """``2 h 25 min`` / ``ساعتان و٢٥ دقيقة``: a length in hours and minutes."""
    hours, minutes = divmod(int(length.total_seconds()) // 60, 60)
    parts = []
    if hours:
        parts.append(words.ngettext("%(count)s h", "%(count)s h", hours))
    if minutes or not hours:
        parts.append(words.ngettext("%(count)s min", "%(count)s min", minutes))
    if len(parts) == 1:
        return parts[0]
    return words.gettext("%(hours)s %(minutes)s", hours=parts[0], minutes=parts[1])


def _connection(before: Row | None, row: Row, words: Reader) -> Markup | None:
    """The wait between two legs that make one journey, measured between the instants
    (an arrival at 06:25 EET and a departure at 08:50 EET are 2 h 25 min apart)."""
    first, second = (before.item if before else None), row.item
    if not (isinstance(first, TravelLeg) and isinstance(second, TravelLeg)):
        return None
    if first.destination.casefold() != second.origin.casefold():
        return None
    arrives, departs = first.span.end, second.span.start
    wait = departs - arrives
    if not timedelta(0) <= wait <= _CONNECTION:
        return None
    city = _isolate(words.city(second.span.zone, second.origin))
    text = Markup(words.translations.gettext("Connection: %(duration)s in %(city)s"))
    return text % {"duration": _duration(wait, words), "city": city}


def _row_view(row: Row, before: Row | None, words: Reader) -> RowView:
    item = row.item
    links: list[Link] = []
    map_url = None
    description = None
    tags: tuple[str, ...] = ()
    title, reference, route, place = row.title, None, None, row.place
    if isinstance(item, Event):
        map_url = _map_url(item.venue)
        event_url = safe_url(item.url)
        venue_url = safe_url(item.venue.url)
        if event_url:
            links.append(Link(event_url, words.gettext("Event page")))
        if venue_url and venue_url != event_url:
            links.append(Link(venue_url, words.gettext("Venue page")))
        description, tags = item.description, item.tags
    elif isinstance(item, TravelLeg):
        reference = item.reference
        route = (item.origin, item.destination)
        title = f"{item.origin} → {item.destination}"
    elif isinstance(item, Stay):
        title, place = item.name, item.address or item.city
        map_url = _address_map_url(item.address, item.city if not item.address else None)
    move = _move(row, words)
    return RowView(
        kind=row.kind,
        kind_label=_kind(row, words),
        title=title,
        reference=reference,
        route=route,
        depth=row.depth,
        status=row.status,
        status_label=words.gettext(_STATUS[row.status]) if _STATUS.get(row.status) else "",
        zone=row.zone.name,
        at_place=_moments(row.at_place),
        elsewhere=_moments(row.elsewhere),
        place=place,
        map_url=map_url,
        links=tuple(links),
        description=description,
        tags=tags,
        move_before=move if row.kind != "leg" else None,
        move_after=move if row.kind == "leg" else None,
        connection=_connection(before, row, words),
    )


def _days(days: Sequence[Day], words: Reader) -> list[DayView]:
    rows = [row for day in days for row in day.rows]
    before = dict(zip(map(id, rows[1:]), rows, strict=False))
    return [
        DayView(
            day.date.isoformat(),
            day.heading,
            words.date(day.date, "MMMEd"),
            tuple(_row_view(r, before.get(id(r)), words) for r in day.rows),
        )
        for day in days
    ]


def _hotels(items: Iterable[ItineraryItem], words: Reader) -> list[HotelView]:
    return [
        HotelView(
            item.name,
            item.address,
            item.city,
            item.zone.name,
            Moment(item.check_in.isoformat(), words.date(item.check_in, "MMMEd")),
            Moment(item.check_out.isoformat(), words.date(item.check_out, "MMMEd")),
            _address_map_url(item.address, item.city if not item.address else None),
            item.status,
        )
        for item in items
        if isinstance(item, Stay) and item.status != "cancelled"
    ]


def _venues(events: Iterable[Event]) -> list[VenueView]:
    seen: dict[str, VenueView] = {}
    for event in events:
        venue = event.venue
        if venue.id not in seen:
            seen[venue.id] = VenueView(
                venue.id, venue.name, venue.location, _map_url(venue), safe_url(venue.url),
                venue.note,
            )  # fmt: skip
    return list(seen.values())


def _contacts(contacts: Iterable[Contact]) -> list[ContactView]:
    unique = {contact.id: contact for contact in contacts}
    return [ContactView(c.name, c.role, c.phone, _tel(c.phone), c.email) for c in unique.values()]


def _subscribe(options: RenderOptions, words: Reader) -> Subscribe | None:
    """Links to the feed published beside this page; none if none was published."""
    url = safe_url(options.links.get("feed"))
    if url is None:
        return None
    webcal = webcal_url(url)
    google = google_subscribe_url(url)
    title = words.gettext("QR code that subscribes to the calendar")
    codes = (
        (webcal, words.gettext("iPhone, iPad: scan with the camera")),
        (google, words.gettext("Android: scan, then open in Google Calendar")),
    )
    return Subscribe(
        url,
        webcal,
        google,
        tuple(QrCode(code, caption, Markup(qr_svg(code, title))) for code, caption in codes),
    )


# --- rendering ---------------------------------------------------------------------------


@cache
def environment(template_dir: str | None = None) -> jinja2.Environment:
    """The Jinja2 environment for *template_dir* (first) and the built-in templates.

    Made once per folder and process; autoescaping is on for everything but ``.css``.
    """
    builtin = jinja2.FileSystemLoader(TEMPLATES)
    loader: jinja2.BaseLoader = builtin
    if template_dir is not None:
        loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(template_dir), builtin])
    env = jinja2.Environment(
        loader=loader,
        extensions=["jinja2.ext.i18n"],
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "htm", "xml", "svg"),
            disabled_extensions=("css",),
            default_for_string=True,
            default=True,
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # newstyle gettext: ``_("Hello %(name)s", name=…)`` escapes *name*. The callables
    # translate for the page being rendered (_READER), so the one cached environment
    # serves every language, in imported macros and coordinators' templates too.
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["bdi"] = _isolate
    return env


def _isolate(text: object) -> Markup:
    """``<bdi>text</bdi>`` (escaped): input text inside a translated sentence."""
    return Markup("<bdi>%s</bdi>") % text


TEMPLATE_DIR = "--option html.template_dir"
"""How the command line names the setting, in messages."""


def _template_dir(options: RenderOptions) -> str | None:
    """The coordinator's template folder (``extra["html"]["template_dir"]``), checked."""
    settings = options.extra.get("html") or {}
    folder = settings.get("template_dir") if isinstance(settings, dict) else None
    if not folder:
        return None
    if not Path(folder).is_dir():
        raise InputError(
            "is not a folder",
            source=str(folder),
            field=TEMPLATE_DIR,
            hint="give the folder that holds your HTML templates",
        )
    return str(folder)


_READER: ContextVar[Reader] = ContextVar("html_reader")
"""The reader of the page being rendered (each thread and task has its own)."""


def _gettext(message: str) -> str:
    return _READER.get().translations.gettext(message)


def _ngettext(singular: str, plural: str, count: int) -> str:
    words = _READER.get()
    number = words.digits(str(count))  # the locale's digits, before Jinja2 fills in num
    text = words.translations.ngettext(singular, plural, count)
    return text.replace("%(num)s", number).replace("%(count)s", number)


def _csp_hash(text: str) -> str:
    """A Content-Security-Policy source that allows exactly this inline *text*."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _render(name: str, options: RenderOptions, context: dict[str, Any], words: Reader) -> bytes:
    folder = _template_dir(options)
    token = _READER.set(words)
    try:
        env = environment(folder)
        style = env.get_template("style.css").render(context)
        script = env.get_template("next.js").render(context)
        context = context | {
            "style": Markup(style),
            "script": Markup(script),
            "csp": f"default-src 'none'; style-src {_csp_hash(style)}; "
            f"script-src {_csp_hash(script)}; img-src data:; base-uri 'none'; form-action 'none'",
        }
        text = env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as error:
        if folder is None:
            raise
        raise InputError(
            error.message or "template syntax error",
            source=error.filename or error.name,
            line=error.lineno,
            field=TEMPLATE_DIR,
            hint="fix the template, or remove it to use the built-in one",
        ) from None
    except jinja2.UndefinedError as error:
        if folder is None:
            raise
        raise InputError(
            error.message or "undefined variable",
            source=folder,
            field=TEMPLATE_DIR,
            hint="templates can use: " + ", ".join(sorted(context)),
        ) from None
    finally:
        _READER.reset(token)
    return printable_bytes(text)


def render_page(name: str, context: dict[str, Any], words: Reader) -> bytes:
    """The built-in template *name* rendered for a reader of *words*, with the page's
    own style, script and Content-Security-Policy (for pages of other plugins' making,
    such as the change digest)."""
    return _render(name, RenderOptions(), context, words)


def _base_context(
    programme: Programme, words: Reader, other: Timezone | None, options: RenderOptions
) -> dict[str, Any]:
    return {
        "lang": words.tag,
        "dir": words.direction,
        "programme": programme,
        "programme_url": safe_url(programme.url),
        "livestream_url": safe_url(programme.livestream),
        "other_zone": zone_label(other, words) if other is not None else None,
        "subscribe": _subscribe(options, words),
        "printout_url": safe_url(options.links.get("printout")),
    }


def programme_page(programme: Programme, options: RenderOptions) -> bytes:
    """The public programme page: every event in order, sessions nested, day by day."""
    other = options.display_zone()
    events: Sequence[Event] = sorted(programme.events, key=sort_key)
    words = reader(_language(options.language))
    context = _base_context(programme, words, other, options)
    context |= {
        "page": "programme",
        "title": programme.title,
        "days": _days(agenda(events, programme, other, words), words),
        "hotels": [],
        "venues": _venues(events),
        "contacts": _contacts(programme.contacts),
    }
    return _render("programme.html", options, context, words)


def itinerary_page(itinerary: Itinerary, options: RenderOptions) -> bytes:
    """One delegate's page: events, legs and stays, both clocks, city changes."""
    programme, person = itinerary.programme, itinerary.delegate
    other = options.display_zone(itinerary)
    words = reader(_language(options.language, person.language))
    home = person.home_zone
    context = _base_context(programme, words, other, options)
    context |= {
        "page": "itinerary",
        "title": words.gettext("Itinerary for %(name)s", name=person.name),
        "delegate": DelegateView(
            person.name,
            person.name_native,
            person.organisation,
            zone_label(home, words) if home is not None else None,
        ),
        "days": _days(agenda(itinerary.items, programme, other, words), words),
        "hotels": _hotels(itinerary.items, words),
        "venues": _venues(itinerary.events),
        "contacts": _contacts(c for event in itinerary.events for c in event.contacts),
        "problems": [ProblemView(p.severity, p.code, p.message) for p in itinerary.problems]
        if options.show_problems
        else None,
        "reservations": reservations(itinerary),
    }
    return _render("itinerary.html", options, context, words)
