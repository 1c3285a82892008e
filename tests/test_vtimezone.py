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
from zoneinfo import ZoneInfo

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


def _ics(component: object) -> str:
    return component.to_ical().decode()  # type: ignore[attr-defined]


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
    ics = _ics(vtimezone(name, FIRST, LAST))
    assert f"TZID:{name}\r\n" in ics
    blocks = re.findall(r"BEGIN:(?:STANDARD|DAYLIGHT)\r\n(.*?)END:", ics, re.S)
    assert blocks
    for block in blocks:
        assert "RRULE:FREQ=YEARLY" in block
        assert "RDATE" not in block


@pytest.mark.parametrize("name", ZONES)
def test_rules_reproduce_tzdata_every_hour(name: str) -> None:
    """RFC 5545 reading: before the first onset, TZOFFSETFROM of that onset applies."""
    onsets = _onsets(_ics(vtimezone(name, FIRST, LAST)), LAST)
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


@pytest.mark.parametrize("name", ZONES)
def test_a_client_using_only_our_rules_agrees_with_tzdata(name: str) -> None:
    """vobject builds its tzinfo from the component (renamed, so no database can help)."""
    ics = _ics(vtimezone(name, FIRST - 1, LAST + 1)).replace(f"TZID:{name}", "TZID:Custom/Zone")
    calendar = vobject.readOne(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{ics}END:VCALENDAR\r\n")
    tzinfo = calendar.vtimezone.gettzinfo()
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
    onsets = _onsets(_ics(vtimezone("Europe/Istanbul", FIRST, LAST)), LAST)
    days = {instant.astimezone(ZoneInfo("Europe/Istanbul")).date() for instant, _, _ in onsets}
    assert date(2014, 3, 31) in days
    assert date(2014, 3, 30) not in days
    assert date(2015, 11, 8) in days
    assert date(2015, 10, 25) not in days
    after_2016 = [o for o in onsets if o[0] > datetime(2016, 9, 8, tzinfo=UTC)]
    assert all(after == timedelta(hours=3) for _, _, after in after_2016)


def test_fixed_offset_zone_still_has_a_rule() -> None:
    ics = _ics(vtimezone("Asia/Baghdad", FIRST, LAST))
    assert "TZOFFSETTO:+0300" in ics
    assert "TZOFFSETFROM:+0300" in ics
    assert "DAYLIGHT" not in ics  # Iraq has kept +03 all year since 2008


def test_components_are_cached_per_zone_and_years() -> None:
    first = vtimezone("Europe/Oslo", 2013, 2015)
    assert vtimezone("Europe/Oslo", 2013, 2015) is first
    assert vtimezone("Europe/Oslo", 2013, 2016) is not first
    assert vtimezone("Europe/Zurich", 2013, 2015) is not first
