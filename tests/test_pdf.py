"""The ``pdf`` format: the A4 itinerary a delegate carries, checked by reading the PDF back.

Oracles: text extracted with pdfplumber (and pypdf for the page size, fonts and
metadata); clock times computed with the stdlib ``zoneinfo`` from the model's instants;
the QR code decoded by zbar (``zbarimg``) from a page rendered by poppler (``pdftoppm``),
and the drawn modules compared with segno's matrix for the URL.

The Arabic name: pdfplumber returns one character per glyph in *visual* order (left to
right on the page) and no space characters. The test sorts the Arabic glyphs of the name
line right to left (the logical order of a right-to-left run), splits words where the gap
between glyphs is wider than a space would leave, and compares with the NFKC-normalised
``name_native`` (NFKC also folds any presentation forms back to base letters).
"""

from __future__ import annotations

import csv
import itertools
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from dataclasses import replace
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

import pdfplumber
import pypdf
import pytest
import segno
from click.testing import CliRunner

from conftest import ROOT, SAMPLE_ROSTER
from icssi_itinerary import (
    Event,
    Itinerary,
    Programme,
    RenderOptions,
    Roster,
    TimeSpan,
    TravelLeg,
    build_itinerary,
    load_roster,
    render_itinerary,
    render_programme,
)
from icssi_itinerary.cli import cli
from icssi_itinerary.plugins import get_checks, get_exporters

BAGHDAD = ZoneInfo("Asia/Baghdad")
MM_IN_POINTS = 72 / 25.4
FEED = "https://example.org/icssi/feeds/3f9a1c/{id}.ics"
A4 = (595.28, 841.89)
COUNTRY = {"Oslo": "Norway", "Geneva": "Switzerland", "Brussels": "Belgium"}
IN_CI = os.environ.get("CI", "").lower() == "true"
SAMPLE_ROWS = list(csv.DictReader(SAMPLE_ROSTER.open(encoding="utf-8")))
SAMPLE_IDS = [row["id"] for row in SAMPLE_ROWS]
NATIVE_IDS = [row["id"] for row in SAMPLE_ROWS if row["name_native"]]
FONT_FILES = {
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf",
}


def pdf_of(itinerary: Itinerary, **options: Any) -> bytes:
    return render_itinerary(get_exporters()["pdf"], itinerary, RenderOptions(**options))


def pages_text(data: bytes) -> list[str]:
    with pdfplumber.open(BytesIO(data)) as document:
        return [page.extract_text() or "" for page in document.pages]


def flat(text: str) -> str:
    """All whitespace (line ends included) as single spaces: wrapped lines join up again."""
    return " ".join(text.split())


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if IN_CI:
            pytest.fail(f"{name} must be installed under CI (Debian: see .ci/run)")
        pytest.skip(f"{name} is not installed (Debian packages poppler-utils, zbar-tools)")
    return path


def stdlib(moment: object) -> datetime:
    """The same instant as an aware stdlib datetime on the zoneinfo clock of its zone."""
    assert isinstance(moment, datetime)
    key = getattr(moment.tzinfo, "key", None) or moment.tzinfo.name  # type: ignore[union-attr]
    return datetime.fromtimestamp(moment.timestamp(), ZoneInfo(key))


def clock_range(start: datetime, end: datetime) -> str:
    """E.g. ``10:00`` en dash ``12:00 CET``; across zones each end names its zone."""
    assert start.date() == end.date(), "the oracle covers same-day ranges only"
    if start.tzname() == end.tzname():
        return f"{start:%H:%M}–{end:%H:%M} {end.tzname()}"
    return f"{start:%H:%M} {start.tzname()}–{end:%H:%M} {end.tzname()}"


def expected_times(itinerary: Itinerary, home: ZoneInfo) -> list[str]:
    """Every timed item's range at its place, and at *home* where the clocks differ."""
    found = []
    for item in itinerary.items:
        if not isinstance(item.span, TimeSpan):
            continue
        start, end = stdlib(item.span.start), stdlib(item.span.end)
        found.append(clock_range(start, end))
        at_home = start.astimezone(home), end.astimezone(home)
        if (start.utcoffset(), end.utcoffset()) != tuple(m.utcoffset() for m in at_home):
            found.append(clock_range(*at_home))
    return found


@pytest.fixture(scope="module")
def rendered(programme: Programme, roster: Roster) -> dict[str, tuple[Itinerary, bytes]]:
    """Every sample delegate's PDF in English, with a personal feed URL (the Arabic
    printouts are tested in tests/test_pdf_arabic.py)."""
    out = {}
    for delegate in roster.delegates:
        itinerary = build_itinerary(programme, delegate)
        links = {"feed": FEED.format(id=delegate.id)}
        out[delegate.id] = itinerary, pdf_of(itinerary, links=links, language="en")
    return out


def english_day(day: date) -> str:
    """``Oct 26, 2014``: CLDR's medium date in English (the ``yMMMd`` skeleton)."""
    return f"{day:%b} {day.day}, {day.year}"


def test_pdf_format_is_registered() -> None:
    exporter = get_exporters()["pdf"]
    assert (exporter.suffix, exporter.media_type) == (".pdf", "application/pdf")
    result = CliRunner().invoke(cli, ["formats"])
    assert re.search(r"^pdf\s+\.pdf\s+application/pdf", result.output, re.MULTILINE)


@pytest.mark.parametrize("delegate_id", SAMPLE_IDS)
def test_delegate_pdf_names_every_event_venue_and_time_in_both_zones(
    rendered: dict[str, tuple[Itinerary, bytes]], delegate_id: str
) -> None:
    itinerary, data = rendered[delegate_id]
    delegate = itinerary.delegate
    assert data.startswith(b"%PDF-")
    text = flat(" ".join(pages_text(data)))
    assert delegate.name in text
    if delegate.organisation:
        assert delegate.organisation in text
    assert itinerary.events, "every sample delegate attends something"
    for event in itinerary.events:
        assert flat(event.title) in text
        assert flat(event.venue.name) in text
    assert delegate.home_zone is not None
    home = ZoneInfo(delegate.home_zone.key)
    for when in expected_times(itinerary, home):
        assert when in text, when
    for leg in delegate.legs:
        assert flat(leg.title) in text
    # Personal data that has no place on paper.
    assert delegate.email and delegate.email not in text


def test_geneva_session_reads_in_geneva_and_baghdad_time(
    rendered: dict[str, tuple[Itinerary, bytes]],
) -> None:
    """The press statement: a session in the Palais des Nations "from 10-12 a.m." on 3 Nov."""
    geneva = ZoneInfo("Europe/Zurich")
    start = datetime(2014, 11, 3, 10, 0, tzinfo=geneva)
    end = datetime(2014, 11, 3, 12, 0, tzinfo=geneva)
    assert start.astimezone(UTC).hour == 9
    local = clock_range(start, end)
    baghdad = clock_range(start.astimezone(BAGHDAD), end.astimezone(BAGHDAD))
    assert (local, baghdad) == ("10:00–12:00 CET", "12:00–14:00 +03")
    _, data = rendered["amal-karim"]
    lines = [line for page in pages_text(data) for line in page.splitlines()]
    assert any(local in line and baghdad in line for line in lines), "side by side on one line"


def test_city_changes_and_nights_by_city(rendered: dict[str, tuple[Itinerary, bytes]]) -> None:
    itinerary, data = rendered["amal-karim"]
    text = flat(" ".join(pages_text(data)))
    for city in ("Istanbul", "Oslo", "Geneva", "Brussels", "Baghdad"):
        assert f"Now in {city}" in text
    assert "Nights by city" in text
    lines = [line for page in pages_text(data) for line in page.splitlines()]
    for stay in itinerary.delegate.stays:
        nights = (stay.check_out - stay.check_in).days
        check_in, check_out = english_day(stay.check_in), english_day(stay.check_out)
        row = f"{stay.city} {COUNTRY[stay.city]} {check_in} – {check_out} {stay.name}"
        assert any(row in line for line in lines), row
        assert f"{nights} nights" in text
        assert stay.address and stay.address in text


def header_arabic(data: bytes) -> str:
    """The Arabic text of the first page's header, in logical order (NFKC)."""
    with pdfplumber.open(BytesIO(data)) as document:
        page = document.pages[0]
        glyphs = [
            c
            for c in page.chars
            if c["top"] < 80 and unicodedata.bidirectional(c["text"][:1] or " ") == "AL"
        ]
    assert glyphs, "the native name is drawn in the header"
    glyphs.sort(key=lambda c: -c["x1"])  # right to left: logical order of an RTL run
    words = [glyphs[0]["text"]]
    for right, left in itertools.pairwise(glyphs):
        gap = right["x0"] - left["x1"]
        if gap > 0.15 * right["size"]:
            words.append("")
        words[-1] += left["text"]
    return unicodedata.normalize("NFKC", " ".join(words))


@pytest.mark.parametrize("delegate_id", NATIVE_IDS)
def test_arabic_name_extracts_as_the_logical_string(
    rendered: dict[str, tuple[Itinerary, bytes]], delegate_id: str
) -> None:
    itinerary, data = rendered[delegate_id]
    native = itinerary.delegate.name_native
    assert native
    with pdfplumber.open(BytesIO(data)) as document:
        fonts = {c["fontname"] for c in document.pages[0].chars if c["top"] < 80}
    assert any("Arabic" in name for name in fonts), "Noto's Arabic font where installed"
    assert header_arabic(data) == unicodedata.normalize("NFKC", native)


@pytest.mark.parametrize("delegate_id", ["amal-karim", "hanne-lie"])
def test_pages_are_a4_and_every_font_is_embedded(
    rendered: dict[str, tuple[Itinerary, bytes]], delegate_id: str
) -> None:
    itinerary, data = rendered[delegate_id]
    reader = pypdf.PdfReader(BytesIO(data))
    names = set()
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - A4[0]) <= 1 and abs(height - A4[1]) <= 1
        resources = page["/Resources"]
        assert isinstance(resources, pypdf.generic.DictionaryObject)
        fonts = resources["/Font"]
        assert isinstance(fonts, pypdf.generic.DictionaryObject)
        for ref in fonts.values():
            font = ref.get_object()
            names.add(str(font["/BaseFont"]))
            described = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = described["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, font["/BaseFont"]
    assert any("DejaVuSans" in name for name in names)
    if itinerary.delegate.name_native:
        assert any("Arabic" in name for name in names)
    else:
        assert not any("Arabic" in name for name in names), "no Arabic font where none is needed"
    metadata = reader.metadata
    assert metadata is not None
    assert itinerary.delegate.email is not None
    assert itinerary.delegate.email not in " ".join(str(v) for v in metadata.values())


def write_long_roster(folder: Path, legs: int) -> Path:
    """One delegate shuttling between Oslo and Bergen by train, twice a day."""
    (folder / "roster.csv").write_text(
        "id,name,name_native,organisation,email,home_timezone,language,events\n"
        "long-trip,Long Trip,رحلة طويلة,Test,long@example.org,Asia/Baghdad,en,mep-meeting\n",
        encoding="utf-8",
    )
    rows = [
        "delegate,mode,reference,from,from_place,from_timezone,departs,"
        "to,to_place,to_timezone,arrives"
    ]
    for number in range(legs):
        day = date(2014, 9, 1 + number // 4) if number < 120 else None
        assert day is not None
        hour = 6 + 4 * (number % 4)
        origin, destination = ("Oslo", "Bergen") if number % 2 == 0 else ("Bergen", "Oslo")
        rows.append(
            f"long-trip,train,R{100 + number},{origin},{origin} track {number},Europe/Oslo,"
            f"{day} {hour:02d}:05,{destination},{destination} platform {number},Europe/Oslo,"
            f"{day} {hour + 3:02d}:35"
        )
    (folder / "legs.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder / "roster.csv"


def test_a_long_itinerary_paginates_without_cutting_rows(
    programme: Programme, tmp_path: Path
) -> None:
    roster = load_roster(write_long_roster(tmp_path, 80), programme)
    itinerary = build_itinerary(programme, roster.delegates[0])
    data = pdf_of(itinerary)
    pages = pages_text(data)
    assert len(pages) >= 3
    assert len(pypdf.PdfReader(BytesIO(data)).pages) == len(pages)
    for number, page in enumerate(pages, start=1):
        assert re.findall(r"Page (\d+) of (\d+)", page) == [(str(number), str(len(pages)))]
    for leg in itinerary.delegate.legs:
        assert leg.reference is not None
        number = int(leg.reference[1:]) - 100
        start, end = stdlib(leg.span.start), stdlib(leg.span.end)
        pieces = [
            leg.title,
            f"{leg.origin_place} → {leg.destination_place}",
            clock_range(start, end),
            clock_range(start.astimezone(BAGHDAD), end.astimezone(BAGHDAD)),
        ]
        holding = [n for n, page in enumerate(pages) if leg.title in flat(page)]
        assert len(holding) == 1, f"leg {number} is drawn once, on one page"
        page = flat(pages[holding[0]])
        for piece in pieces:
            assert piece in page, f"leg {number}: {piece!r} is on the page with its title"
    for page in pages[1:]:
        # Rows continued on a new page sit under the repeated column headings and the
        # day they belong to.
        if any(leg.title in flat(page) for leg in itinerary.delegate.legs):
            assert "At the place" in page
            assert re.search(r"^\w+day, \w+ \d+, 2014", page, re.MULTILINE)  # CLDR en, full


def is_black(colour: object) -> bool:
    """pdfplumber gives a gray fill as a number, RGB as a tuple."""
    values = colour if isinstance(colour, tuple | list) else (colour,)
    return all(value == 0 for value in values)


def rendered_matrices(data: bytes, page_number: int = 0) -> list[list[list[bool]]]:
    """The QR codes as drawn, left to right: black filled rectangles on module grids."""
    with pdfplumber.open(BytesIO(data)) as document:
        rects = [
            r
            for r in document.pages[page_number].rects
            if r["fill"] and is_black(r["non_stroking_color"]) and r["height"] < 5
        ]
    assert rects, "the QR codes are drawn as filled rectangles"
    codes: list[list[dict[str, Any]]] = []
    for r in sorted(rects, key=lambda r: r["x0"]):  # a gap of 2 mm or more: the next code
        if codes and r["x0"] - max(c["x1"] for c in codes[-1]) < 2 * MM_IN_POINTS:
            codes[-1].append(r)
        else:
            codes.append([r])
    return [_grid(code) for code in codes]


def _grid(rects: list[dict[str, Any]]) -> list[list[bool]]:
    unit = min(r["height"] for r in rects)
    x0, y0 = min(r["x0"] for r in rects), min(r["top"] for r in rects)
    size = round((max(r["x1"] for r in rects) - x0) / unit)
    grid = [[False] * size for _ in range(size)]
    for r in rects:
        row = round((r["top"] - y0) / unit)
        for column in range(round((r["x0"] - x0) / unit), round((r["x1"] - x0) / unit)):
            grid[row][column] = True
    return grid


def decode_qr(data: bytes, tmp_path: Path) -> list[str]:
    pdftoppm, zbarimg = need_tool("pdftoppm"), need_tool("zbarimg")
    source = tmp_path / "page.pdf"
    source.write_bytes(data)
    subprocess.run(
        [pdftoppm, "-png", "-r", "150", "-f", "1", "-l", "1", str(source), str(tmp_path / "page")],
        check=True,
    )
    (image,) = tmp_path.glob("page*.png")
    done = subprocess.run(
        [zbarimg, "--quiet", "--raw", str(image)], capture_output=True, text=True, check=False
    )
    return done.stdout.splitlines()


def test_qr_code_decodes_to_the_personal_feed_url(
    rendered: dict[str, tuple[Itinerary, bytes]], tmp_path: Path
) -> None:
    """Two codes that subscribe from a phone's camera: webcal:// (iPhone) and Google
    Calendar's subscribe page (Android); the feed's https address printed under them."""
    _, data = rendered["amal-karim"]
    url = FEED.format(id="amal-karim")
    webcal = "webcal://" + url.removeprefix("https://")
    google = "https://calendar.google.com/calendar/render?cid=" + quote_plus(webcal)
    expected = [
        [[bool(m) for m in row] for row in segno.make(target, error="m").matrix]
        for target in (webcal, google)
    ]
    assert rendered_matrices(data) == expected
    assert url in flat(pages_text(data)[0]).replace(" ", "")
    assert sorted(decode_qr(data, tmp_path)) == sorted([webcal, google])


def test_programme_pdf_has_the_feed_qr_and_every_event(
    programme: Programme, tmp_path: Path
) -> None:
    feed = "https://example.org/icssi/programme.ics"
    options = RenderOptions(base_url="https://example.org/icssi/", links={"feed": feed})
    data = render_programme(get_exporters()["pdf"], programme, options)
    text = flat(" ".join(pages_text(data)))
    for event in programme.events:
        assert flat(event.title) in text
    for venue in programme.venues:
        assert flat(venue.name) in text
    webcal = "webcal://" + feed.removeprefix("https://")
    google = "https://calendar.google.com/calendar/render?cid=" + quote_plus(webcal)
    assert sorted(decode_qr(data, tmp_path)) == sorted([webcal, google])
    # a base URL alone is no feed: nothing was published there (an html-only site)
    without = render_programme(get_exporters()["pdf"], programme, replace(options, links={}))
    with pdfplumber.open(BytesIO(without)) as document:
        assert not [r for r in document.pages[0].rects if r["height"] < 5], "no feed, no QR"


def test_no_qr_code_without_a_feed_url(rendered: dict[str, tuple[Itinerary, bytes]]) -> None:
    itinerary, _ = rendered["hanne-lie"]
    data = pdf_of(itinerary)
    with pdfplumber.open(BytesIO(data)) as document:
        assert not [r for r in document.pages[0].rects if r["height"] < 5]
    assert "example.org" not in flat(" ".join(pages_text(data)))


def creation_date(data: bytes) -> datetime:
    metadata = pypdf.PdfReader(BytesIO(data)).metadata
    assert metadata is not None and metadata.creation_date is not None
    return metadata.creation_date.astimezone(UTC)


def test_bytes_are_deterministic_and_dated_from_the_data(
    rendered: dict[str, tuple[Itinerary, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    itinerary, _ = rendered["amal-karim"]
    first, second = pdf_of(itinerary, language="en"), pdf_of(itinerary, language="en")
    assert first == second
    # Where Amal's itinerary starts: TK 789 leaves Baghdad at 04:10 on 26 Oct, and the
    # Oslo hotel's check-in day (a date, counted from 00:00 UTC).
    departure = datetime(2014, 10, 26, 4, 10, tzinfo=BAGHDAD).astimezone(UTC)
    check_in = min(stay.check_in for stay in itinerary.delegate.stays)
    start = min(departure, datetime(check_in.year, check_in.month, check_in.day, tzinfo=UTC))
    assert creation_date(first) == start
    assert "Generated Oct 26, 2014" in flat(pages_text(first)[0])


def test_source_date_epoch_and_ledger_set_the_generation_date(
    rendered: dict[str, tuple[Itinerary, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    itinerary, _ = rendered["hanne-lie"]
    changed = datetime(2014, 10, 20, 8, 30, tzinfo=UTC)
    ledger = {"a": {"last_modified": changed}, "b": {"last_modified": datetime(2014, 9, 1)}}
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert creation_date(pdf_of(itinerary, ledger=ledger)) == changed
    epoch = datetime(2014, 10, 26, 12, 0, tzinfo=UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(epoch.timestamp())))
    data = pdf_of(itinerary, ledger=ledger)
    assert creation_date(data) == epoch
    assert "Generated Oct 26, 2014" in flat(pages_text(data)[-1])
    assert data == pdf_of(itinerary, ledger=ledger)


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "icssi_itinerary", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        check=False,
    )


def test_two_processes_write_identical_bytes(tmp_path: Path) -> None:
    outputs = []
    for run in ("one", "two"):
        target = tmp_path / f"{run}.pdf"
        done = run_cli(
            "itinerary",
            "amal-karim",
            "--roster",
            str(SAMPLE_ROSTER),
            "--format",
            "pdf",
            "-o",
            str(target),
        )
        assert done.returncode == 0, done.stderr
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]


def test_missing_fonts_are_one_line_naming_fonts_and_packages(tmp_path: Path) -> None:
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    target = tmp_path / "amal.pdf"
    done = run_cli(
        "itinerary",
        "amal-karim",
        "--roster",
        str(SAMPLE_ROSTER),
        "--format",
        "pdf",
        "-o",
        str(target),
        env={"ICSSI_ITINERARY_FONT_DIR": str(empty), "ICSSI_ITINERARY_SYSTEM_FONTS": "0"},
    )
    assert done.returncode == 2  # the user's to fix, like bad input
    assert "plugin" not in done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for needed in ("DejaVuSans.ttf", "NotoNaskhArabic-Regular.ttf", "fonts-dejavu-core"):
        assert needed in lines[0]
    assert "fonts-noto-core" in lines[0] and "ICSSI_ITINERARY_FONT_DIR" in lines[0]
    assert not target.exists()


def copy_fonts(folder: Path, names: set[str]) -> bool:
    folder.mkdir()
    for name in FONT_FILES:
        if Path(name).name in names:
            if not Path(name).exists():
                return False
            shutil.copy(name, folder / Path(name).name)
    return True


def test_fonts_from_the_named_folder_only(tmp_path: Path) -> None:
    """With system lookup off, a folder holding only DejaVu (what Debian installs by
    default) serves every delegate: DejaVu Sans draws the Arabic names too."""
    folder = tmp_path / "fonts"
    if not copy_fonts(folder, {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf"}):
        pytest.skip("DejaVu Sans is not installed (Debian package fonts-dejavu-core)")
    env = {"ICSSI_ITINERARY_FONT_DIR": str(folder), "ICSSI_ITINERARY_SYSTEM_FONTS": "0"}
    latin = tmp_path / "hanne.pdf"
    done = run_cli(
        "itinerary",
        "hanne-lie",
        "--roster",
        str(SAMPLE_ROSTER),
        "--format",
        "pdf",
        "-o",
        str(latin),
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "Hanne Lie" in flat(" ".join(pages_text(latin.read_bytes())))
    arabic = tmp_path / "amal.pdf"
    done = run_cli(
        "itinerary",
        "amal-karim",
        "--roster",
        str(SAMPLE_ROSTER),
        "--format",
        "pdf",
        "-o",
        str(arabic),
        env=env,
    )
    assert done.returncode == 0, done.stderr
    native = next(row["name_native"] for row in SAMPLE_ROWS if row["id"] == "amal-karim")
    assert header_arabic(arabic.read_bytes()) == unicodedata.normalize("NFKC", native)


def test_cli_itinerary_export_and_build_write_pdfs(tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "amal.pdf"
    result = runner.invoke(
        cli,
        [
            "itinerary",
            "amal-karim",
            "--roster",
            str(SAMPLE_ROSTER),
            "--format",
            "pdf",
            "-o",
            str(target),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Amal Karim" in flat(pages_text(target.read_bytes())[0])
    result = runner.invoke(cli, ["export", "pdf", "-o", str(tmp_path / "programme.pdf")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "programme.pdf").read_bytes().startswith(b"%PDF-")
    out = tmp_path / "site"
    result = runner.invoke(
        cli, ["build", "--roster", str(SAMPLE_ROSTER), "--out", str(out), "--format", "pdf"]
    )
    assert result.exit_code == 0, result.output
    written = sorted(path.relative_to(out).as_posix() for path in out.rglob("*.pdf"))
    assert written == sorted(
        ["programme.pdf", *(f"{delegate_id}/itinerary.pdf" for delegate_id in SAMPLE_IDS)]
    )


def test_problems_only_in_the_coordinators_copy(programme: Programme, tmp_path: Path) -> None:
    roster = load_roster(write_long_roster(tmp_path, 8), programme)
    itinerary = build_itinerary(programme, roster.delegates[0], get_checks().values())
    assert itinerary.problems, "two days of trains and no stay between them"
    plain = flat(" ".join(pages_text(pdf_of(itinerary))))
    flagged = flat(" ".join(pages_text(pdf_of(itinerary, show_problems=True))))
    assert "Problems found by the checks" not in plain
    assert "Problems found by the checks" in flagged
    for problem in itinerary.problems:
        assert problem.code in flagged


def test_items_of_every_kind_are_in_the_sample(
    rendered: dict[str, tuple[Itinerary, bytes]],
) -> None:
    """Guards the tests above: the sample really has timed events, legs and stays."""
    itinerary, _ = rendered["amal-karim"]
    kinds = {type(item) for item in itinerary.items}
    assert Event in kinds and TravelLeg in kinds and len(kinds) == 3


def test_the_printout_names_the_page_published_beside_it(
    rendered: dict[str, tuple[Itinerary, bytes]],
) -> None:
    itinerary, _ = rendered["amal-karim"]
    page = "https://example.org/icssi/feeds/3f9a1c/amal-karim.html"
    data = pdf_of(itinerary, links={"page": page})
    assert page in flat(pages_text(data)[0]).replace(" ", "")
    with pdfplumber.open(BytesIO(data)) as document:
        assert not [r for r in document.pages[0].rects if r["height"] < 5], "no feed, no QR"
    assert "example.org" not in flat(" ".join(pages_text(pdf_of(itinerary))))
