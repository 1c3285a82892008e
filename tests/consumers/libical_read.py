"""Read iCalendar feeds with libical (Debian's gir1.2-ical-3.0, through python3-gi).

Run by Debian's /usr/bin/python3, where python3-gi lives. Input: one JSON string (an
.ics file's text) per line on stdin. Output: one JSON line per feed, ``{"times": {UID:
[start, end]}, "errors": [...]}``: a timed value in Unix seconds, converted with the
VTIMEZONE of the feed itself (never libical's own zone data), a date as ``YYYY-MM-DD``;
``errors`` holds every X-LIC-ERROR that parsing and the RFC 5546 restriction check add.
"""

import json
import sys
from typing import Any

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib as ICal  # noqa: E402


def _errors(component: Any) -> list[str]:
    found: list[str] = []
    prop = component.get_first_property(ICal.PropertyKind.XLICERROR_PROPERTY)
    while prop is not None:
        found.append(prop.as_ical_string().strip())
        prop = component.get_next_property(ICal.PropertyKind.XLICERROR_PROPERTY)
    child = component.get_first_component(ICal.ComponentKind.ANY_COMPONENT)
    while child is not None:
        found += _errors(child)
        child = component.get_next_component(ICal.ComponentKind.ANY_COMPONENT)
    return found


def _value(calendar: Any, time: Any) -> int | str:
    if time.is_date():
        return f"{time.get_year():04d}-{time.get_month():02d}-{time.get_day():02d}"
    if time.is_utc():
        return int(time.as_timet())
    tzid = time.get_tzid()
    zone = calendar.get_timezone(tzid) if tzid else None
    if zone is None:
        raise ValueError(f"no VTIMEZONE for TZID {tzid!r} in the feed")
    return int(time.as_timet_with_zone(zone))


def read(text: str) -> dict[str, Any]:
    calendar = ICal.Component.new_from_string(text)
    if calendar is None:
        return {"error": "libical could not parse the feed"}
    valid = ICal.restriction_check(calendar)
    errors = _errors(calendar)
    if not valid and not errors:
        errors.append("restriction check failed")
    times: dict[str, list[int | str]] = {}
    event = calendar.get_first_component(ICal.ComponentKind.VEVENT_COMPONENT)
    while event is not None:
        start, end = event.get_dtstart(), event.get_dtend()
        times[event.get_uid()] = [_value(calendar, start), _value(calendar, end)]
        event = calendar.get_next_component(ICal.ComponentKind.VEVENT_COMPONENT)
    return {"times": times, "errors": errors}


for line in sys.stdin:
    try:
        answer = read(json.loads(line))
    except Exception as error:  # reported to the test, which fails on it
        answer = {"error": repr(error)}
    print(json.dumps(answer), flush=True)
