"""Times a traveller cannot misread, in every format that prints them for people.

Oracles: the stdlib's ``zoneinfo`` for every instant, offset and abbreviation; Babel's
CLDR data for the reader's date formats.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from icssi_itinerary import (
    Delegate,
    EventSelection,
    Itinerary,
    RenderOptions,
    build_itinerary,
    load_programme,
    reader,
    render_itinerary,
    zone,
)
from icssi_itinerary.plugins import get_exporters

PROGRAMME = """
[programme]
id = "clocks"
title = "Clocks"

[[venues]]
id = "oslo"
name = "Oslo venue"
city = "Oslo"
country = "Norway"
timezone = "Europe/Oslo"

[[venues]]
id = "moscow"
name = "Moscow venue"
city = "Moscow"
country = "Russia"
timezone = "Europe/Moscow"

[[events]]
id = "late-in-oslo"
title = "Late session in Oslo"
venue = "oslo"
start = 2014-10-30T14:40:00
end = 2014-10-30T19:40:00

[[events]]
id = "night-in-moscow"
title = "Night session in Moscow"
venue = "moscow"
start = 2014-10-26T01:30:00
end = 2014-10-26T01:50:00
fold = "later"

[[events]]
id = "with-a-very-long-label"
title = "A day of talks"
venue = "oslo"
start = 2014-10-31T22:00:00
end = 2014-11-02T02:00:00
"""


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Itinerary]:
    path = Path(tmp_path_factory.mktemp("clocks")) / "programme.toml"
    path.write_text(PROGRAMME, encoding="utf-8")
    programme = load_programme(path)
    everything = EventSelection(everything=True)

    def plan(home: str) -> Itinerary:
        delegate = Delegate(id="d", name="D", events=everything, home_zone=zone(home))
        return build_itinerary(programme, delegate, checks=[])

    return {"sydney": plan("Australia/Sydney"), "moscow": plan("Europe/Moscow")}


def text(itinerary: Itinerary, language: str = "en") -> str:
    options = RenderOptions(language=language)
    return render_itinerary(get_exporters()["text"], itinerary, options).decode("utf-8")


def test_instants_of_the_fixture() -> None:
    """The cases, checked against zoneinfo: Oslo 14:40 is 13:40 UTC, 00:40 next day in
    Sydney; 01:30 in Moscow happens twice on 26 Oct 2014, as MSK both times."""
    oslo = datetime(2014, 10, 30, 14, 40, tzinfo=ZoneInfo("Europe/Oslo"))
    assert oslo.astimezone(UTC) == datetime(2014, 10, 30, 13, 40, tzinfo=UTC)
    sydney = oslo.astimezone(ZoneInfo("Australia/Sydney"))
    assert (sydney.day, sydney.hour, sydney.tzname()) == (31, 0, "AEDT")
    baghdad = oslo.astimezone(ZoneInfo("Asia/Baghdad"))
    assert (baghdad.day, baghdad.hour) == (30, 16)
    early, late = (
        datetime(2014, 10, 26, 1, 30, fold=fold, tzinfo=ZoneInfo("Europe/Moscow"))
        for fold in (0, 1)
    )
    assert early.tzname() == late.tzname() == "MSK"
    assert (early.utcoffset(), late.utcoffset()) == (
        datetime(2014, 1, 1, 4).replace(tzinfo=UTC) - datetime(2014, 1, 1).replace(tzinfo=UTC),
        datetime(2014, 1, 1, 3).replace(tzinfo=UTC) - datetime(2014, 1, 1).replace(tzinfo=UTC),
    )


def _lines_after(text: str, title: str, count: int = 3) -> list[str]:
    lines = text.splitlines()
    at = next(n for n, line in enumerate(lines) if title in line)
    return lines[at - 1 : at + count]


@pytest.mark.parametrize("language", ["en", "ar-IQ"])
def test_a_home_clock_start_on_another_day_says_which_day(
    plans: dict[str, Itinerary], language: str
) -> None:
    shown = text(plans["sydney"], language)
    words = reader(language)
    friday = words.date(datetime(2014, 10, 31).date(), "MMMEd")
    thursday = words.date(datetime(2014, 10, 30).date(), "full")
    assert thursday in shown  # the heading: Thursday in Oslo
    block = "\n".join(_lines_after(shown, "Late session in Oslo"))
    assert f"{friday} {words.time(datetime(2014, 10, 31, 0, 40))}" in block


def test_a_repeated_hour_with_one_abbreviation_shows_the_utc_offset(
    plans: dict[str, Itinerary],
) -> None:
    shown = text(plans["sydney"])
    (label,) = [line for line in shown.splitlines() if "Night session in Moscow" in line]
    assert "01:30–01:50 MSK (UTC+03:00)" in label  # the later 01:30 (zoneinfo: fold=1)


def test_no_offset_where_the_abbreviation_already_tells(plans: dict[str, Itinerary]) -> None:
    shown = text(plans["sydney"])
    assert "UTC+" not in "\n".join(_lines_after(shown, "Late session in Oslo"))


@pytest.mark.parametrize("home", ["sydney", "moscow"])
@pytest.mark.parametrize("language", ["en", "ar-IQ"])
def test_a_long_time_label_never_runs_into_the_title(
    plans: dict[str, Itinerary], home: str, language: str
) -> None:
    for line in text(plans[home], language).splitlines():
        for title in ("A day of talks", "Late session in Oslo", "Night session in Moscow"):
            if title in line and not line.lstrip().startswith(title):
                before = line[: line.index(title)]
                assert re.search(r"\s{2}$", before), line


def pdf_text(itinerary: Itinerary, language: str = "en") -> str:
    """The printout's text, as poppler's pdftotext reads it (logical order)."""
    import shutil
    import subprocess
    import tempfile

    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext is not installed (Debian package poppler-utils)")
    data = render_itinerary(get_exporters()["pdf"], itinerary, RenderOptions(language=language))
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        done = subprocess.run([tool, handle.name, "-"], capture_output=True, text=True, check=True)
    return done.stdout


@pytest.mark.parametrize("language", ["en", "ar-IQ"])
def test_the_printout_names_the_home_clock_day_too(
    plans: dict[str, Itinerary], language: str
) -> None:
    """pdftotext rebuilds an Arabic line's order only roughly (it moves the comma and
    adds embedding marks), so there the line with Sydney's 00:40 must hold Friday's name
    and its date's digits, whatever their order."""
    words = reader(language)
    day = datetime(2014, 10, 31).date()
    time = words.time(datetime(2014, 10, 31, 0, 40))
    text = pdf_text(plans["sydney"], language)
    if language == "en":
        assert f"{words.date(day, 'MMMEd')} {time}" in " ".join(text.split())
        return
    bidi_marks = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u2068\u2069\u200f"))
    (line,) = [line.translate(bidi_marks) for line in text.splitlines() if time in line]
    assert words.date(day, "EEEE") in line and words.digits("31") in line, line


def test_the_printout_shows_the_offset_of_a_repeated_hour(plans: dict[str, Itinerary]) -> None:
    shown = " ".join(pdf_text(plans["sydney"]).split())
    assert "01:30–01:50 MSK (UTC+03:00)" in shown
