"""The ``frab`` and ``frab-json`` formats: schedule.xml / schedule.json for conference apps.

Oracles: the c3voc schemas (XSD via ``xmlschema``, JSON Schema via ``jsonschema``),
ElementTree and ``json`` to read the output back, UTC instants and offsets computed with
the stdlib ``zoneinfo``, and the press statement for the Geneva and Brussels times.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
import pytest
import xmlschema
from click.testing import CliRunner

from conftest import ROOT, SAMPLE_ROSTER, needs_shared, press_statement
from icssi_itinerary import (
    DateSpan,
    Event,
    Itinerary,
    Programme,
    RenderOptions,
    Roster,
    Venue,
    attended_events,
    build_itinerary,
    item_uid,
    render_itinerary,
    render_programme,
    zone,
)
from icssi_itinerary.cli import cli
from icssi_itinerary.plugins import get_exporters
from icssi_itinerary_plugins import frab_json, frab_model

SCHEMAS = ROOT.parent / "shared" / "schemas" / "frab"
XSD = SCHEMAS / "schedule.xml.xsd"
JSON_SCHEMA = SCHEMAS / "schedule.schema.json"
BAGHDAD = ZoneInfo("Asia/Baghdad")
FORMATS = ("frab", "frab-json")
HOSTILE = "<b>Tigris & Marshes</b> ]]> \"quoted\" 'single' العراق\x0b end"


# --- helpers ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def xsd() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(needs_shared(XSD)))


@pytest.fixture(scope="module")
def json_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(needs_shared(JSON_SCHEMA).read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-06/schema#"
    jsonschema.Draft6Validator.check_schema(schema)
    return jsonschema.Draft6Validator(
        schema, format_checker=jsonschema.Draft6Validator.FORMAT_CHECKER
    )


def programme_bytes(programme: Programme, name: str) -> bytes:
    return render_programme(get_exporters()[name], programme, RenderOptions())


def itinerary_bytes(programme: Programme, roster: Roster, delegate_id: str, name: str) -> bytes:
    plan = build_itinerary(programme, roster.delegate(delegate_id), checks=[])
    return render_itinerary(get_exporters()[name], plan, RenderOptions())


def parse_duration(text: str) -> timedelta:
    match = re.fullmatch(r"(\d+):(\d{2})(?::(\d{2}))?", text)
    assert match, text
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


def xml_events(data: bytes) -> list[dict[str, Any]]:
    """Each event of a schedule.xml with the day and room it sits in."""
    root = ET.fromstring(data)
    found = []
    for day in root.findall("day"):
        for room in day.findall("room"):
            for event in room.findall("event"):
                fields = {child.tag: child.text or "" for child in event}
                start = datetime.fromisoformat(fields["date"])
                found.append(
                    {
                        **fields,
                        "guid": event.get("guid"),
                        "id": int(event.get("id", "0")),
                        "day": day.attrib,
                        "room_name": room.get("name"),
                        "start_at": start,
                        "end_at": start + parse_duration(fields["duration"]),
                    }
                )
    return found


def json_events(data: bytes) -> list[dict[str, Any]]:
    """Each event of a schedule.json with the day and room it sits in."""
    document = json.loads(data)
    found = []
    for day in document["schedule"]["conference"]["days"]:
        for room, events in day["rooms"].items():
            for event in events:
                start = datetime.fromisoformat(event["date"])
                found.append(
                    {
                        **event,
                        "day": day,
                        "room_name": room,
                        "start_at": start,
                        "end_at": start + parse_duration(event["duration"]),
                    }
                )
    return found


def events_of(data: bytes, name: str) -> list[dict[str, Any]]:
    return xml_events(data) if name == "frab" else json_events(data)


def guid_of(programme: Programme, event: Event, day: date | None = None) -> str:
    """An event's guid; a later day of a date-only event has its own."""
    uid = item_uid(programme, event.id)
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{uid}#{day}" if day else uid))


def _utc_later(moment: datetime, length: timedelta) -> datetime:
    return (moment.astimezone(UTC) + length).astimezone(moment.tzinfo)


def expected_slots(programme: Programme, event: Event) -> dict[str, tuple[datetime, datetime]]:
    """Each schedule entry of *event* (guid: start, end) from its wall-clock data with
    zoneinfo only. A date-only event has one per day, from local midnight to the last
    minute of the day, never 24 hours or more."""
    tz = ZoneInfo(event.venue.zone.key)
    span = event.span
    if not isinstance(span, DateSpan):
        start: datetime = span.start.replace(tzinfo=None)
        end: datetime = span.end.replace(tzinfo=None)
        return {guid_of(programme, event): (start.replace(tzinfo=tz), end.replace(tzinfo=tz))}
    found: dict[str, tuple[datetime, datetime]] = {}
    for number, day in enumerate(span.days(), start=1):
        start = datetime.combine(day, datetime.min.time(), tz)
        after = datetime.combine(day + timedelta(days=1), datetime.min.time(), tz)
        end = min(
            _utc_later(after, -timedelta(minutes=1)),
            _utc_later(start, timedelta(hours=23, minutes=59)),
        )
        found[guid_of(programme, event, day if number > 1 else None)] = (start, end)
    return found


def all_slots(programme: Programme) -> dict[str, tuple[datetime, datetime]]:
    return {g: t for event in programme.events for g, t in expected_slots(programme, event).items()}


def by_guid(programme: Programme) -> dict[str, Event]:
    """The event behind each schedule entry's guid."""
    return {g: event for event in programme.events for g in expected_slots(programme, event)}


def delegate_ids() -> list[str]:
    return [line.split(",", 1)[0] for line in SAMPLE_ROSTER.read_text("utf-8").splitlines()[1:]]


def hostile_programme(programme: Programme) -> Programme:
    events = tuple(
        replace(event, title=f"{HOSTILE} {event.title}", description=HOSTILE)
        for event in programme.events
    )
    return replace(programme, title=HOSTILE, events=events)


# --- the formats are registered --------------------------------------------------------


def test_both_formats_are_listed_with_their_media_types() -> None:
    result = CliRunner().invoke(cli, ["formats"])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split()[1:] for line in result.output.splitlines()}
    assert rows["frab"][:3] == [".xml", "application/xml;", "charset=utf-8"]
    assert rows["frab-json"][:3] == [".json", "application/json;", "charset=utf-8"]


# --- schema validity ---------------------------------------------------------------------


def test_programme_xml_is_valid_against_the_xsd(programme: Programme, xsd: Any) -> None:
    xsd.validate(programme_bytes(programme, "frab").decode("utf-8"))


def test_programme_json_is_valid_against_the_json_schema(
    programme: Programme, json_validator: Any
) -> None:
    document = json.loads(programme_bytes(programme, "frab-json"))
    json_validator.validate(document)


def test_the_schema_validators_reject_a_broken_schedule(
    programme: Programme, xsd: Any, json_validator: Any
) -> None:
    """The validity tests can fail: an event without a guid is refused by both."""
    root = ET.fromstring(programme_bytes(programme, "frab"))
    next(root.iter("event")).attrib.pop("guid")
    assert not xsd.is_valid(ET.tostring(root, encoding="unicode"))
    document = json.loads(programme_bytes(programme, "frab-json"))
    day = document["schedule"]["conference"]["days"][0]
    next(iter(day["rooms"].values()))[0].pop("guid")
    assert not json_validator.is_valid(document)


@pytest.mark.parametrize("delegate_id", delegate_ids())
def test_every_sample_itinerary_is_valid_in_both_formats(
    programme: Programme, roster: Roster, delegate_id: str, xsd: Any, json_validator: Any
) -> None:
    xsd.validate(itinerary_bytes(programme, roster, delegate_id, "frab").decode("utf-8"))
    json_validator.validate(
        json.loads(itinerary_bytes(programme, roster, delegate_id, "frab-json"))
    )


# --- every instant ------------------------------------------------------------------------


@pytest.mark.parametrize("name", FORMATS)
def test_every_programme_event_is_there_once_with_its_real_instants(
    programme: Programme, name: str
) -> None:
    events = events_of(programme_bytes(programme, name), name)
    known = by_guid(programme)
    assert sorted(e["guid"] for e in events) == sorted(known)
    slots = all_slots(programme)
    for found in events:
        event = known[found["guid"]]
        start, end = slots[found["guid"]]
        assert found["start_at"].astimezone(UTC) == start.astimezone(UTC), event.id
        assert found["end_at"].astimezone(UTC) == end.astimezone(UTC), event.id
        # the offset written is the venue's own at that instant, not the conference's
        assert found["start_at"].utcoffset() == start.utcoffset(), event.id
        assert found["start"] == f"{start:%H:%M}", event.id
        if name == "frab-json":
            written_end = datetime.fromisoformat(found["end"])
            assert written_end == end and written_end.utcoffset() == end.utcoffset(), event.id
        # the day an event is listed under is its local start date at the venue
        assert found["day"]["date"] == start.date().isoformat(), event.id


@pytest.mark.parametrize("name", FORMATS)
def test_instants_agree_with_the_library_model(programme: Programme, name: str) -> None:
    known = by_guid(programme)
    for found in events_of(programme_bytes(programme, name), name):
        span = known[found["guid"]].span
        if isinstance(span, DateSpan):
            day = DateSpan(found["start_at"].date(), found["start_at"].date(), span.zone)
            assert span.first_day <= day.first_day <= span.last_day
            assert found["start_at"] == day.start
            assert found["end_at"] < day.end
        else:
            assert found["start_at"] == span.start
            assert found["end_at"] == span.end


@pytest.mark.parametrize("name", FORMATS)
def test_geneva_and_brussels_at_the_times_of_the_press_statement(
    programme: Programme, name: str
) -> None:
    statement = " ".join(press_statement().split())
    assert "A session will be held by ICSSI in the Palais des Nations, from 10-12 a.m." in statement
    assert "Brussels on November 5, in the Paul-Henri Spaak Building from 3-5 p.m." in statement
    events = {
        e["room_name"].split(",")[0]: e
        for e in events_of(programme_bytes(programme, name), name)
        if e["start"] != "00:00"
    }
    geneva, brussels = events["Palais des Nations"], events["Paul-Henri Spaak Building"]
    assert geneva["start_at"] == datetime(2014, 11, 3, 10, tzinfo=ZoneInfo("Europe/Zurich"))
    assert geneva["start_at"].astimezone(UTC) == datetime(2014, 11, 3, 9, tzinfo=UTC)
    assert geneva["end_at"].astimezone(UTC) == datetime(2014, 11, 3, 11, tzinfo=UTC)
    assert geneva["date"].endswith("T10:00:00+01:00")
    assert geneva["start_at"].astimezone(BAGHDAD).hour == 12
    assert geneva["end_at"].astimezone(BAGHDAD).hour == 14
    assert brussels["start_at"].astimezone(UTC) == datetime(2014, 11, 5, 14, tzinfo=UTC)
    assert brussels["end_at"].astimezone(UTC) == datetime(2014, 11, 5, 16, tzinfo=UTC)
    assert brussels["date"].endswith("T15:00:00+01:00")
    assert brussels["start_at"].astimezone(BAGHDAD).hour == 17
    assert brussels["end_at"].astimezone(BAGHDAD).hour == 19
    assert geneva["duration"] == brussels["duration"] == "02:00"


@pytest.mark.parametrize("name", FORMATS)
def test_days_start_and_end_at_local_midnight_of_the_venue(programme: Programme, name: str) -> None:
    data = programme_bytes(programme, name)
    if name == "frab":
        days = [d.attrib for d in ET.fromstring(data).findall("day")]
        bounds = [(d["date"], d["start"], d["end"], int(d["index"])) for d in days]
    else:
        days = json.loads(data)["schedule"]["conference"]["days"]
        bounds = [(d["date"], d["day_start"], d["day_end"], d["index"]) for d in days]
    assert [b[0] for b in bounds] == [
        (date(2014, 10, 27) + timedelta(days=n)).isoformat() for n in range(10)
    ]
    assert [b[3] for b in bounds] == list(range(1, 11))
    for day, start, end, _ in bounds:
        midnight = datetime.combine(
            date.fromisoformat(day), datetime.min.time(), ZoneInfo("Europe/Oslo")
        )
        # every venue of the tour is on CET (UTC+1) after 26 October 2014
        assert datetime.fromisoformat(start) == midnight
        assert start.endswith("+01:00") and end.endswith("+01:00")
        assert datetime.fromisoformat(end) - datetime.fromisoformat(start) == timedelta(hours=24)


def test_a_date_only_span_over_a_clock_change_gets_a_slot_per_day_under_24_hours(
    programme: Programme, xsd: Any, json_validator: Any
) -> None:
    """25-26 October 2014 in Oslo: the clocks went back on the 26th, a 25-hour day. Each
    day is one entry of at most 23:59 (readers parse a duration as a clock time:
    ``hour must be in 0..23: 49:00``), each on its own day, at local midnight."""
    oslo = programme.event("icssi-oslo-conference")
    moved = replace(
        oslo, span=DateSpan(date(2014, 10, 25), date(2014, 10, 26), zone("Europe/Oslo"))
    )
    changed = replace(programme, events=(moved, *programme.events[1:]))
    tz = ZoneInfo("Europe/Oslo")
    first, second = guid_of(programme, oslo), guid_of(programme, oslo, date(2014, 10, 26))
    for name in FORMATS:
        data = programme_bytes(changed, name)
        found = {e["guid"]: e for e in events_of(data, name)}
        assert found[first]["date"] == "2014-10-25T00:00:00+02:00"
        assert found[first]["duration"] == "23:59"
        assert found[first]["day"]["date"] == "2014-10-25"
        assert found[second]["date"] == "2014-10-26T00:00:00+02:00"
        assert found[second]["duration"] == "23:59"  # elapsed: 22:59 on the clock
        assert found[second]["end_at"] == datetime(2014, 10, 26, 22, 59, tzinfo=tz)
        assert found[second]["day"]["date"] == "2014-10-26"
        assert "Day 2 of 2" in found[second]["subtitle"]
    xsd.validate(programme_bytes(changed, "frab").decode("utf-8"))
    json_validator.validate(json.loads(programme_bytes(changed, "frab-json")))


def test_a_date_only_event_on_a_day_that_never_happened_stays_on_its_day(
    xsd: Any, json_validator: Any
) -> None:
    """Pacific/Apia skipped 30 December 2011. The entry for that day keeps its date (the
    offset before the jump), lasts nothing, and says why; the 29th and 31st are there."""
    apia = zone("Pacific/Apia")
    venue = Venue(id="fale", name="Fale", city="Apia", country="Samoa", zone=apia)
    event = Event(id="stay-apia", title="Apia days", kind="visit", venue=venue,
                  span=DateSpan(date(2011, 12, 29), date(2011, 12, 31), apia))  # fmt: skip
    skipped = Event(id="skipped", title="The 30th", kind="visit", venue=venue,
                    span=DateSpan(date(2011, 12, 30), date(2011, 12, 30), apia))  # fmt: skip
    samoa = Programme(id="samoa", title="Samoa", events=(event, skipped), venues=(venue,))
    for name in FORMATS:
        data = programme_bytes(samoa, name)
        found = events_of(data, name)
        days = {e["guid"]: e["day"]["date"] for e in found}
        assert sorted(days.values()) == ["2011-12-29", "2011-12-30", "2011-12-30", "2011-12-31"]
        thirtieth = next(e for e in found if e["guid"] == guid_of(samoa, skipped))
        assert thirtieth["date"] == "2011-12-30T00:00:00-10:00"
        assert thirtieth["start_at"].astimezone(UTC) == datetime(2011, 12, 30, 10, tzinfo=UTC)
        assert thirtieth["duration"] == "00:00"
        assert "did not happen" in thirtieth["description"]
        both = [e for e in found if e["day"]["date"] == "2011-12-30"]
        assert {e["start_at"] for e in both} == {thirtieth["start_at"]}
    xsd.validate(programme_bytes(samoa, "frab").decode("utf-8"))
    json_validator.validate(json.loads(programme_bytes(samoa, "frab-json")))


# --- what the format cannot say directly ---------------------------------------------------


@pytest.mark.parametrize("name", FORMATS)
def test_date_only_events_are_marked_as_such_and_timed_ones_are_not(
    programme: Programme, name: str
) -> None:
    known = by_guid(programme)
    dated = timed = 0
    for found in events_of(programme_bytes(programme, name), name):
        event = known[found["guid"]]
        if isinstance(event.span, DateSpan):
            dated += 1
            assert "time not published" in (found["subtitle"] or ""), event.id
            assert "time not published" in found["description"], event.id
            assert found["start"] == "00:00"
            assert found["duration"] == "23:59"  # no day of the tour had a clock change
            if event.span.part_of_day:
                assert event.span.part_of_day in found["subtitle"], event.id
        else:
            timed += 1
            assert "time not published" not in (found.get("subtitle") or "")
            assert "time not published" not in found["description"]
    assert dated >= 5 and timed == 2


@pytest.mark.parametrize("name", FORMATS)
def test_rooms_name_venue_and_city_and_descriptions_carry_the_address(
    programme: Programme, name: str
) -> None:
    known = by_guid(programme)
    for found in events_of(programme_bytes(programme, name), name):
        venue = known[found["guid"]].venue
        assert found["room"] == found["room_name"]
        assert found["room_name"].startswith(venue.name) and venue.city in found["room_name"]
        if venue.address:
            assert venue.address in found["description"]
    rooms = {e["room_name"] for e in events_of(programme_bytes(programme, name), name)}
    assert "Palais des Nations, Geneva" in rooms


def test_json_rooms_carry_the_address_and_each_venue_zone(programme: Programme) -> None:
    conference = json.loads(programme_bytes(programme, "frab-json"))["schedule"]["conference"]
    rooms = {room["name"]: room for room in conference["rooms"]}
    assert rooms["Palais des Nations, Geneva"]["description"].startswith(
        "Palais des Nations, Avenue de la Paix 8-14"
    )
    zones = {entry["room"]: entry for entry in conference["meta"]["time_zones"]}
    assert zones["Palais des Nations, Geneva"]["time_zone_name"] == "Europe/Zurich"
    assert (
        zones["Palais des Nations, Geneva"]["guid"] == rooms["Palais des Nations, Geneva"]["guid"]
    )
    brussels = "Paul-Henri Spaak Building, European Parliament, Brussels"
    assert zones[brussels]["time_zone_name"] == "Europe/Brussels"
    assert set(zones) == set(rooms)


@pytest.mark.parametrize("name", FORMATS)
def test_conference_zone_is_the_zone_of_the_first_event(programme: Programme, name: str) -> None:
    data = programme_bytes(programme, name)
    if name == "frab":
        written = ET.fromstring(data).findtext("conference/time_zone_name")
    else:
        written = json.loads(data)["schedule"]["conference"]["time_zone_name"]
    first = min(programme.events, key=lambda e: min(expected_slots(programme, e).values()))
    assert written == first.venue.zone.key == "Europe/Oslo"


@pytest.mark.parametrize("name", FORMATS)
def test_status_shows_in_subtitle_and_a_cancelled_title(programme: Programme, name: str) -> None:
    mep = programme.event("mep-meeting")
    events = tuple(replace(e, status="cancelled") if e is mep else e for e in programme.events)
    known = by_guid(programme)
    for found in events_of(programme_bytes(replace(programme, events=events), name), name):
        event = known[found["guid"]]
        subtitle = found.get("subtitle") or ""
        if event is mep:
            assert found["title"] == f"Cancelled: {mep.title}"
            assert "Cancelled" in subtitle
        elif event.status == "tentative":
            assert "To be confirmed" in subtitle and found["title"] == event.title
        else:
            assert "To be confirmed" not in subtitle and found["title"] == event.title


# --- identity ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FORMATS)
def test_ids_guids_and_slugs_are_stable_and_unique(
    programme: Programme, roster: Roster, name: str
) -> None:
    events = events_of(programme_bytes(programme, name), name)
    numbers = {e["guid"]: int(e["id"]) for e in events}
    assert sorted(numbers.values()) == list(range(1, len(all_slots(programme)) + 1))
    # an event's own id is its place in the programme; later days come after them all
    for number, event in enumerate(programme.events, start=1):
        assert numbers[guid_of(programme, event)] == number
    slugs = [e["slug"] for e in events]
    assert len(set(slugs)) == len(slugs)
    for found in events:
        uuid.UUID(found["guid"])
        assert by_guid(programme)[found["guid"]].id.replace("_", "-") in found["slug"]
    # the same event keeps its id and slug in every delegate's schedule
    for delegate in roster.delegates:
        mine = events_of(itinerary_bytes(programme, roster, delegate.id, name), name)
        for found in mine:
            assert int(found["id"]) == numbers[found["guid"]]
            assert found["slug"] in slugs


# --- hostile text --------------------------------------------------------------------------


def test_hostile_text_survives_in_well_formed_xml(programme: Programme, xsd: Any) -> None:
    data = programme_bytes(hostile_programme(programme), "frab")
    xsd.validate(data.decode("utf-8"))
    root = ET.fromstring(data)  # well-formed, or this raises
    assert b"<b>" not in data
    # XML 1.0 cannot carry U+000B: it is replaced, everything else is kept as written
    kept = HOSTILE.replace("\x0b", "\ufffd")
    assert root.findtext("conference/title") == kept
    titles = [e.findtext("title") for e in root.iter("event")]
    assert titles and all(t is not None and t.startswith(kept) for t in titles)
    assert all(e.findtext("abstract") == kept for e in root.iter("event"))


def test_hostile_text_survives_in_json(programme: Programme, json_validator: Any) -> None:
    data = programme_bytes(hostile_programme(programme), "frab-json")
    document = json.loads(data)
    json_validator.validate(document)
    assert document["schedule"]["conference"]["title"] == HOSTILE
    assert "العراق" in data.decode("utf-8")  # not \u-escaped
    for found in json_events(data):
        assert found["title"].startswith(HOSTILE) and found["abstract"] == HOSTILE


def tricky_documents(programme: Programme, roster: Roster, name: str) -> list[bytes]:
    """The programme's and each sample itinerary's schedule, as they are and with titles
    that look like the placeholders the writers use, hold a NUL, and events without a
    URL in a programme without one."""
    tricky = '"\\u00000\\u0000" <!--icssi-itinerary-event:0--> \x00 \\ \n'
    hostile = replace(
        programme,
        url="",
        events=tuple(
            replace(event, title=tricky + event.title, url="" if n % 2 else event.url)
            for n, event in enumerate(programme.events)
        ),
    )
    documents = [programme_bytes(p, name) for p in (programme, hostile)]
    for delegate in roster.delegates:
        for each in (programme, hostile):
            itinerary = build_itinerary(each, delegate)
            documents.append(render_itinerary(get_exporters()[name], itinerary, RenderOptions()))
    return documents


def test_schedule_json_is_what_pythons_json_writes_of_it_indented(
    programme: Programme, roster: Roster
) -> None:
    """Each event's JSON is written once per process and put in its place: every document
    is still exactly ``json.dumps(..., indent=2)`` of what it holds."""
    urns = 0
    for data in tricky_documents(programme, roster, "frab-json"):
        document = json.loads(data)
        assert data == (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()
        urns += sum(event["url"].startswith("urn:uuid:") for event in json_events(data))
    assert urns > 0


def test_schedule_xml_is_what_elementtree_writes_of_it_indented(
    programme: Programme, roster: Roster
) -> None:
    """Each ``<event>`` is written once per process and put in its place: every document
    is still exactly what ElementTree writes of the tree it holds, indented."""
    events = 0
    for data in tricky_documents(programme, roster, "frab"):
        root = ET.fromstring(data)
        ET.indent(root, space="  ")
        assert data == ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
        events += len(root.findall("day/room/event"))
    assert events > 0


# --- determinism and privacy -----------------------------------------------------------------


@pytest.mark.parametrize("name", FORMATS)
def test_output_is_the_same_bytes_in_two_processes(name: str, tmp_path: Path) -> None:
    outputs = []
    for seed in ("1", "2"):
        target = tmp_path / f"{seed}.out"
        subprocess.run(
            [sys.executable, "-m", "icssi_itinerary", "export", name, "-o", str(target)],
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed, "ICSSI_ITINERARY_LOAD_PLUGINS": ""},
        )
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1] and outputs[0]


@pytest.mark.parametrize("name", FORMATS)
def test_a_schedule_does_not_depend_on_what_the_process_scheduled_before(
    programme: Programme, roster: Roster, name: str
) -> None:
    """What schedules share (slugs, rooms, each event's slots) is made once per process
    and programme: interleaving another programme, or an itinerary whose event is a
    changed copy, changes no schedule's bytes."""
    exporter = get_exporters()[name]
    mep = programme.event("mep-meeting")
    other = replace(
        programme,
        id="another-forum",
        events=tuple(replace(e, title="Moved") if e is mep else e for e in programme.events),
    )
    itineraries = [build_itinerary(programme, d) for d in roster.delegates]

    def alone(render: Callable[[Any, Any, RenderOptions], bytes], what: Any) -> bytes:
        frab_model._LAST.clear()  # as in a new process
        frab_json._VERSION.clear()
        return render(exporter, what, RenderOptions())

    other_alone = alone(render_programme, other)
    each_alone = [alone(render_itinerary, itinerary) for itinerary in itineraries]
    mixed = []
    for itinerary in itineraries:
        mixed.append(render_itinerary(exporter, itinerary, RenderOptions()))
        assert render_programme(exporter, other, RenderOptions()) == other_alone
    assert mixed == each_alone
    holder = next(i for i in itineraries if mep in i.items)
    render_itinerary(exporter, holder, RenderOptions())  # its slots made, and kept
    cancelled = replace(mep, status="cancelled")
    changed = replace(holder, items=tuple(cancelled if i is mep else i for i in holder.items))
    data = render_itinerary(exporter, changed, RenderOptions())
    assert f"Cancelled: {mep.title}".encode() in data


@pytest.mark.parametrize("name", FORMATS)
def test_itineraries_of_as_many_events_each_get_their_own_version(
    programme: Programme, roster: Roster, name: str
) -> None:
    """The last schedule's version is kept for the next writer: an itinerary right after
    another with as many events, one of them changed, gets the version of its own."""
    exporter = get_exporters()[name]
    first = build_itinerary(programme, roster.delegates[0])
    last = [item for item in first.items if isinstance(item, Event)][-1]
    moved = replace(last, title="Moved")
    second = replace(first, items=tuple(moved if item is last else item for item in first.items))

    def fresh(itinerary: Itinerary) -> bytes:
        frab_model._LAST.clear()  # as in a new process
        frab_json._VERSION.clear()
        return render_itinerary(exporter, itinerary, RenderOptions())

    alone = fresh(second)
    fresh(first)
    after_first = render_itinerary(exporter, second, RenderOptions())
    assert after_first == alone
    assert b"Moved" in alone


@pytest.mark.parametrize("name", FORMATS)
def test_the_version_changes_when_the_schedule_does(programme: Programme, name: str) -> None:
    def version(data: bytes) -> str:
        if name == "frab":
            return ET.fromstring(data).findtext("version") or ""
        return str(json.loads(data)["schedule"]["version"])

    mep = programme.event("mep-meeting")
    moved = replace(
        programme,
        events=tuple(replace(e, title="Moved") if e is mep else e for e in programme.events),
    )
    assert version(programme_bytes(programme, name)) == version(programme_bytes(programme, name))
    assert version(programme_bytes(programme, name)) != version(programme_bytes(moved, name))


@pytest.mark.parametrize("name", FORMATS)
@pytest.mark.parametrize("delegate_id", delegate_ids())
def test_itinerary_has_the_delegates_events_and_nothing_personal(
    programme: Programme, roster: Roster, delegate_id: str, name: str
) -> None:
    delegate = roster.delegate(delegate_id)
    data = itinerary_bytes(programme, roster, delegate_id, name)
    text = data.decode("utf-8")
    personal = [
        delegate.id,
        delegate.name,
        delegate.name_native,
        delegate.email,
        delegate.organisation,
    ]
    for leg in delegate.legs:
        personal += [leg.reference, leg.origin_place, leg.destination_place]
    for stay in delegate.stays:
        personal += [stay.name, stay.address]
    public = programme_bytes(programme, name).decode("utf-8")
    checked = 0
    for value in filter(None, personal):
        if value in public:  # e.g. an organisation named after a campaign
            continue
        checked += 1
        assert value not in text, value
        assert json.dumps(value)[1:-1] not in text, value  # nor as an escaped string
    assert checked >= 3  # at least the id, the name and the e-mail address
    found = events_of(data, name)
    mine = {
        guid: times
        for event in attended_events(programme, delegate)
        for guid, times in expected_slots(programme, event).items()
    }
    assert sorted(e["guid"] for e in found) == sorted(mine)
    for event in found:  # the same instants and offsets as in the programme
        start, end = mine[event["guid"]]
        assert event["start_at"] == start and event["start_at"].utcoffset() == start.utcoffset()
        assert event["end_at"] == end
    title = (
        ET.fromstring(data).findtext("conference/title")
        if name == "frab"
        else (json.loads(data)["schedule"]["conference"]["title"])
    )
    assert title == programme.title


def test_an_excluded_event_is_left_out_of_the_itinerary(
    programme: Programme, roster: Roster
) -> None:
    delegate = roster.delegate("mustafa-hussein")
    assert "social-evening" in delegate.events.excluded
    for name in FORMATS:
        titles = [
            e["title"]
            for e in events_of(itinerary_bytes(programme, roster, delegate.id, name), name)
        ]
        assert programme.event("icssi-oslo-conference").title in titles
        assert programme.event("social-evening").title not in titles


# --- the CLI -------------------------------------------------------------------------------


def test_cli_export_and_itinerary_write_the_files(
    programme: Programme, tmp_path: Path, xsd: Any, json_validator: Any
) -> None:
    runner = CliRunner()
    xml_file, json_file = tmp_path / "schedule.xml", tmp_path / "schedule.json"
    assert runner.invoke(cli, ["export", "frab", "-o", str(xml_file)]).exit_code == 0
    assert runner.invoke(cli, ["export", "frab-json", "-o", str(json_file)]).exit_code == 0
    xsd.validate(str(xml_file))
    json_validator.validate(json.loads(json_file.read_text(encoding="utf-8")))
    # the roster gives giulia-conti "upr-iraq;mep-meeting": the review brings its session
    expected = {
        programme.event(event_id).title
        for event_id in ("upr-iraq", "icssi-geneva-session", "mep-meeting")
    }
    for name in FORMATS:
        args = ["itinerary", "giulia-conti", "--roster", str(SAMPLE_ROSTER), "--format", name]
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert {e["title"] for e in events_of(result.stdout_bytes, name)} == expected


# --- real schedule consumers ----------------------------------------------------------------

CONSUMERS_PYTHON = ROOT / ".venv-consumers" / "bin" / "python"
SCHEDULE_READ = ROOT / "tests" / "consumers" / "schedule_read.py"


def read_with_schedule_tools(data: bytes) -> dict[str, Any]:
    """c3voc's schedule tools and pyfahrplan on a schedule.json (tests/consumers)."""
    if not CONSUMERS_PYTHON.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CONSUMERS_PYTHON} is missing in CI: .ci/run makes it")
        pytest.skip("no .venv-consumers with c3voc-schedule-tools and pyfahrplan (.ci/run)")
    document = json.loads(data)
    ends = {event["guid"]: event["end"] for event in json_events(data)}
    result = subprocess.run(
        [CONSUMERS_PYTHON, SCHEDULE_READ],
        input=json.dumps({"schedule": document, "ends": ends}),
        capture_output=True,
        text=True,
        check=True,
    )
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def consumer_cases(programme: Programme, roster: Roster) -> dict[str, bytes]:
    """The programme, two itineraries, a clock change in a date-only span, Apia's lost day."""
    frab_json = get_exporters()["frab-json"]
    oslo = programme.event("icssi-oslo-conference")
    moved = replace(
        oslo, span=DateSpan(date(2014, 10, 25), date(2014, 10, 26), zone("Europe/Oslo"))
    )
    apia = zone("Pacific/Apia")
    venue = Venue(id="fale", name="Fale", city="Apia", country="Samoa", zone=apia)
    samoa = Programme(
        id="samoa",
        title="Samoa",
        venues=(venue,),
        events=(
            Event(id="apia-days", title="Apia days", kind="visit", venue=venue,
                  span=DateSpan(date(2011, 12, 29), date(2011, 12, 31), apia)),
        ),
    )  # fmt: skip
    return {
        "programme": programme_bytes(programme, "frab-json"),
        "amal-karim": itinerary_bytes(programme, roster, "amal-karim", "frab-json"),
        "giulia-conti": itinerary_bytes(programme, roster, "giulia-conti", "frab-json"),
        "clock-change": programme_bytes(
            replace(programme, events=(moved, *programme.events[1:])), "frab-json"
        ),
        "apia": render_programme(frab_json, samoa, RenderOptions()),
    }


CASES = ["programme", "amal-karim", "giulia-conti", "clock-change", "apia"]


@pytest.mark.parametrize("case", CASES)
def test_c3voc_schedule_tools_read_and_re_export_it(
    programme: Programme, roster: Roster, case: str
) -> None:
    """c3voc's own ``voc.Schedule`` loads the JSON, finds every event at its instant and
    writes it back as schedule.xml (today's map of zones keyed by room name made that
    fail: ``Invalid tag name 'Hall of St. Olav Church, Oslo'``). Its writer copies
    conference fields that its XSD does not list (``description``, ``meta``), so the
    re-export is read back, not validated."""
    data = consumer_cases(programme, roster)[case]
    answer = read_with_schedule_tools(data)["c3voc"]
    assert "error" not in answer, answer.get("error")
    ours = {e["guid"]: e for e in json_events(data)}
    theirs = {guid: datetime.fromisoformat(start) for guid, start in answer["events"]}
    assert theirs == {guid: event["start_at"] for guid, event in ours.items()}
    again = xml_events(answer["xml"].encode("utf-8"))
    assert {e["guid"]: (e["start_at"], e["duration"]) for e in again} == {
        guid: (e["start_at"], e["duration"]) for guid, e in ours.items()
    }


@pytest.mark.parametrize("case", CASES)
def test_pyfahrplan_reads_every_event_to_its_end(
    programme: Programme, roster: Roster, case: str
) -> None:
    """pyfahrplan takes an event's duration for a clock time (``72:00`` made it raise
    ``hour must be in 0..23``); for every event it must say "not over" at the end we
    wrote and "over" a minute later."""
    answer = read_with_schedule_tools(consumer_cases(programme, roster)[case])["pyfahrplan"]
    assert "error" not in answer, answer.get("error")
    assert answer
    assert all(past == [False, True] for past in answer.values()), answer
