"""VTIMEZONE components written as yearly rules (RRULE), the form Outlook reads correctly.

icalendar's ``add_missing_timezones()`` lists every transition as RDATEs, which some
clients mis-read. Here each zone's transitions over the span of a feed's instants are
grouped into yearly rules such as "last Sunday of March at 02:00", one STANDARD or
DAYLIGHT sub-component per rule, preceded where needed by one that states the offset in
force before the first change. docs/time.md explains the choices.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import groupby

from icalendar import Timezone as VTimezone
from icalendar import TimezoneDaylight, TimezoneStandard, vRecur

from icssi_itinerary import Timezone, zone

__all__ = ["transitions", "vtimezone"]

_DAY = timedelta(days=1)
_YEAR = timedelta(days=366)
_HORIZON = 2038  # tzdata's own rules are spelled out to 2037
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


def _state(zone: Timezone, moment: datetime) -> tuple[timedelta, str, bool]:
    local = moment.astimezone(zone)
    return local.utcoffset() or timedelta(0), local.tzname() or "", bool(local.dst())


def transitions(zone: Timezone, first_year: int, last_year: int) -> list[Transition]:
    """Every change of offset or abbreviation of *zone* from *first_year* to *last_year*."""
    found = []
    moment = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    state = _state(zone, moment)
    while moment < end:
        following = moment + _DAY
        if _state(zone, following) != state:
            low, high = moment, following
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if _state(zone, middle) == state else (low, middle)
            high = high.replace(microsecond=0)  # tzdata changes fall on whole seconds
            after = _state(zone, high)
            found.append(Transition(high, state[0], after[0], after[1], after[2]))
            state = after
        moment = following
    return found


def _steady(zone: Timezone, moment: datetime) -> TimezoneStandard | TimezoneDaylight:
    """One onset at *moment* that keeps the offset in force then: the state before the
    zone's first change in the span (or all of it, for a zone that does not change).

    In summer time, TZOFFSETFROM is the standard offset, so that the daylight saving
    amount (TO - FROM), which dateutil-based clients need to convert from UTC, is right."""
    offset, name, is_dst = _state(zone, moment)
    before = offset - (moment.astimezone(zone).dst() or timedelta(0)) if is_dst else offset
    part = (TimezoneDaylight if is_dst else TimezoneStandard)()
    part.add("dtstart", (moment + before).replace(tzinfo=None, microsecond=0))
    part.add("tzoffsetfrom", before)
    part.add("tzoffsetto", offset)
    part.add("tzname", name)
    part.add("rrule", vRecur(freq="YEARLY", count=1))
    return part


@cache
def _year(name: str, year: int) -> tuple[Transition, ...]:
    """The zone's changes in one year (cached: feeds share their years)."""
    return tuple(transitions(zone(name), year, year))


def _changes(name: str, start: datetime, end: datetime) -> list[Transition]:
    """The zone's changes in ``[start, end]`` (a change at 00:00 UTC on 1 January is
    found by the scan of the year before)."""
    found = [c for year in range(start.year - 1, end.year + 1) for c in _year(name, year)]
    return [change for change in found if start <= change.instant <= end]


def _runs(changes: list[Transition]) -> list[list[Transition]]:
    """The changes grouped into yearly rules: same kind of change, consecutive years."""
    keyed = sorted(changes, key=lambda t: (_key(t), t.instant))
    runs = [run for _, group in groupby(keyed, key=_key) for run in _consecutive_years(list(group))]
    return sorted(runs, key=lambda run: run[0].instant)


def _from_2037(name: str, run: list[Transition]) -> list[Transition]:
    """*run* with the same yearly change of earlier years prepended, back to 2037 at
    most: clients built on pytz-style tables (icalendar 4, thus khal) expand an open
    rule only up to 2038 and crash on a zone that then has no onset at all."""
    while run[0].instant.year > _HORIZON - 1:
        earlier = [c for c in _year(name, run[0].instant.year - 1) if _key(c) == _key(run[0])]
        if not earlier:
            break
        run = [earlier[0], *run]
    return run


def _in_force(runs: list[list[Transition]], end: datetime) -> list[list[Transition]]:
    """The last run of each kind of change that has an onset in the year before *end*."""
    last_of_kind = {_key(run[-1]): run for run in runs}
    return [run for run in last_of_kind.values() if run[-1].instant > end - _YEAR]


def _ongoing(name: str, rules: list[list[Transition]], end: datetime) -> bool:
    """Whether tzdata follows *rules* every year after *end* and does nothing else, up
    to the horizon (2037, or two years past *end*)."""
    if not rules:
        return False
    latest = {_key(run[-1]): run[-1].instant.year for run in rules}
    horizon = max(_HORIZON, end.year + 2)
    for year in range(end.year, horizon):
        for change in _year(name, year):
            if change.instant > end:
                if latest.get(_key(change)) != change.instant.year - 1:
                    return False
                latest[_key(change)] = change.instant.year
    return all(year >= horizon - 1 for year in latest.values())


@cache
def vtimezone(name: str, start: datetime, end: datetime) -> VTimezone:
    """The VTIMEZONE for zone *name*, exact for every instant from *start* to *end*.

    No observance starts after *end*. The yearly rules in force at *end* are left open
    (no ``COUNT``) when tzdata goes on following them; otherwise every rule is closed,
    so a client that reuses the zone keeps the offset of *end* rather than a rule tzdata
    dropped. Components are cached per zone and span."""
    place = zone(name)
    component = VTimezone()
    component.add("tzid", name)
    changes = _changes(name, min(start, end - _YEAR), end)
    if not changes or changes[0].instant > start:
        component.add_component(_steady(place, min(start, end - _YEAR)))
    runs = _runs(changes)
    rules = _in_force(runs, end)
    ongoing = _ongoing(name, rules, end)
    for run in runs:
        if ongoing and run in rules:
            component.add_component(_observance(_from_2037(name, run), open_ended=True))
        else:
            component.add_component(_observance(run, open_ended=False))
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


def _observance(run: list[Transition], open_ended: bool) -> TimezoneStandard | TimezoneDaylight:
    first = run[0]
    part = (TimezoneDaylight if first.is_dst else TimezoneStandard)()
    part.add("dtstart", first.wall_before)
    part.add("tzoffsetfrom", first.offset_before)
    part.add("tzoffsetto", first.offset_after)
    part.add("tzname", first.name_after)
    month, byday, _ = first.rule
    rule = vRecur(freq="YEARLY", bymonth=month, byday=byday)
    if not open_ended:
        # COUNT, not UNTIL: a UTC UNTIL against a local DTSTART is read as a wall time
        # by dateutil-based clients (vobject), dropping the last onset east of UTC.
        rule["count"] = len(run)
    part.add("rrule", rule)
    return part
