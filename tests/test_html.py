"""The html exporter: valid, self-contained, time-correct, safe pages.

Oracles are independent of the library where it matters: instants are computed with
the stdlib ``zoneinfo`` from the press statement's wall-clock times and from the sample
roster's CSV files, read here with :mod:`csv`; names, emails and coordinates come from
those files (and the bundled TOML, read with :mod:`tomllib`), not from the model.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import itertools
import os
import re
import shutil
import struct
import subprocess
import sys
import tomllib
import zlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree.ElementTree import Element
from zoneinfo import ZoneInfo

import html5lib
import pytest
import segno
from click.testing import CliRunner

from conftest import ROOT, SAMPLE_ROSTER
from icssi_itinerary import (
    Contact,
    DateSpan,
    Delegate,
    Event,
    EventSelection,
    Exporter,
    Itinerary,
    Programme,
    RenderOptions,
    Roster,
    Stay,
    TimeSpan,
    TravelLeg,
    Venue,
    build_itinerary,
    google_subscribe_url,
    load_programme,
    localize,
    publish,
    reader,
    zone,
)
from icssi_itinerary.cli import cli
from icssi_itinerary.plugins import get_checks, get_exporters
from icssi_itinerary_plugins import html_page as html_plugin

BAGHDAD = ZoneInfo("Asia/Baghdad")
BUNDLED = ROOT / "src" / "icssi_itinerary" / "data" / "icssi-2014.toml"
FEED = "https://example.org/icssi/feeds/4f9c2a71d0e3b8a5/amal-karim.ics"
SVG = "{http://www.w3.org/2000/svg}"

# Wall-clock times of the press statement, converted here with zoneinfo.
GENEVA = tuple(datetime(2014, 11, 3, hour, tzinfo=ZoneInfo("Europe/Zurich")) for hour in (10, 12))
BRUSSELS = tuple(
    datetime(2014, 11, 5, hour, tzinfo=ZoneInfo("Europe/Brussels")) for hour in (15, 17)
)


# --- helpers ------------------------------------------------------------------------------


def exporter() -> Exporter:
    return get_exporters()["html"]


def programme_page(programme: Programme, **options: Any) -> bytes:
    return exporter().render_programme(programme, RenderOptions(**options))


def delegate_page(itinerary: Itinerary, **options: Any) -> bytes:
    return exporter().render_itinerary(itinerary, RenderOptions(**options))


def parse(data: bytes) -> Element:
    """Parse strictly: any parse error fails the test."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    root: Element = parser.parse(data)  # html5lib is untyped
    return root


def parents(root: Element) -> dict[Element, Element]:
    return {child: parent for parent in root.iter() for child in parent}


def text(element: Element) -> str:
    return " ".join("".join(element.itertext()).split())


def classes(element: Element) -> list[str]:
    return (element.get("class") or "").split()


def items(root: Element, kind: str | None = None) -> list[Element]:
    """The items of the day tables (``tr.item``), of one *kind* if given."""
    return [
        tr
        for tr in root.iter("tr")
        if "item" in classes(tr) and (kind is None or kind in classes(tr))
    ]


def notes(root: Element, css_class: str) -> list[str]:
    """The text of the notes (``tr.move``, ``tr.connection``) between the items."""
    return [text(tr) for tr in root.iter("tr") if css_class in classes(tr)]


def clock(cell: Element) -> str:
    """The text of a cell's times (``span.clock``), without the label before them."""
    found = [span for span in cell.iter("span") if "clock" in classes(span)]
    return text(found[0]) if found else ""


OWN_SCRIPT = (html_plugin.TEMPLATES / "next.js").read_text(encoding="utf-8")


def scripts(root: Element) -> list[Element]:
    """The page's scripts, each checked to be the built-in inline one, allowed by hash
    in the page's Content-Security-Policy (and by nothing else)."""
    found = [script for script in root.iter("script") if not _is_data_block(script)]
    (meta,) = [m for m in root.iter("meta") if m.get("http-equiv") == "Content-Security-Policy"]
    policy = {part.split()[0]: part.split()[1:] for part in meta.get("content", "").split(";")}
    assert policy["default-src"] == ["'none'"]
    digest = base64.b64encode(hashlib.sha256(OWN_SCRIPT.encode()).digest()).decode()
    assert policy["script-src"] == [f"'sha256-{digest}'"]
    for script in found:
        assert dict(script.attrib) == {} and script.text == OWN_SCRIPT
    return found


def rows_titled(root: Element, title: str) -> list[Element]:
    """The items whose title (``.what .title``) reads *title*."""
    found = []
    for row in items(root):
        for bdi in row.iter("bdi"):
            if "title" in (bdi.get("class") or "").split() and text(bdi) == title:
                found.append(row)
    return found


def cells(row: Element, css_class: str) -> list[Element]:
    return [cell for cell in row if css_class in (cell.get("class") or "").split()]


def times(element: Element) -> list[str]:
    return [time.get("datetime", "") for time in element.iter("time")]


def instant(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    assert moment.tzinfo is not None, f"{value} has no offset"
    return moment.astimezone(UTC)


def as_utc(*moments: datetime) -> list[datetime]:
    return [moment.astimezone(UTC) for moment in moments]


def sample_roster_rows(file_name: str) -> list[dict[str, str]]:
    with (SAMPLE_ROSTER.parent / file_name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def text_outside(root: Element, tag: str) -> str:
    """All text of the document that is not inside a *tag* element."""
    pieces: list[str] = []

    def walk(element: Element, inside: bool) -> None:
        inside = inside or element.tag == tag
        if element.text and not inside:
            pieces.append(element.text)
        for child in element:
            walk(child, inside)
            if child.tail and not inside:
                pieces.append(child.tail)

    walk(root, False)
    return "".join(pieces)


@pytest.fixture(scope="module")
def amal(programme: Programme, roster: Roster) -> Itinerary:
    return build_itinerary(programme, roster.delegate("amal-karim"))


# --- validity and structure -------------------------------------------------------------


def test_html_is_registered_with_its_suffix_and_media_type() -> None:
    html = exporter()
    assert (html.suffix, html.media_type) == (".html", "text/html; charset=utf-8")


def test_every_page_parses_without_errors(programme: Programme, roster: Roster) -> None:
    pages = [
        programme_page(programme),
        programme_page(
            programme, zone=zone("Asia/Baghdad"), links={"feed": "https://e.org/x/p.ics"}
        ),
    ]
    for delegate in roster.delegates:
        plan = build_itinerary(programme, delegate)
        pages.append(delegate_page(plan, show_problems=True, links={"feed": FEED}))
    for page in pages:
        root = parse(page)  # raises on the first parse error
        assert root.tag == "html"
        assert page.startswith(b"<!DOCTYPE html>")


def test_headings_are_in_order_and_tables_have_headers(amal: Itinerary) -> None:
    for page in (programme_page(amal.programme), delegate_page(amal, links={"feed": FEED})):
        root = parse(page)
        levels = [int(el.tag[1]) for el in root.iter() if re.fullmatch(r"h[1-6]", str(el.tag))]
        assert levels[0] == 1 and levels.count(1) == 1
        assert all(later - earlier <= 1 for earlier, later in itertools.pairwise(levels))
        assert 2 in levels and 3 in levels
        # each day is a table headed by its date (repeated on each printed page) and its
        # column heads; each item's title is its row header
        days = [s for s in root.iter("section") if "day" in classes(s)]
        assert days
        for day in days:
            (heading,) = day.iter("h2")
            assert day.get("aria-labelledby") == heading.get("id")
            (table,) = day.iter("table")
            head = table.find("thead")
            assert head is not None and heading in head.iter("h2")
            assert all(th.get("scope") == "col" for th in head.iter("th"))
            body = table.find("tbody")
            assert body is not None and len(body)
            for row in body:
                if "item" in classes(row):
                    assert [th.get("scope") for th in row.iter("th")] == ["row"]
                    assert cells(row, "when") and cells(row, "what")
                else:
                    assert classes(row)[0] in {"move", "connection"}
                    (cell,) = row
                    assert cell.get("colspan") == str(len(list(head.iter("th"))))


def test_day_sections_follow_the_programme_days(programme: Programme) -> None:
    root = parse(programme_page(programme))
    days = [times(h2)[0] for h2 in root.iter("h2") if h2.find("time") is not None]
    # Press statement: 27-29 Oct Oslo, 30 Oct-2 Nov Globalization Conference, 3 Nov Geneva,
    # 5 Nov Brussels; each day a programme item begins on gets a section, in order.
    assert days == [
        "2014-10-27",
        "2014-10-28",
        "2014-10-29",
        "2014-10-30",
        "2014-11-03",
        "2014-11-05",
    ]


def test_sessions_are_nested_under_their_event(programme: Programme) -> None:
    root = parse(programme_page(programme))
    (conference,) = rows_titled(root, "ICSSI 2014 Oslo Conference")
    (session,) = rows_titled(root, "ICSSI session at the Palais des Nations")
    assert "depth-0" in (conference.get("class") or "").split()
    assert "depth-1" in (session.get("class") or "").split()
    order = [text(bdi) for bdi in root.iter("bdi") if "title" in (bdi.get("class") or "")]
    assert order.index("Universal Periodic Review of Iraq, UN Human Rights Council") + 1 == (
        order.index("ICSSI session at the Palais des Nations")
    )


# --- times ------------------------------------------------------------------------------


def test_every_time_element_is_the_event_span(programme: Programme) -> None:
    raw = tomllib.loads(BUNDLED.read_text(encoding="utf-8"))
    venues = {venue["id"]: venue for venue in raw["venues"]}
    by_id = {event["id"]: event for event in raw["events"]}
    root = parse(programme_page(programme, zone=zone("Asia/Baghdad")))
    seen = 0
    for event in raw["events"]:
        (row,) = rows_titled(root, event["title"])
        found = times(cells(row, "when")[0])
        start, end = event["start"], event.get("end", event["start"])
        if isinstance(start, datetime):
            holder = event
            while "venue" not in holder:
                holder = by_id[holder["parent"]]
            tz = ZoneInfo(venues[holder["venue"]]["timezone"])
            expected = as_utc(start.replace(tzinfo=tz), end.replace(tzinfo=tz))
            assert [instant(value) for value in found] == expected
            elsewhere = times(cells(row, "elsewhere")[0])
            assert [instant(value) for value in elsewhere] == expected
            assert all(value.endswith("+03:00") for value in elsewhere)
        else:
            assert isinstance(start, date)
            expected_days = [start.isoformat()] if start == end else [str(start), str(end)]
            assert found == expected_days
            assert times(cells(row, "elsewhere")[0]) == []  # dates are never converted
        seen += 1
    assert seen == len(programme.events)


def test_geneva_and_brussels_instants_match_the_press_statement(amal: Itinerary) -> None:
    root = parse(delegate_page(amal))
    for title, expected in [
        ("ICSSI session at the Palais des Nations", GENEVA),
        ("Meeting with Members of the European Parliament", BRUSSELS),
    ]:
        (row,) = rows_titled(root, title)
        assert [instant(v) for v in times(cells(row, "when")[0])] == as_utc(*expected)
    # 10:00 CET in Geneva is 09:00 UTC; 15:00 CET in Brussels is 14:00 UTC.
    assert as_utc(*GENEVA) == [datetime(2014, 11, 3, h, tzinfo=UTC) for h in (9, 11)]
    assert as_utc(*BRUSSELS) == [datetime(2014, 11, 5, h, tzinfo=UTC) for h in (14, 16)]


def test_legs_depart_and_arrive_in_their_own_zones(amal: Itinerary) -> None:
    legs = [row for row in sample_roster_rows("legs.csv") if row["delegate"] == "amal-karim"]
    expected = []
    for leg in legs:
        departs = datetime.fromisoformat(leg["departs"]).replace(
            tzinfo=ZoneInfo(leg["from_timezone"])
        )
        arrives = datetime.fromisoformat(leg["arrives"]).replace(
            tzinfo=ZoneInfo(leg["to_timezone"])
        )
        expected.append((departs, arrives))
    root = parse(delegate_page(amal))
    rows = items(root, "leg")
    assert len(rows) == len(expected)
    for row, (departs, arrives) in zip(rows, expected, strict=True):
        at_place = cells(row, "when")[0]
        found = times(at_place)
        assert [instant(v) for v in found] == as_utc(departs, arrives)
        # each end carries the offset of its own zone, and reads its own wall clock
        assert [datetime.fromisoformat(v).utcoffset() for v in found] == [
            departs.utcoffset(),
            arrives.utcoffset(),
        ]
        labels = [text(time) for time in at_place.iter("time")]
        assert labels[0].startswith(departs.strftime("%H:%M"))
        assert labels[1].startswith(arrives.strftime("%H:%M"))
        zone_name = arrives.tzname()
        assert zone_name is not None
        assert zone_name in labels[1]


def test_both_clocks_where_zones_differ(amal: Itinerary) -> None:
    root = parse(delegate_page(amal, language="en"))
    assert any("Baghdad time" in text(head) for head in root.iter("span"))
    for title, (start, end) in [
        ("ICSSI session at the Palais des Nations", GENEVA),
        ("Meeting with Members of the European Parliament", BRUSSELS),
    ]:
        (row,) = rows_titled(root, title)
        here = clock(cells(row, "when")[0])
        there = clock(cells(row, "elsewhere")[0])
        assert here == f"{start:%H:%M}–{end:%H:%M} CET"
        home = [moment.astimezone(BAGHDAD) for moment in (start, end)]
        assert there == f"{home[0]:%H:%M}–{home[1]:%H:%M} +03"
    # Geneva 10:00-12:00 CET is 12:00-14:00 in Baghdad (UTC+3, no DST in 2014).
    (row,) = rows_titled(root, "ICSSI session at the Palais des Nations")
    assert clock(cells(row, "elsewhere")[0]) == "12:00–14:00 +03"
    assert text(cells(row, "elsewhere")[0]) == "Baghdad time 12:00–14:00 +03"  # on phones


def test_one_clock_where_zones_agree(programme: Programme, roster: Roster) -> None:
    # Giulia Conti lives in Rome: in November Rome, Geneva and Brussels share CET.
    plan = build_itinerary(programme, roster.delegate("giulia-conti"))
    root = parse(delegate_page(plan))
    (row,) = rows_titled(root, "ICSSI session at the Palais des Nations")
    assert clock(cells(row, "when")[0]) == "10:00–12:00 CET"
    assert cells(row, "elsewhere") == [] or clock(cells(row, "elsewhere")[0]) == ""


def test_programme_shows_a_second_zone_only_on_request(programme: Programme) -> None:
    plain = parse(programme_page(programme))
    assert not any("elsewhere" in classes(element) for element in plain.iter())
    shown = parse(programme_page(programme, zone=zone("America/New_York")))
    (row,) = rows_titled(shown, "Meeting with Members of the European Parliament")
    new_york = [moment.astimezone(ZoneInfo("America/New_York")) for moment in BRUSSELS]
    assert clock(cells(row, "elsewhere")[0]).startswith(f"{new_york[0]:%H:%M}–{new_york[1]:%H:%M}")


def test_city_changes_are_marked(amal: Itinerary) -> None:
    root = parse(delegate_page(amal, language="en"))
    markers = notes(root, "move")
    # Baghdad -> Istanbul -> Oslo -> Geneva -> Brussels -> Istanbul -> Baghdad (legs.csv)
    cities = [r["to"] for r in sample_roster_rows("legs.csv") if r["delegate"] == "amal-karim"]
    found = [re.search(r"Now in (\w+)", marker) for marker in markers]
    assert [match[1] if match else None for match in found] == cities
    assert "clocks: Geneva time" in markers[cities.index("Geneva")]  # Europe/Zurich


# --- language and direction -------------------------------------------------------------


def test_arabic_reader_gets_a_right_to_left_page(programme: Programme, roster: Roster) -> None:
    people = {row["id"]: row for row in sample_roster_rows("roster.csv")}
    for delegate_id in ("amal-karim", "mustafa-hussein", "hanne-lie"):
        root = parse(delegate_page(build_itinerary(programme, roster.delegate(delegate_id))))
        language = people[delegate_id]["language"]
        assert root.get("lang") == language
        assert root.get("dir") == ("rtl" if language == "ar" else "ltr")


def test_arabic_names_are_isolated_in_bdi(programme: Programme, roster: Roster) -> None:
    people = {row["id"]: row for row in sample_roster_rows("roster.csv")}
    for delegate_id in ("mustafa-hussein", "amal-karim"):  # an LTR page and an RTL one
        native = people[delegate_id]["name_native"]
        assert re.search("[\u0600-\u06ff]", native)
        root = parse(delegate_page(build_itinerary(programme, roster.delegate(delegate_id))))
        assert any(text(bdi) == native for bdi in root.iter("bdi"))
        assert native not in text_outside(root, "bdi")


def test_a_language_tag_that_is_not_one_falls_back_to_english(programme: Programme) -> None:
    person = Delegate("x", "X", EventSelection(("mep-meeting",)), language='ar" onload="alert(1)')
    root = parse(delegate_page(build_itinerary(programme, person)))
    assert (root.get("lang"), root.get("dir")) == ("en", "ltr")
    assert root.get("onload") is None


# --- what never appears -----------------------------------------------------------------


def test_no_delegate_email_on_any_page(programme: Programme, roster: Roster) -> None:
    emails = {row["id"]: row["email"] for row in sample_roster_rows("roster.csv")}
    for delegate in roster.delegates:
        page = delegate_page(build_itinerary(programme, delegate), show_problems=True)
        assert emails[delegate.id].encode() not in page
        assert b"@example.org" not in page


def test_problems_only_on_the_coordinators_copy(programme: Programme) -> None:
    # Geneva and Brussels with no travel and no hotel: the checks have things to say.
    person = Delegate(
        "p", "P", EventSelection(("upr-iraq", "mep-meeting")), home_zone=zone("Asia/Baghdad")
    )
    plan = build_itinerary(programme, person, get_checks().values())
    assert plan.problems
    public = parse(delegate_page(plan))
    assert public.find(".//section[@class='problems']") is None
    for problem in plan.problems:
        assert problem.message not in text(public)
    coordinator = parse(delegate_page(plan, show_problems=True))
    section = coordinator.find(".//section[@class='problems']")
    assert section is not None
    for problem in plan.problems:
        assert problem.code in text(section) and problem.message in text(section)


PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    '" onmouseover="alert(1)',
    "' onmouseover='alert(1)",
    "</style><script>alert(2)</script>",
    "javascript:alert(1)",
    "{{ 7 * 7 }}{% raw %}",
]
BAD_URLS = [
    "javascript:alert(1)",
    " JavaScript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    '" onmouseover="alert(1)',
]


def _hostile(payload: str, url: str) -> Itinerary:
    tz = zone("Europe/Zurich")
    contact = Contact("c", payload, phone=payload, email=payload, role=payload)
    venue = Venue(
        "v", payload, payload, tz, payload, payload, 46.2266, 6.1405, url=url, note=payload
    )
    safe_venue = Venue("w", "Safe hall", "Geneva", tz, url="https://example.org/hall")
    start = localize(datetime(2014, 11, 3, 10), tz)
    events = (
        Event(
            "e1",
            payload,
            payload,
            venue,
            TimeSpan(start, start.add(hours=2)),
            description=payload,
            url=url,
            contacts=(contact,),
            tags=(payload,),
        ),
        Event(
            "e2",
            "Safe event",
            "session",
            safe_venue,
            DateSpan(date(2014, 11, 4), date(2014, 11, 4), tz),
            url="https://example.org/event?a=1&b=2",
        ),
    )
    programme = Programme(
        "p",
        payload,
        events,
        (venue, safe_venue),
        (contact,),
        description=payload,
        url=url,
        organiser=payload,
        livestream=url,
        hashtag=payload,
        source=payload,
    )
    leg = TravelLeg(
        "l",
        "d",
        payload,
        payload,
        payload,
        TimeSpan(start.subtract(hours=5), start.subtract(hours=3)),
        payload,
        payload,
        payload,
    )
    stay = Stay("s", "d", payload, payload, tz, date(2014, 11, 2), date(2014, 11, 4), payload)
    person = Delegate(
        "d",
        payload,
        EventSelection(("e1", "e2")),
        home_zone=zone("Asia/Baghdad"),
        name_native=payload,
        organisation=payload,
        email="secret@example.net",
        language="ar",
        legs=(leg,),
        stays=(stay,),
    )
    return build_itinerary(programme, person)


def _is_data_block(script: Element) -> bool:
    """A ``<script>`` browsers never run: the JSON-LD reservations, inline (no ``src``)."""
    return script.get("type") == "application/ld+json" and "src" not in script.attrib


def _assert_inert(page: bytes, payload: str) -> None:
    root = parse(page)
    own = scripts(root)
    for element in root.iter():
        tag = str(element.tag).split("}")[-1]
        assert tag not in {"img", "iframe", "object", "embed", "base", "form"}
        assert tag != "script" or element in own or _is_data_block(element), element.attrib
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (tag, name, value)
            if name.split("}")[-1] in {"href", "src", "action", "formaction"}:
                if re.fullmatch(r"#[a-z0-9-]+", value):  # the page's own day anchors
                    continue
                scheme = urlsplit(value.strip()).scheme.lower()
                assert scheme in {"https", "http", "webcal", "tel"}, value
    # the text survives, as text (it was escaped, not dropped, and not evaluated)
    assert payload.strip() in "".join(root.itertext()) or payload == "{{ 7 * 7 }}{% raw %}"
    if payload.startswith("{{"):
        assert "{{ 7 * 7 }}" in "".join(root.itertext())
        assert "49" not in "".join(root.itertext())


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("url", BAD_URLS)
def test_injection_comes_out_inert(payload: str, url: str) -> None:
    plan = _hostile(payload, url)
    pages = [
        programme_page(plan.programme, links={"feed": url}, zone=zone("Asia/Baghdad")),
        delegate_page(plan, show_problems=True, links={"feed": url}),
    ]
    for page in pages:
        _assert_inert(page, payload)
        assert b"secret@example.net" not in page
        root = parse(page)
        hrefs = [a.get("href", "") for a in root.iter("a")]
        assert url.strip() not in hrefs
        assert "https://example.org/hall" in hrefs or page is pages[1]
        assert not any(svg.tag == f"{SVG}svg" for svg in root.iter())  # no feed, no QR


def test_a_safe_url_becomes_a_link_and_is_escaped_in_the_attribute() -> None:
    plan = _hostile("x", "https://example.org/x")
    page = programme_page(plan.programme)
    assert b'href="https://example.org/event?a=1&amp;b=2"' in page
    hrefs = [a.get("href") for a in parse(page).iter("a")]
    assert "https://example.org/event?a=1&b=2" in hrefs


def test_a_quoted_feed_url_stays_inside_its_attribute(amal: Itinerary) -> None:
    feed = 'https://example.org/feed.ics?x="><script>alert(1)</script>'
    page = delegate_page(amal, links={"feed": feed})
    _assert_inert(page, "x")
    assert feed in [a.get("href") for a in parse(page).iter("a")]


# --- self-contained ---------------------------------------------------------------------


def test_pages_fetch_nothing_from_elsewhere(programme: Programme, amal: Itinerary) -> None:
    pages = [
        programme_page(programme, links={"feed": "https://example.org/icssi/programme.ics"}),
        delegate_page(amal, links={"feed": FEED}, show_problems=True),
    ]
    for page in pages:
        root = parse(page)
        assert len(scripts(root)) == 1 and root.find(".//link") is None
        for element in root.iter():
            tag = str(element.tag).split("}")[-1]
            for name, value in element.attrib.items():
                if name.split("}")[-1] in {"src", "srcset", "href", "data", "poster"}:
                    assert tag == "a" and name == "href", (tag, name, value)
        styles = [text(style) for style in root.iter("style")]
        assert len(styles) == 1
        assert "url(" not in styles[0] and "@import" not in styles[0]
        assert "@font-face" not in styles[0]
        assert "@media print" in styles[0] and "A4" in styles[0]
        assert root.find(".//meta[@charset='utf-8']") is not None


def test_venues_have_their_address_and_a_map_at_their_coordinates(programme: Programme) -> None:
    raw = tomllib.loads(BUNDLED.read_text(encoding="utf-8"))
    root = parse(programme_page(programme))
    page_text = text(root)
    maps = [a.get("href", "") for a in root.iter("a") if "openstreetmap.org" in a.get("href", "")]
    for venue in raw["venues"]:
        if "address" in venue:
            assert venue["address"] in page_text
        if "latitude" in venue:
            wanted = (venue["latitude"], venue["longitude"])
            matching = []
            for href in maps:
                parts = urlsplit(href)
                query = parse_qs(parts.query)
                found = (float(query["mlat"][0]), float(query["mlon"][0]))
                if found == pytest.approx(wanted, abs=1e-6):
                    matching.append(parts)
            assert matching, venue["id"]
            assert all(
                p.scheme == "https" and p.netloc == "www.openstreetmap.org" for p in matching
            )
            assert all(p.fragment.startswith("map=") for p in matching)


def test_programme_page_has_livestream_hashtag_and_contacts(programme: Programme) -> None:
    raw = tomllib.loads(BUNDLED.read_text(encoding="utf-8"))
    page_text = text(parse(programme_page(programme)))
    assert raw["programme"]["hashtag"] in page_text
    assert raw["programme"]["livestream"] in page_text
    for contact in raw["contacts"]:
        assert contact["name"] in page_text and contact["phone"] in page_text


# --- subscribe and QR -------------------------------------------------------------------


def test_programme_subscribe_block_points_to_the_programme_feed(programme: Programme) -> None:
    assert parse(programme_page(programme)).find(".//section[@class='subscribe']") is None
    # a base URL is no feed: an html-only site offers nothing to subscribe to
    only_html = programme_page(programme, base_url="https://example.org/icssi/")
    assert parse(only_html).find(".//section[@class='subscribe']") is None
    assert b"programme.ics" not in only_html
    feed = "https://example.org/icssi/programme.ics"
    root = parse(
        programme_page(programme, base_url="https://example.org/icssi/", links={"feed": feed})
    )
    hrefs = [a.get("href") for a in root.find(".//section[@class='subscribe']").iter("a")]  # type: ignore[union-attr]
    webcal = "webcal://example.org/icssi/programme.ics"
    assert hrefs == [webcal, google_subscription(webcal), feed]
    assert decode_qr(root) == [webcal, google_subscription(webcal)]


def test_delegate_subscribe_block_points_to_the_personal_feed(amal: Itinerary) -> None:
    assert parse(delegate_page(amal)).find(".//section[@class='subscribe']") is None
    root = parse(delegate_page(amal, links={"feed": FEED}))
    section = root.find(".//section[@class='subscribe']")
    assert section is not None
    webcal = "webcal://" + FEED.removeprefix("https://")
    assert [a.get("href") for a in section.iter("a")] == [webcal, google_subscription(webcal), FEED]


def google_subscription(webcal: str) -> str:
    """Google Calendar's subscribe page for *webcal*, checked by taking it apart: its
    ``cid`` holds the ``webcal://`` address (Google reads an ``https://`` one as an
    account), on calendar.google.com over https."""
    url = google_subscribe_url("https://" + webcal.removeprefix("webcal://"))
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "calendar.google.com",
        "/calendar/render",
    )
    assert parse_qs(parts.query) == {"cid": [webcal]}
    return url


def qr_codes(root: Element) -> list[Element]:
    return [el for el in root.iter() if el.tag == f"{SVG}svg"]


def qr_modules(svg: Element) -> list[list[bool]]:
    """The dark modules of a QR code, read from the SVG path (segno's format:
    absolute/relative moves and horizontal lines, each line through a module row)."""
    (path,) = [el for el in svg.iter() if el.tag == f"{SVG}path"]
    scale = re.fullmatch(r"scale\((\d+)\)", path.get("transform", "scale(1)"))
    assert scale is not None
    size = int(svg.get("width", "0")) // int(scale[1])
    grid = [[False] * size for _ in range(size)]
    x = y = 0.0
    for command, a, b in re.findall(
        r"([MmHhVv])\s*(-?[\d.]+)(?:[ ,]+(-?[\d.]+))?", path.get("d", "")
    ):
        if command in "Mm":
            dx, dy = float(a), float(b)
            x, y = (dx, dy) if command == "M" else (x + dx, y + dy)
        elif command in "Hh":
            end = float(a) if command == "H" else x + float(a)
            for column in range(int(min(x, end)), int(max(x, end))):
                grid[int(y)][column] = True
            x = end
        else:
            y = float(a) if command == "V" else y + float(a)
    return grid


def _png(grid: list[list[bool]], scale: int = 8) -> bytes:
    """A greyscale PNG of *grid*, written by hand so the decoder sees only the page's data."""
    raw = b""
    for row in grid:
        line = bytes(0 if dark else 255 for dark in row for _ in range(scale))
        raw += (b"\x00" + line) * scale
    width = height = len(grid) * scale

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def zbarimg() -> str | None:
    found = shutil.which("zbarimg")
    if found is None and os.environ.get("CI") == "true":
        pytest.fail("zbarimg is missing in CI: .ci/run installs Debian's zbar-tools")
    return found


def decode_qr(root: Element, tmp: Path | None = None) -> list[str]:
    """The texts of the page's QR codes, in page order."""
    return [_decode(svg, root, tmp) for svg in qr_codes(root)]


def _decode(svg: Element, root: Element, tmp: Path | None) -> str:
    """The text of one QR code: decoded by zbarimg when present, else the segno matrix
    of the page's links is compared with the SVG's modules."""
    grid = qr_modules(svg)
    tool = zbarimg()
    if tool is not None:
        folder = tmp or Path(os.environ.get("TMPDIR", "/tmp"))
        image = folder / f"qr-{os.getpid()}-{id(svg)}.png"
        image.write_bytes(_png(grid))
        try:
            result = subprocess.run(
                [tool, "--quiet", "--raw", str(image)], capture_output=True, text=True, check=False
            )
        finally:
            image.unlink()
        assert result.returncode == 0, result.stderr
        return result.stdout.rstrip("\n")
    hrefs = [a.get("href", "") for a in root.iter("a")]
    for candidate in hrefs:
        qr = segno.make(candidate, error="m")
        if [[bool(v) for v in row] for row in qr.matrix_iter(border=4)] == grid:
            return candidate
    raise AssertionError("the QR code encodes none of the page's links")


def test_qr_codes_subscribe_on_iphone_and_android(amal: Itinerary, tmp_path: Path) -> None:
    """Not the https address: a camera opens that in the browser, which downloads the
    events once. iOS's camera hands webcal:// to Calendar, which subscribes; Android has
    no webcal handler, and Google Calendar subscribes from its cid page."""
    root = parse(delegate_page(amal, links={"feed": FEED}))
    webcal = "webcal://" + FEED.removeprefix("https://")
    assert decode_qr(root, tmp_path) == [webcal, google_subscription(webcal)]
    # and, whatever decoded them, the modules are those of QR codes of these addresses
    for svg, url in zip(qr_codes(root), (webcal, google_subscription(webcal)), strict=True):
        code = segno.make(url, error="m").matrix_iter(border=4)
        assert qr_modules(svg) == [[bool(v) for v in row] for row in code]


# --- templates and CLI ------------------------------------------------------------------


def test_templates_autoescape_and_are_loaded_once() -> None:
    env = html_plugin.environment(None)
    assert env is html_plugin.environment(None)
    assert env.autoescape("page.html") is True  # type: ignore[operator]
    assert env.autoescape("style.css") is False  # type: ignore[operator]
    template = env.from_string("{{ x }}")
    assert template.render(x="<b>") == "&lt;b&gt;"
    with pytest.raises(Exception, match="undefined"):
        env.from_string("{{ missing }}").render()


def test_template_dir_overrides_built_in_templates(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "programme.html").write_text(
        '{% extends "base.html" %}{% block main %}<p id="ours">Ours: {{ programme.title }}'
        "</p>{% endblock %}",
        encoding="utf-8",
    )
    (folder / "style.css").write_text("body { color: #123456; }\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["export", "html", "--option", f"html.template_dir={folder}"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    root = parse(result.stdout_bytes)
    ours = root.find(".//p[@id='ours']")
    assert ours is not None and "Oslo Conference" in text(ours)
    assert root.find(".//section[@class='day']") is None  # our main block replaced ours
    (style,) = root.iter("style")
    assert "#123456" in text(style)
    # templates not overridden still come from the built-in set
    result = CliRunner().invoke(
        cli,
        [
            "itinerary",
            "amal-karim",
            "--roster",
            str(SAMPLE_ROSTER),
            "--format",
            "html",
            "--option",
            f"html.template_dir={folder}",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    root = parse(result.stdout_bytes)
    assert root.find(".//section[@class='day']") is not None
    assert "#123456" in text(next(root.iter("style")))


def test_template_dir_applies_to_build(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "itinerary.html").write_text(
        '{% extends "base.html" %}{% block main %}<p id="ours">{{ delegate.name }}</p>'
        "{% endblock %}",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "build",
            "--roster",
            str(SAMPLE_ROSTER),
            "--out",
            str(out),
            "--format",
            "html",
            "--option",
            f"html.template_dir={folder}",
            "--jobs",
            "1",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    names = {row["id"]: row["name"] for row in sample_roster_rows("roster.csv")}
    for delegate_id, name in names.items():
        root = parse((out / delegate_id / "itinerary.html").read_bytes())
        assert text(root.find(".//p[@id='ours']")) == name  # type: ignore[arg-type]
    assert parse((out / "programme.html").read_bytes()).find(".//section[@class='day']") is not None


def test_a_missing_template_dir_is_bad_input(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["export", "html", "--option", f"html.template_dir={tmp_path / 'no'}"]
    )
    assert result.exit_code == 2
    assert "--option html.template_dir" in result.output and "not a folder" in result.output


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("{% if %}", ("programme.html:1:", "--option html.template_dir")),
        ("{{ no_such_variable.title }}", ("--option html.template_dir", "no_such_variable")),
    ],
)
def test_a_broken_coordinator_template_is_one_line_of_bad_input(
    tmp_path: Path, template: str, words: tuple[str, ...]
) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "programme.html").write_text(template, encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "icssi_itinerary",
            "export",
            "html",
            "--option",
            f"html.template_dir={folder}",
            "-o",
            str(tmp_path / "p.html"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr and "plugin" not in line
    for word in words:
        assert word in line, line
    assert not (tmp_path / "p.html").exists()


def test_coordinator_templates_are_escaped_too(tmp_path: Path) -> None:
    plan = _hostile("<script>alert(1)</script>", "javascript:alert(1)")
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "programme.html").write_text(
        '{% extends "base.html" %}{% block main %}<p>{{ programme.title }}</p>{% endblock %}',
        encoding="utf-8",
    )
    options = RenderOptions(extra={"html": {"template_dir": str(folder)}})
    page = exporter().render_programme(plan.programme, options)
    _assert_inert(page, "<script>alert(1)</script>")


def test_cli_writes_pages(tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "p.html"
    assert runner.invoke(cli, ["export", "html", "-o", str(target)]).exit_code == 0
    parse(target.read_bytes())
    result = runner.invoke(
        cli, ["itinerary", "amal-karim", "--roster", str(SAMPLE_ROSTER), "--format", "html"]
    )
    assert result.exit_code == 0
    assert parse(result.stdout_bytes).get("dir") == "rtl"


def test_time_elements_hold_nothing_but_iso_values(programme: Programme, amal: Itinerary) -> None:
    iso = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2})?$")
    for page in (programme_page(programme, zone=zone("Asia/Baghdad")), delegate_page(amal)):
        values = times(parse(page))
        assert values and all(iso.match(value) for value in values), values


def test_the_page_links_to_the_printout_published_beside_it(amal: Itinerary) -> None:
    printout = "https://example.org/icssi/feeds/4f9c2a71d0e3b8a5/amal-karim.pdf"
    assert b".pdf" not in delegate_page(amal, links={"feed": FEED})
    hrefs = [
        a.get("href") for a in parse(delegate_page(amal, links={"printout": printout})).iter("a")
    ]
    assert printout in hrefs
    assert not [h for h in hrefs if h and h.startswith("webcal:")], "no feed, no subscribe link"


# --- published sites: no dead links -------------------------------------------------------

SITE_URL = "https://example.org/icssi"


@pytest.mark.parametrize(
    "formats",
    [
        subset
        for size in range(4)
        for subset in itertools.combinations(("ical", "html", "pdf"), size)
        if "html" in subset
    ],
    ids="+".join,
)
def test_a_published_site_links_only_to_what_it_holds(
    programme: Programme, roster: Roster, formats: tuple[str, ...], tmp_path: Path
) -> None:
    """Publish the formats that link to each other, in every combination with html, then
    follow every href and src into the site: each names a file that was published."""
    exporters = [get_exporters()[name] for name in ("text", *formats)]
    out = tmp_path / "site"
    publish(programme, roster, exporters, out, SITE_URL)
    site = out.resolve()
    pages = sorted(p for p in site.rglob("*.html") if p.name != "changes.html")
    assert len(pages) == len(roster.delegates) + 1  # changes.html: tests/test_digest.py
    followed = 0
    for page in pages:
        for element in parse(page.read_bytes()).iter():
            for attribute in ("href", "src"):
                url = element.get(attribute)
                if not url or not url.startswith(("webcal://example.org/", SITE_URL)):
                    continue
                path = urlsplit(url).path.removeprefix("/icssi/")
                target = site / path
                if target.is_dir():
                    target = next(target.glob("index.*"))
                assert target.is_file(), f"{page.relative_to(site)} links to {url}"
                followed += 1
    subscribe = sum(b'class="subscribe"' in page.read_bytes() for page in pages)
    assert subscribe == (len(pages) if "ical" in formats else 0)
    printout = sum(b'class="printout"' in page.read_bytes() for page in pages)
    assert printout == (len(pages) if "pdf" in formats else 0)
    assert followed >= 2 * len(pages) * ("ical" in formats) + len(pages) * ("pdf" in formats)


# --- connections, hotels, the day index ---------------------------------------------------


def test_connections_are_the_time_between_the_instants(amal: Itinerary) -> None:
    legs = [row for row in sample_roster_rows("legs.csv") if row["delegate"] == "amal-karim"]
    expected = []
    for first, second in itertools.pairwise(legs):
        if first["to"] != second["from"]:
            continue
        arrives = datetime.fromisoformat(first["arrives"]).replace(
            tzinfo=ZoneInfo(first["to_timezone"])
        )
        departs = datetime.fromisoformat(second["departs"]).replace(
            tzinfo=ZoneInfo(second["from_timezone"])
        )
        wait = departs.astimezone(UTC) - arrives.astimezone(UTC)
        if wait.days:
            continue  # a week in Oslo is no connection
        hours, minutes = divmod(wait.seconds // 60, 60)
        expected.append(f"Connection: {hours} h {minutes} min in {second['from']}")
    assert expected == [
        "Connection: 2 h 25 min in Istanbul",
        "Connection: 3 h 40 min in Istanbul",
    ]
    assert notes(parse(delegate_page(amal, language="en")), "connection") == expected
    arabic = notes(parse(delegate_page(amal, language="ar")), "connection")
    assert arabic == [
        "مدة التوقف في إسطنبول: ساعتان و25 دقيقة",
        "مدة التوقف في إسطنبول: 3 ساعات و40 دقيقة",
    ]


def test_a_connection_across_a_clock_change_counts_the_real_time() -> None:
    """Oslo's clocks went back at 03:00 on 26 Oct 2014: from 01:30 CEST to 02:30 CET is
    two hours, not the one the wall clocks suggest."""
    oslo = ZoneInfo("Europe/Oslo")
    arrives = datetime(2014, 10, 26, 1, 30, tzinfo=oslo)
    departs = datetime(2014, 10, 26, 2, 30, fold=1, tzinfo=oslo)
    assert departs.astimezone(UTC) - arrives.astimezone(UTC) == timedelta(hours=2)
    tz = zone("Europe/Oslo")
    legs = (
        TravelLeg(
            "a", "d", "flight", "Bergen", "Oslo",
            TimeSpan(
                localize(datetime(2014, 10, 26, 0, 30), tz),
                localize(arrives.replace(tzinfo=None), tz),
            ),
        ),
        TravelLeg(
            "b", "d", "flight", "Oslo", "Tromsø",
            TimeSpan(
                localize(departs.replace(tzinfo=None), tz, fold="later"),
                localize(datetime(2014, 10, 26, 5), tz),
            ),
        ),
    )  # fmt: skip
    person = Delegate("d", "D", EventSelection(()), legs=legs, language="en")
    plan = build_itinerary(Programme("p", "P", (), (), ()), person, checks=[])
    assert notes(parse(delegate_page(plan)), "connection") == ["Connection: 2 h in Oslo"]


def test_hotels_have_their_address_and_a_map_search(amal: Itinerary) -> None:
    stays = [row for row in sample_roster_rows("stays.csv") if row["delegate"] == "amal-karim"]
    root = parse(delegate_page(amal))
    hotels = [li for li in root.iter("li") if "hotel" in classes(li)]
    assert [text(h.find("p") or h) for h in hotels] == [row["name"] for row in stays]
    for hotel, stay in zip(hotels, stays, strict=True):
        (address,) = [p for p in hotel.iter("p") if "address" in classes(p)]
        assert text(address) == stay["address"] and address.get("dir") == "auto"
        assert hotel.get("data-zone") == stay["timezone"]
        assert times(hotel) == [stay["check_in"], stay["check_out"]]
        (link,) = [a.get("href", "") for a in hotel.iter("a")]
        parts = urlsplit(link)
        assert (parts.scheme, parts.netloc, parts.path) == (
            "https",
            "www.openstreetmap.org",
            "/search",
        )
        assert parse_qs(parts.query) == {"query": [stay["address"]]}
    # the stay's own row links to the same search
    (row,) = [r for r in items(root, "stay") if text(r).count(stays[0]["name"])]
    assert [a.get("href") for a in row.iter("a")] == [
        next(iter(a.get("href") for a in hotels[0].iter("a")))
    ]


def test_the_day_index_links_to_every_day(amal: Itinerary) -> None:
    root = parse(delegate_page(amal, links={"feed": FEED}))
    (nav,) = root.iter("nav")
    days = [h2.get("id") for h2 in root.iter("h2") if h2.find("time") is not None]
    hrefs = [a.get("href") for a in nav.iter("a")]
    assert hrefs == [f"#{day}" for day in days] + ["#subscribe"]
    ids = {element.get("id") for element in root.iter()}
    assert all(href and href[1:] in ids for href in hrefs)


# --- a page in Arabic ---------------------------------------------------------------------

LATIN = re.compile(r"[A-Za-z]+")
BRANDS = {"webcal", "Google", "QR", "PDF", "A4", "OpenStreetMap"}
"""Names that stay in Latin letters in the Arabic catalogue."""


@pytest.mark.parametrize("language", ["ar", "ar-IQ"])
def test_an_arabic_page_has_no_english_words_of_its_own(amal: Itinerary, language: str) -> None:
    """Every word not from the input (isolated in <bdi> or an element with its own dir)
    or a clock (in <time>) is Arabic: labels, headings, column heads, notes, the footer
    and the title."""
    root = parse(delegate_page(amal, language=language, links={"feed": FEED}))
    assert (root.get("lang"), root.get("dir")) == (language, "rtl")
    own = text_outside(root, "bdi")
    pieces: list[str] = []

    def walk(element: Element) -> None:
        tag = str(element.tag).split("}")[-1]
        isolated = element.get("dir") is not None and element is not root  # input text
        if isolated or tag in {"bdi", "time", "script", "style", "code", "svg", "title"}:
            return
        pieces.append(element.text or "")
        for child in element:
            walk(child)
            pieces.append(child.tail or "")

    walk(root)
    latin = set(LATIN.findall("".join(pieces)))
    assert latin <= BRANDS, latin - BRANDS
    assert own  # and there is text of its own
    # the title is translated too
    (title,) = root.iter("title")
    assert "Itinerary" not in (title.text or "")


def test_machine_readable_values_stay_ascii_in_arabic(amal: Itinerary) -> None:
    """ar-IQ writes digits as ٠١٢…; datetime, id, href and lang stay ASCII and mean the
    same instants as on the English page."""
    arabic = parse(delegate_page(amal, language="ar-IQ", links={"feed": FEED}))
    english = parse(delegate_page(amal, language="en", links={"feed": FEED}))
    assert re.search("[\u0660-\u0669]", text(arabic))  # the page does use Arabic digits
    iso = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2})?$", re.ASCII)
    values = times(arabic)
    assert values and all(value.isascii() and iso.match(value) for value in values), values
    assert values == times(english)
    for element in arabic.iter():
        for name in ("id", "href", "lang", "dir", "datetime", "data-zone"):
            value = element.get(name)
            assert value is None or value.isascii(), (name, value)
    # each instant is the one the roster and programme give, read with zoneinfo
    legs = [row for row in sample_roster_rows("legs.csv") if row["delegate"] == "amal-karim"]
    first = datetime.fromisoformat(legs[0]["departs"]).replace(
        tzinfo=ZoneInfo(legs[0]["from_timezone"])
    )
    (row,) = rows_titled(arabic, "Baghdad → Istanbul")[:1]
    assert instant(times(cells(row, "when")[0])[0]) == first.astimezone(UTC)
    (row,) = rows_titled(arabic, "ICSSI session at the Palais des Nations")
    assert [instant(v) for v in times(cells(row, "when")[0])] == as_utc(*GENEVA)


# --- times a traveller cannot misread (issue 14, point 6) ---------------------------------


@pytest.fixture(scope="module")
def clock_plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Itinerary]:
    from test_clock_labels import PROGRAMME as CLOCKS

    path = tmp_path_factory.mktemp("clocks") / "programme.toml"
    path.write_text(CLOCKS, encoding="utf-8")
    programme = load_programme(path)
    return {
        home: build_itinerary(
            programme,
            Delegate("d", "D", EventSelection(everything=True), home_zone=zone(home)),
            checks=[],
        )
        for home in ("Australia/Sydney", "Europe/Moscow")
    }


@pytest.mark.parametrize("language", ["en", "ar-IQ"])
def test_a_home_clock_start_on_another_day_says_which_day(
    clock_plans: dict[str, Itinerary], language: str
) -> None:
    """14:40 in Oslo on Thursday 30 Oct is 00:40 on Friday in Sydney (zoneinfo)."""
    root = parse(delegate_page(clock_plans["Australia/Sydney"], language=language))
    words = reader(language)
    (row,) = rows_titled(root, "Late session in Oslo")
    (section,) = [s for s in root.iter("section") if row in s.iter("tr")]
    assert times(section)[0] == "2014-10-30"  # under Thursday's heading
    sydney = datetime(2014, 10, 30, 14, 40, tzinfo=ZoneInfo("Europe/Oslo")).astimezone(
        ZoneInfo("Australia/Sydney")
    )
    elsewhere = cells(row, "elsewhere")[0]
    friday = f"{words.date(sydney.date(), 'MMMEd')} {words.time(sydney)}"
    assert clock(elsewhere).startswith(" ".join(friday.split()))  # text() folds the nbsp
    assert instant(times(elsewhere)[0]) == sydney.astimezone(UTC)


def test_a_repeated_hour_with_one_abbreviation_shows_the_utc_offset(
    clock_plans: dict[str, Itinerary],
) -> None:
    root = parse(delegate_page(clock_plans["Australia/Sydney"], language="en"))
    (row,) = rows_titled(root, "Night session in Moscow")
    later = datetime(2014, 10, 26, 1, 30, fold=1, tzinfo=ZoneInfo("Europe/Moscow"))
    assert clock(cells(row, "when")[0]) == "01:30–01:50 MSK (UTC+03:00)"
    assert instant(times(cells(row, "when")[0])[0]) == later.astimezone(UTC)
