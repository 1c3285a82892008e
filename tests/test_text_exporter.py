"""The ``text`` format: what a delegate reads on paper.

Oracles: clock times and zone abbreviations computed with the stdlib ``zoneinfo``; the
contacts as the press statement gives them.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from conftest import SAMPLE_ROSTER, press_statement
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
    build_itinerary,
    reader,
    render_itinerary,
    zone,
)
from icssi_itinerary.cli import cli
from icssi_itinerary.plugins import get_exporters

CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b")
BAGHDAD = ZoneInfo("Asia/Baghdad")
BAGHDAD_ZONE = zone("Asia/Baghdad")


def text_of(itinerary: Itinerary, **options: Any) -> str:
    data = render_itinerary(get_exporters()["text"], itinerary, RenderOptions(**options))
    return data.decode("utf-8")


def stdlib(moment: object) -> datetime:
    """The same instant as an aware stdlib datetime on the zoneinfo clock of its zone."""
    assert isinstance(moment, datetime) and isinstance(moment.tzinfo, ZoneInfo)
    key = moment.tzinfo.key
    return datetime.fromtimestamp(moment.timestamp(), ZoneInfo(key))


def time_range(start: datetime, end: datetime) -> str:
    """E.g. ``10:00-12:00 CET`` (with an en dash) for a range on one clock and one day."""
    assert start.tzname() == end.tzname() and start.date() == end.date()
    return f"{start:%H:%M}–{end:%H:%M} {start.tzname()}"


def sections(text: str) -> list[tuple[date, list[str]]]:
    """The day headings (a line underlined with dashes) and the lines under each."""
    lines = text.splitlines()
    found: list[tuple[date, list[str]]] = []
    for number, line in enumerate(lines[:-1]):
        underline = lines[number + 1]
        if line and set(underline) == {"-"} and len(underline) == len(line):
            day = datetime.strptime(line.strip(), "%A, %B %d, %Y").date()  # CLDR en, full
            found.append((day, []))
        elif found and not set(line) <= {"-"}:
            found[-1][1].append(line)
    return found


def lines_with(lines: list[str], title: str) -> list[int]:
    """Numbers of the indented lines (items, not the header or the footer) naming *title*."""
    return [n for n, line in enumerate(lines) if line.startswith("  ") and title in line]


def local_day(item: Event | TravelLeg | Stay) -> date:
    if isinstance(item, Stay):
        return item.check_in
    if isinstance(item.span, TimeSpan):
        return stdlib(item.span.start).date()
    return item.span.first_day


@pytest.fixture(scope="module")
def texts(programme: Programme, roster: Roster) -> dict[str, tuple[Itinerary, str]]:
    """Every sample delegate's text, in English whatever the roster says (the Arabic
    text is tested below, against Babel's CLDR data)."""
    return {
        d.id: (itinerary := build_itinerary(programme, d), text_of(itinerary, language="en"))
        for d in roster.delegates
    }


def test_names_titles_and_venues_of_every_sample_delegate(
    texts: dict[str, tuple[Itinerary, str]], roster: Roster
) -> None:
    for delegate in roster.delegates:
        itinerary, text = texts[delegate.id]
        assert delegate.name in text
        if delegate.name_native:
            assert delegate.name_native in text.splitlines()  # on a line of its own, intact
        assert itinerary.events, delegate.id
        for event in itinerary.events:
            assert event.title in text, (delegate.id, event.id)
            assert event.venue.name in text, (delegate.id, event.venue.id)
            if event.venue.address:
                assert event.venue.address in text
        for item in itinerary.items:
            if isinstance(item, Stay):
                assert item.name in text
        # personal data of other delegates never leaks into an itinerary
        for other in roster.delegates:
            if other.id != delegate.id:
                assert other.name not in text
                assert other.email is None or other.email not in text


def test_the_geneva_session_in_venue_time_and_in_baghdad_time(
    texts: dict[str, tuple[Itinerary, str]],
) -> None:
    start = datetime(2014, 11, 3, 10, 0, tzinfo=ZoneInfo("Europe/Zurich"))
    end = datetime(2014, 11, 3, 12, 0, tzinfo=ZoneInfo("Europe/Zurich"))
    assert time_range(start, end) == "10:00–12:00 CET"
    assert time_range(start.astimezone(BAGHDAD), end.astimezone(BAGHDAD)) == "12:00–14:00 +03"
    _, text = texts["amal-karim"]
    lines = text.splitlines()
    (title,) = lines_with(lines, "ICSSI session at the Palais")
    assert "10:00–12:00 CET" in lines[title]
    block = "\n".join(lines[title : title + 4])
    assert "12:00–14:00 +03" in block


def test_every_timed_item_shows_venue_time_and_home_time_where_it_differs(
    texts: dict[str, tuple[Itinerary, str]], roster: Roster
) -> None:
    checked_home = checked_same = 0
    for delegate in roster.delegates:
        itinerary, text = texts[delegate.id]
        home = ZoneInfo(delegate.home_zone.key) if delegate.home_zone else None
        for event in itinerary.events:
            if not isinstance(event.span, TimeSpan):
                continue
            start, end = stdlib(event.span.start), stdlib(event.span.end)
            venue = time_range(start, end)
            lines = text.splitlines()
            (number,) = lines_with(lines, event.title)
            line = lines[number]
            assert venue in line, (delegate.id, event.id)
            assert home is not None
            there = time_range(start.astimezone(home), end.astimezone(home))
            if start.astimezone(home).utcoffset() != start.utcoffset():
                assert there in text, (delegate.id, event.id)
                checked_home += 1
            else:  # Rome and Geneva share a clock: nothing to add
                assert text.count(venue) == 1, (delegate.id, event.id)
                checked_same += 1
        for leg in (item for item in itinerary.items if isinstance(item, TravelLeg)):
            departs, arrives = stdlib(leg.span.start), stdlib(leg.span.end)
            lines = text.splitlines()
            (number,) = lines_with(lines, leg.title)
            line = lines[number]
            assert f"{departs:%H:%M}" in line
            assert f"{arrives:%H:%M} {arrives.tzname()}" in line, (delegate.id, leg.id)
    assert checked_home > 0 and checked_same > 0


def test_the_baghdad_to_istanbul_flight_reads_in_both_local_clocks(
    texts: dict[str, tuple[Itinerary, str]],
) -> None:
    _, text = texts["amal-karim"]
    (line,) = [line for line in text.splitlines() if "Baghdad → Istanbul" in line]
    departs = datetime(2014, 10, 26, 4, 10, tzinfo=BAGHDAD)
    arrives = datetime(2014, 10, 26, 6, 25, tzinfo=ZoneInfo("Europe/Istanbul"))
    assert f"{departs:%H:%M} {departs.tzname()}" in line  # 04:10 +03
    assert f"{arrives:%H:%M} {arrives.tzname()}" in line  # 06:25 EET, after the change
    assert arrives.tzname() == "EET"


def test_date_only_events_show_no_invented_clock_time(
    texts: dict[str, tuple[Itinerary, str]],
) -> None:
    for delegate_id, (itinerary, text) in texts.items():
        lines = text.splitlines()
        for event in itinerary.events:
            if isinstance(event.span, TimeSpan):
                continue
            (title,) = lines_with(lines, event.title)
            assert not CLOCK.search(lines[title]), (delegate_id, lines[title])
            assert not CLOCK.search(lines[title + 1]), (delegate_id, lines[title + 1])
            if event.span.part_of_day:
                assert event.span.part_of_day in lines[title]
    # someone who attends only date-only events and does not travel sees no clock at all
    itinerary, text = texts["hanne-lie"]
    assert all(not isinstance(e.span, TimeSpan) for e in itinerary.events)
    assert not CLOCK.search(text)


def test_days_are_grouped_under_headings_in_order(
    texts: dict[str, tuple[Itinerary, str]],
) -> None:
    for delegate_id, (itinerary, text) in texts.items():
        found = sections(text)
        days = [day for day, _ in found]
        assert days == sorted(set(days)), delegate_id
        assert set(days) == {local_day(item) for item in itinerary.items}, delegate_id
        for item in itinerary.items:
            if isinstance(item, Stay):
                marker = item.name
            else:
                marker = item.title
            holding = [day for day, lines in found if lines_with(lines, marker)]
            assert local_day(item) in holding, (delegate_id, item.id, holding)
            if not isinstance(item, Stay):
                assert holding == [local_day(item)], (delegate_id, item.id)
    by_day = dict(sections(texts["amal-karim"][1]))
    assert any("ICSSI session at the Palais" in line for line in by_day[date(2014, 11, 3)])
    assert any("Members of the European Parliament" in line for line in by_day[date(2014, 11, 5)])


def test_a_change_of_city_is_marked(programme: Programme) -> None:
    """Even with no flight listed, the reader is told the next event is in another city."""
    delegate = Delegate(
        id="walker", name="Walker", events=EventSelection(("icssi-oslo-conference", "upr-iraq"))
    )
    text = text_of(build_itinerary(programme, delegate, checks=[]))
    lines = text.splitlines()
    last_oslo = max(
        n
        for event in programme.events
        if event.city == "Oslo"
        for n in lines_with(lines, event.title)
    )
    review = next(n for n, line in enumerate(lines) if "Universal Periodic Review" in line)
    between = lines[last_oslo + 1 : review]
    assert any("Geneva" in line for line in between), between


def test_a_change_of_city_by_air_is_marked(texts: dict[str, tuple[Itinerary, str]]) -> None:
    _, text = texts["amal-karim"]
    lines = text.splitlines()
    flight = next(n for n, line in enumerate(lines) if "Oslo → Geneva" in line)
    hotel = next(n for n, line in enumerate(lines) if "Hôtel des Nations" in line)
    assert flight < hotel
    assert any(
        "Geneva" in line and "→" not in line and "Hôtel" not in line
        for line in lines[flight + 1 : hotel]
    )


def test_a_display_zone_option_replaces_the_home_zone(programme: Programme, roster: Roster) -> None:
    from icssi_itinerary import zone

    giulia = build_itinerary(programme, roster.delegate("giulia-conti"))
    assert "+03" not in text_of(giulia)
    text = text_of(giulia, zone=zone("Asia/Baghdad"))
    assert "12:00–14:00 +03" in text
    assert "17:00–19:00 +03" in text  # Brussels 15:00-17:00 CET


# --- the programme ------------------------------------------------------------------------


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_programme_text_lists_every_event_venue_and_contact(programme: Programme) -> None:
    text = run("export", "text")
    assert programme.title in text
    for event in programme.events:
        assert event.title in text
        assert event.venue.name in text
    assert "10:00–12:00 CET" in text
    assert "15:00–17:00 CET" in text
    assert "+03" not in text
    statement = press_statement()
    phones = re.findall(r"\+\d[\d ]*\d", statement)
    assert len(phones) == 4
    for phone in phones:
        assert phone in text
    for name in ("Toon Bijnens", "Florent Schaeffer", "Ismaeel Dawood"):
        assert name in statement and name in text
    assert "#ICSSI_Oslo" in statement and "#ICSSI_Oslo" in text
    # no roster data in the public programme
    assert "Amal Karim" not in text


def test_programme_text_with_baghdad_time(programme: Programme) -> None:
    text = run("export", "text", "--tz", "Asia/Baghdad")
    for event in programme.events:
        if isinstance(event.span, TimeSpan):
            start, end = stdlib(event.span.start), stdlib(event.span.end)
            assert time_range(start, end) in text
            assert time_range(start.astimezone(BAGHDAD), end.astimezone(BAGHDAD)) in text
    assert "12:00–14:00 +03" in text
    assert "17:00–19:00 +03" in text
    found = dict(sections(text))
    assert list(found) == sorted(found)
    assert any("ICSSI 2014 Oslo Conference" in line for line in found[date(2014, 10, 27)])


def test_programme_text_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "programme.txt"
    shown = run("export", "text")
    result = CliRunner().invoke(cli, ["export", "text", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == shown
    assert sorted(p.name for p in tmp_path.iterdir()) == ["programme.txt"]


def test_itinerary_command_prints_the_same_text(roster: Roster, programme: Programme) -> None:
    printed = run("itinerary", "amal-karim", "--roster", str(SAMPLE_ROSTER))
    assert printed == text_of(build_itinerary(programme, roster.delegate("amal-karim")))


def _arrivals(itinerary: Itinerary) -> list[tuple[str, str]]:
    """(city, IANA zone) at each change of city, worked out here from the items: a leg
    moves the reader to its destination (the zone of its arrival), an event in a new city
    to the event's venue zone. Stays never move anyone."""
    found: list[tuple[str, str]] = []
    city: str | None = None
    for item in itinerary.items:
        if isinstance(item, Stay):
            continue
        here = item.destination if isinstance(item, TravelLeg) else item.city
        if city is None and not isinstance(item, TravelLeg):
            city = here
            continue
        if city is None or here.casefold() != city.casefold():
            if isinstance(item, TravelLeg):
                zone = item.span.end.tzinfo.key  # type: ignore[union-attr]
            else:
                assert isinstance(item, Event)
                zone = item.venue.zone.key
            found.append((here, zone))
        city = here
    return found


def test_text_and_html_name_the_same_clocks_at_every_change_of_city(
    texts: dict[str, tuple[Itinerary, str]],
) -> None:
    """One place decides whose clocks apply after a move; both formats say the same."""
    marker = re.compile(r"(?:now in|arriving in) (.+?) \(([^)]+)\)")
    html = get_exporters()["html"]
    moves = 0
    for itinerary, text in texts.values():
        expected = [(city, f"{city} time") for city, _ in _arrivals(itinerary)]
        assert [m.groups() for m in marker.finditer(text)] == expected
        page = render_itinerary(html, itinerary, RenderOptions(language="en")).decode("utf-8")
        # the city-change lines, their cities isolated in <bdi>: read as text
        rows = re.findall(r'<tr class="move">(.+?)</tr>', page)
        notes = [re.sub("<[^>]+>", "", row) for row in rows]
        on_page = [
            m.groups() for n in notes if (m := re.fullmatch(r"Now in (.+?) · clocks: (.+)", n))
        ]
        assert [(city.replace("&#39;", "'"), zone) for city, zone in on_page] == expected
        moves += len(expected)
    assert moves > 10  # the sample tour changes city often enough to mean something


def test_agenda_rows_carry_the_instants_not_only_their_labels(
    texts: dict[str, tuple[Itinerary, str]],
) -> None:
    from icssi_itinerary_plugins.agenda import agenda

    itinerary, _ = texts["amal-karim"]
    rows = [
        row
        for day in agenda(itinerary.items, itinerary.programme, BAGHDAD_ZONE, reader("en"))
        for row in day.rows
    ]
    legs = [row for row in rows if row.kind == "leg"]
    assert legs
    for row in legs:
        span = row.item.span
        assert isinstance(span, TimeSpan)
        start, end = (moment.value for moment in row.at_place)
        assert (stdlib(start), stdlib(end)) == (stdlib(span.start), stdlib(span.end))
        assert row.arrival == span.end and row.arrival_zone.key == span.end.tzinfo.key  # type: ignore[union-attr]
        assert row.zone.key == span.start.tzinfo.key  # type: ignore[union-attr]
        if row.elsewhere:  # the same instants on Baghdad's clock (zoneinfo's reading)
            there = [datetime.fromtimestamp(m.value.timestamp(), BAGHDAD) for m in row.elsewhere]  # type: ignore[union-attr]
            assert [m.label.split(" ")[0][-5:] for m in row.elsewhere] == [
                f"{moment:%H:%M}" for moment in there
            ]
    dated = [row for row in rows if isinstance(row.item.span, DateSpan)]
    assert dated and all(row.arrival is None and not row.elsewhere for row in dated)
    assert all(type(m.value) is date for row in dated for m in row.at_place)


def test_an_agenda_asked_again_is_made_for_what_is_asked_now(
    texts: dict[str, tuple[Itinerary, str]],
) -> None:
    """Each format asks for an itinerary's agenda in turn, and the last one is kept: a
    second clock, a language or items that differ get their own, and what a caller does
    to the list it got changes nothing for the next."""
    from icssi_itinerary_plugins.agenda import agenda

    itinerary, _ = texts["amal-karim"]
    items, programme = itinerary.items, itinerary.programme

    def headings(days: list[Any]) -> list[str]:
        return [day.heading for day in days]

    def clocks(days: list[Any]) -> list[tuple[str, ...]]:
        return [tuple(m.label for m in row.elsewhere) for day in days for row in day.rows]

    english = agenda(items, programme, BAGHDAD_ZONE, reader("en"))
    arabic = agenda(items, programme, BAGHDAD_ZONE, reader("ar"))
    assert headings(arabic) != headings(english)
    assert headings(arabic) == headings(agenda(list(items), programme, BAGHDAD_ZONE, reader("ar")))
    oslo = agenda(items, programme, zone("Europe/Oslo"), reader("ar"))
    assert clocks(oslo) != clocks(arabic) and any(clocks(oslo))
    one_clock = agenda(items, programme, None, reader("ar"))
    assert not any(clocks(one_clock))
    rest = items[1:]
    fewer = agenda(rest, programme, None, reader("ar"))
    assert sum(len(day.rows) for day in fewer) == sum(len(day.rows) for day in one_clock) - 1
    again = agenda(rest, programme, None, reader("ar"))
    assert again == fewer
    again.clear()
    assert agenda(rest, programme, None, reader("ar")) == fewer
