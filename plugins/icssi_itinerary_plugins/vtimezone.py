"""VTIMEZONE components written as yearly rules (RRULE), the form Outlook reads correctly.

icalendar's ``add_missing_timezones()`` lists every transition as RDATEs, which some
clients mis-read. Here each zone's transitions over a span of years are grouped into
yearly rules such as "last Sunday of March at 02:00", one STANDARD or DAYLIGHT
sub-component per rule. Components are cached per zone and span of years.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import groupby

from icalendar import Timezone as VTimezone
from icalendar import TimezoneDaylight, TimezoneStandard, vRecur

from icssi_itinerary import Timezone, zone

__all__ = ["transitions", "vtimezone"]

_DAY = timedelta(days=1)
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Transition:
    """A change of a zone's UTC offset (or abbreviation) at one instant."""

    instant: datetime
    offset_before: timedelta
    offset_after: timedelta
    name_after: str
    is_dst: bool

    @property
    def wall_before(self) -> datetime:
        """Local time on the clock just before the change (a VTIMEZONE's DTSTART)."""
        return (self.instant + self.offset_before).replace(tzinfo=None)

    @property
    def rule(self) -> tuple[int, str, tuple[int, int, int]]:
        """Month, ``BYDAY`` (e.g. ``-1SU``) and local time: what repeats yearly."""
        wall = self.wall_before
        last_day = calendar.monthrange(wall.year, wall.month)[1]
        week = -1 if wall.day + 7 > last_day else (wall.day - 1) // 7 + 1
        weekday = _WEEKDAYS[wall.weekday()]
        return wall.month, f"{week}{weekday}", (wall.hour, wall.minute, wall.second)


def _state(tz: Timezone, moment: datetime) -> tuple[timedelta, str, bool]:
    local = moment.astimezone(tz)
    return local.utcoffset() or timedelta(0), local.tzname() or "", bool(local.dst())


def transitions(tz: Timezone, first_year: int, last_year: int) -> list[Transition]:
    """Every change of offset or abbreviation of *tz* from *first_year* to *last_year*."""
    found = []
    moment = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    state = _state(tz, moment)
    while moment < end:
        following = moment + _DAY
        if _state(tz, following) != state:
            low, high = moment, following
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if _state(tz, middle) == state else (low, middle)
            after = _state(tz, high)
            found.append(Transition(high, state[0], after[0], after[1], after[2]))
            state = after
        moment = following
    return found


def _offset_only(tz: Timezone, year: int) -> TimezoneStandard | TimezoneDaylight:
    offset, name, is_dst = _state(tz, datetime(year, 1, 1, tzinfo=UTC))
    part = (TimezoneDaylight if is_dst else TimezoneStandard)()
    part.add("dtstart", datetime(1970, 1, 1))
    part.add("tzoffsetfrom", offset)
    part.add("tzoffsetto", offset)
    part.add("tzname", name)
    part.add("rrule", vRecur(freq="YEARLY", count=1))
    return part


@cache
def vtimezone(name: str, first_year: int, last_year: int) -> VTimezone:
    """The VTIMEZONE for zone *name* valid from *first_year* to *last_year* (cached)."""
    tz = zone(name)
    component = VTimezone()
    component.add("tzid", name)
    changes = transitions(tz, first_year, last_year)
    if not changes:
        component.add_component(_offset_only(tz, first_year))
        return component
    keyed = sorted(changes, key=lambda t: (_key(t), t.instant))
    runs = [run for _, group in groupby(keyed, key=_key) for run in _consecutive_years(list(group))]
    for run in sorted(runs, key=lambda run: run[0].instant):
        component.add_component(_observance(run, last_year))
    return component


def _key(change: Transition) -> tuple[object, ...]:
    return (
        change.offset_before,
        change.offset_after,
        change.name_after,
        change.is_dst,
        change.rule,
    )


def _consecutive_years(group: list[Transition]) -> list[list[Transition]]:
    runs: list[list[Transition]] = []
    for change in group:
        if runs and change.instant.year == runs[-1][-1].instant.year + 1:
            runs[-1].append(change)
        else:
            runs.append([change])
    return runs


def _observance(run: list[Transition], last_year: int) -> TimezoneStandard | TimezoneDaylight:
    first = run[0]
    part = (TimezoneDaylight if first.is_dst else TimezoneStandard)()
    part.add("dtstart", first.wall_before)
    part.add("tzoffsetfrom", first.offset_before)
    part.add("tzoffsetto", first.offset_after)
    part.add("tzname", first.name_after)
    month, byday, _ = first.rule
    rule = vRecur(freq="YEARLY", bymonth=month, byday=byday)
    if len(run) == 1 or run[-1].instant.year < last_year:
        # COUNT, not UNTIL: a UTC UNTIL against a local DTSTART is read as a wall time
        # by dateutil-based clients (vobject), dropping the last onset east of UTC.
        rule["count"] = len(run)
    part.add("rrule", rule)
    return part


def feed_years(days: list[date]) -> tuple[int, int]:
    """The span of years a feed's VTIMEZONEs cover: a year either side of its dates."""
    return min(days).year - 1, max(days).year + 1
