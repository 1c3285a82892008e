"""Every script prints: names in Arabic, Hebrew, Devanagari, Chinese, Japanese, Cyrillic
and Greek come out of the PDF as they went in, each set in a font made for its script.

Oracles: the text pdfplumber extracts (right-to-left names read back in logical order,
as tests/test_pdf.py does for Arabic), and the names of the fonts embedded for the
glyphs of the name. A script with no installed font is one line naming the delegate,
the field and the Debian package, exit status 2, and no file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pdfplumber
import pypdf
import pytest

from conftest import ROOT
from icssi_itinerary import (
    InputError,
    Programme,
    RenderOptions,
    build_itinerary,
    load_roster,
    render_programme,
)
from icssi_itinerary import render_itinerary as render
from icssi_itinerary.plugins import get_exporters
from icssi_itinerary_plugins import pdf_fonts
from icssi_itinerary_plugins.fonts import LATIN, LATIN_BOLD, candidate_fonts, script_font
from icssi_itinerary_plugins.pdf_layout import Document
from icssi_itinerary_plugins.scripts import script_runs

IN_CI = os.environ.get("CI", "").lower() == "true"

# id, name_native, the script's code, what the embedded font's name holds
NAMES = [
    ("arabic", "أمل كريم", "Arab", "NotoNaskhArabic"),
    ("hebrew", "נועה כהן", "Hebr", "NotoSansHebrew"),
    ("devanagari", "सुमन राव", "Deva", "NotoSansDevanagari"),
    ("chinese", "王小明", "Hani", "NotoSansCJKSC"),
    ("japanese", "山田はなこ", "Hira", "NotoSansCJKJP"),
    ("cyrillic", "Анна Иванова", "Cyrl", "DejaVuSans"),
    ("greek", "Νίκος Παπαδόπουλος", "Grek", "DejaVuSans"),
]


def write_roster(folder: Path, rows: list[tuple[str, str]]) -> Path:
    lines = ["id,name,name_native,organisation,email,home_timezone,language,events"]
    lines += [
        f"{ident},Delegate {ident},{native},Org,{ident}@example.org,Asia/Baghdad,en,mep-meeting"
        for ident, native in rows
    ]
    path = folder / "roster.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def need_font(script: str, region: str = "SC") -> None:
    if candidate_fonts(script_font(script, region=region)):
        return
    package = script_font(script, region=region).package
    if IN_CI:
        pytest.fail(f"the {script} font must be installed under CI (.ci/run installs {package})")
    pytest.skip(f"no {script} font installed (Debian package {package})")


def name_chars(data: bytes, native: str) -> list[dict[str, object]]:
    """The glyphs of *native* in the header (a ligature's glyph carries several letters)."""
    with pdfplumber.open(BytesIO(data)) as document:
        page = document.pages[0]
        return [
            c
            for c in page.chars
            if float(c["top"]) < 60
            and str(c["text"]).strip()
            and all(char in native for char in str(c["text"]))
        ]


def logical(chars: list[dict[str, object]], rtl: bool) -> str:
    """The glyphs' text in reading order: right to left for *rtl*, spaces from gaps."""
    chars = sorted(chars, key=lambda c: float(c["x0"]), reverse=rtl)  # type: ignore[arg-type]
    text = ""
    for before, after in zip([None, *chars], chars, strict=False):
        if before is not None:
            left, right = (after, before) if rtl else (before, after)
            gap = float(right["x0"]) - float(left["x1"])  # type: ignore[arg-type]
            if gap > 0.15 * float(after["size"]):  # type: ignore[arg-type]
                text += " "
        text += str(after["text"])
    return unicodedata.normalize("NFKC", " ".join(text.split()))


def first_page(data: bytes) -> tuple[str, set[str]]:
    """pypdf's text of page 1 without whitespace, and the fonts it embeds (pdfminer,
    under pdfplumber, reads no text from the CFF fonts of Noto Sans CJK; pypdf does)."""
    page = pypdf.PdfReader(BytesIO(data)).pages[0]
    resources = page["/Resources"]
    assert isinstance(resources, pypdf.generic.DictionaryObject)
    table = resources["/Font"]
    assert isinstance(table, pypdf.generic.DictionaryObject)
    fonts = {str(ref.get_object()["/BaseFont"]).split("+")[-1] for ref in table.values()}
    # pypdf reads a NUL before each two-byte code of those fonts; poppler's pdftotext
    # reads the same text without them.
    return "".join(page.extract_text().replace("\x00", "").split()), fonts


@pytest.mark.parametrize(("ident", "native", "script", "font"), NAMES, ids=[n[0] for n in NAMES])
def test_every_script_prints_in_its_own_font(
    programme: Programme, tmp_path: Path, ident: str, native: str, script: str, font: str
) -> None:
    need_font(script, "JP" if script == "Hira" else "SC")
    roster = load_roster(write_roster(tmp_path, [(ident, native)]), programme)
    itinerary = build_itinerary(programme, roster.delegates[0])
    data = render(get_exporters()["pdf"], itinerary, RenderOptions())
    text, fonts = first_page(data)
    if script in ("Arab", "Hebr"):
        assert logical(name_chars(data, native), rtl=True) == unicodedata.normalize("NFKC", native)
    else:
        assert "".join(native.split()) in text
    assert any(font.lower() in name.lower() for name in fonts), fonts


def test_latin_only_printouts_embed_dejavu_alone(programme: Programme, tmp_path: Path) -> None:
    """Fonts are added for the scripts that occur, and for no other."""
    roster = load_roster(write_roster(tmp_path, [("plain", "")]), programme)
    data = render(
        get_exporters()["pdf"], build_itinerary(programme, roster.delegates[0]), RenderOptions()
    )
    with pdfplumber.open(BytesIO(data)) as document:
        fonts = {str(c["fontname"]).split("+")[-1] for p in document.pages for c in p.chars}
    assert fonts and all(name.startswith("DejaVuSans") for name in fonts), fonts


def test_several_scripts_in_one_name(programme: Programme, tmp_path: Path) -> None:
    need_font("Hani")
    need_font("Deva")
    native = "王小明 सुमन"
    roster = load_roster(write_roster(tmp_path, [("mixed", native)]), programme)
    data = render(
        get_exporters()["pdf"], build_itinerary(programme, roster.delegates[0]), RenderOptions()
    )
    text, fonts = first_page(data)
    assert "王小明सुमन" in text
    assert any("NotoSansCJKSC" in name for name in fonts), fonts
    assert any("NotoSansDevanagari" in name for name in fonts), fonts


def test_script_runs_join_neutral_characters_to_their_run() -> None:
    assert script_runs("Amal (أمل) 王 1") == [
        ("Latn", "Amal ("),
        ("Arab", "أمل) "),
        ("Hani", "王 1"),
    ]
    assert script_runs("12 – ") == [("Zyyy", "12 – ")]
    assert script_runs("(王") == [("Hani", "(王")]
    assert script_runs("") == []


def test_a_font_is_loaded_only_for_what_it_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bidi isolates around Latin names need no font: none is parsed to look for them
    (each full font parsed is some 6 MB in every process that draws PDFs)."""
    monkeypatch.setattr(pdf_fonts, "_LOADED", {})
    monkeypatch.setattr(pdf_fonts, "_ROUTES", {})
    pdf = Document("t", datetime(2014, 10, 1, tzinfo=UTC), "test")
    before = set(pdf_fonts._LOADED)
    route = pdf._fonts.route("\u2068Home\u2069 ← \u2068Oslo\u2069", False)
    assert route.font.fontkey == "latin"
    assert set(pdf_fonts._LOADED) == before
    # An Arabic comma between Latin names of an Arabic line: the Arabic font has it
    pdf._fonts.route("الإقامة: Hotel، Oslo", True)
    assert [key[2].name for key in set(pdf_fonts._LOADED) - before] == [
        Path(p).name for p in candidate_fonts(script_font("Arab", True))[:1]
    ]


def run_cli(roster: Path, target: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *(sys.executable, "-m", "icssi_itinerary", "itinerary", "missing"),
            *("--roster", str(roster), "--format", "pdf", "-o", str(target)),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=ROOT,
        check=False,
    )


@pytest.mark.parametrize(
    ("native", "script", "package"),
    [
        ("सुमन राव", "Devanagari", "fonts-noto-core"),
        ("王小明", "Han", "fonts-noto-cjk"),
        ("Amal \U0001fae8", "symbol", "fonts-noto-core"),  # a face emoji of Unicode 15
    ],
)
def test_a_script_without_a_font_is_one_line_naming_the_field_and_package(
    tmp_path: Path, native: str, script: str, package: str
) -> None:
    """Only DejaVu Sans installed (what Debian installs by default): no silent drop."""
    folder = tmp_path / "fonts"
    folder.mkdir()
    for spec in (LATIN, LATIN_BOLD):
        found = candidate_fonts(spec)
        if not found:
            pytest.skip("DejaVu Sans is not installed (Debian package fonts-dejavu-core)")
        shutil.copy(found[0], folder / found[0].name)
    roster = write_roster(tmp_path, [("missing", native)])
    target = tmp_path / "missing.pdf"
    env = {"ICSSI_ITINERARY_FONT_DIR": str(folder), "ICSSI_ITINERARY_SYSTEM_FONTS": "0"}
    done = run_cli(roster, target, env)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    line = lines[0]
    assert "delegate 'missing'" in line and "name_native" in line, line
    assert script in line and package in line and "ICSSI_ITINERARY_FONT_DIR" in line, line
    assert not target.exists()


def test_a_programme_text_without_a_font_names_the_event_field(
    programme: Programme, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = candidate_fonts(LATIN)
    if not found:
        pytest.skip("DejaVu Sans is not installed (Debian package fonts-dejavu-core)")
    folder = tmp_path / "fonts"
    folder.mkdir()
    shutil.copy(found[0], folder / found[0].name)
    monkeypatch.setenv("ICSSI_ITINERARY_FONT_DIR", str(folder))
    monkeypatch.setenv("ICSSI_ITINERARY_SYSTEM_FONTS", "0")
    events = programme.events
    event = events[1]
    renamed = replace(programme, events=(events[0], replace(event, title="सत्र"), *events[2:]))
    with pytest.raises(InputError) as raised:
        render_programme(get_exporters()["pdf"], renamed, RenderOptions())
    assert str(raised.value).startswith(f"event {event.id!r}: title: "), raised.value
    assert "Devanagari" in str(raised.value) and "fonts-noto-core" in str(raised.value)
