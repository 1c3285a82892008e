"""VTIMEZONE components as yearly rules: do they reproduce tzdata, hour by hour?

The oracle is the standard library's ``zoneinfo``. The rules are expanded two ways that
share nothing with the code under test: with ``dateutil.rrule`` following RFC 5545
(onsets in the offset before the change, ``UNTIL`` in UTC), and with the ``tzinfo``
vobject builds from the component (what a dateutil-based client would use).
"""

from __future__ import annotations

import bisect
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from dateutil.rrule import rrulestr

from icssi_itinerary_plugins.vtimezone import vtimezone

ZONES = [
    "Europe/Oslo",
    "Europe/Istanbul",
    "America/Sao_Paulo",
    "Australia/Lord_Howe",
    "Asia/Baghdad",
]
FIRST, LAST = 2013, 2017
START, END = datetime(FIRST, 1, 1, tzinfo=UTC), datetime(LAST, 12, 31, 23, tzinfo=UTC)


def _offset(text: str) -> timedelta:
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    hours, minutes, seconds = int(digits[0:2]), int(digits[2:4]), int(digits[4:6] or 0)
    return sign * timedelta(hours=hours, minutes=minutes, seconds=seconds)


def _onsets(ics: str, until_year: int) -> list[tuple[datetime, timedelta, timedelta]]:
    """(UTC instant, offset before, offset after) of every onset the component defines."""
    found = []
    for block in re.findall(r"BEGIN:(?:STANDARD|DAYLIGHT)\r\n(.*?)END:", ics, re.S):
        props = dict(line.split(":", 1) for line in block.split("\r\n") if line)
        start = datetime.strptime(props["DTSTART"], "%Y%m%dT%H%M%S")
        before, after = _offset(props["TZOFFSETFROM"]), _offset(props["TZOFFSETTO"])
        rule = props["RRULE"]
        until = None
        if match := re.search(r"UNTIL=(\d{8}T\d{6})Z", rule):
            until = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
            rule = re.sub(r";?UNTIL=[^;]*", "", rule)
        horizon = datetime(until_year + 1, 1, 1)
        for local in rrulestr(rule, dtstart=start).between(start, horizon, inc=True):
            instant = (local - before).replace(tzinfo=UTC)  # onset is in the old offset
            if until is None or instant <= until:
                found.append((instant, before, after))
    return sorted(found)


def _ics(component: icalendar.Timezone) -> str:
    data: bytes = component.to_ical()  # icalendar leaves Component.to_ical unannotated
    return data.decode()


def _tzdata_changes(tz: ZoneInfo, first: int, last: int) -> list[datetime]:
    """The exact instants (to the second) at which tzdata changes *tz*'s offset."""
    found = []
    step = timedelta(minutes=15)
    moment = datetime(first, 1, 1, tzinfo=UTC)
    while moment.year <= last:
        if moment.astimezone(tz).utcoffset() != (moment + step).astimezone(tz).utcoffset():
            low, high = moment, moment + step
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                same = middle.astimezone(tz).utcoffset() == low.astimezone(tz).utcoffset()
                low, high = (middle, high) if same else (low, middle)
            found.append(high)
        moment += step
    return found


def _hours(tz: ZoneInfo, first: int, last: int) -> list[datetime]:
    """Every hour of the years, and the second before and at each change of offset."""
    moments = set()
    moment = datetime(first, 1, 1, tzinfo=UTC)
    while moment.year <= last:
        moments.add(moment)
        moment += timedelta(hours=1)
    for change in _tzdata_changes(tz, first, last):
        moments.update({change - timedelta(seconds=1), change})
    return sorted(moments)


@pytest.mark.parametrize("name", ZONES)
def test_every_observance_is_a_yearly_rule(name: str) -> None:
    ics = _ics(vtimezone(name, START, END))
    assert f"TZID:{name}\r\n" in ics
    blocks = re.findall(r"BEGIN:(?:STANDARD|DAYLIGHT)\r\n(.*?)END:", ics, re.S)
    assert blocks
    for block in blocks:
        assert "RRULE:FREQ=YEARLY" in block
        assert "RDATE" not in block


@pytest.mark.parametrize("name", ZONES)
def test_rules_reproduce_tzdata_every_hour(name: str) -> None:
    """RFC 5545 reading: before the first onset, TZOFFSETFROM of that onset applies."""
    onsets = _onsets(_ics(vtimezone(name, START, END)), LAST)
    instants = [instant for instant, _, _ in onsets]
    tz = ZoneInfo(name)
    wrong = []
    for moment in _hours(tz, FIRST, LAST):
        index = bisect.bisect_right(instants, moment) - 1
        offset = onsets[0][1] if index < 0 else onsets[index][2]
        expected = moment.astimezone(tz).utcoffset()
        if offset != expected:
            wrong.append((moment, offset, expected))
    assert not wrong[:5], f"{len(wrong)} hours differ from tzdata"


def _vobject_tzinfo(component: icalendar.Timezone) -> Any:
    """The tzinfo vobject builds from the component, renamed so no database can help."""
    ics = re.sub(r"TZID:[^\r]+", "TZID:Custom/Zone", _ics(component))
    calendar = vobject.readOne(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{ics}END:VCALENDAR\r\n")
    return calendar.vtimezone.gettzinfo()


@pytest.mark.parametrize("name", ZONES)
def test_a_client_using_only_our_rules_agrees_with_tzdata(name: str) -> None:
    """vobject builds its tzinfo from the component (renamed, so no database can help)."""
    tzinfo = _vobject_tzinfo(vtimezone(name, START, END))
    tz = ZoneInfo(name)
    wrong = []
    for moment in _hours(tz, FIRST, LAST):
        got = moment.astimezone(tzinfo).utcoffset()
        expected = moment.astimezone(tz).utcoffset()
        if got != expected:
            wrong.append((moment, got, expected))
    assert not wrong[:5], f"{len(wrong)} hours differ from tzdata"


def test_istanbul_one_off_changes_are_kept() -> None:
    """Turkey moved summer time to Monday 31 March 2014 and its end to 8 November 2015,
    and stayed on +03 from 7 September 2016."""
    onsets = _onsets(_ics(vtimezone("Europe/Istanbul", START, END)), LAST)
    days = {instant.astimezone(ZoneInfo("Europe/Istanbul")).date() for instant, _, _ in onsets}
    assert date(2014, 3, 31) in days
    assert date(2014, 3, 30) not in days
    assert date(2015, 11, 8) in days
    assert date(2015, 10, 25) not in days
    after_2016 = [o for o in onsets if o[0] > datetime(2016, 9, 8, tzinfo=UTC)]
    assert all(after == timedelta(hours=3) for _, _, after in after_2016)


def test_fixed_offset_zone_still_has_a_rule() -> None:
    ics = _ics(vtimezone("Asia/Baghdad", START, END))
    assert "TZOFFSETTO:+0300" in ics
    assert "TZOFFSETFROM:+0300" in ics
    assert "DAYLIGHT" not in ics  # Iraq has kept +03 all year since 2008


def test_components_are_cached_per_zone_and_span() -> None:
    first = vtimezone("Europe/Oslo", START, END)
    assert vtimezone("Europe/Oslo", START, END) is first
    assert vtimezone("Europe/Oslo", START, END + timedelta(days=1)) is not first
    assert vtimezone("Europe/Zurich", START, END) is not first


# Gap 1 of issue 16: the zone's first change in the span comes after the instant (or the
# zone never changes), so only an observance before the change can describe it.
BEFORE_FIRST_CHANGE = [
    ("Europe/Moscow", datetime(2014, 2, 1, 10)),
    ("Asia/Pyongyang", datetime(2015, 2, 1, 10)),
    ("America/Caracas", datetime(2016, 2, 1, 10)),
    ("Europe/Volgograd", datetime(2020, 2, 1, 10)),
    ("Asia/Kathmandu", datetime(1985, 2, 1, 10)),
    ("America/Thule", datetime(1990, 2, 1, 10)),
    ("Asia/Baghdad", datetime(1965, 2, 1, 10)),
    ("UTC", datetime(1950, 2, 1, 10)),
]


def _rfc_offset(ics: str, instant: datetime) -> timedelta:
    onsets = _onsets(ics, instant.year + 1)
    index = bisect.bisect_right([onset for onset, _, _ in onsets], instant) - 1
    assert index >= 0, f"no observance describes {instant}"
    return onsets[index][2]


@pytest.mark.parametrize(("name", "wall"), BEFORE_FIRST_CHANGE)
def test_an_instant_before_the_zones_first_change_has_an_observance(
    name: str, wall: datetime
) -> None:
    tz = ZoneInfo(name)
    instant = wall.replace(tzinfo=tz).astimezone(UTC)
    component = vtimezone(name, instant, instant + timedelta(hours=2))
    expected = instant.astimezone(tz).utcoffset()
    assert _rfc_offset(_ics(component), instant) == expected
    assert instant.astimezone(_vobject_tzinfo(component)).utcoffset() == expected


def _starts(ics: str) -> list[datetime]:
    return [
        datetime.strptime(value, "%Y%m%dT%H%M%S")
        for value in re.findall(r"BEGIN:(?:STANDARD|DAYLIGHT)\r\nDTSTART:(\d{8}T\d{6})", ics)
    ]


@pytest.mark.parametrize("name", [*ZONES, "Europe/Moscow", "America/New_York", "Africa/Casablanca"])
def test_no_observance_starts_after_the_span(name: str) -> None:
    """Gap 2: the bundled tour ends in November 2014; Istanbul changed in 2015 and 2016."""
    start, end = datetime(2014, 10, 20, tzinfo=UTC), datetime(2014, 11, 10, tzinfo=UTC)
    starts = _starts(_ics(vtimezone(name, start, end)))
    assert starts
    assert max(starts) <= (end + timedelta(hours=14)).replace(tzinfo=None)


@pytest.mark.parametrize("name", [*ZONES, "Europe/Moscow", "America/New_York", "Africa/Casablanca"])
def test_every_onset_is_a_real_change(name: str) -> None:
    """A client that reuses the zone after the feed is never told of a change that tzdata
    does not make: each onset the rules generate, up to 2037, is in tzdata."""
    start, end = datetime(2014, 10, 20, tzinfo=UTC), datetime(2014, 11, 10, tzinfo=UTC)
    tz = ZoneInfo(name)
    real = set(_tzdata_changes(tz, 2013, 2037))
    onsets = _onsets(_ics(vtimezone(name, start, end)), 2037)
    invented = [onset for onset, before, after in onsets if before != after and onset not in real]
    assert not invented


@pytest.mark.parametrize("name", ["Europe/Oslo", "America/New_York", "Australia/Lord_Howe"])
def test_rules_tzdata_still_follows_stay_open(name: str) -> None:
    """A client that reuses the zone for a later event still gets the right offset."""
    start, end = datetime(2014, 10, 20, tzinfo=UTC), datetime(2014, 11, 10, tzinfo=UTC)
    tzinfo = _vobject_tzinfo(vtimezone(name, start, end))
    tz = ZoneInfo(name)
    for moment in _hours(tz, 2020, 2020)[::7]:
        assert moment.astimezone(tzinfo).utcoffset() == moment.astimezone(tz).utcoffset()
