"""``icssi-itinerary events``: the programme as a table and as JSON, in venue time and --tz.

Instants are checked against ``zoneinfo`` from the wall-clock times the press statement
publishes (Geneva 10-12 a.m., Brussels 3-5 p.m.), in UTC and in Baghdad time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from icssi_itinerary import DateSpan, Programme
from icssi_itinerary.cli import cli

BAGHDAD = ZoneInfo("Asia/Baghdad")
KEYS = {
    "id",
    "title",
    "parent",
    "follows",
    "venue",
    "timezone",
    "start",
    "end",
    "all_day",
    "status",
}

# The two published clock times, on their venues' wall clocks.
TIMED = {
    "icssi-geneva-session": (
        datetime(2014, 11, 3, 10, tzinfo=ZoneInfo("Europe/Zurich")),
        datetime(2014, 11, 3, 12, tzinfo=ZoneInfo("Europe/Zurich")),
    ),
    "mep-meeting": (
        datetime(2014, 11, 5, 15, tzinfo=ZoneInfo("Europe/Brussels")),
        datetime(2014, 11, 5, 17, tzinfo=ZoneInfo("Europe/Brussels")),
    ),
}


def run(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result


def events_json(*args: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = json.loads(run("events", "--json", *args).stdout)
    return events


def by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in rows}


def test_json_lists_every_event_with_its_fields(programme: Programme) -> None:
    rows = events_json()
    assert [row["id"] for row in rows] == [event.id for event in programme.events]
    for row in rows:
        assert set(row) >= KEYS, row["id"]
        event = programme.event(row["id"])
        assert row["title"] == event.title
        assert row["parent"] == event.parent
        assert row["follows"] == event.follows
        assert row["venue"] == event.venue.id
        assert row["timezone"] == event.venue.zone.key
        assert row["status"] in {"confirmed", "tentative", "cancelled"}
        assert isinstance(row["all_day"], bool)


def test_json_timed_events_are_the_right_utc_instants() -> None:
    rows = by_id(events_json())
    for event_id, (start, end) in TIMED.items():
        row = rows[event_id]
        assert row["all_day"] is False
        shown_start = datetime.fromisoformat(row["start"])
        shown_end = datetime.fromisoformat(row["end"])
        assert shown_start.utcoffset() is not None  # never a naive time
        assert shown_start == start and shown_end == end  # same instants
        # ... written on the venue's clock (CET, +01:00), as published
        assert shown_start.replace(tzinfo=None) == start.replace(tzinfo=None)
        assert shown_end.replace(tzinfo=None) == end.replace(tzinfo=None)
    assert datetime.fromisoformat(rows["icssi-geneva-session"]["start"]).astimezone(
        UTC
    ) == datetime(2014, 11, 3, 9, tzinfo=UTC)
    assert datetime.fromisoformat(rows["mep-meeting"]["end"]).astimezone(UTC) == datetime(
        2014, 11, 5, 16, tzinfo=UTC
    )


def test_json_date_events_give_plain_dates(programme: Programme) -> None:
    rows = by_id(events_json())
    assert set(rows) - set(TIMED)  # there are date-only events to check
    for event_id, row in rows.items():
        if event_id in TIMED:
            continue
        span = programme.event(event_id).span
        assert isinstance(span, DateSpan)
        assert row["all_day"] is True
        assert "T" not in row["start"] and "T" not in row["end"]  # no time invented
        assert date.fromisoformat(row["start"]) == span.first_day
        assert date.fromisoformat(row["end"]) == span.last_day
    conference = rows["icssi-oslo-conference"]
    assert (conference["start"], conference["end"]) == ("2014-10-27", "2014-10-29")
    assert rows["social-evening"]["part_of_day"] == "evening"


def test_json_tz_adds_baghdad_times_to_timed_events_only() -> None:
    plain = by_id(events_json())
    rows = by_id(events_json("--tz", "Asia/Baghdad"))
    assert set(rows) == set(plain)
    for event_id, row in rows.items():
        # Venue times are unchanged by --tz.
        assert row["start"] == plain[event_id]["start"]
        assert row["end"] == plain[event_id]["end"]
        if event_id not in TIMED:
            assert "start_in_zone" not in row and "end_in_zone" not in row
            continue
        start, end = TIMED[event_id]
        assert row["zone"] == "Asia/Baghdad"
        in_start = datetime.fromisoformat(row["start_in_zone"])
        in_end = datetime.fromisoformat(row["end_in_zone"])
        assert in_start == start and in_end == end  # the same instants ...
        assert in_start.replace(tzinfo=None) == start.astimezone(BAGHDAD).replace(tzinfo=None)
        assert in_end.replace(tzinfo=None) == end.astimezone(BAGHDAD).replace(tzinfo=None)
    geneva = rows["icssi-geneva-session"]
    assert datetime.fromisoformat(geneva["start_in_zone"]).hour == 12  # 10:00 CET in Baghdad
    assert datetime.fromisoformat(rows["mep-meeting"]["start_in_zone"]).hour == 17


def test_text_table_shows_every_event(programme: Programme) -> None:
    lines = run("events").stdout.splitlines()
    assert len(lines) == len(programme.events)
    for line, event in zip(lines, programme.events, strict=True):
        assert line.split()[0] == event.id
        assert event.title in line
        assert event.venue.zone.key in line


def test_text_table_with_tz_shows_baghdad_times_for_timed_events() -> None:
    lines = {
        line.split()[0]: line for line in run("events", "--tz", "Asia/Baghdad").stdout.splitlines()
    }
    assert "2014-11-03T12:00:00+03:00" in lines["icssi-geneva-session"]
    assert "2014-11-05T17:00:00+03:00" in lines["mep-meeting"]
    assert "+03:00" not in lines["icssi-oslo-conference"]


@pytest.mark.parametrize("bad", ["+03:00", "UTC+3", "Asia/Bagdad"])
def test_bad_tz_exits_2_with_one_error_line(bad: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "icssi_itinerary", "events", "--tz", bad],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error")]
    assert len(errors) == 1, done.stderr
    assert bad in errors[0]
    assert "--zone" in errors[0]
    assert "IANA" in errors[0]  # says what to use instead
