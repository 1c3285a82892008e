"""A programme kept in another calendar: load_programme() reads .ics files.

The oracle for instants is the stdlib (zoneinfo); the round trip is checked against
the bundled TOML programme, and bad files must give one line and exit status 2.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from icssi_itinerary import DateSpan, Programme, RenderOptions, TimeSpan, load_programme
from icssi_itinerary.plugins import get_exporters


def exported(programme: Programme, folder: Path, name: str = "programme.ics") -> Path:
    path = folder / name
    path.write_bytes(get_exporters()["ical"].render_programme(programme, RenderOptions()))
    return path


def test_an_exported_programme_reads_back_event_for_event(
    programme: Programme, tmp_path: Path
) -> None:
    again = load_programme(exported(programme, tmp_path))
    assert [e.id for e in again.events] == [e.id for e in programme.events]
    for before, after in zip(programme.events, again.events, strict=True):
        assert (after.title, after.status, after.parent, after.kind, after.tags) == (
            before.title,
            before.status,
            before.parent,
            before.kind,
            before.tags,
        )
        if isinstance(before.span, DateSpan):
            assert isinstance(after.span, DateSpan)
            assert (after.span.first_day, after.span.last_day, after.span.part_of_day) == (
                before.span.first_day,
                before.span.last_day,
                before.span.part_of_day,
            )
        else:
            assert isinstance(after.span, TimeSpan)
            assert after.span.start == before.span.start and after.span.end == before.span.end
            assert after.venue.zone.key == before.venue.zone.key


def test_the_geneva_session_keeps_its_zone_and_instant(
    programme: Programme, tmp_path: Path
) -> None:
    session = load_programme(exported(programme, tmp_path)).event("icssi-geneva-session")
    assert isinstance(session.span, TimeSpan)
    geneva = datetime(2014, 11, 3, 10, tzinfo=ZoneInfo("Europe/Zurich"))
    assert session.span.start == geneva
    assert session.span.start.astimezone(UTC) == datetime(2014, 11, 3, 9, tzinfo=UTC)
    baghdad = session.span.start.astimezone(ZoneInfo("Asia/Baghdad"))
    assert (baghdad.hour, baghdad.minute) == (12, 0)
    assert session.venue.zone.key == "Europe/Zurich"


def test_exporting_an_imported_programme_gives_the_same_bytes(
    programme: Programme, tmp_path: Path
) -> None:
    first = exported(programme, tmp_path, "first.ics")
    second = exported(load_programme(first), tmp_path, "second.ics")
    assert second.read_bytes() == first.read_bytes()


FEED = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//another calendar//EN\r
X-WR-CALNAME:Partner meetings\r
X-WR-TIMEZONE:Europe/Oslo\r
BEGIN:VEVENT\r
UID:kickoff-1234@partner.example\r
DTSTAMP:20141001T000000Z\r
SUMMARY:Kick-off\r
DTSTART;TZID=America/New_York:20141102T013000\r
DTEND;TZID=America/New_York:20141102T023000\r
LOCATION:UN Headquarters\\, New York\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:call-5678@partner.example\r
DTSTAMP:20141001T000000Z\r
SUMMARY:Call\r
DTSTART:20141105T140000Z\r
DTEND:20141105T150000Z\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:retreat@partner.example\r
DTSTAMP:20141001T000000Z\r
SUMMARY:Retreat\r
DTSTART;VALUE=DATE:20141110\r
DTEND;VALUE=DATE:20141112\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_a_feed_from_another_calendar(tmp_path: Path) -> None:
    path = tmp_path / "partner.ics"
    path.write_text(FEED, encoding="utf-8", newline="")
    imported = load_programme(path)
    assert imported.title == "Partner meetings"
    kickoff, call, retreat = imported.events
    assert kickoff.id == "kickoff-1234" and kickoff.venue.zone.key == "America/New_York"
    # 01:30 happens twice in New York on 2 Nov 2014: iCalendar means the first (EDT).
    assert isinstance(kickoff.span, TimeSpan)
    assert kickoff.span.start.astimezone(UTC) == datetime(2014, 11, 2, 5, 30, tzinfo=UTC)
    assert kickoff.venue.location == "UN Headquarters, New York"
    assert isinstance(call.span, TimeSpan) and call.venue.zone.key == "UTC"
    assert call.span.start == datetime(2014, 11, 5, 14, tzinfo=UTC)
    assert isinstance(retreat.span, DateSpan)  # all-day stays dates, last day inclusive
    assert (retreat.span.first_day, retreat.span.last_day) == (
        date(2014, 11, 10),
        date(2014, 11, 11),
    )
    assert retreat.venue.zone.key == "Europe/Oslo"  # from X-WR-TIMEZONE


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("DTSTART:20141105T140000Z", "DTSTART:20141105T140000"), ("floating", "VEVENT[1]")),
        (("DTEND:20141105T150000Z", "DTEND:20141105T150000"), ("floating", "VEVENT[1].DTEND")),
        (("SUMMARY:Call\r\n", ""), ("VEVENT[1]", "SUMMARY")),
        (("DTEND:20141105T150000Z\r\n", ""), ("VEVENT[1]", "DTEND or DURATION")),
        (("DTSTART;TZID=America/New_York", "DTSTART;TZID=Mars/Olympus"), ("VEVENT[0]",)),
    ],
)
def test_an_unusable_feed_is_one_line_and_exit_2(
    tmp_path: Path, change: tuple[str, str], words: tuple[str, ...]
) -> None:
    path = tmp_path / "partner.ics"
    path.write_text(FEED.replace(*change), encoding="utf-8", newline="")
    result = subprocess.run(
        [sys.executable, "-m", "icssi_itinerary", "--programme", str(path), "events"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert str(path) in line
    for word in words:
        assert word in line, line
