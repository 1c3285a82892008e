"""Reading a programme kept in another calendar: an iCalendar (.ics) file.

The VEVENTs become the same tables a TOML programme has, so one validator serves both.
Times with a TZID keep their IANA zone; UTC times get the zone ``UTC``; all-day events
stay dates. A floating time (no zone) or a TZID that is not an IANA name is refused, and
so is a repeating event (``RRULE``, ``RDATE``, ``RECURRENCE-ID``): the programme holds
each occurrence as an event of its own.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar

from .errors import InputError
from .sources import read_text, shown
from .timing import PARTS_OF_DAY, available_zones

__all__ = ["ics_tables"]

_STATUS = {"TENTATIVE": "tentative", "CANCELLED": "cancelled"}
_PART = re.compile(r"^(?P<title>.*) \((?P<part>" + "|".join(PARTS_OF_DAY) + r")\)$")
_TO_CONFIRM = "Time to be confirmed."
_NOT_ID = re.compile(r"[^A-Za-z0-9_-]+")
_ESCAPED = re.compile(r"\\([\\;,nN])")
_REPEATING = ("RRULE", "RDATE", "RECURRENCE-ID")
_HINTS = {
    "DTSTART": "write a date (20141103) or a date-time (20141103T100000 with a TZID, or …Z)",
    "DTEND": "write a date (20141103) or a date-time (20141103T100000 with a TZID, or …Z)",
    "DURATION": "write a duration such as PT1H30M or P1D",
    "GEO": "write latitude;longitude in degrees, e.g. 46.2266;6.1405",
}
_SINGLE = ("SUMMARY", "DTSTART", "DTEND", "DURATION", "LOCATION", "GEO", "DESCRIPTION", "URL")


def _local_id(uid: str) -> str:
    """The event id inside a UID such as ``mep-meeting@icssi-2014.icssi-itinerary``."""
    candidate = _NOT_ID.sub("-", uid.split("@", 1)[0]).strip("-_")[:64]
    return candidate or "event-" + hashlib.sha256(uid.encode()).hexdigest()[:12]


def _zone_name(component: icalendar.Component, name: str, where: str, label: str) -> str:
    moment = component.decoded(name)
    tzid = component[name].params.get("TZID")
    if moment.tzinfo is None and tzid is None:
        raise InputError(
            "floating time without a zone",
            source=label,
            field=f"{where}.{name}",
            hint="give DTSTART and DTEND a TZID or write them in UTC",
        )
    key = getattr(moment.tzinfo, "key", None)
    if not key and moment.tzinfo is UTC:
        return "UTC"
    if not key:
        raise InputError(
            f"TZID {shown(tzid if tzid is not None else str(moment.tzinfo))} is not an IANA zone",
            source=label,
            field=f"{where}.{name}",
            hint="use TZIDs such as Europe/Oslo",
        )
    return str(key)


def _text(value: Any) -> str:
    """Text of a property icalendar leaves escaped (NAME, X-WR-*)."""
    if isinstance(value, icalendar.vText):
        return str(value)
    return _ESCAPED.sub(lambda m: "\n" if m[1] in "nN" else m[1], str(value))


def _wall(value: date | datetime) -> date | datetime:
    return value.replace(tzinfo=None) if isinstance(value, datetime) else value


def _check(component: icalendar.Component, where: str, label: str) -> None:
    """Refuse what the importer cannot read faithfully, naming the property."""

    def bad(name: str, what: str, hint: str) -> InputError:
        return InputError(what, source=label, field=f"{where}.{name}", hint=hint)

    for name in _REPEATING:
        if name in component:
            raise bad(
                name,
                "a repeating event is not read",
                "export the calendar with each occurrence as an event of its own",
            )
    for name, _reason_text in getattr(component, "errors", []):
        if name in _HINTS or name in _SINGLE:
            value = str(component.get(name, ""))
            raise bad(name, f"{shown(value)} cannot be read", _HINTS.get(name, "fix the value"))
    for name in _SINGLE:
        if isinstance(component.get(name), list):
            raise bad(name, "given more than once", f"keep one {name}")
    if "DTSTART" not in component or "SUMMARY" not in component:
        raise InputError(
            "needs DTSTART and SUMMARY",
            source=label,
            field=where,
            hint="give every event a start and a title",
        )
    if "DTEND" in component and "DURATION" in component:
        raise bad("DURATION", "given with DTEND", "give DTEND or DURATION, not both")
    for name in ("DTSTART", "DTEND"):
        if name in component and not isinstance(component.decoded(name), date):
            raise bad(name, "is not a date or a date-time", _HINTS[name])
    start = component.decoded("DTSTART")
    end = component.decoded("DTEND") if "DTEND" in component else None
    if end is not None and isinstance(start, datetime) != isinstance(end, datetime):
        kinds = (
            ("a date-time", "a date") if isinstance(start, datetime) else ("a date", "a date-time")
        )
        raise bad("DTEND", f"is {kinds[1]} but DTSTART is {kinds[0]}", "give both as one kind")
    if "DURATION" in component and not isinstance(component.decoded("DURATION"), timedelta):
        raise bad("DURATION", "is not a duration", _HINTS["DURATION"])


def _event(
    component: icalendar.Component,
    index: int,
    label: str,
    default_zone: str,
    venues: dict[tuple[Any, ...], dict[str, Any]],
) -> dict[str, Any]:
    where = f"VEVENT[{index}]"
    _check(component, where, label)
    start = component.decoded("DTSTART")
    end = component.decoded("DTEND") if "DTEND" in component else None
    table: dict[str, Any] = {"id": _local_id(str(component.get("UID", f"event-{index}")))}
    title = str(component["SUMMARY"])
    try:
        if isinstance(start, datetime):
            zone_name = _zone_name(component, "DTSTART", where, label)
            table["start"] = _wall(start)
            if end is not None:
                _zone_name(component, "DTEND", where, label)  # a floating end is refused too
                end = end.astimezone(start.tzinfo)
            elif "DURATION" in component:
                end = start + component.decoded("DURATION")
            else:
                raise InputError(
                    "a timed event without DTEND or DURATION",
                    source=label,
                    field=where,
                    hint="give the event an end",
                )
            table["end"] = _wall(end)
            table["fold"] = "earlier"
        else:
            zone_name = default_zone
            table["start"] = start
            if end is None and "DURATION" in component:
                end = start + timedelta(days=component.decoded("DURATION").days)
            table["end"] = (end - timedelta(days=1)) if end is not None and end > start else start
            match = _PART.match(title)
            if match:
                title, table["part_of_day"] = match["title"], match["part"]
    except OverflowError:
        raise InputError(
            "the event ends after the year 9999",
            source=label,
            field=f"{where}.DTEND",
            hint="check the dates",
        ) from None
    table["title"] = title
    status = _STATUS.get(str(component.get("STATUS", "")).upper(), "confirmed")
    table["status"] = status
    description = str(component.get("DESCRIPTION", "")) or None
    if description and status == "tentative":
        description = description.removesuffix(_TO_CONFIRM).rstrip() or None
    table["description"] = description
    if "URL" in component:
        table["url"] = str(component["URL"])
    categories = [str(c) for prop in _all(component, "CATEGORIES") for c in prop.cats]
    table["kind"] = categories[0] if categories else "event"
    table["tags"] = categories[1:]
    table["contacts"] = [str(c) for c in _all(component, "CONTACT")]
    for related in _all(component, "RELATED-TO"):
        if str(related.params.get("RELTYPE", "PARENT")).upper() == "PARENT":
            table["parent"] = _local_id(str(related))
    table["venue"] = _venue(component, zone_name, venues)["id"]
    return table


def _all(component: icalendar.Component, name: str) -> list[Any]:
    value = component.get(name)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _venue(
    component: icalendar.Component, zone_name: str, venues: dict[tuple[Any, ...], dict[str, Any]]
) -> dict[str, Any]:
    location = str(component.get("LOCATION", "")) or "Location not given"
    geo = component.get("GEO")
    key = (location, zone_name, (geo.latitude, geo.longitude) if geo else None)
    if key not in venues:
        # An .ics file knows a place only by its LOCATION text: it stands for the city too.
        venue: dict[str, Any] = {
            "id": f"venue-{len(venues) + 1}",
            "name": location,
            "city": location,
            "timezone": zone_name,
        }
        if geo:
            venue |= {"latitude": geo.latitude, "longitude": geo.longitude}
        venues[key] = venue
    return venues[key]


def _reason(message: str) -> str:
    """icalendar's reason, without the calendar text it may append."""
    first = message.splitlines()[0] if message else "unreadable"
    if first.startswith("Found no components"):
        return "no complete VCALENDAR (a BEGIN without its END?)"
    if first.startswith("Found multiple components"):
        return "more than one VCALENDAR"
    content = re.match(r"Content line could not be parsed into parts: (.*?)(: [^:]*)?$", first)
    if content:
        return f"a line that is not NAME:VALUE, {shown(content.group(1).strip(chr(39)))}"
    return shown(first, 120).strip("'")


def ics_tables(path: Path, label: str) -> dict[str, Any]:
    """The programme tables (as a TOML programme would give them) of an .ics file."""
    text = read_text(path, label)
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except ValueError as error:
        raise InputError(
            f"not valid iCalendar: {_reason(str(error))}",
            source=label,
            hint="export the calendar again as .ics",
        ) from None
    if not isinstance(calendar, icalendar.Calendar):
        raise InputError(
            f"not a calendar: it starts with BEGIN:{shown(calendar.name)}",
            source=label,
            hint="export the whole calendar (BEGIN:VCALENDAR … END:VCALENDAR)",
        )
    name = _text(calendar.get("NAME", calendar.get("X-WR-CALNAME", path.stem)))
    default_zone = _text(calendar.get("X-WR-TIMEZONE", "UTC"))
    if default_zone not in available_zones():
        default_zone = "UTC"
    venues: dict[tuple[Any, ...], dict[str, Any]] = {}
    events = [
        _event(c, i, label, default_zone, venues) for i, c in enumerate(calendar.walk("VEVENT"))
    ]
    contacts = {
        c: {"id": _local_id(hashlib.sha256(c.encode()).hexdigest()[:12]), "name": c}
        for event in events
        for c in event["contacts"]
    }
    for event in events:
        event["contacts"] = [contacts[c]["id"] for c in event["contacts"]]
    programme_id = _local_id(str(calendar.get("UID", path.stem)).split(".", 1)[0])
    header = {"id": programme_id, "title": name}
    if "DESCRIPTION" in calendar:
        header["description"] = str(calendar["DESCRIPTION"])
    organisers = {
        str(getattr(e["ORGANIZER"], "params", {}).get("CN", ""))
        for e in calendar.walk("VEVENT")
        if "ORGANIZER" in e
    }
    if len(organisers) == 1 and (organiser := organisers.pop()):
        header["organiser"] = organiser  # the ORGANIZER every event names
    return {
        "programme": header,
        "venues": list(venues.values()),
        "contacts": list(contacts.values()),
        "events": events,
    }
