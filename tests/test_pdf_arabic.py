"""An Arabic reader's printout: Arabic words, Iraqi month names and digits, laid out
right to left; an English reader's printout keeps its left-to-right layout.

Oracles: poppler's ``pdftotext`` for the Arabic words in logical order, pdfplumber's
word positions for the columns; the translations come from the shipped
catalogue (the reader's ``gettext``), the month names and digits from what the issue
asks for (تشرين الأول for October in Iraq, Arabic-Indic digits), the list of fixed
English words from pybabel's extractor run over ``pdf_pages.py``.
Words are compared without vowel marks, NFKC (folding presentation forms back to
letters).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import struct
import subprocess
import unicodedata
from io import BytesIO
from pathlib import Path
from typing import Any

import pdfplumber
import pypdf
import pytest
from babel.messages.extract import extract_from_file

from conftest import ROOT
from icssi_itinerary import (
    Itinerary,
    Programme,
    RenderOptions,
    Roster,
    build_itinerary,
    reader,
    render_itinerary,
)
from icssi_itinerary.plugins import get_exporters

PAGES = ROOT / "plugins" / "icssi_itinerary_plugins" / "pdf_pages.py"
FEED = "https://example.org/icssi/feeds/3f9a1c/amal-karim.ics"
PLACEHOLDER = re.compile(r"%\(\w+\)s")
ISOLATES = "\u2066\u2067\u2068\u2069"


def pdf_of(itinerary: Itinerary, language: str) -> bytes:
    options = RenderOptions(language=language, links={"feed": FEED})
    return render_itinerary(get_exporters()["pdf"], itinerary, options)


@pytest.fixture(scope="module")
def amal(programme: Programme, roster: Roster) -> Itinerary:
    return build_itinerary(programme, roster.delegate("amal-karim"))


@pytest.fixture(scope="module")
def iraqi(amal: Itinerary) -> bytes:
    return pdf_of(amal, "ar-IQ")


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{name} must be installed under CI (Debian: see .ci/run)")
        pytest.skip(f"{name} is not installed (Debian package poppler-utils)")
    return path


def plain_word(word: str) -> str:
    """*word* without vowel marks, NFKC."""
    folded = unicodedata.normalize("NFKC", word)
    return "".join(c for c in folded if not unicodedata.category(c).startswith("M"))


def arabic_words(data: bytes) -> set[str]:
    """Every Arabic word on every page, in logical order, as poppler's pdftotext reads
    them (pdfplumber gives glyphs in visual order, and splits lam-alef ligatures)."""
    done = subprocess.run(
        [need_tool("pdftotext"), "-enc", "UTF-8", "-", "-"],
        input=data,
        capture_output=True,
        check=True,
    )
    return expected_words(done.stdout.decode("utf-8"))


def expected_words(text: str) -> set[str]:
    return {plain_word(w) for w in re.findall(r"[\u0600-\u06ff]+", text)}


def flat_text(data: bytes) -> str:
    with pdfplumber.open(BytesIO(data)) as document:
        return " ".join(" ".join((p.extract_text() or "").split()) for p in document.pages)


LABELS = [
    "Day by day",
    "At the place",
    "What and where",
    "Nights by city",
    "City",
    "Country",
    "Nights",
    "Where staying",
    "Venues",
    "Venue",
    "Address",
    "Clocks",
    "Contacts",
    "Name",
    "For",
    "Phone / e-mail",
    "Your calendar feed",
    "to be confirmed",
    "Home: %(zone)s",
    "Home time zone: %(zone)s",
    "Page %(page)s of %(pages)s",
    "Generated %(date)s by icssi-itinerary from %(source)s",
    "» Now in %(city)s · clocks: %(clocks)s",
]


def test_the_labels_are_arabic(iraqi: bytes) -> None:
    found = arabic_words(iraqi)
    words = reader("ar-IQ")
    for label in LABELS:
        wanted = expected_words(words.gettext(label))
        assert wanted, f"{label!r} has an Arabic translation"
        assert wanted <= found, f"{label!r}: {sorted(wanted - found)} not on the page"
    nights = expected_words(words.ngettext("%(count)s night", "%(count)s nights", 7))
    assert nights <= found
    metadata = pypdf.PdfReader(BytesIO(iraqi)).metadata
    assert metadata is not None and metadata.title is not None
    assert expected_words(metadata.title) == expected_words(words.gettext("Itinerary for %(name)s"))


def test_iraqi_month_names_and_digits(iraqi: bytes, amal: Itinerary) -> None:
    found = arabic_words(iraqi)
    # Check-in in Oslo on 26 October 2014: October is تشرين الأول in Iraq.
    assert {"تشرين", "الأول", "الثاني"} <= found
    with pdfplumber.open(BytesIO(iraqi)) as document:
        digits = {c["text"] for page in document.pages for c in page.chars}
    assert {"\u0661", "\u0662", "\u0660", "\u0664"} <= digits  # 1 2 0 4: 2014, pages 1 and 2


def test_arabic_without_a_region_names_months_as_cldr_does(amal: Itinerary) -> None:
    found = arabic_words(pdf_of(amal, "ar"))
    assert "أكتوبر" in found and "تشرين" not in found


def english_pieces() -> set[str]:
    """The English words of every fixed message of the PDF pages, between placeholders."""
    pieces: set[str] = set()
    keywords = {"gettext": None, "ngettext": (1, 2), "N_": None}
    for _, message, _, _ in extract_from_file("python", str(PAGES), keywords=keywords):
        for text in (message,) if isinstance(message, str) else message:
            for piece in PLACEHOLDER.split(text):
                piece = piece.strip(" ()»·:;,.–")
                # "of" also occurs in the programme's names ("Hall of St. Olav Church")
                if re.search(r"[A-Za-z]{3}", piece) and piece != "icssi-itinerary":
                    pieces.add(piece)
    return pieces


def test_no_english_fixed_word_remains(iraqi: bytes) -> None:
    pieces = english_pieces()
    assert {"Day by day", "to be confirmed", "CANCELLED", "Page"} <= pieces
    text = flat_text(iraqi)
    for piece in pieces:
        # whole pieces, and one-word pieces as words
        assert not re.search(rf"\b{re.escape(piece)}\b", text), piece


def time_and_title(data: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """The zone abbreviation ending Amal's first flight's times at the place (``EET``,
    in every language), and the flight number in its title (``TK``), on one line of
    page 1."""
    with pdfplumber.open(BytesIO(data)) as document:
        words = document.pages[0].extract_words()
    time = next(w for w in words if w["text"] == "EET")
    title = next(w for w in words if w["text"] == "TK" and abs(w["top"] - time["top"]) < 3)
    return time, title


def test_arabic_columns_are_mirrored(iraqi: bytes) -> None:
    time, title = time_and_title(iraqi)
    assert time["x0"] > title["x1"], "the time column is right of the title column"
    with pdfplumber.open(BytesIO(iraqi)) as document:
        page = document.pages[0]
        qr = [r for r in page.rects if r["height"] < 5]
        assert max(r["x1"] for r in qr) < page.width / 2, "the QR code is on the left"


def test_english_columns_read_left_to_right(amal: Itinerary) -> None:
    data = pdf_of(amal, "en")
    time, title = time_and_title(data)
    assert time["x1"] < title["x0"], "the time column is left of the title column"
    text = flat_text(data)
    for label in ("Day by day", "At the place", "What and where", "Nights by city"):
        assert label in text
    assert not arabic_words(data) - expected_words(amal.delegate.name_native or "")


SCREENSHOTS = ROOT / "docs" / "images"


@pytest.mark.parametrize(
    ("language", "image"), [("ar-IQ", "pdf-arabic.png"), ("en", "pdf-english.png")]
)
def test_screenshots(amal: Itinerary, tmp_path: Path, language: str, image: str) -> None:
    """docs/pdf.md shows page 1 of Amal's printout in Arabic and English, rendered by
    poppler; ``ICSSI_UPDATE_SCREENSHOTS=1`` writes them to docs/images/."""
    update = os.environ.get("ICSSI_UPDATE_SCREENSHOTS") == "1"
    source = tmp_path / "amal.pdf"
    source.write_bytes(pdf_of(amal, language))
    stem = (SCREENSHOTS if update else tmp_path) / image.removesuffix(".png")
    subprocess.run(
        [need_tool("pdftoppm"), "-png", "-r", "60", "-singlefile", str(source), str(stem)],
        check=True,
    )
    data = stem.with_suffix(".png").read_bytes()
    width, height = struct.unpack(">II", data[16:24])
    # A4 (210 x 297 mm) at 60 dots per inch, poppler rounding up
    assert (width, height) == (math.ceil(210 / 25.4 * 60), math.ceil(297 / 25.4 * 60))
    assert (SCREENSHOTS / image).exists(), "run with ICSSI_UPDATE_SCREENSHOTS=1 once"


def now_in_line(data: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The words and Arabic glyphs of the line saying Amal is now in Istanbul."""
    with pdfplumber.open(BytesIO(data)) as document:
        page = document.pages[0]
        words = [{**w, "text": w["text"].strip(ISOLATES)} for w in page.extract_words()]
        # in a right-to-left run a bracket is drawn mirrored: its text comes first
        eet = next(w for w in words if w["text"] in ("(EET)", ")EET("))
        line = [w for w in words if abs(w["bottom"] - eet["bottom"]) < 1.5]
        # the baseline: glyphs of other fonts have other heights
        base = next(
            c
            for c in page.chars
            if c["text"] == "E"
            and eet["x0"] <= c["x0"] <= eet["x1"]
            and eet["top"] <= c["top"] <= eet["bottom"]
        )
        glyphs = [
            c
            for c in page.chars
            if abs(c["matrix"][5] - base["matrix"][5]) < 0.5
            and unicodedata.bidirectional(c["text"][:1]) == "AL"
        ]
    return line, glyphs


def test_latin_names_inside_an_arabic_line_keep_their_order(amal: Itinerary) -> None:
    """« الآن في Istanbul · التوقيت: توقيت إسطنبول (EET) » reads from the right: the
    Arabic start right of the city, the zone (its abbreviation last) left of it; each
    Latin name left to right, as a whole."""
    line, glyphs = now_in_line(pdf_of(amal, "ar-IQ"))
    city = next(w for w in line if w["text"] == "Istanbul")
    eet = next(w for w in line if w["text"] == ")EET(")
    assert eet["x1"] < city["x0"]
    assert any(g["x0"] > city["x1"] for g in glyphs), "'now in' is right of the city"
    assert any(eet["x1"] < g["x0"] < city["x0"] for g in glyphs), "the zone is left of it"
    page = "https://example.org/icssi/amal-karim.html"
    options = RenderOptions(language="ar-IQ", links={"page": page})
    data = render_itinerary(get_exporters()["pdf"], amal, options)
    with pdfplumber.open(BytesIO(data)) as document:
        text = document.pages[0].extract_text() or ""
    assert page in "".join(text.split()), "the URL reads left to right"


def test_an_english_line_reads_left_to_right(amal: Itinerary) -> None:
    line, glyphs = now_in_line(pdf_of(amal, "en"))
    words = [w["text"] for w in sorted(line, key=lambda w: w["x0"])]
    assert " ".join(words).endswith("» Now in Istanbul · clocks: Istanbul time (EET)")
    assert not glyphs


def test_arabic_punctuation_between_latin_names_is_set_in_the_arabic_font(
    iraqi: bytes,
) -> None:
    """The comma of « الإقامة: Hotel Bristol، Oslo » (a stay) is Arabic punctuation
    between two Latin names: it is drawn by the Arabic font, which the line uses anyway,
    not by a second copy of the Latin font; and the bidi isolates around names need no
    font at all. So no font is embedded twice."""
    with pdfplumber.open(BytesIO(iraqi)) as document:
        chars = [c for page in document.pages for c in page.chars]
    commas = [c for c in chars if c["text"] == "،"]
    assert commas, "the itinerary lists a stay"
    assert all("NotoNaskhArabic" in str(c["fontname"]) for c in commas), commas
    embedded = []
    for page in pypdf.PdfReader(BytesIO(iraqi)).pages:
        resources = page["/Resources"]
        assert isinstance(resources, pypdf.generic.DictionaryObject)
        table = resources["/Font"]
        assert isinstance(table, pypdf.generic.DictionaryObject)
        embedded += [ref.get_object() for ref in table.values()]
    names = [str(font["/BaseFont"]) for font in {id(font): font for font in embedded}.values()]
    assert len(names) == len(set(names)), names
