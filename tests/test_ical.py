"""The iCal feeds, read back by three independent parsers and checked against oracles.

Parsers: ``icalendar`` (the library the exporter writes with), ``ical`` (strict, pydantic)
and ``vobject`` (dateutil). Oracles: the stdlib ``zoneinfo`` applied to the wall-clock
times in the bundled programme file and the sample roster CSVs, read here with
``tomllib``/``csv``, and the facts of the press statement.
"""

from __future__ import annotations

import csv
import itertools
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import icalendar
import pendulum
import pytest
import vobject
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ical.calendar_stream import IcsCalendarStream

from conftest import ROOT, SAMPLE_ROSTER, press_statement
from icssi_itinerary import (
    DateSpan,
    Delegate,
    Event,
    EventSelection,
    Itinerary,
    Programme,
    RenderOptions,
    Roster,
    Stay,
    TimeSpan,
    TravelLeg,
    Venue,
    build_itinerary,
    item_uid,
    localize,
    render_itinerary,
    render_programme,
    zone,
)
from icssi_itinerary.plugins import get_exporters
from icssi_itinerary.timing import Fold, TimingError

BAGHDAD = ZoneInfo("Asia/Baghdad")
SAMPLE = SAMPLE_ROSTER.parent
_names = itertools.count()


# --- helpers -----------------------------------------------------------------------


def ical() -> Any:
    return get_exporters()["ical"]


def programme_feed(programme: Programme, options: RenderOptions | None = None) -> bytes:
    return render_programme(ical(), programme, options or RenderOptions())


def personal_feed(itinerary: Itinerary, options: RenderOptions | None = None) -> bytes:
    return render_itinerary(ical(), itinerary, options or RenderOptions())


def unescaped(value: object) -> str:
    """A TEXT value as RFC 5545 section 3.3.11 reads it (icalendar leaves NAME and X-
    properties escaped)."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], str(value))


def unfolded(data: bytes) -> str:
    return data.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "")


def rename_zones(data: bytes) -> tuple[str, dict[str, str]]:
    """The feed with every TZID renamed to one no database knows: only our VTIMEZONE
    rules can then give the offset. Names are unique per call (vobject keeps a global
    registry of zones by name)."""
    text = unfolded(data)
    names = sorted(set(re.findall(r"TZID[:=]([^;:\r\n]+)", text)))
    renamed = {name: f"Custom/Zone{next(_names)}" for name in names}
    for name, new in renamed.items():
        text = re.sub(rf"(TZID[:=]){re.escape(name)}(?=[;:\r\n])", rf"\g<1>{new}", text)
    assert set(re.findall(r"TZID[:=]([^;:\r\n]+)", text)) == set(renamed.values())
    return text, renamed


Times = dict[str, tuple[Any, Any]]


def _normal(value: Any) -> Any:
    if isinstance(value, datetime):
        assert value.tzinfo is not None, f"floating time {value} in the feed"
        return value.astimezone(UTC).replace(microsecond=0)
    assert isinstance(value, date)
    return value


def with_icalendar(text: str | bytes) -> Times:
    calendar = icalendar.Calendar.from_ical(text)
    return {
        str(event["UID"]): (_normal(event.decoded("DTSTART")), _normal(event.decoded("DTEND")))
        for event in calendar.walk("VEVENT")
    }


def with_vobject(text: str | bytes) -> Times:
    """vobject, on the feed with its zones renamed: vobject keeps the first VTIMEZONE it
    ever saw for a TZID in a process-wide registry, so a real name could pick up another
    feed's rules."""
    if isinstance(text, str):
        text = text.encode("utf-8")
    calendar = vobject.readOne(rename_zones(text)[0])
    return {
        event.uid.value: (_normal(event.dtstart.value), _normal(event.dtend.value))
        for event in calendar.vevent_list
    }


def with_ical(text: str | bytes) -> Times:
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    calendar = IcsCalendarStream.calendar_from_ics(text)
    return {
        str(event.uid): (_normal(event.dtstart), _normal(event.dtend)) for event in calendar.events
    }


PARSERS = {"icalendar": with_icalendar, "ical": with_ical, "vobject": with_vobject}


def _model_instant(moment: pendulum.DateTime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def model_times(
    programme: Programme,
    items: Any,
    instant: Callable[[pendulum.DateTime], datetime] = _model_instant,
) -> Times:
    """What each item's DTSTART/DTEND must be: dates as they are, times as *instant*
    says (by default the library's model)."""
    expected: Times = {}
    for item in items:
        span = item.span
        if isinstance(span, DateSpan):
            expected[item_uid(programme, item.id)] = (span.first_day, span.end_date)
        else:
            expected[item_uid(programme, item.id)] = (instant(span.start), instant(span.end))
    return expected


def vevents(data: bytes) -> list[icalendar.Event]:
    found = []
    for component in icalendar.Calendar.from_ical(data).walk("VEVENT"):
        assert isinstance(component, icalendar.Event)
        found.append(component)
    return found


def by_summary(data: bytes, summary: str) -> icalendar.Event:
    found = [e for e in vevents(data) if str(e["SUMMARY"]) == summary]
    assert len(found) == 1, f"{len(found)} events called {summary!r}"
    return found[0]


def by_item(data: bytes, item_id: str) -> icalendar.Event:
    """The VEVENT of the item with *item_id* (its UID), whatever language it is in."""
    found = [e for e in vevents(data) if str(e["UID"]).startswith(f"{item_id}@")]
    assert len(found) == 1, f"{len(found)} events for {item_id!r}"
    return found[0]


def wall(text: str) -> datetime:
    return datetime.fromisoformat(text.replace(" ", "T"))


@pytest.fixture(scope="module")
def toml_data() -> dict[str, Any]:
    resource = resources.files("icssi_itinerary").joinpath("data", "icssi-2014.toml")
    return tomllib.loads(resource.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def legs_csv() -> list[dict[str, str]]:
    with (SAMPLE / "legs.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def stays_csv() -> list[dict[str, str]]:
    with (SAMPLE / "stays.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def feeds(programme: Programme, roster: Roster) -> list[tuple[str, bytes, tuple[Any, ...]]]:
    """The programme feed and every sample delegate's personal feed, with their items."""
    found: list[tuple[str, bytes, tuple[Any, ...]]] = [
        ("programme", programme_feed(programme), programme.events)
    ]
    for delegate in roster.delegates:
        itinerary = build_itinerary(programme, delegate)
        found.append((delegate.id, personal_feed(itinerary), itinerary.items))
    return found


# --- every produced feed, three parsers ---------------------------------------------


@pytest.mark.parametrize("parser", sorted(PARSERS))
def test_parsers_agree_with_the_model_on_every_feed(
    parser: str, feeds: list[tuple[str, bytes, tuple[Any, ...]]], programme: Programme
) -> None:
    assert len(feeds) > 10  # the programme and every sample delegate
    for label, data, items in feeds:
        got = PARSERS[parser](data)
        assert got == model_times(programme, items), label


@pytest.mark.parametrize("parser", sorted(PARSERS))
def test_parsers_using_only_our_vtimezones_agree(
    parser: str, feeds: list[tuple[str, bytes, tuple[Any, ...]]], programme: Programme
) -> None:
    for label, data, items in feeds:
        text, renamed = rename_zones(data)
        if label == "amal-karim":
            assert "Europe/Istanbul" in renamed
        assert PARSERS[parser](text) == model_times(programme, items), label


def test_press_statement_times_in_utc_and_baghdad(
    feeds: list[tuple[str, bytes, tuple[Any, ...]]],
) -> None:
    statement = press_statement()
    assert "Palais des Nations, from 10-12 a.m." in statement
    assert "November 5, in the Paul-Henri Spaak Building from 3-5 p.m." in statement
    data, items = {label: (data, items) for label, data, items in feeds}["amal-karim"]
    uid = {str(e["SUMMARY"]): str(e["UID"]) for e in vevents(data)}
    geneva = uid["ICSSI session at the Palais des Nations"]
    brussels = uid["Meeting with Members of the European Parliament"]
    (flight,) = [i for i in items if isinstance(i, TravelLeg) and i.reference == "TK 789"]
    assert (flight.origin, flight.destination) == ("Baghdad", "Istanbul")
    departure = next(value for value in uid.values() if value.startswith(f"{flight.id}@"))
    for parser in PARSERS.values():
        for text in (data, rename_zones(data)[0]):
            times = parser(text)
            assert times[geneva] == (
                datetime(2014, 11, 3, 9, 0, tzinfo=UTC),
                datetime(2014, 11, 3, 11, 0, tzinfo=UTC),
            )
            assert times[brussels] == (
                datetime(2014, 11, 5, 14, 0, tzinfo=UTC),
                datetime(2014, 11, 5, 16, 0, tzinfo=UTC),
            )
            assert times[departure][0] == datetime(2014, 10, 26, 1, 10, tzinfo=UTC)
            baghdad = [t.astimezone(BAGHDAD).strftime("%H:%M") for t in times[geneva]]
            assert baghdad == ["12:00", "14:00"]
            assert times[brussels][0].astimezone(BAGHDAD).strftime("%H:%M") == "17:00"
            assert times[departure][0].astimezone(BAGHDAD).strftime("%H:%M") == "04:10"


def test_timed_events_match_the_programme_file(
    feeds: list[tuple[str, bytes, tuple[Any, ...]]], toml_data: dict[str, Any]
) -> None:
    """Every timed event: wall time at the venue (from the TOML) via zoneinfo, in UTC."""
    zones = {v["id"]: v["timezone"] for v in toml_data["venues"]}
    venue_of: dict[str, str] = {}
    for event in toml_data["events"]:
        venue_of[event["id"]] = event.get("venue") or venue_of[event["parent"]]
    data = feeds[0][1]
    checked = 0
    for event in toml_data["events"]:
        if not isinstance(event["start"], datetime):
            continue
        tz = ZoneInfo(zones[venue_of[event["id"]]])
        found = by_summary(data, event["title"])
        assert found.decoded("DTSTART") == event["start"].replace(tzinfo=tz)
        assert found.decoded("DTEND") == event["end"].replace(tzinfo=tz)
        assert found["DTSTART"].params["TZID"] == tz.key
        checked += 1
    assert checked == 2


def test_all_day_events_match_the_programme_file(
    feeds: list[tuple[str, bytes, tuple[Any, ...]]], toml_data: dict[str, Any]
) -> None:
    raw = unfolded(feeds[0][1])
    data = feeds[0][1]
    for event in toml_data["events"]:
        if isinstance(event["start"], datetime):
            continue
        found = by_summary_prefix(data, event["title"])
        last = event.get("end", event["start"])
        assert found.decoded("DTSTART") == event["start"]
        assert found.decoded("DTEND") == last + timedelta(days=1)  # exclusive end
        assert not isinstance(found.decoded("DTSTART"), datetime)
    # The Oslo conference, 27-29 October in the press statement.
    assert "October 27-29" in press_statement()
    (oslo,) = [
        b for b in raw.split("BEGIN:VEVENT") if "SUMMARY:ICSSI 2014 Oslo Conference\r\n" in b
    ]
    assert "DTSTART;VALUE=DATE:20141027\r\n" in oslo
    assert "DTEND;VALUE=DATE:20141030\r\n" in oslo


def by_summary_prefix(data: bytes, title: str) -> icalendar.Event:
    found = [
        e
        for e in vevents(data)
        if str(e["SUMMARY"]) == title or str(e["SUMMARY"]).startswith(f"{title} (")
    ]
    assert len(found) == 1, title
    return found[0]


def test_part_of_day_is_a_label_in_the_summary(
    feeds: list[tuple[str, bytes, tuple[Any, ...]]], toml_data: dict[str, Any]
) -> None:
    labelled = [e for e in toml_data["events"] if "part_of_day" in e]
    assert {e["part_of_day"] for e in labelled} == {"evening", "afternoon"}
    for event in labelled:
        found = by_summary_prefix(feeds[0][1], event["title"])
        assert event["part_of_day"] in str(found["SUMMARY"])
        assert not isinstance(found.decoded("DTSTART"), datetime)  # no invented hour


def test_legs_start_in_the_departure_zone_and_end_in_the_arrival_zone(
    feeds: list[tuple[str, bytes, tuple[Any, ...]]], legs_csv: list[dict[str, str]]
) -> None:
    by_delegate = {label: (data, items) for label, data, items in feeds}
    assert legs_csv
    for row in legs_csv:
        data, items = by_delegate[row["delegate"]]
        (leg,) = [
            i
            for i in items
            if isinstance(i, TravelLeg)
            and (i.reference, i.origin) == (row["reference"], row["from"])
        ]
        found = by_item(data, leg.id)
        assert row["reference"] in str(found["SUMMARY"])
        start, end = found["DTSTART"], found["DTEND"]
        assert start.params["TZID"] == row["from_timezone"]
        assert end.params["TZID"] == row["to_timezone"]
        departs = wall(row["departs"]).replace(tzinfo=ZoneInfo(row["from_timezone"]))
        arrives = wall(row["arrives"]).replace(tzinfo=ZoneInfo(row["to_timezone"]))
        vobject_times = with_vobject(rename_zones(data)[0])[str(found["UID"])]
        assert vobject_times == (departs.astimezone(UTC), arrives.astimezone(UTC))
        assert found.decoded("DTSTART").replace(tzinfo=None) == wall(row["departs"])
        assert found.decoded("DTEND").replace(tzinfo=None) == wall(row["arrives"])


def test_stays_are_transparent_all_day_events(
    feeds: list[tuple[str, bytes, tuple[Any, ...]]], stays_csv: list[dict[str, str]]
) -> None:
    by_delegate = {label: (data, items) for label, data, items in feeds}
    for row in stays_csv:
        data, items = by_delegate[row["delegate"]]
        (stay,) = [
            i
            for i in items
            if isinstance(i, Stay)
            and (i.name, i.check_in.isoformat()) == (row["name"], row["check_in"])
        ]
        found = by_item(data, stay.id)
        assert row["name"] in str(found["SUMMARY"])
        assert found.decoded("DTSTART") == date.fromisoformat(row["check_in"])
        # check-in and check-out days are both shown: DTEND is the day after check-out
        assert found.decoded("DTEND") == date.fromisoformat(row["check_out"]) + timedelta(1)
        assert str(found["TRANSP"]) == "TRANSPARENT"
        assert row["address"] in str(found["LOCATION"])


# --- structure ----------------------------------------------------------------------


def test_every_tzid_has_a_rule_based_vtimezone(
    feeds: list[tuple[str, bytes, tuple[Any, ...]]],
) -> None:
    for label, data, _ in feeds:
        text = unfolded(data)
        used = set(re.findall(r"[;:]TZID=([^;:]+)", text))
        if label in ("programme", "amal-karim"):
            assert used, label
        calendar = icalendar.Calendar.from_ical(data)
        defined = [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")]
        assert len(defined) == len(set(defined)), label
        assert used <= set(defined), label
        for name in used | set(defined):
            assert name in available_timezones(), name
            assert not re.search(r"\d", name), f"{name} looks like an offset"
        for tz in calendar.walk("VTIMEZONE"):
            parts = tz.walk("STANDARD") + tz.walk("DAYLIGHT")
            assert parts
            for part in parts:
                assert "RRULE" in part, (label, tz["TZID"])
                assert "RDATE" not in part


def test_no_observance_starts_after_the_feeds_last_instant(
    feeds: list[tuple[str, bytes, tuple[Any, ...]]],
) -> None:
    """Issue 16, gap 2: the Istanbul VTIMEZONE of a feed with an Istanbul leg had two
    observances in 2015, after every event of the 2014 tour."""
    istanbul = 0
    for label, data, _ in feeds:
        calendar = icalendar.Calendar.from_ical(data)
        last = max(
            (
                _normal(event.decoded(key))
                for event in calendar.walk("VEVENT")
                for key in ("DTSTART", "DTEND")
                if isinstance(event.decoded(key), datetime)
            ),
            default=None,
        )
        if last is None:  # only all-day items: no zone to describe
            assert not calendar.walk("VTIMEZONE"), label
            continue
        for tz in calendar.walk("VTIMEZONE"):
            istanbul += str(tz["TZID"]) == "Europe/Istanbul"
            for part in tz.walk("STANDARD") + tz.walk("DAYLIGHT"):
                onset = part.decoded("DTSTART") - part.decoded("TZOFFSETFROM")
                assert onset.replace(tzinfo=UTC) <= last, (label, str(tz["TZID"]))
    assert istanbul


def test_lines_are_folded_at_75_octets_and_end_with_crlf(
    feeds: list[tuple[str, bytes, tuple[Any, ...]]],
) -> None:
    for label, data, _ in feeds:
        assert data.endswith(b"\r\n"), label
        lines = data.split(b"\r\n")[:-1]
        for line in lines:
            assert b"\r" not in line and b"\n" not in line, (label, line)
            assert len(line) <= 75, (label, line)
            line.decode("utf-8")  # folding never splits a UTF-8 character


def test_uids_are_unique_and_stable(
    feeds: list[tuple[str, bytes, tuple[Any, ...]]], programme: Programme, roster: Roster
) -> None:
    again = [programme_feed(programme)] + [
        personal_feed(build_itinerary(programme, d)) for d in roster.delegates
    ]
    for (label, data, items), second in zip(feeds, again, strict=True):
        uids = [str(e["UID"]) for e in vevents(data)]
        assert len(uids) == len(set(uids)) == len(items), label
        assert uids == [str(e["UID"]) for e in vevents(second)], label
        assert data == second, label


def _cli_bytes(*args: str, seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed, "ICSSI_ITINERARY_LOAD_PLUGINS": ""}
    result = subprocess.run(
        [sys.executable, "-m", "icssi_itinerary", *args],
        capture_output=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout


def test_output_is_byte_identical_across_processes(
    feeds: list[tuple[str, bytes, tuple[Any, ...]]],
) -> None:
    first = _cli_bytes("export", "ical", seed="1")
    assert first == _cli_bytes("export", "ical", seed="2")
    assert first == feeds[0][1]
    person = ["itinerary", "amal-karim", "--roster", str(SAMPLE_ROSTER), "--format", "ical"]
    personal = _cli_bytes(*person, seed="3")
    assert personal == _cli_bytes(*person, seed="4")
    assert personal == {label: data for label, data, _ in feeds}["amal-karim"]


# --- calendar and event properties --------------------------------------------------


def test_calendar_properties(
    feeds: list[tuple[str, bytes, tuple[Any, ...]]], toml_data: dict[str, Any]
) -> None:
    title = toml_data["programme"]["title"]
    for label, data, _ in feeds:
        calendar = icalendar.Calendar.from_ical(data)
        raw = unfolded(data)
        assert str(calendar["PRODID"])
        assert str(calendar["VERSION"]) == "2.0"
        assert str(calendar["METHOD"]) == "PUBLISH"
        assert unescaped(calendar["NAME"]) == unescaped(calendar["X-WR-CALNAME"])
        assert title in unescaped(calendar["NAME"])
        assert str(calendar["DESCRIPTION"])
        assert str(calendar["UID"])
        assert "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT12H\r\n" in raw
        assert "\r\nX-PUBLISHED-TTL:PT12H\r\n" in raw
        if label == "programme":
            assert unescaped(calendar["NAME"]) == title
            assert "Iraqi Civil Society Solidarity Initiative" in str(calendar["DESCRIPTION"])
    uids = [str(icalendar.Calendar.from_ical(data)["UID"]) for _, data, _ in feeds]
    assert len(set(uids)) == len(uids)
    amal = icalendar.Calendar.from_ical(feeds[1][1])
    assert "Amal Karim" in str(amal["NAME"])


def test_every_vevent_has_the_programmes_organiser(
    feeds: list[tuple[str, bytes, tuple[Any, ...]]], toml_data: dict[str, Any]
) -> None:
    """RFC 5546 section 3.2.1: a PUBLISH VEVENT has exactly one ORGANIZER. The bundled
    programme publishes no e-mail address or web site, so none is invented: the address
    is a urn:uuid of the programme, the same in every feed."""
    organiser = toml_data["programme"]["organiser"]
    addresses = set()
    for label, data, _ in feeds:
        for event in vevents(data):
            organizer = event["ORGANIZER"]
            assert not isinstance(organizer, list), label
            assert organizer.params["CN"] == organiser
            addresses.add(str(organizer))
    (address,) = addresses
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", address)


def test_the_organiser_address_is_a_published_one_when_there_is_one(
    programme: Programme,
) -> None:
    contact = replace(programme.contacts[1], email="press@example.org")
    with_email = replace(programme, contacts=(programme.contacts[0], contact))
    for changed, expected in (
        (with_email, "mailto:press@example.org"),
        (replace(programme, url="https://example.org/icssi"), "https://example.org/icssi"),
    ):
        organizers = {str(e["ORGANIZER"]) for e in vevents(programme_feed(changed))}
        assert organizers == {expected}


def test_an_event_with_nothing_to_say_has_no_description(programme: Programme) -> None:
    first = programme.events[0]
    quiet = replace(first, description=None, venue=replace(first.venue, note=None),
                    status="confirmed")  # fmt: skip
    changed = replace(programme, events=(quiet, *programme.events[1:]))
    data = programme_feed(changed)
    event = next(e for e in vevents(data) if str(e["UID"]) == item_uid(programme, first.id))
    assert "DESCRIPTION" not in event
    assert b"DESCRIPTION:\r\n" not in data


def test_forbidden_control_characters_never_reach_the_feed(programme: Programme) -> None:
    """RFC 5545 3.1: no control character but HTAB; U+2028/U+2029 become a newline."""
    first = programme.events[0]
    noisy = replace(first, title="A\x00B\x01C\x1bD\x7fE\tF\u2028G\u2029H")
    data = programme_feed(replace(programme, events=(noisy, *programme.events[1:])))
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", data)
    assert not re.search(rb"\r(?!\n)|(?<!\r)\n", data)
    assert "\u2028" not in data.decode("utf-8") and "\u2029" not in data.decode("utf-8")
    event = next(e for e in vevents(data) if str(e["UID"]) == item_uid(programme, first.id))
    assert str(event["SUMMARY"]).startswith("ABCDE\tF\nG\nH")


def test_dtstamp_comes_from_the_data_not_the_clock(
    feeds: list[tuple[str, bytes, tuple[Any, ...]]],
) -> None:
    for label, data, _ in feeds:
        stamps = {e.decoded("DTSTAMP") for e in vevents(data)}
        assert len(stamps) == 1, label
        (stamp,) = stamps
        assert stamp.tzinfo is not None and stamp.utcoffset() == timedelta(0)
        assert date(2014, 10, 1) <= stamp.date() <= date(2014, 11, 30), label  # not today


def test_an_event_is_the_same_vevent_in_every_feed(
    feeds: list[tuple[str, bytes, tuple[Any, ...]]], roster: Roster
) -> None:
    """Without a ledger every feed stamps an event with where the programme starts, so
    an event reads the same (DTSTAMP included) in the programme's feed and in each
    delegate's feed of the same language, whatever else the delegate's feed holds."""
    languages = {d.id: d.language or "en" for d in roster.delegates} | {"programme": "en"}
    written: dict[tuple[str, str], set[bytes]] = {}
    for label, data, _ in feeds:
        for event in vevents(data):
            if str(event["CLASS"]) == "PUBLIC":
                key = (str(event["UID"]), languages[label])
                written.setdefault(key, set()).add(event.to_ical())
    assert len(written) > len(feeds)
    assert {key: len(versions) for key, versions in written.items() if len(versions) > 1} == {}


def test_event_properties(
    feeds: list[tuple[str, bytes, tuple[Any, ...]]], toml_data: dict[str, Any]
) -> None:
    data = feeds[0][1]
    venues = {v["id"]: v for v in toml_data["venues"]}
    contacts = {c["id"]: c for c in toml_data["contacts"]}
    titles = {e["id"]: e["title"] for e in toml_data["events"]}
    venue_of: dict[str, str] = {}
    for event in toml_data["events"]:
        venue_of[event["id"]] = event.get("venue") or venue_of[event["parent"]]
        found = by_summary_prefix(data, event["title"])
        venue = venues[venue_of[event["id"]]]
        location = str(found["LOCATION"])
        for part in ("name", "address", "city", "country"):
            if part in venue:
                assert venue[part].split(", ")[0] in location, (event["id"], part)
        if "latitude" in venue:
            geo = found["GEO"]
            assert isinstance(geo, icalendar.vGeo)
            assert (geo.latitude, geo.longitude) == (venue["latitude"], venue["longitude"])
        else:
            assert "GEO" not in found
        shown = [str(c) for c in _list(found.get("CONTACT"))]
        expected = [contacts[c] for c in event.get("contacts", [])]
        assert len(shown) == len(expected)
        for text, contact in zip(shown, expected, strict=True):
            assert contact["name"] in text and contact["phone"] in text
        categories = [str(c) for cat in _list(found.get("CATEGORIES")) for c in cat.cats]
        assert categories == [event["kind"], *event.get("tags", [])]
        status = {"tentative": "TENTATIVE"}.get(event.get("status", ""), "CONFIRMED")
        assert str(found["STATUS"]) == status, event["id"]
        if "parent" in event:
            parent = by_summary_prefix(data, titles[event["parent"]])
            related = found["RELATED-TO"]
            assert str(related) == str(parent["UID"])
            assert related.params["RELTYPE"] == "PARENT"
        else:
            assert "RELATED-TO" not in found
        assert found.decoded("SEQUENCE") == 0
        assert "LAST-MODIFIED" not in found


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def test_press_statement_contacts_are_on_the_geneva_session(
    feeds: list[tuple[str, bytes, tuple[Any, ...]]],
) -> None:
    statement = press_statement()
    found = by_summary(feeds[0][1], "ICSSI session at the Palais des Nations")
    contacts = " / ".join(str(c) for c in _list(found["CONTACT"]))
    for name, phone in [
        ("Florent Schaeffer", "+39 388 992 44 63"),
        ("Ismaeel Dawood", "+39 329 134 51 17"),
    ]:
        assert f"{name} {phone}" in statement
        assert name in contacts and phone in contacts


def test_sequence_and_last_modified_come_from_the_ledger(programme: Programme) -> None:
    plain = programme_feed(programme)
    uid = str(by_summary(plain, "Meeting with Members of the European Parliament")["UID"])
    changed = datetime(2014, 11, 1, 12, 30, tzinfo=UTC)
    ledger = {uid: {"sequence": 3, "last_modified": changed}}
    data = programme_feed(programme, RenderOptions(ledger=ledger))
    for event in vevents(data):
        if str(event["UID"]) == uid:
            assert event.decoded("SEQUENCE") == 3
            assert event.decoded("LAST-MODIFIED") == changed
            assert event.decoded("DTSTAMP") >= changed
        else:
            assert event.decoded("SEQUENCE") == 0
            assert "LAST-MODIFIED" not in event
    assert "\r\nLAST-MODIFIED:20141101T123000Z\r\n" in unfolded(data)
    assert with_vobject(data) == with_vobject(plain)


# --- ambiguous local times ------------------------------------------------------------


def _one_leg(programme: Programme, fold: Fold) -> bytes:
    oslo, stockholm = zone("Europe/Oslo"), zone("Europe/Stockholm")
    departs = localize(datetime(2014, 10, 26, 2, 30), oslo, fold=fold)
    arrives = localize(datetime(2014, 10, 26, 9, 0), stockholm)
    leg = TravelLeg(
        id="night-train",
        delegate_id="traveller",
        mode="train",
        origin="Oslo",
        destination="Stockholm",
        span=TimeSpan(departs, arrives),
    )
    delegate = Delegate(id="traveller", name="Traveller", events=EventSelection(), legs=(leg,))
    return personal_feed(build_itinerary(programme, delegate, checks=()))


@pytest.mark.parametrize("fold", ["earlier", "later"])
def test_a_repeated_wall_time_is_written_in_utc(programme: Programme, fold: Fold) -> None:
    data = _one_leg(programme, fold)
    expected = datetime(2014, 10, 26, 2, 30, tzinfo=ZoneInfo("Europe/Oslo"))
    expected = expected.replace(fold=1 if fold == "later" else 0).astimezone(UTC)
    assert expected.hour == (1 if fold == "later" else 0)  # 02:30 CET or 02:30 CEST
    raw = unfolded(data)
    assert f"\r\nDTSTART:{expected:%Y%m%dT%H%M%S}Z\r\n" in raw
    assert "\r\nDTEND;TZID=Europe/Stockholm:20141026T090000\r\n" in raw
    for name, parser in PARSERS.items():
        (times,) = parser(data).values()
        assert times[0] == expected, name
        assert times[0].astimezone(BAGHDAD).hour == expected.hour + 3


# --- hostile text -------------------------------------------------------------------

NASTY = "Line one\r\nline two\rthree\nfour; semi, comma \\ backslash أمل كريم"
INJECTION = "x\r\nDTSTART:19990101T000000Z\r\nX-EVIL:1"


def _hostile_itinerary() -> tuple[Programme, Itinerary]:
    geneva = zone("Europe/Zurich")
    venue = Venue(
        id="v",
        name=f"Hall {NASTY}",
        city="Geneva",
        country="Switzerland",
        zone=geneva,
        address=INJECTION,
    )
    start = localize(datetime(2014, 11, 3, 10, 0), geneva)
    event = Event(
        id="e",
        title=f"{INJECTION} {NASTY}",
        kind="session",
        venue=venue,
        span=TimeSpan(start, localize(datetime(2014, 11, 3, 12, 0), geneva)),
        description=NASTY,
        tags=("a,b", "c;d"),
    )
    programme = Programme(id="p", title=f"Programme {NASTY}", events=(event,), venues=(venue,))
    delegate = Delegate(id="d", name=f"أمل كريم {INJECTION}", events=EventSelection(("e",)))
    return programme, build_itinerary(programme, delegate, checks=())


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def test_hostile_text_round_trips(programme: Programme) -> None:
    hostile, itinerary = _hostile_itinerary()
    for data in (programme_feed(hostile), personal_feed(itinerary)):
        calendar = icalendar.Calendar.from_ical(data)
        (event,) = calendar.walk("VEVENT")
        (parsed,) = vobject.readOne(data.decode("utf-8")).vevent_list
        title = _lf(f"{INJECTION} {NASTY}")
        assert "\r" not in title and title.count("\n") == 5
        assert str(event["SUMMARY"]) == parsed.summary.value == title
        assert _lf(NASTY) in str(event["DESCRIPTION"])
        assert _lf(NASTY) in parsed.description.value
        assert _lf(f"Hall {NASTY}") in str(event["LOCATION"])
        assert _lf(f"Hall {NASTY}") in parsed.location.value
        categories = [str(c) for cat in _list(event["CATEGORIES"]) for c in cat.cats]
        assert categories == ["session", "a,b", "c;d"]
    calendar = icalendar.Calendar.from_ical(personal_feed(itinerary))
    assert _lf("أمل كريم " + INJECTION) in unescaped(calendar["NAME"])
    assert _lf("أمل كريم " + INJECTION) in unescaped(calendar["X-WR-CALNAME"])
    assert _lf("أمل كريم " + INJECTION) in str(calendar["DESCRIPTION"])


def test_hostile_text_cannot_inject_properties() -> None:
    hostile, itinerary = _hostile_itinerary()
    for data in (programme_feed(hostile), personal_feed(itinerary)):
        lines = unfolded(data).split("\r\n")
        assert not any(line.startswith(("X-EVIL", "DTSTART:1999")) for line in lines)
        calendar = icalendar.Calendar.from_ical(data)
        for component in calendar.walk():
            assert "X-EVIL" not in component
        (event,) = calendar.walk("VEVENT")
        assert event.decoded("DTSTART") == datetime(
            2014, 11, 3, 10, tzinfo=ZoneInfo("Europe/Zurich")
        )
        parsed = vobject.readOne(data.decode("utf-8"))
        (vevent,) = parsed.vevent_list
        assert len(vevent.contents["dtstart"]) == 1
        assert "x-evil" not in vevent.contents and "x-evil" not in parsed.contents
        assert with_ical(data)["e@p.icssi-itinerary"][0] == datetime(2014, 11, 3, 9, tzinfo=UTC)


# --- property-based: many zones, times near their changes ---------------------------

HYPOTHESIS_ZONES = [
    "Europe/Oslo",
    "America/New_York",
    "America/Sao_Paulo",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Asia/Baghdad",
    "Pacific/Chatham",
    "Africa/Casablanca",
    "Europe/Istanbul",
    "America/St_Johns",
    "UTC",
]


def _changes(name: str) -> list[datetime]:
    """Local wall times just before each offset change of 2013-2016 (zoneinfo oracle)."""
    tz = ZoneInfo(name)
    found = []
    moment = datetime(2013, 1, 1, tzinfo=UTC)
    previous = moment.astimezone(tz).utcoffset()
    while moment.year < 2017:
        moment += timedelta(minutes=30)
        offset = moment.astimezone(tz).utcoffset()
        if offset != previous:
            found.append((moment - timedelta(minutes=30)).astimezone(tz).replace(tzinfo=None))
            previous = offset
    return found


CHANGES = {name: _changes(name) for name in HYPOTHESIS_ZONES}


@st.composite
def local_times(draw: st.DrawFn) -> tuple[str, datetime, Fold]:
    name = draw(st.sampled_from(HYPOTHESIS_ZONES))
    if bool(CHANGES[name]) and draw(st.booleans()):
        base = draw(st.sampled_from(CHANGES[name]))
        moment = base + timedelta(minutes=15 * draw(st.integers(-12, 12)))
    else:
        day = draw(st.dates(date(2013, 6, 1), date(2016, 6, 30)))
        moment = datetime(day.year, day.month, day.day) + timedelta(
            minutes=15 * draw(st.integers(0, 95))
        )
    folds: list[Fold] = ["earlier", "later"]
    return name, moment, draw(st.sampled_from(folds))


def _localize(name: str, moment: datetime, fold: Fold) -> pendulum.DateTime:
    try:
        return localize(moment, zone(name), fold=fold)
    except TimingError:
        assume(False)  # a wall time the zone skips
        raise


def _utc(name: str, moment: datetime, fold: str) -> datetime:
    local = moment.replace(tzinfo=ZoneInfo(name), fold=1 if fold == "later" else 0)
    return local.astimezone(UTC)


@st.composite
def schedules(draw: st.DrawFn) -> dict[str, Any]:
    events = []
    for _ in range(draw(st.integers(1, 5))):
        name, moment, fold = draw(local_times())
        minutes = 15 * draw(st.integers(1, 40))
        all_day = draw(st.booleans()) and draw(st.booleans())
        events.append((name, moment, fold, minutes, all_day))
    legs = []
    for _ in range(draw(st.integers(0, 3))):
        departure = draw(local_times())
        arrival_zone = draw(st.sampled_from(HYPOTHESIS_ZONES))
        minutes = 15 * draw(st.integers(1, 60))
        legs.append((departure, arrival_zone, minutes))
    return {"events": events, "legs": legs}


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(schedules())
def test_any_programme_round_trips_through_every_parser(schedule: dict[str, Any]) -> None:
    events, expected = [], {}
    venues: dict[str, Venue] = {}
    for index, (name, moment, fold, minutes, all_day) in enumerate(schedule["events"]):
        tz = zone(name)
        venue = venues.setdefault(
            name,
            Venue(id=f"v{len(venues)}", name=f"Hall in {name}", city=name, country="X", zone=tz),
        )
        if all_day:
            span: Any = DateSpan(moment.date(), moment.date() + timedelta(days=minutes % 3), tz)
            times = (moment.date(), moment.date() + timedelta(days=minutes % 3 + 1))
        else:
            start = _localize(name, moment, fold)
            end_utc = _utc(name, moment, fold) + timedelta(minutes=minutes)
            span = TimeSpan(start, pendulum.instance(end_utc).in_timezone(tz))
            times = (_utc(name, moment, fold), end_utc)
        events.append(
            Event(id=f"e{index}", title=f"Event {index}", kind="session", venue=venue, span=span)
        )
        expected[f"e{index}@hypo.icssi-itinerary"] = times
    legs = []
    for index, ((name, moment, fold), arrival_zone, minutes) in enumerate(schedule["legs"]):
        start = _localize(name, moment, fold)
        end_utc = _utc(name, moment, fold) + timedelta(minutes=minutes)
        arrives = pendulum.instance(end_utc).in_timezone(zone(arrival_zone))
        legs.append(
            TravelLeg(
                id=f"leg{index}",
                delegate_id="d",
                mode="flight",
                origin=name,
                destination=arrival_zone,
                span=TimeSpan(start, arrives),
            )
        )
        expected[f"leg{index}@hypo.icssi-itinerary"] = (_utc(name, moment, fold), end_utc)
    programme = Programme(
        id="hypo", title="Hypothesis", events=tuple(events), venues=tuple(venues.values())
    )
    delegate = Delegate(
        id="d", name="D", events=EventSelection(tuple(e.id for e in events)), legs=tuple(legs)
    )
    data = personal_feed(build_itinerary(programme, delegate, checks=()))

    assert with_icalendar(data) == expected
    assert with_vobject(data) == expected
    assert with_ical(data) == expected
    renamed, _ = rename_zones(data)
    assert with_icalendar(renamed) == expected
    assert with_vobject(renamed) == expected
    assert with_ical(renamed) == expected
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))


def test_a_delegate_feed_speaks_the_delegate_language(
    feeds: list[tuple[str, bytes, tuple[Any, ...]]], roster: Roster
) -> None:
    """The words around the data follow the roster's language; iCal values stay ASCII."""
    languages = {delegate.id: delegate.language for delegate in roster.delegates}
    checked = set()
    for label, data, items in feeds:
        if label == "programme":
            continue
        for item in items:
            if isinstance(item, (TravelLeg, Stay)):
                summary = str(by_item(data, item.id)["SUMMARY"])
                arabic = any("\u0600" <= character <= "\u06ff" for character in summary)
                assert arabic == languages[label].startswith("ar"), (label, summary)
                checked.add(languages[label][:2])
        ascii_lines = [
            line
            for line in unfolded(data).splitlines()
            if line.split(":", 1)[0].split(";")[0] in ("DTSTART", "DTEND", "UID", "TZID", "STATUS")
        ]
        assert all(line.isascii() for line in ascii_lines), label
    assert checked == {"ar", "en"}
