"""Every .ics we produce, read by independent calendar consumers, against zoneinfo.

Three inputs (issue 16): the bundled programme with the sample roster, a hostile-text
programme and a hard-zones programme; each also with every TZID renamed to an ``X-``
name no database knows, so a consumer can only use the feed's own VTIMEZONEs. The
oracle is the standard library's ``zoneinfo`` applied to each item's wall-clock time
and zone name (never the exporter's own arithmetic).

Consumers: icalendar, ``ical`` and vobject (in process); ical.js in node
(``tests/consumers/icaljs.mjs``); libical through Debian's ``gir1.2-ical-3.0`` and
``python3-gi`` (``tests/consumers/libical_read.py``), with its RFC 5546 restriction
check; khal (import, then ``khal list`` in two display zones); Radicale as a CalDAV
server on loopback (PUT each event, then time-range REPORTs). A consumer that is not
installed skips the test locally and fails it in CI (``CI`` set): ``.ci/run`` installs
them all.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo, available_timezones

import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from icssi_itinerary import (
    DateSpan,
    Delegate,
    Event,
    Programme,
    RenderOptions,
    Roster,
    TimeSpan,
    Venue,
    build_itinerary,
    localize,
    render_itinerary,
    render_programme,
    zone,
)
from icssi_itinerary.plugins import get_exporters
from icssi_itinerary.timing import TimingError
from test_ical import model_times, unfolded, with_ical, with_icalendar, with_vobject

CONSUMERS = ROOT / "tests" / "consumers"
TZDATA = Path(str(resources.files("tzdata.zoneinfo")))
ICALJS = CONSUMERS / "node_modules" / "ical.js"
DEBIAN_PYTHON = Path("/usr/bin/python3")
IN_CI = bool(os.environ.get("CI"))
_renames = itertools.count()

Times = dict[str, tuple[Any, Any]]


def need(available: bool, what: str) -> None:
    """Skip locally when a consumer is missing; in CI, fail: .ci/run installs it."""
    if not available:
        if IN_CI:
            pytest.fail(f"{what} is missing in CI: .ci/run installs it")
        pytest.skip(f"{what} not installed")


def _libical_available() -> bool:
    if not DEBIAN_PYTHON.exists():
        return False
    probe = "import gi; gi.require_version('ICalGLib', '3.0'); from gi.repository import ICalGLib"
    return subprocess.run([DEBIAN_PYTHON, "-c", probe], capture_output=True).returncode == 0


# --- the inputs and their oracle ------------------------------------------------------


@dataclass(frozen=True)
class Feed:
    """One produced .ics file and what zoneinfo says its items' times are."""

    label: str
    data: bytes
    expected: Times


@cache
def tzdata_zone(name: str) -> ZoneInfo:
    """The stdlib's zoneinfo on the ``tzdata`` package the library reads (the system's
    /usr/share/zoneinfo may be another release: it says Africa/Accra kept its own
    offset in 1900, the package says it was Abidjan's)."""
    path = resources.files("tzdata.zoneinfo").joinpath(*name.split("/"))
    with path.open("rb") as handle:
        return ZoneInfo.from_file(handle, key=name)


def _oracle_moment(moment: Any) -> datetime:
    """zoneinfo's UTC instant for the wall time and zone name of a library DateTime."""
    wall = datetime(*moment.timetuple()[:6])
    local = wall.replace(tzinfo=tzdata_zone(moment.timezone_name), fold=moment.fold)
    return local.astimezone(UTC)


def oracle(programme: Programme, items: Any) -> Times:
    """zoneinfo's DTSTART/DTEND of each item (dates stay dates)."""
    return model_times(programme, items, _oracle_moment)


def _render(programme: Programme, delegates: tuple[Delegate, ...] = ()) -> list[Feed]:
    ical = get_exporters()["ical"]
    feeds = [
        Feed(
            "programme",
            render_programme(ical, programme, RenderOptions()),
            oracle(programme, programme.events),
        )
    ]
    for delegate in delegates:
        itinerary = build_itinerary(programme, delegate, checks=())
        feeds.append(
            Feed(
                delegate.id,
                render_itinerary(ical, itinerary, RenderOptions()),
                oracle(programme, itinerary.items),
            )
        )
    return feeds


HOSTILE = "Line one\r\nline two\u2028three\nfour; semi, comma \\ backslash أمل كريم\x00\x07"
HOSTILE_CATEGORY = "peace, ; justice"


def hostile_programme() -> Programme:
    geneva = zone("Europe/Zurich")
    venue = Venue(
        id="v", name=f"Salle {HOSTILE}", city="Genève, ;", country="CH", zone=geneva,
        address="Rue de Lausanne 1; 1202 Genève\\",
    )  # fmt: skip
    events = []
    for number, day in enumerate((3, 4, 5)):
        start = localize(datetime(2014, 11, day, 10, 0), geneva)
        events.append(
            Event(
                id=f"e{number}",
                title=f"العراق {number}: {HOSTILE}",
                kind="session",
                venue=venue,
                span=TimeSpan(start, start.add(hours=2)),
                description=HOSTILE,
                tags=(HOSTILE_CATEGORY, "a\\b"),
            )
        )
    events.append(
        Event(
            id="whole-day",
            title="يوم كامل, ; \\",
            kind="visit",
            venue=venue,
            span=DateSpan(date(2014, 11, 6), date(2014, 11, 7), geneva),
            tags=(HOSTILE_CATEGORY,),
        )
    )
    return Programme(
        id="hostile", title=f"Programme {HOSTILE}", events=tuple(events), venues=(venue,)
    )


# (zone, wall time, minutes): zones and dates the issue names.
HARD_ZONES: list[tuple[str, datetime, int]] = [
    ("Asia/Kathmandu", datetime(2014, 11, 3, 9, 0), 90),
    ("Asia/Kathmandu", datetime(1985, 6, 1, 9, 0), 60),
    ("Australia/Lord_Howe", datetime(2014, 4, 5, 23, 0), 240),  # across the half-hour change
    ("Australia/Lord_Howe", datetime(2014, 10, 5, 12, 0), 60),
    ("Pacific/Chatham", datetime(2014, 9, 27, 23, 0), 300),  # across +12:45 -> +13:45
    ("America/St_Johns", datetime(2014, 3, 8, 23, 0), 240),
    ("Europe/Dublin", datetime(2014, 1, 15, 10, 0), 60),  # negative DST in tzdata
    ("Europe/Dublin", datetime(2014, 7, 15, 10, 0), 60),
    ("Africa/Casablanca", datetime(2014, 7, 10, 12, 0), 60),  # Ramadan: summer time off
    ("Africa/Casablanca", datetime(2014, 6, 20, 12, 0), 60),
    ("Africa/Casablanca", datetime(2022, 4, 10, 12, 0), 60),  # Ramadan, tzdata's +00
    ("Asia/Tehran", datetime(2021, 6, 1, 10, 0), 60),
    ("Asia/Tehran", datetime(2023, 6, 1, 10, 0), 60),  # summer time abolished in 2022
    ("Pacific/Apia", datetime(2011, 12, 29, 12, 0), 60),
    ("Pacific/Apia", datetime(2011, 12, 31, 12, 0), 60),  # the 30th was skipped
    ("Europe/Moscow", datetime(2011, 6, 1, 10, 0), 60),
    ("Europe/Moscow", datetime(2014, 2, 1, 10, 0), 60),
    ("Antarctica/Troll", datetime(2014, 6, 1, 10, 0), 60),
    ("Antarctica/Troll", datetime(2014, 12, 1, 10, 0), 60),
    ("Europe/Paris", datetime(1965, 6, 1, 10, 0), 60),
    ("America/New_York", datetime(2045, 7, 4, 10, 0), 60),
]


def hard_zones_programme() -> Programme:
    venues: dict[str, Venue] = {}
    events = []
    for number, (name, wall, minutes) in enumerate(HARD_ZONES):
        tz = zone(name)
        venue = venues.setdefault(
            name, Venue(id=f"v{len(venues)}", name=name, city=name, country="X", zone=tz)
        )
        start = localize(wall, tz)
        end = start.add(minutes=minutes).in_timezone(tz)
        events.append(
            Event(id=f"e{number}", title=f"{name} {wall:%Y-%m-%d %H:%M}", kind="session",
                  venue=venue, span=TimeSpan(start, end))
        )  # fmt: skip
    apia = venues["Pacific/Apia"]
    events.append(
        Event(id="apia-day", title="Apia, 29-31 December 2011", kind="visit", venue=apia,
              span=DateSpan(date(2011, 12, 29), date(2011, 12, 31), apia.zone))
    )  # fmt: skip
    return Programme(
        id="hard-zones", title="Hard zones", events=tuple(events), venues=tuple(venues.values())
    )


def renamed(data: bytes) -> bytes:
    """The feed with every TZID renamed to a unique ``X-`` name no database knows."""
    text = unfolded(data)
    names = sorted(set(re.findall(r"TZID[:=]([^;:\r\n]+)", text)))
    for name in names:
        new = f"X-ICSSI-ZONE-{next(_renames)}"
        text = re.sub(rf"(TZID[:=]){re.escape(name)}(?=[;:\r\n])", rf"\g<1>{new}", text)
    assert not set(names) & set(re.findall(r"TZID[:=]([^;:\r\n]+)", text))
    return text.encode("utf-8")


@pytest.fixture(scope="module")
def inputs(programme: Programme, roster: Roster) -> dict[str, list[Feed]]:
    made = {
        "bundled": _render(programme, roster.delegates),
        "hostile": _render(hostile_programme()),
        "hard-zones": _render(hard_zones_programme()),
    }
    for key in list(made):
        made[f"{key}-renamed"] = [
            Feed(f"{feed.label} (renamed)", renamed(feed.data), feed.expected) for feed in made[key]
        ]
    return made


INPUTS = ["bundled", "hostile", "hard-zones"]
VARIANTS = [*INPUTS, *(f"{name}-renamed" for name in INPUTS)]


def test_the_hard_zones_oracle_is_what_tzdata_says() -> None:
    """The oracle itself, on facts from the issue (UTC instants of the wall times)."""
    expected = oracle(hard_zones_programme(), hard_zones_programme().events)
    moscow = expected["e16@hard-zones.icssi-itinerary"][0]
    assert moscow == datetime(2014, 2, 1, 6, 0, tzinfo=UTC)
    assert expected["e12@hard-zones.icssi-itinerary"][0] == datetime(2023, 6, 1, 6, 30, tzinfo=UTC)
    assert expected["e11@hard-zones.icssi-itinerary"][0] == datetime(2021, 6, 1, 5, 30, tzinfo=UTC)


# --- the in-process parsers -----------------------------------------------------------

IN_PROCESS: dict[str, Callable[[bytes], Times]] = {
    "icalendar": with_icalendar,
    "ical": with_ical,
    "vobject": with_vobject,
}


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("parser", sorted(IN_PROCESS))
def test_python_parsers_read_every_instant(
    parser: str, variant: str, inputs: dict[str, list[Feed]]
) -> None:
    for feed in inputs[variant]:
        assert IN_PROCESS[parser](feed.data) == feed.expected, feed.label


def test_hostile_text_survives_and_no_forbidden_character_is_written(
    inputs: dict[str, list[Feed]],
) -> None:
    (feed,) = inputs["hostile"]
    assert not re.search(rb"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]", feed.data)
    assert "\u2028" not in feed.data.decode("utf-8")
    assert all(line.endswith(b"\r") for line in feed.data.split(b"\n")[:-1])
    calendar = icalendar.Calendar.from_ical(feed.data)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    first = events["e0@hostile.icssi-itinerary"]
    text = "Line one\nline two\nthree\nfour; semi, comma \\ backslash أمل كريم"
    assert str(first["SUMMARY"]) == f"العراق 0: {text}"
    assert str(first["DESCRIPTION"]) == text
    categories = [str(c) for c in cast(Any, first["CATEGORIES"]).cats]
    assert categories == ["session", HOSTILE_CATEGORY, "a\\b"]
    assert "DESCRIPTION" not in events["whole-day@hostile.icssi-itinerary"]


# --- ical.js in node ------------------------------------------------------------------


class LineServer:
    """A helper process that answers one JSON line per JSON line (ical.js, libical)."""

    def __init__(self, command: list[str | Path]) -> None:
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=CONSUMERS
        )

    def ask(self, data: bytes) -> dict[str, Any]:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(data.decode("utf-8")) + "\n")
        self.process.stdin.flush()
        answer: dict[str, Any] = json.loads(self.process.stdout.readline())
        assert "error" not in answer, answer.get("error")
        return answer

    def close(self) -> None:
        assert self.process.stdin
        self.process.stdin.close()
        self.process.wait(timeout=30)


def _times(raw: dict[str, list[Any]]) -> Times:
    def value(item: Any) -> Any:
        if isinstance(item, str):
            return date.fromisoformat(item)
        return datetime.fromtimestamp(item, UTC)

    return {uid: (value(start), value(end)) for uid, (start, end) in raw.items()}


def _serve(available: bool, what: str, command: list[str | Path]) -> Iterator[LineServer]:
    need(available, what)
    server = LineServer(command)
    yield server
    server.close()


@pytest.fixture(scope="module")
def icaljs() -> Iterator[LineServer]:
    available = shutil.which("node") is not None and ICALJS.exists()
    yield from _serve(available, "node with ical.js (npm ci)", ["node", CONSUMERS / "icaljs.mjs"])


@pytest.mark.parametrize("variant", VARIANTS)
def test_icaljs_reads_every_instant_from_the_feeds_own_vtimezones(
    variant: str, inputs: dict[str, list[Feed]], icaljs: LineServer
) -> None:
    for feed in inputs[variant]:
        assert _times(icaljs.ask(feed.data)) == feed.expected, feed.label


# --- libical --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def libical() -> Iterator[LineServer]:
    what = "libical for Python (Debian: gir1.2-ical-3.0 python3-gi)"
    yield from _serve(_libical_available(), what, [DEBIAN_PYTHON, CONSUMERS / "libical_read.py"])


@pytest.mark.parametrize("variant", VARIANTS)
def test_libical_reads_every_instant_and_finds_no_error(
    variant: str, inputs: dict[str, list[Feed]], libical: LineServer
) -> None:
    """libical's parser and its RFC 5546 restriction check (METHOD:PUBLISH) report
    nothing: no missing ORGANIZER, no empty property."""
    for feed in inputs[variant]:
        answer = libical.ask(feed.data)
        assert answer["errors"] == [], feed.label
        assert _times(answer["times"]) == feed.expected, feed.label


# --- khal -----------------------------------------------------------------------------

KHAL_CONFIG = """\
[calendars]
[[feed]]
path = {folder}/calendar
[locale]
local_timezone = {zone}
default_timezone = {zone}
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M
[sqlite]
path = {folder}/khal.db
"""


def _khal_list(feed: Feed, folder: Path, display: str) -> dict[str, tuple[str, str]]:
    folder.mkdir()
    (folder / "calendar").mkdir()
    config = folder / "config"
    config.write_text(KHAL_CONFIG.format(folder=folder, zone=display), encoding="utf-8")
    ics = folder / "feed.ics"
    ics.write_bytes(feed.data)
    khal = ["khal", "-c", str(config)]
    subprocess.run([*khal, "import", "--batch", "-a", "feed", str(ics)], check=True)
    days = [d for pair in feed.expected.values() for d in pair]
    first = min(d if not isinstance(d, datetime) else d.date() for d in days)
    last = max(d if not isinstance(d, datetime) else d.date() for d in days)
    listed = subprocess.run(
        [*khal, "list", "-o", "--day-format", "", "--format", "{uid}|{start-long}|{end-long}",
         f"{first - timedelta(days=2):%Y-%m-%d}", f"{(last - first).days + 4}d"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    found = {}
    for line in listed.splitlines():
        if line.strip():
            uid, start, end = line.split("|")
            found[uid] = (start, end)
    return found


def _khal_expected(value: Any, display: str, end: bool) -> str:
    if isinstance(value, datetime):
        return f"{value.astimezone(tzdata_zone(display)):%Y-%m-%d %H:%M}"
    return f"{value - timedelta(days=1) if end else value:%Y-%m-%d}"  # khal's end is inclusive


def _year(value: Any) -> int:
    year: int = value.year
    return year


@pytest.mark.parametrize("display", ["Asia/Baghdad", "America/Los_Angeles"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_khal_lists_every_instant_in_two_display_zones(
    variant: str, display: str, inputs: dict[str, list[Feed]], tmp_path: Path
) -> None:
    need(shutil.which("khal") is not None, "khal (Debian: khal)")
    feeds = inputs[variant]
    if variant.startswith("bundled"):
        feeds = feeds[:3]  # the programme and two delegates: khal is slow to start
    for number, feed in enumerate(feeds):
        listed = _khal_list(feed, tmp_path / str(number), display)
        expected = {
            uid: (_khal_expected(start, display, False), _khal_expected(end, display, True))
            for uid, (start, end) in feed.expected.items()
        }
        # khal reads a TZID it knows with pytz, and a VTIMEZONE with icalendar 4, whose
        # tables both end in 2038: after that, no summer time. Only the day is checked.
        late = {uid for uid, (start, _) in feed.expected.items() if _year(start) > 2038}
        for uid in late:
            assert listed.pop(uid)[0][:10] == expected.pop(uid)[0][:10]
        assert listed == expected, feed.label


# --- Radicale -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _request(method: str, url: str, body: bytes | None = None, **headers: str) -> bytes:
    headers["Authorization"] = "Basic " + base64.b64encode(b"conformance:x").decode()
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        data: bytes = response.read()
        return data


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    need(shutil.which("radicale") is not None, "Radicale (Debian: radicale)")
    folder = tmp_path_factory.mktemp("radicale")
    port = _free_port()
    server = subprocess.Popen(
        ["radicale", "--server-hosts", f"127.0.0.1:{port}", "--auth-type", "none",
         "--storage-filesystem-folder", str(folder / "collections"), "--logging-level", "error"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                _request("OPTIONS", url + "/")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _objects(data: bytes) -> Iterator[tuple[str, bytes]]:
    """Each VEVENT as a calendar object of its own, with the VTIMEZONEs it needs."""
    calendar = icalendar.Calendar.from_ical(data)
    zones = {str(tz["TZID"]): tz for tz in calendar.walk("VTIMEZONE")}
    for event in calendar.walk("VEVENT"):
        single = icalendar.Calendar()
        for key in ("PRODID", "VERSION"):
            single.add(key, calendar[key])
        text = event.to_ical().decode("utf-8")
        for tzid in sorted(set(re.findall(r"TZID=([^;:\r\n]+)", text))):
            single.add_component(zones[tzid])
        single.add_component(event)
        yield str(event["UID"]), single.to_ical()


def _stamp(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"


REPORT = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
    <C:time-range start="{start}" end="{end}"/>
  </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>"""


def _uids_in(collection: str, start: datetime, end: datetime) -> set[str]:
    body = REPORT.format(start=_stamp(start), end=_stamp(end)).encode("utf-8")
    answer = _request(
        "REPORT", collection, body, Depth="1", **{"Content-Type": "application/xml"}
    ).decode("utf-8")
    return set(re.findall(r"^UID:(.+?)\r?$", answer.replace("\r\n ", ""), re.M))


def _bounds(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day, tzinfo=UTC)  # a date: floating


@pytest.mark.parametrize("variant", VARIANTS)
def test_radicale_finds_each_event_exactly_in_its_time_range(
    variant: str, inputs: dict[str, list[Feed]], radicale: str
) -> None:
    """CalDAV time-range (RFC 4791 9.9): the event is found in the minute after its start
    and the minute before its end, and not in the minute before its start or the minute
    after its end. Radicale expands the feed's own VTIMEZONEs to decide. The bundled
    input's first three feeds (the programme and two delegates) stand for all: each
    feed costs four REPORTs per event."""
    minute = timedelta(minutes=1)
    for number, feed in enumerate(inputs[variant][:3]):
        collection = f"{radicale}/conformance/{variant}-{number}/"
        _request("MKCALENDAR", collection)
        for uid, body in _objects(feed.data):
            name = re.sub(r"[^A-Za-z0-9]+", "-", uid)
            _request("PUT", f"{collection}{name}.ics", body, **{"Content-Type": "text/calendar"})
        for uid, (start, end) in feed.expected.items():
            if not isinstance(start, datetime):
                continue  # a date is floating: its range depends on the server's zone
            first, last = _bounds(start), _bounds(end)
            assert uid in _uids_in(collection, first, first + minute), (feed.label, uid)
            assert uid in _uids_in(collection, last - minute, last), (feed.label, uid)
            assert uid not in _uids_in(collection, first - minute, first), (feed.label, uid)
            assert uid not in _uids_in(collection, last, last + minute), (feed.label, uid)


# --- the property: every zone, 1900-2050, renamed TZIDs -------------------------------


def _accepted(name: str) -> bool:
    try:
        zone(name)
    except TimingError:  # Etc/GMT+3 and the like: fixed offsets, refused by design
        return False
    return (TZDATA / name).is_file()


# Every zone zoneinfo offers that the library accepts and its tzdata package has.
ALL_ZONES = sorted(filter(_accepted, available_timezones()))


@st.composite
def zoned_instants(draw: st.DrawFn) -> tuple[str, datetime, int]:
    """A zone, a whole minute from 1900 to 2050 (half the time within three hours of one
    of the zone's changes that year, found with zoneinfo) and a length in minutes."""
    name = draw(st.sampled_from(ALL_ZONES))
    minutes = draw(st.integers(0, (datetime(2051, 1, 1) - datetime(1900, 1, 1)).days * 1440))
    instant = datetime(1900, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    changes = _changes_in(name, instant.year)
    if bool(changes) and draw(st.booleans()):
        instant = draw(st.sampled_from(changes)) + timedelta(minutes=draw(st.integers(-180, 180)))
    return name, instant, 15 * draw(st.integers(1, 4 * 24 * 3))


@cache
def _changes_in(name: str, year: int) -> list[datetime]:
    """The whole minutes at which *name*'s offset changes in *year*, to the minute."""
    tz, found = tzdata_zone(name), []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    while moment.year == year:
        following = moment + timedelta(hours=6)
        if moment.astimezone(tz).utcoffset() != following.astimezone(tz).utcoffset():
            low, high = moment, following
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                same = middle.astimezone(tz).utcoffset() == low.astimezone(tz).utcoffset()
                low, high = (middle, high) if same else (low, middle)
            found.append(high.replace(second=0, microsecond=0))
        moment = following
    return found


def _single(name: str, instant: datetime, minutes: int) -> tuple[bytes, Times]:
    tz = zone(name)
    local = instant.astimezone(tzdata_zone(name))
    start = localize(local.replace(tzinfo=None), tz, fold="later" if local.fold else "earlier")
    end = start.add(minutes=minutes).in_timezone(tz)
    venue = Venue(id="v", name="Hall", city="C", country="X", zone=tz)
    event = Event(id="e", title="E", kind="session", venue=venue, span=TimeSpan(start, end))
    programme = Programme(id="p", title="P", events=(event,), venues=(venue,))
    data = render_programme(get_exporters()["ical"], programme, RenderOptions())
    return renamed(data), {"e@p.icssi-itinerary": (instant, instant + timedelta(minutes=minutes))}


@settings(
    max_examples=200,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(zoned_instants())
def test_any_zone_any_instant_read_from_the_feed_alone(
    icaljs: LineServer, case: tuple[str, datetime, int]
) -> None:
    """icalendar and ical.js, with only the feed's VTIMEZONE, read zoneinfo's instant.

    ical.js drops the seconds of a UTC offset (``+023536``, local mean time before about
    1920 is read as ``+0235``): where the zone's offset has seconds, it may be off by
    those seconds, never more."""
    name, instant, _ = case
    data, expected = _single(*case)
    assert with_icalendar(data) == expected
    got = _times(icaljs.ask(data))
    offset = instant.astimezone(tzdata_zone(name)).utcoffset()
    assert offset is not None
    if offset.seconds % 60:
        pairs = zip(got["e@p.icssi-itinerary"], expected["e@p.icssi-itinerary"], strict=True)
        for read, oracle_value in pairs:
            assert abs(read - oracle_value) < timedelta(minutes=1)
    else:
        assert got == expected
