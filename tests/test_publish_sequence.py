"""One tour's worth of edits, published one after another through the command line with
every registered format (the built-ins and the example markdown plugin).

Each step makes one edit a coordinator makes — remove a session, a top-level event with
its venue, a parent with its sessions, a leg, a stay, a delegate; move, retitle, put
back — and publishes. Every publish must exit 0, write every format for everyone, and
report exactly the edit: the expected changes come from the edit itself, the feeds are
read back with icalendar.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import icalendar
import jsonschema
import pytest

import icssi_itinerary
from conftest import ROOT, sequence_of
from test_example_plugin import run, site  # noqa: F401  (the example plugin's fixture)

BUNDLED = Path(icssi_itinerary.__file__).parent / "data" / "icssi-2014.toml"
SCHEMA = json.loads((ROOT / "docs" / "schemas" / "changes-1.schema.json").read_text("utf-8"))
BASE_URL = "https://itinerary.example.org/icssi"
UID = "@icssi-2014.icssi-itinerary"

ROSTER = """
[[delegates]]
id = "leila-hassan"
name = "Leila Hassan"
home_timezone = "Asia/Baghdad"
language = "ar"
events = ["*"]

[[delegates]]
id = "tom-berg"
name = "Tom Berg"
events = ["icssi-oslo-conference", "-social-evening", "upr-iraq"]

[[delegates]]
id = "sara-lind"
name = "Sara Lind"
events = ["*"]

[[legs]]
delegate = "leila-hassan"
mode = "flight"
reference = "XX 100"
from = "Baghdad"
from_timezone = "Asia/Baghdad"
departs = 2014-10-26T04:10:00
to = "Oslo"
to_timezone = "Europe/Oslo"
arrives = 2014-10-26T11:15:00

[[legs]]
delegate = "leila-hassan"
mode = "flight"
reference = "XX 200"
from = "Oslo"
from_timezone = "Europe/Oslo"
departs = 2014-11-02T17:35:00
to = "Geneva"
to_timezone = "Europe/Zurich"
arrives = 2014-11-02T20:05:00

[[stays]]
delegate = "leila-hassan"
name = "Hotel Akersgata"
city = "Oslo"
timezone = "Europe/Oslo"
check_in = 2014-10-26
check_out = 2014-11-02

[[stays]]
delegate = "leila-hassan"
name = "Hôtel des Nations"
city = "Geneva"
timezone = "Europe/Zurich"
check_in = 2014-11-02
check_out = 2014-11-04
"""

LEG_OUT = "leila-hassan-leg-flight-xx-100-baghdad-to-oslo"
LEG_ON = "leila-hassan-leg-flight-xx-200-oslo-to-geneva"
GENEVA_STAY = "leila-hassan-stay-hotel-des-nations-geneva"


def _blocks(text: str) -> list[str]:
    return text.split("\n[[")


def _without(text: str, *ids: str) -> str:
    """*text* without the ``[[events]]``/``[[venues]]``/``[[legs]]``/... tables whose
    ``id`` (or, for legs and stays, reference or name) is in *ids*."""
    keys = [f'id = "{i}"' for i in ids] + [f'reference = "{i}"' for i in ids]
    keys += [f'name = "{i}"' for i in ids]
    return "\n[[".join(b for b in _blocks(text) if not any(f"\n{k}\n" in f"\n{b}\n" for k in keys))


def _edit(text: str, table_id: str, old: str, new: str) -> str:
    """Replace *old* by *new* in the one table whose ``id`` is *table_id*."""
    blocks = _blocks(text)
    hits = [i for i, b in enumerate(blocks) if f'\nid = "{table_id}"\n' in f"\n{b}\n"]
    assert len(hits) == 1 and old in blocks[hits[0]], (table_id, old)
    blocks[hits[0]] = blocks[hits[0]].replace(old, new)
    return "\n[[".join(blocks)


def _vevents(path: Path) -> dict[str, icalendar.cal.Component]:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    return {str(event["UID"]).removesuffix(UID): event for event in calendar.walk("VEVENT")}


class Tour:
    """A programme and roster in a folder, published to ``site`` with every format."""

    def __init__(self, folder: Path, plugin_site: Path) -> None:
        self.folder, self.plugin_site = folder, plugin_site
        self.programme = BUNDLED.read_text(encoding="utf-8")
        self.roster = ROSTER
        self.out = folder / "site"

    def publish(self) -> list[dict[str, Any]]:
        (self.folder / "programme.toml").write_text(self.programme, encoding="utf-8")
        (self.folder / "roster.toml").write_text(self.roster, encoding="utf-8")
        result = run(
            self.plugin_site,
            *("--programme", str(self.folder / "programme.toml"), "publish"),
            *("--roster", str(self.folder / "roster.toml"), "--out", str(self.out)),
            *("--base-url", BASE_URL, "--jobs", "1"),
        )
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        report = json.loads((self.folder / "site.private" / "changes.json").read_text("utf-8"))
        validator = jsonschema.Draft202012Validator(
            SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
        validator.validate(report)  # the documented format
        for line in result.stdout.splitlines():  # what the CLI prints is the report
            assert line in {change["summary"] for change in report["changes"]}
        self.check_every_format_for_everyone()
        return list(report["changes"])

    def delegates(self) -> list[str]:
        return [d["id"] for d in tomllib.loads(self.roster)["delegates"]]

    def tokens(self) -> dict[str, str]:
        links = (self.folder / "site.private" / "links.csv").read_text("utf-8").splitlines()
        rows = [line.split(",") for line in links[1:]]
        return {row[0]: row[3].removeprefix(BASE_URL + "/").split("/")[0] for row in rows}

    def check_every_format_for_everyone(self) -> None:
        suffixes = {p.suffix for p in self.out.iterdir() if p.name.startswith("programme.")}
        assert {".ics", ".txt", ".md", ".pdf", ".xml", ".json"} <= suffixes
        tokens = self.tokens()
        assert set(tokens) == set(self.delegates())
        for token in tokens.values():
            files = {p.suffix for p in (self.out / token).iterdir()}
            assert suffixes | {".html"} <= files | {".html"}, files
            assert all(p.stat().st_size > 0 for p in (self.out / token).iterdir())

    def feed(self, delegate: str | None = None) -> dict[str, icalendar.cal.Component]:
        if delegate is None:
            return _vevents(self.out / "programme.ics")
        return _vevents(self.out / self.tokens()[delegate] / "itinerary.ics")


def _kinds(changes: list[dict[str, Any]]) -> dict[str, tuple[str, set[str]]]:
    return {c["id"]: (c["change"], set(c["delegates"])) for c in changes}


ATTENDING_ALL = {"leila-hassan", "sara-lind"}
EVERYONE = ATTENDING_ALL | {"tom-berg"}


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory, site: Path) -> Tour:  # noqa: F811
    tour = Tour(tmp_path_factory.mktemp("tour"), site)
    tour.publish()
    return tour


# The steps run in order on one site, as a coordinator's edits would.


def test_1_removing_a_session_cancels_it_everywhere_it_was(tour: Tour) -> None:
    tour.programme = _without(tour.programme, "isf-future")
    changes = tour.publish()
    assert _kinds(changes) == {"isf-future": ("cancelled", EVERYONE)}
    assert changes[0]["after"] is None and "removed from the programme" in changes[0]["summary"]
    for who in [None, *EVERYONE]:
        event = tour.feed(who)["isf-future"]
        assert (str(event["STATUS"]), sequence_of(event)) == ("CANCELLED", 1)


def test_2_removing_a_top_level_event_and_its_venue(tour: Tour) -> None:
    tour.programme = _without(tour.programme, "mep-meeting", "paul-henri-spaak")
    changes = tour.publish()
    assert _kinds(changes) == {"mep-meeting": ("cancelled", ATTENDING_ALL)}
    assert str(tour.feed()["mep-meeting"]["STATUS"]) == "CANCELLED"
    assert "Spaak" in str(tour.feed()["mep-meeting"]["LOCATION"])
    assert "mep-meeting" not in tour.feed("tom-berg")


def test_3_removing_a_parent_with_its_sessions(tour: Tour) -> None:
    text = _without(tour.programme, "globalization-conference", "isf-session-globalization")
    tour.programme = _edit(text, "upr-iraq", 'follows = "globalization-conference"\n', "")
    changes = tour.publish()
    assert _kinds(changes) == {
        "globalization-conference": ("cancelled", ATTENDING_ALL),
        "isf-session-globalization": ("cancelled", ATTENDING_ALL),
        "upr-iraq": ("changed", EVERYONE),
    }
    upr = next(c for c in changes if c["id"] == "upr-iraq")
    assert upr["fields"] == ["details"]
    feed = tour.feed("leila-hassan")
    assert str(feed["isf-session-globalization"]["STATUS"]) == "CANCELLED"
    assert str(feed["globalization-conference"]["STATUS"]) == "CANCELLED"


def test_4_removing_a_leg_cancels_it_in_the_delegates_feed_only(tour: Tour) -> None:
    tour.roster = _without(tour.roster, "XX 100")
    changes = tour.publish()
    assert _kinds(changes) == {LEG_OUT: ("cancelled", {"leila-hassan"})}
    leg = tour.feed("leila-hassan")[LEG_OUT]
    assert (str(leg["STATUS"]), sequence_of(leg)) == ("CANCELLED", 1)
    assert LEG_OUT not in tour.feed() and LEG_OUT not in tour.feed("sara-lind")


def test_5_removing_a_stay(tour: Tour) -> None:
    tour.roster = _without(tour.roster, "Hôtel des Nations")
    changes = tour.publish()
    assert _kinds(changes) == {GENEVA_STAY: ("cancelled", {"leila-hassan"})}
    assert str(tour.feed("leila-hassan")[GENEVA_STAY]["STATUS"]) == "CANCELLED"


def test_6_removing_a_delegate_drops_their_folder(tour: Tour) -> None:
    token = tour.tokens()["sara-lind"]
    tour.roster = _without(tour.roster, "sara-lind")
    changes = tour.publish()
    assert _kinds(changes) == {"sara-lind": ("delegate-removed", set())}
    assert not (tour.out / token).exists()


def test_7_moving_a_session_to_another_day(tour: Tour) -> None:
    tour.programme = _edit(
        tour.programme, "internal-structure", "start = 2014-10-29", "start = 2014-10-28"
    )
    changes = tour.publish()
    assert _kinds(changes) == {"internal-structure": ("moved", {"leila-hassan", "tom-berg"})}
    assert changes[0]["fields"] == ["time"]
    assert (changes[0]["before"]["first_day"], changes[0]["after"]["first_day"]) == (
        "2014-10-29",
        "2014-10-28",
    )
    event = tour.feed("tom-berg")["internal-structure"]
    start = event["DTSTART"]
    assert isinstance(start, icalendar.vDDDTypes)
    assert (str(start.to_ical(), "ascii"), sequence_of(event)) == ("20141028", 1)


def test_8_moving_a_session_to_another_city(tour: Tour) -> None:
    tour.programme = _edit(
        tour.programme,
        "icssi-geneva-session",
        'kind = "session"\n',
        'kind = "session"\nvenue = "st-olav"\n',
    )
    changes = tour.publish()
    assert _kinds(changes) == {"icssi-geneva-session": ("moved", {"leila-hassan", "tom-berg"})}
    assert changes[0]["fields"] == ["place"]
    assert "Oslo" in str(tour.feed()["icssi-geneva-session"]["LOCATION"])


def test_9_retitling_a_session(tour: Tour) -> None:
    tour.programme = _edit(
        tour.programme,
        "icssi-geneva-session",
        'title = "ICSSI session at the Palais des Nations"',
        'title = "ICSSI session, moved to Oslo"',
    )
    changes = tour.publish()
    assert _kinds(changes) == {"icssi-geneva-session": ("changed", {"leila-hassan", "tom-berg"})}
    assert changes[0]["fields"] == ["title"]
    assert "moved to Oslo" in str(tour.feed("leila-hassan")["icssi-geneva-session"]["SUMMARY"])


def test_10_putting_removed_items_back_restores_them(tour: Tour) -> None:
    bundled = BUNDLED.read_text(encoding="utf-8")
    mep = next(b for b in _blocks(bundled) if '\nid = "mep-meeting"\n' in f"\n{b}\n")
    venue = next(b for b in _blocks(bundled) if '\nid = "paul-henri-spaak"\n' in f"\n{b}\n")
    tour.programme = tour.programme.replace("\n[[events]]", f"\n[[{venue}\n[[events]]", 1)
    tour.programme += f"\n[[{mep}"
    leg = next(b for b in _blocks(ROSTER) if 'reference = "XX 100"' in b)
    tour.roster += f"\n[[{leg}"
    changes = tour.publish()
    assert _kinds(changes) == {
        "mep-meeting": ("restored", {"leila-hassan"}),
        LEG_OUT: ("restored", {"leila-hassan"}),
    }
    for uid in ("mep-meeting", LEG_OUT):
        component = tour.feed("leila-hassan")[uid]
        assert str(component.get("STATUS", "CONFIRMED")) == "CONFIRMED"
        assert sequence_of(component) == 2  # added 0, cancelled 1, restored 2


def test_11_a_delegate_dropping_an_event_is_not_a_cancellation(tour: Tour) -> None:
    status = str(tour.feed()["campaign-sessions"]["STATUS"])
    assert status != "CANCELLED"
    tour.roster = tour.roster.replace(
        'events = ["icssi-oslo-conference", "-social-evening", "upr-iraq"]',
        'events = ["icssi-oslo-conference", "-social-evening", "-campaign-sessions", "upr-iraq"]',
    )
    changes = tour.publish()
    assert _kinds(changes) == {"campaign-sessions": ("left", {"tom-berg"})}
    assert "no longer in the itinerary of" in changes[0]["summary"]
    assert "cancelled" not in changes[0]["summary"]
    assert str(tour.feed()["campaign-sessions"]["STATUS"]) == status
    assert str(tour.feed("leila-hassan")["campaign-sessions"]["STATUS"]) == status
    assert str(tour.feed("tom-berg")["campaign-sessions"]["STATUS"]) == "CANCELLED"


def test_12_a_retimed_flight_is_one_move_of_the_same_uid(tour: Tour) -> None:
    sequence = sequence_of(tour.feed("leila-hassan")[LEG_ON])
    tour.roster = tour.roster.replace(
        "departs = 2014-11-02T17:35:00", "departs = 2014-11-02T15:35:00"
    )
    changes = tour.publish()
    assert _kinds(changes) == {LEG_ON: ("moved", {"leila-hassan"})}
    assert "17:35" in changes[0]["summary"] and "15:35" in changes[0]["summary"]
    leg = tour.feed("leila-hassan")[LEG_ON]
    assert sequence_of(leg) == sequence + 1
    assert leg.decoded("DTSTART").isoformat() == "2014-11-02T15:35:00+01:00"
