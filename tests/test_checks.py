"""The built-in itinerary checks, custom checks, and ``icssi-itinerary validate``.

Each built-in check is made to fire by a crafted roster (written to tmp_path as the CSV
files a coordinator would keep), and each is silent on the clean sample roster.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT, SAMPLE_ROSTER
from icssi_itinerary import (
    Check,
    Itinerary,
    PluginError,
    Problem,
    Programme,
    Roster,
    build_itinerary,
    get_checks,
    load_programme,
    load_roster,
    validate,
)
from icssi_itinerary.cli import cli

BUILT_IN = {"overlap", "late-arrival", "no-travel", "no-stay"}
LEG_COLUMNS = (
    "id", "delegate", "mode", "from", "from_timezone", "departs", "to", "to_timezone", "arrives",
)  # fmt: skip
ZONES = {
    "Baghdad": "Asia/Baghdad",
    "Oslo": "Europe/Oslo",
    "Geneva": "Europe/Zurich",
    "Brussels": "Europe/Brussels",
}


def leg(leg_id: str, origin: str, destination: str, departs: str, arrives: str) -> tuple[str, ...]:
    """A legs.csv row without its delegate: local times in the zones of the two cities."""
    return (leg_id, origin, ZONES[origin], departs, destination, ZONES[destination], arrives)


def stay(city: str, check_in: str, check_out: str) -> tuple[str, ...]:
    """A stays.csv row without its delegate."""
    return ("Hotel", city, ZONES[city], check_in, check_out)


STAY_COLUMNS = ("delegate", "name", "city", "timezone", "check_in", "check_out")

HOME_TO_OSLO = leg("in", "Baghdad", "Oslo", "2014-10-26 04:10", "2014-10-26 11:15")
OSLO_TO_GENEVA = leg("to-geneva", "Oslo", "Geneva", "2014-11-02 17:35", "2014-11-02 20:05")
GENEVA_HOME = leg("out", "Geneva", "Baghdad", "2014-11-04 12:30", "2014-11-04 22:45")
OSLO_STAY = stay("Oslo", "2014-10-26", "2014-11-02")
GENEVA_STAY = stay("Geneva", "2014-11-02", "2014-11-04")


def write_roster(
    folder: Path,
    events: str,
    legs: Iterable[tuple[str, ...]] = (),
    stays: Iterable[tuple[str, ...]] = (),
    delegate: str = "crafted",
) -> Path:
    """A one-delegate roster.csv, with legs.csv and stays.csv beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "roster.csv").write_text(
        f"id,name,home_timezone,events\n{delegate},Crafted Delegate,Asia/Baghdad,{events}\n",
        encoding="utf-8",
    )
    lines = [",".join(LEG_COLUMNS)]
    lines += [",".join((leg[0], delegate, "flight", *leg[1:])) for leg in legs]
    (folder / "legs.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    lines = [",".join(STAY_COLUMNS)]
    lines += [",".join((delegate, *stay)) for stay in stays]
    (folder / "stays.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / "roster.csv"


def itinerary_of(programme: Programme, roster_path: Path) -> Itinerary:
    (delegate,) = load_roster(roster_path, programme).delegates
    return build_itinerary(programme, delegate, get_checks().values())


def by_code(itinerary: Itinerary, code: str) -> list[Problem]:
    return [problem for problem in itinerary.problems if problem.code == code]


def test_the_four_built_in_checks_are_registered() -> None:
    checks = get_checks()
    assert set(checks) >= BUILT_IN
    assert all(checks[name].description for name in BUILT_IN)
    assert {checks[name].plugin for name in BUILT_IN} == {"icssi_itinerary_plugins.checks"}


def test_each_check_function_is_named_after_its_code() -> None:
    for name, check in get_checks().items():
        assert getattr(check.run, "__name__", "") == "check_" + name.replace("-", "_")


def test_the_built_in_checks_use_only_the_public_api() -> None:
    source = (ROOT / "plugins" / "icssi_itinerary_plugins" / "checks.py").read_text()
    imports = [
        line.split()[1]
        for line in source.splitlines()
        if line.lstrip().startswith(("import ", "from "))
    ]
    ours = {name for name in imports if name.startswith("icssi")}
    assert ours == {"icssi_itinerary"}, ours


# --- overlap --------------------------------------------------------------------------


def test_overlap_fires_for_two_timed_commitments_at_once(
    tmp_path: Path, programme: Programme
) -> None:
    """A flight out of Geneva at 11:00 while the 10:00-12:00 session is still on."""
    leaves_early = leg("early", "Geneva", "Brussels", "2014-11-03 11:00", "2014-11-03 12:25")
    path = write_roster(
        tmp_path,
        "upr-iraq",
        legs=[OSLO_TO_GENEVA, leaves_early],
        stays=[stay("Geneva", "2014-11-02", "2014-11-03")],
    )
    itinerary = itinerary_of(programme, path)
    assert [p.code for p in itinerary.problems] == ["overlap"]
    (problem,) = itinerary.problems
    assert problem.severity == "error"
    assert set(problem.items) == {"icssi-geneva-session", "early"}
    assert "ICSSI session at the Palais des Nations" in problem.message

    # leaving after the session ends: nothing to report
    after = leg("late", "Geneva", "Brussels", "2014-11-03 14:00", "2014-11-03 15:25")
    path = write_roster(
        tmp_path / "fine",
        "upr-iraq",
        legs=[OSLO_TO_GENEVA, after],
        stays=[stay("Geneva", "2014-11-02", "2014-11-03")],
    )
    assert itinerary_of(programme, path).problems == ()


def test_overlap_does_not_count_a_session_against_its_own_conference(
    tmp_path: Path, programme: Programme
) -> None:
    path = write_roster(
        tmp_path,
        "icssi-oslo-conference;upr-iraq",
        legs=[HOME_TO_OSLO, OSLO_TO_GENEVA, GENEVA_HOME],
        stays=[OSLO_STAY, GENEVA_STAY],
    )
    assert by_code(itinerary_of(programme, path), "overlap") == []


TWO_CITIES = """\
[programme]
id = "two-cities"
title = "Two cities on one day"

[[venues]]
id = "oslo-hall"
name = "A hall in Oslo"
city = "Oslo"
country = "Norway"
timezone = "Europe/Oslo"

[[venues]]
id = "geneva-hall"
name = "A hall in Geneva"
city = "Geneva"
country = "Switzerland"
timezone = "Europe/Zurich"

[[events]]
id = "oslo-days"
title = "Two days in Oslo"
kind = "conference"
venue = "oslo-hall"
start = 2014-11-02
end = 2014-11-03

[[events]]
id = "geneva-day"
title = "A day in Geneva"
kind = "meeting"
venue = "geneva-hall"
start = 2014-11-03

[[events]]
id = "geneva-later"
title = "Another day in Geneva"
kind = "meeting"
venue = "geneva-hall"
start = 2014-11-04
"""


@pytest.fixture
def two_cities(tmp_path: Path) -> Programme:
    path = tmp_path / "two-cities.toml"
    path.write_text(TWO_CITIES, encoding="utf-8")
    return load_programme(path)


def test_overlap_fires_for_date_only_events_in_two_cities_on_one_day(
    tmp_path: Path, two_cities: Programme
) -> None:
    flight = leg("fly", "Oslo", "Geneva", "2014-11-03 07:00", "2014-11-03 09:30")
    path = write_roster(tmp_path / "r", "oslo-days;geneva-day", legs=[flight])
    itinerary = itinerary_of(two_cities, path)
    assert [p.code for p in itinerary.problems] == ["overlap"]
    (problem,) = itinerary.problems
    assert problem.severity == "error"
    assert set(problem.items) == {"oslo-days", "geneva-day"}
    assert "Two days in Oslo" in problem.message and "A day in Geneva" in problem.message
    assert "03 Nov 2014" in problem.message

    # Oslo on 2-3 November and Geneva on 4 November do not collide
    flight = leg("fly", "Oslo", "Geneva", "2014-11-03 19:00", "2014-11-03 21:30")
    path = write_roster(tmp_path / "fine", "oslo-days;geneva-later", legs=[flight])
    assert itinerary_of(two_cities, path).problems == ()


# --- late arrival ---------------------------------------------------------------------


def geneva_morning(arrives: str) -> tuple[str, ...]:
    return leg("morning", "Oslo", "Geneva", "2014-11-03 08:00", arrives)


@pytest.mark.parametrize("events", ["upr-iraq", "icssi-geneva-session"])
def test_late_arrival_fires_for_a_leg_landing_after_the_session_began(
    tmp_path: Path, programme: Programme, events: str
) -> None:
    """Landing in Geneva 10:30 CET on 3 November: the 10:00 session has begun, whether the
    delegate listed the session or the review it belongs to."""
    path = write_roster(tmp_path, events, legs=[geneva_morning("2014-11-03 10:30")])
    itinerary = itinerary_of(programme, path)
    late = by_code(itinerary, "late-arrival")
    assert len(late) == 1
    assert late[0].severity == "error"
    assert late[0].items == ("morning", "icssi-geneva-session")
    assert "10:30" in late[0].message
    # a leg that lands during the session also overlaps it
    assert {p.code for p in itinerary.problems} == {"late-arrival", "overlap"}


@pytest.mark.parametrize("events", ["upr-iraq", "icssi-geneva-session"])
def test_landing_before_the_session_is_not_late(
    tmp_path: Path, programme: Programme, events: str
) -> None:
    path = write_roster(tmp_path, events, legs=[geneva_morning("2014-11-03 09:30")])
    assert itinerary_of(programme, path).problems == ()


def test_late_arrival_fires_for_a_leg_landing_after_the_first_day_of_a_date_only_conference(
    tmp_path: Path, programme: Programme
) -> None:
    """The Oslo conference is 27-29 October (dates only): landing on the 28th is late."""
    flight = leg("in", "Baghdad", "Oslo", "2014-10-28 04:10", "2014-10-28 11:15")
    home = leg("home", "Oslo", "Baghdad", "2014-10-30 12:00", "2014-10-30 20:00")
    hotel = stay("Oslo", "2014-10-28", "2014-10-30")
    path = write_roster(tmp_path, "icssi-oslo-conference", legs=[flight, home], stays=[hotel])
    itinerary = itinerary_of(programme, path)
    assert [p.code for p in itinerary.problems] == ["late-arrival"]
    (problem,) = itinerary.problems
    assert problem.severity == "error"
    assert problem.items == ("in", "icssi-oslo-conference")

    # landing on the first day itself is not late: no time of day is known
    flight = leg("in", "Baghdad", "Oslo", "2014-10-27 04:10", "2014-10-27 11:15")
    hotel = stay("Oslo", "2014-10-27", "2014-10-30")
    path = write_roster(
        tmp_path / "fine", "icssi-oslo-conference", legs=[flight, home], stays=[hotel]
    )
    assert itinerary_of(programme, path).problems == ()


# --- no travel ------------------------------------------------------------------------


def test_no_travel_fires_for_oslo_then_geneva_without_a_leg_to_geneva(
    tmp_path: Path, programme: Programme
) -> None:
    path = write_roster(
        tmp_path,
        "icssi-oslo-conference;upr-iraq",
        legs=[HOME_TO_OSLO, GENEVA_HOME],
        stays=[OSLO_STAY, GENEVA_STAY],
    )
    itinerary = itinerary_of(programme, path)
    assert [p.code for p in itinerary.problems] == ["no-travel"]
    (problem,) = itinerary.problems
    assert problem.severity == "warning"
    before, after = problem.items
    assert after == "upr-iraq"
    assert programme.event(before).city == "Oslo"
    assert before in {e.id for e in itinerary.events}
    assert "Oslo" in problem.message and "Geneva" in problem.message

    # with the Oslo -> Geneva flight, nothing is missing
    path = write_roster(
        tmp_path / "fine",
        "icssi-oslo-conference;upr-iraq",
        legs=[HOME_TO_OSLO, OSLO_TO_GENEVA, GENEVA_HOME],
        stays=[OSLO_STAY, GENEVA_STAY],
    )
    assert itinerary_of(programme, path).problems == ()


# --- no stay --------------------------------------------------------------------------


def test_no_stay_fires_for_a_night_of_the_trip_without_a_stay(
    tmp_path: Path, programme: Programme
) -> None:
    home = leg("home", "Oslo", "Baghdad", "2014-10-30 12:00", "2014-10-30 20:00")
    short = stay("Oslo", "2014-10-26", "2014-10-29")  # nights 26-28
    path = write_roster(tmp_path, "icssi-oslo-conference", legs=[HOME_TO_OSLO, home], stays=[short])
    itinerary = itinerary_of(programme, path)
    assert [p.code for p in itinerary.problems] == ["no-stay"]
    (problem,) = itinerary.problems
    assert problem.severity == "warning"
    assert "29 Oct 2014" in problem.message
    # the legs either side of the night: the trip it belongs to
    assert problem.items == ("in", "home")


def test_a_night_on_board_needs_no_stay(tmp_path: Path, programme: Programme) -> None:
    night_train = leg("train", "Oslo", "Geneva", "2014-10-29 22:00", "2014-10-30 08:00")
    home = leg("home", "Geneva", "Baghdad", "2014-10-31 12:00", "2014-10-31 20:00")
    stays = [
        stay("Oslo", "2014-10-26", "2014-10-29"),
        stay("Geneva", "2014-10-30", "2014-10-31"),
    ]
    path = write_roster(
        tmp_path, "icssi-oslo-conference", legs=[HOME_TO_OSLO, night_train, home], stays=stays
    )
    assert by_code(itinerary_of(programme, path), "no-stay") == []


# --- the clean sample -------------------------------------------------------------------


def test_every_check_is_silent_on_every_sample_delegate(
    programme: Programme, roster: Roster
) -> None:
    checks = get_checks()
    for delegate in roster.delegates:
        itinerary = build_itinerary(programme, delegate, checks=[])
        assert itinerary.problems == ()
        for name in BUILT_IN:
            assert list(checks[name].run(itinerary)) == [], (delegate.id, name)
        assert build_itinerary(programme, delegate, checks.values()).problems == ()


# --- custom checks ----------------------------------------------------------------------


def test_a_custom_check_passed_in_runs_instead_of_the_registered_ones(
    tmp_path: Path, programme: Programme
) -> None:
    seen: list[str] = []

    def too_many_flights(itinerary: Itinerary) -> list[Problem]:
        seen.append(itinerary.delegate.id)
        return [Problem("warning", "too-many", "more than one flight", ("x",))]

    # a roster on which the built-in no-travel check would fire
    path = write_roster(
        tmp_path,
        "icssi-oslo-conference;upr-iraq",
        legs=[HOME_TO_OSLO, GENEVA_HOME],
        stays=[OSLO_STAY, GENEVA_STAY],
    )
    (delegate,) = load_roster(path, programme).delegates
    itinerary = build_itinerary(programme, delegate, checks=[Check("mine", too_many_flights)])
    assert seen == ["crafted"]
    assert itinerary.problems == (Problem("warning", "too-many", "more than one flight", ("x",)),)
    # with the registered checks, the built-in one fires instead
    registered = get_checks().values()
    assert [p.code for p in build_itinerary(programme, delegate, registered).problems] == [
        "no-travel"
    ]


def test_an_itinerary_is_checked_only_by_the_checks_passed(
    tmp_path: Path, programme: Programme
) -> None:
    """build_itinerary does not reach for the registered checks behind the caller's back."""
    path = write_roster(tmp_path, "icssi-oslo-conference;upr-iraq", legs=[HOME_TO_OSLO])
    (delegate,) = load_roster(path, programme).delegates
    assert build_itinerary(programme, delegate).problems == ()
    assert build_itinerary(programme, delegate, get_checks().values()).problems != ()


def test_a_check_that_raises_is_reported_by_name(programme: Programme, roster: Roster) -> None:
    def broken(itinerary: Itinerary) -> list[Problem]:
        raise ZeroDivisionError("oops")

    with pytest.raises(PluginError, match="broken-check") as caught:
        build_itinerary(
            programme, roster.delegates[0], checks=[Check("broken-check", broken, "fails")]
        )
    assert isinstance(caught.value.__cause__, ZeroDivisionError)


# --- icssi-itinerary validate -----------------------------------------------------------


def test_validate_exits_0_on_the_sample_roster() -> None:
    result = CliRunner().invoke(cli, ["validate", "--roster", str(SAMPLE_ROSTER)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_validate_exits_1_and_prints_each_problem(tmp_path: Path, programme: Programme) -> None:
    folder = tmp_path / "problems"
    write_roster(
        folder,
        "icssi-oslo-conference;upr-iraq",
        legs=[HOME_TO_OSLO, GENEVA_HOME],
        stays=[OSLO_STAY, GENEVA_STAY],
    )
    # a second delegate, arriving late for the Geneva session
    with (folder / "roster.csv").open("a", encoding="utf-8") as stream:
        stream.write("late-one,Late One,Asia/Baghdad,upr-iraq\n")
    row = ",".join(("morning", "late-one", "flight", *geneva_morning("2014-11-03 10:30")[1:]))
    with (folder / "legs.csv").open("a", encoding="utf-8") as stream:
        stream.write(row + "\n")

    problems = validate(
        programme, load_roster(folder / "roster.csv", programme), get_checks().values()
    )
    assert list(problems) == ["crafted", "late-one"]
    assert [p.code for p in problems["crafted"]] == ["no-travel"]
    assert {p.code for p in problems["late-one"]} == {"late-arrival", "overlap"}

    result = CliRunner().invoke(cli, ["validate", "--roster", str(folder / "roster.csv")])
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == sum(len(found) for found in problems.values()) == 3
    for delegate_id, found in problems.items():
        for problem in found:
            assert any(
                delegate_id in line and problem.code in line and problem.message in line
                for line in lines
            ), (delegate_id, problem.code, lines)


def test_validate_in_a_real_process_exit_codes_and_no_traceback(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "icssi_itinerary", "validate", *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )

    assert run("--roster", str(SAMPLE_ROSTER)).returncode == 0
    path = write_roster(
        tmp_path,
        "icssi-oslo-conference;upr-iraq",
        legs=[HOME_TO_OSLO, GENEVA_HOME],
        stays=[OSLO_STAY, GENEVA_STAY],
    )
    found = run("--roster", str(path))
    assert found.returncode == 1
    assert "no-travel" in found.stdout
    assert "Traceback" not in found.stderr
