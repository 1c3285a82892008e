"""Mixed Arabic and Latin lines read in the right order, checked with an independent
implementation of the Unicode Bidirectional Algorithm (python-bidi, over Rust's
unicode-bidi), which lays a logical line out the way a bidi-aware viewer shows it."""

from __future__ import annotations

import pytest
from bidi import get_display

from icssi_itinerary import (
    Itinerary,
    Programme,
    RenderOptions,
    Roster,
    TravelLeg,
    build_itinerary,
    render_itinerary,
)
from icssi_itinerary.plugins import get_exporters


@pytest.fixture(scope="module")
def amal(programme: Programme, roster: Roster) -> Itinerary:
    return build_itinerary(programme, roster.delegate("amal-karim"))


def text(itinerary: Itinerary, language: str) -> list[str]:
    options = RenderOptions(language=language)
    data = render_itinerary(get_exporters()["text"], itinerary, options)
    return data.decode("utf-8").splitlines()


def test_arabic_journeys_point_from_where_they_leave_to_where_they_arrive(amal: Itinerary) -> None:
    """Read right to left, an Arabic line names the origin, then an arrow pointing on
    (to the left) to the destination."""
    legs = [item for item in amal.items if isinstance(item, TravelLeg)]
    assert legs
    lines = text(amal, "ar")
    for leg in legs:
        (line,) = [line for line in lines if leg.reference and leg.reference in line]
        shown = get_display(line)
        origin, destination = shown.index(leg.origin), shown.index(leg.destination)
        arrow = shown.index("←")
        assert destination < arrow < origin, (leg.id, shown)


def test_english_journeys_read_left_to_right(amal: Itinerary) -> None:
    lines = text(amal, "en")
    for leg in (item for item in amal.items if isinstance(item, TravelLeg)):
        (line,) = [line for line in lines if leg.reference and leg.reference in line]
        shown = get_display(line)
        assert shown.index(leg.origin) < shown.index("→") < shown.index(leg.destination)
        assert "\u2068" not in line and "\u200f" not in line


def test_every_arabic_line_is_laid_out_right_to_left(amal: Itinerary) -> None:
    lines = [line for line in text(amal, "ar") if line]
    assert all(line.startswith("\u200f") for line in lines)


def test_arabic_printout_routes_point_from_origin_to_destination(amal: Itinerary) -> None:
    """In the Arabic PDF a route of two Latin airport names is laid out from the right
    too: the origin on the right, the arrow pointing left to the destination."""
    from io import BytesIO

    import pdfplumber

    options = RenderOptions(language="ar-IQ")
    data = render_itinerary(get_exporters()["pdf"], amal, options)
    with pdfplumber.open(BytesIO(data)) as document:
        words = document.pages[0].extract_words()
    checked = 0
    for arrow in (w for w in words if w["text"] == "←"):
        line = [w for w in words if abs(w["top"] - arrow["top"]) < 2]
        names = [w for w in line if w["text"].strip("\u2068\u2069") in ("Baghdad", "Istanbul")]
        if len(names) == 2:  # the first flight's title and its airports: Baghdad to Istanbul
            right = max(names, key=lambda w: w["x0"])
            assert right["text"].strip("\u2068\u2069") == "Baghdad", [w["text"] for w in line]
            checked += 1
    assert checked == 2
