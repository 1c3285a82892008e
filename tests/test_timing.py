"""Zones, wall-clock times and spans, checked against the standard library.

The oracle throughout is ``zoneinfo.ZoneInfo`` + ``datetime``: the library uses pendulum,
so the instants it gives must agree with what the stdlib computes from the same rules.
Zone data for the oracle is read from the ``tzdata`` package, as the library promises.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icssi_itinerary import DateSpan, TimeSpan, in_zone, localize, zone
from icssi_itinerary.timing import Fold, TimingError

OSLO = "Europe/Oslo"
BAGHDAD = "Asia/Baghdad"


def tzdata_zone(name: str) -> ZoneInfo:
    """The stdlib's reading of the zone as the ``tzdata`` package ships it."""
    with resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).open("rb") as data:
        return ZoneInfo.from_file(data, key=name)


def oracle(wall: datetime, name: str, fold: int) -> datetime:
    """The UTC instant zoneinfo gives for *wall* in *name* with *fold*."""
    return wall.replace(tzinfo=tzdata_zone(name), fold=fold).astimezone(UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- zone() -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Europe/Oslo", "Europe/Zurich", "Europe/Brussels", BAGHDAD])
def test_zone_offsets_agree_with_tzdata(name: str) -> None:
    tz = zone(name)
    assert tz.key == name
    reference = tzdata_zone(name)
    for moment in (utc(2014, 1, 15, 12), utc(2014, 7, 15, 12), utc(2014, 11, 3, 9)):
        assert moment.astimezone(tz).utcoffset() == moment.astimezone(reference).utcoffset()


def test_zone_does_not_need_the_hosts_zone_files(tmp_path: Path) -> None:
    """With an empty system zone path, zones still come from the tzdata package."""
    script = (
        "from icssi_itinerary import zone, localize\n"
        "from datetime import datetime\n"
        "print(localize(datetime(2014, 11, 3, 10), zone('Europe/Zurich')).isoformat())\n"
    )
    env = {**os.environ, "PYTHONTZPATH": str(tmp_path), "TZ": "UTC"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2014-11-03T10:00:00+01:00"


@pytest.mark.parametrize(
    "name", ["+03:00", "-05:00", "+0300", "UTC+3", "UTC-03:00", "GMT+1", "Etc/GMT-3", "Etc/GMT+5"]
)
def test_zone_refuses_fixed_offsets_and_says_what_to_use(name: str) -> None:
    with pytest.raises(TimingError) as caught:
        zone(name)
    message = str(caught.value)
    assert name in message
    assert "offset" in message
    assert "IANA" in message
    assert "Asia/Baghdad" in message  # a concrete example of what to give instead


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "Europe/Osloo", "europe/oslo", "Baghdad"])
def test_zone_refuses_unknown_names_and_says_what_to_use(name: str) -> None:
    with pytest.raises(TimingError) as caught:
        zone(name)
    message = str(caught.value)
    assert f"'{name}'" in message
    assert "unknown" in message
    assert "IANA" in message


def test_timing_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        zone("+03:00")


# --- localize(): the Oslo fold and gap of 2014 ------------------------------------------


@pytest.mark.parametrize("minute", [0, 30, 59])
def test_autumn_fold_is_refused_without_a_fold(minute: int) -> None:
    with pytest.raises(TimingError) as caught:
        localize(datetime(2014, 10, 26, 2, minute), zone(OSLO))
    message = str(caught.value)
    assert f"2014-10-26 02:{minute:02d}" in message
    assert OSLO in message
    assert "twice" in message
    assert 'fold = "earlier"' in message and 'fold = "later"' in message


@pytest.mark.parametrize(
    ("fold", "oracle_fold", "expected_utc", "offset_hours"),
    [("earlier", 0, utc(2014, 10, 26, 0, 30), 2), ("later", 1, utc(2014, 10, 26, 1, 30), 1)],
)
def test_autumn_fold_is_resolved_by_fold(
    fold: Fold, oracle_fold: int, expected_utc: datetime, offset_hours: int
) -> None:
    wall = datetime(2014, 10, 26, 2, 30)
    moment = localize(wall, zone(OSLO), fold=fold)
    assert moment.astimezone(UTC) == expected_utc
    assert moment.astimezone(UTC) == oracle(wall, OSLO, oracle_fold)
    assert moment.utcoffset() == timedelta(hours=offset_hours)
    assert moment.replace(tzinfo=None) == wall  # the wall clock is what was given
    # In Baghdad (UTC+3 all year) the two are an hour apart.
    assert in_zone(moment, zone(BAGHDAD)).hour == 3 + (fold == "later")


def test_the_two_fold_choices_are_an_hour_apart() -> None:
    wall = datetime(2014, 10, 26, 2, 0)
    earlier = localize(wall, zone(OSLO), fold="earlier")
    later = localize(wall, zone(OSLO), fold="later")
    assert later.astimezone(UTC) - earlier.astimezone(UTC) == timedelta(hours=1)


@pytest.mark.parametrize("fold", [None, "earlier", "later"])
@pytest.mark.parametrize("minute", [0, 30, 59])
def test_spring_gap_is_always_refused(fold: Fold | None, minute: int) -> None:
    with pytest.raises(TimingError) as caught:
        localize(datetime(2014, 3, 30, 2, minute), zone(OSLO), fold=fold)
    message = str(caught.value)
    assert f"2014-03-30 02:{minute:02d}" in message
    assert OSLO in message
    assert "does not exist" in message


@pytest.mark.parametrize(
    "wall",
    [
        datetime(2014, 3, 30, 1, 59),  # just before the gap
        datetime(2014, 3, 30, 3, 0),  # just after it
        datetime(2014, 10, 26, 1, 59),  # just before the fold
        datetime(2014, 10, 26, 3, 0),  # just after it
        datetime(2014, 10, 27, 18, 0),
        datetime(2014, 7, 1, 12, 0),
    ],
)
@pytest.mark.parametrize("fold", [None, "earlier", "later"])
def test_ordinary_times_pass_whatever_the_fold(wall: datetime, fold: Fold | None) -> None:
    moment = localize(wall, zone(OSLO), fold=fold)
    assert moment.replace(tzinfo=None) == wall
    assert moment.astimezone(UTC) == oracle(wall, OSLO, 0) == oracle(wall, OSLO, 1)


def test_localize_refuses_an_aware_datetime() -> None:
    with pytest.raises(TimingError, match="local time only"):
        localize(datetime(2014, 11, 3, 10, tzinfo=UTC), zone("Europe/Zurich"))


def test_baghdad_is_never_ambiguous_in_2014() -> None:
    tz = zone(BAGHDAD)
    wall = datetime(2014, 1, 1)
    while wall.year == 2014:
        moment = localize(wall, tz)  # no fold needed, nothing refused
        assert moment.utcoffset() == timedelta(hours=3)
        assert moment.astimezone(UTC) == oracle(wall, BAGHDAD, 0)
        wall += timedelta(minutes=30)


# --- DateSpan ---------------------------------------------------------------------------


def test_date_span_days_are_inclusive_and_end_date_exclusive() -> None:
    span = DateSpan(date(2014, 10, 27), date(2014, 10, 29), zone(OSLO))
    assert span.days() == [date(2014, 10, 27), date(2014, 10, 28), date(2014, 10, 29)]
    assert span.end_date == date(2014, 10, 30)
    assert span.all_day is True
    assert span.part_of_day is None


def test_one_day_span_with_part_of_day_keeps_the_label_not_a_time() -> None:
    span = DateSpan(date(2014, 10, 27), date(2014, 10, 27), zone(OSLO), "evening")
    assert span.days() == [date(2014, 10, 27)]
    assert span.end_date == date(2014, 10, 28)
    assert span.part_of_day == "evening"
    # The evening is not turned into an hour: the span still covers the whole day.
    assert span.end.astimezone(UTC) - span.start.astimezone(UTC) == timedelta(hours=24)


def test_date_span_instants_are_the_places_midnights() -> None:
    span = DateSpan(date(2014, 10, 27), date(2014, 10, 29), zone(OSLO))
    assert span.start.astimezone(UTC) == utc(2014, 10, 26, 23)
    assert span.end.astimezone(UTC) == utc(2014, 10, 29, 23)
    assert span.start.astimezone(UTC) == oracle(datetime(2014, 10, 27), OSLO, 0)
    assert span.end.astimezone(UTC) == oracle(datetime(2014, 10, 30), OSLO, 0)
    # In Baghdad the Oslo conference starts at 02:00 on 27 October.
    assert in_zone(span.start, zone(BAGHDAD)).replace(tzinfo=None) == datetime(2014, 10, 27, 2)


def test_date_span_over_the_fold_day_lasts_25_hours() -> None:
    span = DateSpan(date(2014, 10, 26), date(2014, 10, 26), zone(OSLO))
    assert span.start.astimezone(UTC) == utc(2014, 10, 25, 22)
    assert span.end.astimezone(UTC) == utc(2014, 10, 26, 23)


def test_date_span_starts_after_a_skipped_midnight() -> None:
    """São Paulo skipped 00:00-01:00 on 19 Oct 2014: the day began at 01:00 (-02:00)."""
    name = "America/Sao_Paulo"
    span = DateSpan(date(2014, 10, 19), date(2014, 10, 19), zone(name))
    assert span.start.astimezone(UTC) == utc(2014, 10, 19, 3)
    assert span.start.astimezone(UTC) == oracle(datetime(2014, 10, 19, 1), name, 0)
    assert span.end.astimezone(UTC) == oracle(datetime(2014, 10, 20), name, 0)


def test_date_span_starts_at_the_first_of_two_midnights() -> None:
    """Havana set clocks back from 01:00 to 00:00 on 2 Nov 2014: midnight came twice."""
    name = "America/Havana"
    span = DateSpan(date(2014, 11, 2), date(2014, 11, 2), zone(name))
    assert span.start.astimezone(UTC) == oracle(datetime(2014, 11, 2), name, 0)
    assert span.start.astimezone(UTC) == utc(2014, 11, 2, 4)


# --- TimeSpan ---------------------------------------------------------------------------


def test_time_span_in_zone_keeps_the_instants() -> None:
    zurich = zone("Europe/Zurich")
    span = TimeSpan(
        localize(datetime(2014, 11, 3, 10), zurich), localize(datetime(2014, 11, 3, 12), zurich)
    )
    shown = span.in_zone(zone(BAGHDAD))
    assert shown.start.astimezone(UTC) == span.start.astimezone(UTC) == utc(2014, 11, 3, 9)
    assert shown.end.astimezone(UTC) == span.end.astimezone(UTC) == utc(2014, 11, 3, 11)
    assert shown.start.replace(tzinfo=None) == datetime(2014, 11, 3, 12)
    assert shown.end.replace(tzinfo=None) == datetime(2014, 11, 3, 14)
    assert shown.zone.key == BAGHDAD
    assert span.zone.key == "Europe/Zurich"
    assert shown.duration == span.duration == timedelta(hours=2)


def test_duration_across_the_fold_is_elapsed_time() -> None:
    oslo = zone(OSLO)
    span = TimeSpan(
        localize(datetime(2014, 10, 26, 1, 30), oslo),  # CEST, +02:00
        localize(datetime(2014, 10, 26, 2, 30), oslo, fold="later"),  # CET, +01:00
    )
    assert span.duration == timedelta(hours=2)
    assert span.duration == oracle(datetime(2014, 10, 26, 2, 30), OSLO, 1) - oracle(
        datetime(2014, 10, 26, 1, 30), OSLO, 0
    )


def test_duration_across_the_gap_is_elapsed_time() -> None:
    oslo = zone(OSLO)
    span = TimeSpan(
        localize(datetime(2014, 3, 30, 1, 30), oslo), localize(datetime(2014, 3, 30, 3, 30), oslo)
    )
    assert span.duration == timedelta(hours=1)


def test_duration_of_a_flight_between_zones() -> None:
    """Baghdad 08:00 (+03:00) to Oslo 12:00 (+01:00) on 26 Oct 2014 is six hours."""
    span = TimeSpan(
        localize(datetime(2014, 10, 26, 8), zone(BAGHDAD)),
        localize(datetime(2014, 10, 26, 12), zone(OSLO)),
    )
    assert span.duration == timedelta(hours=6)
    assert span.zone.key == BAGHDAD
    assert isinstance(span.end.tzinfo, ZoneInfo)
    assert span.end.tzinfo.key == OSLO  # the end stays on the arrival clock


# --- property: localize agrees with zoneinfo ---------------------------------------------

ZONES = [
    "UTC",
    "Europe/Oslo",
    "Europe/Zurich",
    "Europe/Brussels",
    "Europe/London",
    "Europe/Dublin",  # negative DST in the rules
    "Europe/Moscow",  # permanent changes in 2011 and 2014
    "Europe/Istanbul",
    "Asia/Baghdad",
    "Asia/Tehran",
    "Asia/Kathmandu",  # +05:45
    "Asia/Gaza",
    "Africa/Casablanca",  # DST suspended for Ramadan
    "America/New_York",
    "America/Sao_Paulo",  # transitions at midnight
    "America/Havana",
    "America/St_Johns",  # -03:30
    "Australia/Lord_Howe",  # 30-minute DST
    "Pacific/Apia",  # skipped 30 Dec 2011 entirely
    "Pacific/Chatham",
    "Antarctica/Troll",  # two-hour DST
]


@cache
def transitions(name: str) -> list[tuple[datetime, timedelta, timedelta]]:
    """(UTC instant, offset before, offset after) of every change 1990-2037, per zoneinfo."""
    reference = tzdata_zone(name)
    found: list[tuple[datetime, timedelta, timedelta]] = []
    day = utc(1989, 12, 31, 12)
    before = day.astimezone(reference).utcoffset()
    assert before is not None
    while day.year < 2038:
        after_day = day + timedelta(days=1)
        after = after_day.astimezone(reference).utcoffset()
        assert after is not None
        if after != before:
            low, high = 0, 24 * 60  # bisect, in whole minutes, to the change
            while high - low > 1:
                middle = (low + high) // 2
                moment = day + timedelta(minutes=middle)
                if moment.astimezone(reference).utcoffset() == before:
                    low = middle
                else:
                    high = middle
            found.append((day + timedelta(minutes=high), before, after))
        day, before = after_day, after
    return found


@st.composite
def near_transitions(draw: st.DrawFn) -> tuple[str, datetime]:
    """A zone and a wall-clock time in, or within an hour of, one of its gaps or folds."""
    name = draw(st.sampled_from([each for each in ZONES if transitions(each)]))
    instant, before, after = draw(st.sampled_from(transitions(name)))
    edge = instant.replace(tzinfo=None) + min(before, after)
    width = abs(after - before) // timedelta(minutes=1)
    return name, edge + timedelta(minutes=draw(st.integers(-60, width + 60)))


def test_the_zone_list_has_gaps_and_folds() -> None:
    """The biased strategy below only means something if the zones change offsets."""
    changes = [change for name in ZONES for change in transitions(name)]
    assert any(after > before for _, before, after in changes)
    assert any(after < before for _, before, after in changes)
    assert not transitions("UTC")
    assert not [instant for instant, _, _ in transitions(BAGHDAD) if instant.year >= 2008]
    # Europe/Oslo in 2014: 01:00 UTC on 30 March and on 26 October.
    oslo = [instant for instant, _, _ in transitions(OSLO) if instant.year == 2014]
    assert oslo == [utc(2014, 3, 30, 1), utc(2014, 10, 26, 1)]


anywhere = st.tuples(
    st.sampled_from(ZONES),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2037, 12, 31, 23, 59)),
)


@settings(max_examples=600, deadline=None)
@given(
    case=st.one_of(anywhere, near_transitions()), fold=st.sampled_from([None, "earlier", "later"])
)
def test_localize_agrees_with_zoneinfo(case: tuple[str, datetime], fold: Fold | None) -> None:
    name, wall = case
    early, late = oracle(wall, name, 0), oracle(wall, name, 1)
    reference = tzdata_zone(name)
    skipped = early.astimezone(reference).replace(tzinfo=None) != wall
    repeated = not skipped and early != late
    try:
        moment = localize(wall, zone(name), fold=fold)
    except TimingError:
        assert skipped or (repeated and fold is None), (name, wall, fold)
        return
    assert not skipped, (name, wall, fold)
    assert not (repeated and fold is None)
    assert moment.tzinfo is not None and moment.utcoffset() is not None
    assert moment.replace(tzinfo=None) == wall
    assert moment.astimezone(UTC) == (late if fold == "later" else early)


# --- rules mutation testing found unguarded (benchmarks/mutation.py) -------------------


def test_an_old_zone_name_gives_its_current_name_and_a_current_one_stays() -> None:
    from icssi_itinerary.timing import current_name

    assert current_name("Europe/Kiev") == "Europe/Kyiv"
    assert current_name("Asia/Calcutta") == "Asia/Kolkata"
    assert current_name("Europe/Oslo") == "Europe/Oslo"
    assert current_name("Asia/Baghdad") == "Asia/Baghdad"


def test_localize_keeps_the_microseconds_and_durations_count_them() -> None:
    tz = zone("Asia/Baghdad")
    start = localize(datetime(2014, 10, 26, 4, 10, 0, 250_000), tz)
    assert start.microsecond == 250_000
    assert start == datetime(2014, 10, 26, 4, 10, 0, 250_000, tzinfo=ZoneInfo("Asia/Baghdad"))
    end = localize(datetime(2014, 10, 26, 6, 25, 0, 750_000), zone("Europe/Istanbul"))
    assert TimeSpan(start, end).duration == timedelta(hours=3, minutes=15, microseconds=500_000)


def test_a_skipped_and_a_repeated_time_say_how_to_fix_them() -> None:
    oslo = zone("Europe/Oslo")
    with pytest.raises(TimingError) as skipped:
        localize(datetime(2014, 3, 30, 2, 30), oslo)
    assert str(skipped.value) == (
        "2014-03-30 02:30 does not exist in Europe/Oslo (clocks jump forward over it); "
        "give the wall-clock time after the change"
    )
    with pytest.raises(TimingError) as repeated:
        localize(datetime(2014, 10, 26, 2, 30), oslo)
    assert str(repeated.value) == (
        "2014-10-26 02:30 happens twice in Europe/Oslo (clocks go back); "
        'add fold = "earlier" or fold = "later" to say which'
    )


def test_a_day_whose_midnight_is_skipped_starts_when_the_clocks_jump_in_its_zone() -> None:
    """São Paulo skipped 00:00-01:00 on 19 Oct 2014: the day began at 01:00 -02."""
    span = DateSpan(date(2014, 10, 19), date(2014, 10, 19), zone("America/Sao_Paulo"))
    assert span.start.astimezone(UTC) == datetime(2014, 10, 19, 3, tzinfo=UTC)
    assert span.start.timezone_name == "America/Sao_Paulo"
    assert (span.start.hour, span.start.minute) == (1, 0)
