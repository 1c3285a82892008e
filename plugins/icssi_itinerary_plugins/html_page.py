"""The HTML pages themselves: the views templates see, and rendering them with Jinja2.

:mod:`.html` explains what a page holds; this module is imported on the first page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from icssi_itinerary import (
    Contact,
    Event,
    InputError,
    Itinerary,
    Programme,
    Reader,
    RenderOptions,
    Timezone,
    Venue,
    reader,
    safe_url,
    sort_key,
    webcal_url,
)

from .agenda import Day, Row, agenda
from .formatting import Moment as RowMoment
from .formatting import printable_bytes, zone_label
from .qr import qr_svg
from .reservations import reservations

__all__ = ["TEMPLATES", "environment", "itinerary_page", "programme_page"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
"""The built-in templates."""

_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$")
_STATUS = {"confirmed": "", "tentative": "to be confirmed", "cancelled": "cancelled"}


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
    title: str
    depth: int
    status: str
    status_label: str
    at_place: tuple[Moment, ...]
    elsewhere: tuple[Moment, ...]
    place: str
    map_url: str | None
    links: tuple[Link, ...]
    description: str | None
    tags: tuple[str, ...]
    move_before: str | None
    """Text of a city-change marker shown before this row (an event in a new city)."""
    move_after: str | None
    """Text of a city-change marker shown after this row (a leg's arrival)."""


@dataclass(frozen=True)
class DayView:
    """One day: its heading, its date, its rows."""

    date: str
    heading: str
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
    qr_svg: Markup


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


def _move(row: Row) -> str | None:
    return None if row.now_in is None else f"Now in {row.now_in} · clocks: {row.clocks}"


def _moments(row_moments: Iterable[RowMoment]) -> tuple[Moment, ...]:
    return tuple(Moment(moment.iso, moment.label) for moment in row_moments)


def _row_view(row: Row) -> RowView:
    item = row.item
    links: list[Link] = []
    map_url = None
    description = None
    tags: tuple[str, ...] = ()
    if isinstance(item, Event):
        map_url = _map_url(item.venue)
        event_url = safe_url(item.url)
        venue_url = safe_url(item.venue.url)
        if event_url:
            links.append(Link(event_url, "Event page"))
        if venue_url and venue_url != event_url:
            links.append(Link(venue_url, "Venue page"))
        description, tags = item.description, item.tags
    move = _move(row)
    return RowView(
        kind=row.kind,
        title=row.title,
        depth=row.depth,
        status=row.status,
        status_label=_STATUS.get(row.status, row.status),
        at_place=_moments(row.at_place),
        elsewhere=_moments(row.elsewhere),
        place=row.place,
        map_url=map_url,
        links=tuple(links),
        description=description,
        tags=tags,
        move_before=move if row.kind != "leg" else None,
        move_after=move if row.kind == "leg" else None,
    )


def _days(days: Iterable[Day]) -> list[DayView]:
    return [
        DayView(day.date.isoformat(), day.heading, tuple(_row_view(r) for r in day.rows))
        for day in days
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


def _subscribe(options: RenderOptions) -> Subscribe | None:
    """Links to the feed published beside this page; none if none was published."""
    url = safe_url(options.links.get("feed"))
    if url is None:
        return None
    return Subscribe(url, webcal_url(url), Markup(qr_svg(url)))


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
    return jinja2.Environment(
        loader=loader,
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


def _render(name: str, options: RenderOptions, context: dict[str, Any]) -> bytes:
    folder = _template_dir(options)
    try:
        text = environment(folder).get_template(name).render(context)
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
    return printable_bytes(text)


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
        "subscribe": _subscribe(options),
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
        "days": _days(agenda(events, programme, other, words)),
        "venues": _venues(events),
        "contacts": _contacts(programme.contacts),
    }
    return _render("programme.html", options, context)


def itinerary_page(itinerary: Itinerary, options: RenderOptions) -> bytes:
    """One delegate's page: events, legs and stays, both clocks, city changes."""
    programme, person = itinerary.programme, itinerary.delegate
    other = options.display_zone(itinerary)
    words = reader(_language(options.language, person.language))
    home = person.home_zone
    context = _base_context(programme, words, other, options)
    context |= {
        "page": "itinerary",
        "title": f"Itinerary for {person.name}",
        "delegate": DelegateView(
            person.name,
            person.name_native,
            person.organisation,
            zone_label(home, words) if home is not None else None,
        ),
        "days": _days(agenda(itinerary.items, programme, other, words)),
        "venues": _venues(itinerary.events),
        "contacts": _contacts(c for event in itinerary.events for c in event.contacts),
        "problems": [ProblemView(p.severity, p.code, p.message) for p in itinerary.problems]
        if options.show_problems
        else None,
        "reservations": reservations(itinerary),
    }
    return _render("itinerary.html", options, context)
