"""The rules that mutation testing showed no test would miss if they broke (issue 13,
point 10): nesting, the reach of a date-only event, a timed event against a whole day in
another city, late arrival on the venue's calendar, when a leg counts as travel, several
problems at once, the order of parts of the day, and the zone a day starts in.

Each test builds a small programme and roster as a coordinator would write them, and
states the expected result from the dates and zones alone (zoneinfo as the oracle).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from icssi_itinerary import (
    Check,
    DateSpan,
    Itinerary,
    PluginError,
    Problem,
    Programme,
    build_itinerary,
    get_checks,
    load_programme,
    load_roster,
    run_checks,
    sort_key,
    zone,
)

VENUES = {
    "oslo": ("Oslo", "Europe/Oslo"),
    "geneva": ("Geneva", "Europe/Zurich"),
    "auckland": ("Auckland", "Pacific/Auckland"),
    "baghdad": ("Baghdad", "Asia/Baghdad"),
}


def programme(tmp_path: Path, events: str) -> Programme:
    venues = "".join(
        f'[[venues]]\nid = "{key}"\nname = "{city} hall"\ncity = "{city}"\ntimezone = "{tz}"\n\n'
        for key, (city, tz) in VENUES.items()
    )
    path = tmp_path / "programme.toml"
    path.write_text(f'[programme]\nid = "p"\ntitle = "P"\n\n{venues}{events}', encoding="utf-8")
    return load_programme(path)


def itinerary(tmp_path: Path, events: str, legs: str = "", everything: str = "*") -> Itinerary:
    plan = programme(tmp_path, events)
    roster = tmp_path / "roster.toml"
    roster.write_text(
        f'[[delegates]]\nid = "d"\nname = "D"\nevents = ["{everything}"]\n\n{legs}',
        encoding="utf-8",
    )
    people = load_roster(roster, plan)
    return build_itinerary(plan, people.delegates[0], list(get_checks().values()))


def codes(found: Itinerary, code: str | None = None) -> list[tuple[str, tuple[str, ...]]]:
    """The problems found (only those of *code*, if given), as sorted (code, items)."""
    return sorted(
        (problem.code, tuple(sorted(problem.items)))
        for problem in found.problems
        if code is None or problem.code == code
    )


def event(event_id: str, venue: str, start: str, end: str | None = None, **more: str) -> str:
    lines = [f'id = "{event_id}"', f'title = "{event_id}"', 'kind = "session"']
    lines += [f'venue = "{venue}"'] if venue else []
    lines += [f"start = {start}"] + ([f"end = {end}"] if end else [])
    lines += [f'{key} = "{value}"' for key, value in more.items()]
    return "[[events]]\n" + "\n".join(lines) + "\n\n"


def leg(leg_id: str, origin: str, destination: str, departs: str, arrives: str) -> str:
    (from_city, from_tz), (to_city, to_tz) = VENUES[origin], VENUES[destination]
    return (
        f'[[legs]]\nid = "{leg_id}"\ndelegate = "d"\nmode = "flight"\n'
        f'from = "{from_city}"\nfrom_timezone = "{from_tz}"\ndeparts = {departs}\n'
        f'to = "{to_city}"\nto_timezone = "{to_tz}"\narrives = {arrives}\n\n'
    )


# --- nesting ---------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["parent first", "session first"])
def test_a_session_never_clashes_with_the_conference_it_is_nested_in(
    tmp_path: Path, order: str
) -> None:
    conference = event("conference", "oslo", "2014-10-27T09:00:00", "2014-10-27T18:00:00")
    day = event("day", "", "2014-10-27T09:00:00", "2014-10-27T17:00:00", parent="conference")
    talk = event("talk", "", "2014-10-27T10:00:00", "2014-10-27T11:00:00", parent="day")
    other = event("other", "oslo", "2014-10-27T10:30:00", "2014-10-27T11:30:00")
    events = conference + day + talk + other if order == "parent first" else (
        other + conference + day + talk
    )  # fmt: skip
    found = codes(itinerary(tmp_path, events))
    # the grandchild and both its parents are nested; 'other' clashes with all three
    assert found == [
        ("overlap", ("conference", "other")),
        ("overlap", ("day", "other")),
        ("overlap", ("other", "talk")),
    ]


# --- whole days and timed events -------------------------------------------------------


def test_a_whole_day_reaches_an_event_on_the_same_local_date_far_off_in_utc(
    tmp_path: Path,
) -> None:
    """29 Oct in Oslo begins 28 Oct 23:00 UTC; 29 Oct 05:00 in Auckland is 28 Oct 16:00
    UTC: no instant in common, but the same date in two cities, which cannot be."""
    oslo_start = datetime(2014, 10, 29, tzinfo=ZoneInfo("Europe/Oslo")).astimezone(UTC)
    auckland = datetime(2014, 10, 29, 5, tzinfo=ZoneInfo("Pacific/Auckland")).astimezone(UTC)
    assert auckland < oslo_start  # the oracle: the two never share an instant
    events = event("forum", "oslo", "2014-10-29")
    events += event("call", "auckland", "2014-10-29T05:00:00", "2014-10-29T06:00:00")
    assert codes(itinerary(tmp_path, events), "overlap") == [("overlap", ("call", "forum"))]


def test_a_timed_event_on_a_whole_day_elsewhere_clashes_and_in_the_same_city_does_not(
    tmp_path: Path,
) -> None:
    events = event("review", "geneva", "2014-11-03")
    events += event("meeting", "oslo", "2014-11-03T15:00:00", "2014-11-03T16:00:00")
    events += event("lunch", "geneva", "2014-11-03T12:00:00", "2014-11-03T13:00:00")
    found = itinerary(tmp_path, events)
    assert codes(found, "overlap") == [("overlap", ("meeting", "review"))]
    overlap = next(problem for problem in found.problems if problem.code == "overlap")
    assert "in different cities" in overlap.message


# --- late arrival ----------------------------------------------------------------------


def test_late_arrival_compares_the_arrival_on_the_venues_calendar(tmp_path: Path) -> None:
    """Landing 27 Oct 22:30 in Baghdad's clock (UTC+3) is 27 Oct 19:30 UTC; for a whole
    day in Auckland (UTC+13) that is already 28 Oct: late for an event on 28 Oct? No,
    it begins that day; late for one on 27 Oct? Yes, on Auckland's calendar."""
    arrival = datetime(2014, 10, 27, 22, 30, tzinfo=ZoneInfo("Asia/Baghdad"))
    assert arrival.astimezone(ZoneInfo("Pacific/Auckland")).day == 28  # the oracle
    legs = (
        '[[legs]]\nid = "in"\ndelegate = "d"\nmode = "flight"\nfrom = "Oslo"\n'
        'from_timezone = "Europe/Oslo"\ndeparts = 2014-10-27T10:00:00\nto = "Auckland"\n'
        'to_timezone = "Asia/Baghdad"\narrives = 2014-10-27T22:30:00\n\n'
    )
    late = itinerary(tmp_path, event("welcome", "auckland", "2014-10-27", end="2014-10-29"), legs)
    assert ("late-arrival", ("in", "welcome")) in codes(late)
    on_time = itinerary(tmp_path, event("welcome", "auckland", "2014-10-28"), legs)
    assert not [c for c in codes(on_time) if c[0] == "late-arrival"]


# --- travel between cities -------------------------------------------------------------


def _two_cities() -> str:
    return event("oslo-day", "oslo", "2014-10-28T09:00:00", "2014-10-28T17:00:00") + event(
        "geneva-day", "geneva", "2014-11-03T09:00:00", "2014-11-03T17:00:00"
    )


@pytest.mark.parametrize(
    ("departs", "arrives", "warned"),
    [
        ("2014-10-30T10:00:00", "2014-10-30T12:00:00", False),  # between the two
        ("2014-10-20T10:00:00", "2014-10-20T12:00:00", True),  # before the first began
        ("2014-11-04T10:00:00", "2014-11-04T12:00:00", True),  # after the second ended
    ],
)
def test_only_a_leg_between_the_two_events_counts_as_travel(
    tmp_path: Path, departs: str, arrives: str, warned: bool
) -> None:
    found = itinerary(tmp_path, _two_cities(), leg("go", "oslo", "geneva", departs, arrives))
    assert (("no-travel", ("geneva-day", "oslo-day")) in codes(found)) == warned


def test_every_problem_of_an_itinerary_is_found_not_only_the_first(tmp_path: Path) -> None:
    events = _two_cities()
    events += event("clash-1", "oslo", "2014-10-28T10:00:00", "2014-10-28T11:00:00")
    events += event("clash-2", "geneva", "2014-11-03T10:00:00", "2014-11-03T11:00:00")
    events += event("baghdad", "baghdad", "2014-11-06T10:00:00", "2014-11-06T11:00:00")
    # in time order: oslo-day, clash-1 | geneva-day, clash-2 | baghdad; two clashes,
    # and no leg at each of the two changes of city
    assert codes(itinerary(tmp_path, events)) == [
        ("no-travel", ("baghdad", "clash-2")),
        ("no-travel", ("clash-1", "geneva-day")),
        ("overlap", ("clash-1", "oslo-day")),
        ("overlap", ("clash-2", "geneva-day")),
    ]


# --- order within a day, and where a day starts ----------------------------------------


def test_parts_of_the_day_sort_morning_midday_afternoon_evening_night(tmp_path: Path) -> None:
    parts = ["night", "evening", "afternoon", "midday", "morning"]
    events = "".join(event(part, "oslo", "2014-10-28", part_of_day=part) for part in parts)
    found = itinerary(tmp_path, events)
    assert [item.id for item in sorted(found.items, key=sort_key)] == parts[::-1]


@pytest.mark.parametrize("name", ["Europe/Oslo", "Asia/Baghdad", "Pacific/Auckland", "UTC"])
def test_a_whole_day_starts_at_midnight_in_its_own_zone(name: str) -> None:
    span = DateSpan(datetime(2014, 10, 29).date(), datetime(2014, 10, 30).date(), zone(name))
    expected = datetime(2014, 10, 29, tzinfo=ZoneInfo(name))
    assert span.start == expected and span.start.astimezone(UTC) == expected.astimezone(UTC)
    assert span.end == datetime(2014, 10, 31, tzinfo=ZoneInfo(name))


# --- a failing check -------------------------------------------------------------------


def _broken(itinerary: Itinerary) -> list[Problem]:
    raise ValueError("no")


@pytest.mark.parametrize(
    ("plugin", "message"),
    [
        ("their-plugin", "check 'broken' of plugin 'their-plugin' failed: ValueError('no')"),
        ("", "check 'broken' failed: ValueError('no')"),
    ],
)
def test_a_failing_check_is_named_with_its_plugin(
    tmp_path: Path, plugin: str, message: str
) -> None:
    found = itinerary(tmp_path, event("talk", "oslo", "2014-10-28T10:00:00", "2014-10-28T11:00:00"))
    with pytest.raises(PluginError) as raised:
        run_checks(found, [Check("broken", _broken, plugin=plugin)])
    assert str(raised.value) == message
