"""Printable A4 itineraries (PDF): what a delegate carries through airports and to a consulate.

Drawn with fpdf2, chosen by measurement (see ``benchmarks/pdf_libraries.py`` and
``docs/pdf.md``). Latin text is set in DejaVu Sans; Arabic falls back to Noto Naskh Arabic
and is shaped and ordered right to left by HarfBuzz. Fonts are found on the system
(:mod:`.fonts`) and embedded as subsets.

Bytes are deterministic: the date printed and stored as the PDF's creation date comes from
``SOURCE_DATE_EPOCH`` when set, else the change ledger, else the data (as the iCal DTSTAMP).
The delegate's e-mail address is never printed.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import segno
import uharfbuzz as hb  # type: ignore[import-untyped]
from fontTools import subset, ttLib  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.fonts import HarfBuzzFont, SubsetMap, TTFFont

from icssi_itinerary import (
    Contact,
    DateSpan,
    Exporter,
    Itinerary,
    ItineraryItem,
    Programme,
    RenderOptions,
    Stay,
    Timezone,
    TravelLeg,
    Venue,
    hookimpl,
    sort_key,
)

from .agenda import Day, Row, agenda
from .fonts import (
    ARABIC,
    LATIN,
    LATIN_BOLD,
    FontNotFound,
    FontSpec,
    find_font,
    missing_message,
)
from .formatting import zone_label

__all__ = ["qr_matrix", "render_itinerary", "render_programme"]

# Layout, in millimetres (A4 is 210 x 297).
MARGIN = 14.0
BOTTOM = 16.0
QR_SIZE = 30.0
PT = 25.4 / 72  # one point in mm
GREY = (96, 96, 96)
INK = (0, 0, 0)
ACCENT = (0, 84, 147)
WARN = (170, 80, 0)
FILL_DAY = (226, 234, 243)
FILL_HEAD = (240, 240, 240)
_STATUS = {"tentative": "to be confirmed", "cancelled": "CANCELLED"}

# Scripts DejaVu Sans draws poorly or not at all (no Arabic shaping tables worth using):
# these code points go to the Arabic font, and text holding them is shaped by HarfBuzz.
_ARABIC_RANGES = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x0870, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
)


def _is_arabic(code: int) -> bool:
    return any(low <= code <= high for low, high in _ARABIC_RANGES)


# --- fonts: parsed once per process, copied per document ------------------------------
#
# fpdf2 parses a TrueType file for every document and subsets it when writing; with the
# 6,000 glyphs of DejaVu Sans that is most of the time a PDF takes. So each process parses
# each font once, and the Latin font is first cut down to the scripts an itinerary
# usually needs (Latin, Greek, Cyrillic, punctuation, arrows); text with any other
# character falls back to the whole font, loaded only then. The copy each document
# subsets has no layout tables (fpdf2 drops them from the embedded subset anyway);
# HarfBuzz shapes from a copy that keeps them.

_DROP_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "FFTM", "hdmx", "meta", "kern")
_COMMON = (
    (0x0020, 0x036F),  # Latin, Latin-1, Latin Extended-A/B, IPA, combining marks
    (0x0370, 0x052F),  # Greek, Cyrillic
    (0x1E00, 0x1FFF),  # Latin Extended Additional, Greek Extended
    (0x2000, 0x22FF),  # punctuation, currency, letterlike, arrows, mathematical operators
    (0x2500, 0x25FF),  # box drawing, geometric shapes
)


@dataclass
class _LoadedFont:
    template: TTFFont
    embeddable: bytes


_LOADED: dict[tuple[str, str, Path, str], _LoadedFont] = {}


def _save(font: ttLib.TTFont) -> bytes:
    buffer = BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def _load(family: str, style: str, path: Path, cut: str) -> _LoadedFont:
    """Parse *path* once per process. *cut*: ``common`` keeps the common scripts only,
    ``no-arabic`` everything but Arabic (left to the Arabic font), ``all`` everything."""
    key = (family, style, path, cut)
    if key not in _LOADED:
        raw = path.read_bytes()
        font = ttLib.TTFont(BytesIO(raw), recalcTimestamp=False)
        for tag in _DROP_TABLES:
            if tag in font:
                del font[tag]
        if cut == "common":
            wanted = [
                code
                for code in font.getBestCmap()
                if any(low <= code <= high for low, high in _COMMON)
            ]
            subsetter = subset.Subsetter(subset.Options(glyph_names=True, notdef_outline=True))
            subsetter.populate(unicodes=wanted)
            subsetter.subset(font)
        embeddable = _save(font)  # untouched tables are copied as they are: fast
        font.close()
        shaping = embeddable if cut == "common" else raw
        scratch = FPDF()
        template = TTFFont(scratch, BytesIO(embeddable), f"{family}{style}", style)  # type: ignore[arg-type]
        template._hbfont = HarfBuzzFont(hb.Face(hb.Blob(shaping)))
        if cut != "all":
            template.cmap = {c: g for c, g in template.cmap.items() if not _is_arabic(c)}
            template.glyph_ids = {c: g for c, g in template.glyph_ids.items() if c in template.cmap}
        _LOADED[key] = _LoadedFont(template, embeddable)
    return _LOADED[key]


def _add_font(pdf: FPDF, family: str, style: str, path: Path, cut: str) -> TTFFont:
    """``pdf.add_font`` from the per-process cache: a fresh subset and font tables per PDF."""
    loaded = _load(family, style, path, cut)
    font = copy.copy(loaded.template)  # shares cmap, widths, glyph ids, HarfBuzz face
    font.i = len(pdf.fonts) + 1
    font.ttfont = ttLib.TTFont(BytesIO(loaded.embeddable), recalcTimestamp=False, lazy=True)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = SubsetMap(font)
    pdf.fonts[font.fontkey] = font
    return font


def _findable(spec: FontSpec) -> bool:
    try:
        find_font(spec)
    except FontNotFound:
        return False
    return True


# --- the document -----------------------------------------------------------------------


def _generated(options: RenderOptions, items: Iterable[ItineraryItem]) -> datetime:
    """The date printed and stored as CreationDate: never the clock, so bytes repeat."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    changes = [
        _as_utc(change.get("last_modified"))
        for change in (options.ledger or {}).values()
        if isinstance(change, Mapping)
    ]
    known = [moment for moment in changes if moment is not None]
    if known:
        return max(known)
    starts = [_first_instant(item) for item in items]
    return min(starts, default=datetime(1970, 1, 1, tzinfo=UTC))


def _as_utc(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None


def _first_instant(item: ItineraryItem) -> datetime:
    span = item.span
    if isinstance(span, DateSpan):
        day = span.first_day
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    return span.start.astimezone(UTC)


@dataclass(frozen=True)
class _Part:
    """One paragraph of a table cell."""

    text: str
    size: float = 9.0
    bold: bool = False
    color: tuple[int, int, int] = INK
    indent: float = 0.0


class _Document(FPDF):
    """An A4 page with our fonts, a footer, and rows that never break across pages."""

    def __init__(self, title: str, generated: datetime, source: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.generated = generated
        self.source = source
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, BOTTOM)
        self.set_creation_date(generated)
        self.set_title(title)
        self.set_creator("icssi-itinerary")
        self.set_producer("icssi-itinerary (fpdf2)")
        try:
            latin = find_font(LATIN)
        except FontNotFound:
            # Name every missing font at once, not one per attempt.
            missing = [LATIN, *(spec for spec in (ARABIC,) if not _findable(spec))]
            raise FontNotFound(missing_message(missing)) from None
        try:
            bold = find_font(LATIN_BOLD)
        except FontNotFound:
            bold = latin  # headings in the regular weight rather than no PDF
        self._latin = {
            "": _add_font(self, "latin", "", latin, "common"),
            "B": _add_font(self, "latin", "B", bold, "common"),
        }
        self._latin_path = latin
        self._fallbacks: dict[str, str] = {}
        self.on_new_page: Callable[[], None] | None = None
        self.add_page()

    # Text -------------------------------------------------------------------------

    def _plain(self, text: str) -> bool:
        """Text the cut-down Latin font draws alone, without shaping or fallback."""
        cmap = self._latin[""].cmap
        return all(ord(char) in cmap for char in text)

    def _use(self, text: str, size: float, bold: bool) -> bool:
        """Set the font for *text*; ``True`` if it is plain (see :meth:`_plain`).

        Shaping and fallback fonts are switched on only where the text needs them: both
        make fpdf2 look at every character, which costs time on every line."""
        self.set_font("latin", "B" if bold else "", size)
        if self._plain(text):
            self.set_text_shaping(False)
            self.set_fallback_fonts([])
            return True
        if any(_is_arabic(ord(char)) for char in text) and "arabic" not in self._fallbacks:
            _add_font(self, "arabic", "", find_font(ARABIC), "all")
            self._fallbacks["arabic"] = "arabic"
        cmap = self._latin[""].cmap
        other = any(ord(c) not in cmap and not _is_arabic(ord(c)) for c in text)
        if other and "full" not in self._fallbacks:
            _add_font(self, "latinfull", "", self._latin_path, "no-arabic")
            self._fallbacks["full"] = "latinfull"
        self.set_text_shaping(True)
        self.set_fallback_fonts(list(self._fallbacks.values()), exact_match=False)
        return False

    def line_height(self, size: float) -> float:
        return size * PT * 1.3

    def _width(self, text: str, size: float, bold: bool) -> float:
        """Width in mm of plain text (the sum of its advance widths)."""
        widths = self._latin["B" if bold else ""].cw
        return sum(widths[ord(char)] for char in text) * size * 0.001 * PT

    def _wrap(self, text: str, width: float, size: float, bold: bool) -> list[str]:
        """Greedy word wrap of plain text; a word longer than a line is cut.

        Widths add up (plain text is drawn without kerning), so each character is
        measured once: linear in the length of the text, however long a word is.
        """
        widths = self._latin["B" if bold else ""].cw
        scale = size * 0.001 * PT
        space = widths[ord(" ")] * scale
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line: list[str] = []
            used = 0.0
            for word in paragraph.split(" "):
                needed = sum(widths[ord(char)] for char in word) * scale
                if line and used + space + needed <= width:
                    line.append(word)
                    used += space + needed
                    continue
                if line:
                    lines.append(" ".join(line))
                if needed <= width:
                    line, used = [word], needed
                    continue
                piece: list[str] = []  # a word wider than the line: cut it
                used = 0.0
                for char in word:
                    advance = widths[ord(char)] * scale
                    if piece and used + advance > width:
                        lines.append("".join(piece))
                        piece, used = [], 0.0
                    piece.append(char)
                    used += advance
                line = ["".join(piece)]
            lines.append(" ".join(line))
        return lines

    def paragraph(
        self, x: float, width: float, part: _Part, *, draw: bool = True, align: str = "L"
    ) -> float:
        """Draw (or only measure) one wrapped paragraph at (x, current y); its height."""
        height = self.line_height(part.size)
        inner = width - part.indent - 2 * self.c_margin
        if self._use(part.text, part.size, part.bold):
            lines = self._wrap(part.text, inner, part.size, part.bold)
            if draw:
                self.set_text_color(*part.color)
                top = self.get_y()
                for number, line in enumerate(lines):
                    left = x + part.indent + self.c_margin
                    if align != "L":
                        room = inner - self._width(line, part.size, part.bold)
                        left += room if align == "R" else room / 2
                    baseline = top + number * height + height / 2 + 0.3 * part.size * PT
                    self.text(left, baseline, line)
                self.set_xy(x, top + len(lines) * height)
            return len(lines) * height
        self.set_text_color(*part.color)
        self.set_x(x + part.indent)
        measured = self.multi_cell(
            width - part.indent,
            height,
            part.text,
            align=align,
            new_x=XPos.LEFT,
            new_y=YPos.NEXT,
            dry_run=not draw,
            output=MethodReturnValue.HEIGHT,
        )
        if draw:
            self.set_x(x)
        assert isinstance(measured, float | int)
        return float(measured)

    def parts_height(self, width: float, parts: Sequence[_Part]) -> float:
        return sum(self.paragraph(0, width, part, draw=False) for part in parts)

    def parts(self, x: float, width: float, parts: Sequence[_Part]) -> None:
        for part in parts:
            self.paragraph(x, width, part)

    def one_line(
        self, x: float, width: float, text: str, size: float, *, bold: bool = False
    ) -> None:
        """A time or a label that must not wrap: the font shrinks until it fits."""
        room = width - 2 * self.c_margin
        height = self.line_height(9.0)
        top = self.get_y()
        if self._use(text, size, bold):
            while size > 5 and self._width(text, size, bold) > room:
                size -= 0.25
            self.set_font_size(size)
            self.text(x + self.c_margin, top + height / 2 + 0.3 * size * PT, text)
        else:
            while size > 5 and self.get_string_width(text) > room:
                size -= 0.25
                self.set_font_size(size)
            self.set_x(x)
            self.cell(width, height, text)
        self.set_xy(x, top + height)

    # Pages ------------------------------------------------------------------------

    def room_left(self) -> float:
        return self.page_break_trigger - self.get_y()

    def keep(self, height: float) -> None:
        """Start a new page unless *height* fits on this one."""
        if height > self.room_left():
            self.add_page()
            if self.on_new_page is not None:
                self.on_new_page()

    def footer(self) -> None:
        self.set_y(-BOTTOM + 4)
        self._use("", 7.5, False)
        self.set_text_color(*GREY)
        stamp = f"Generated {self.generated:%Y-%m-%d} by icssi-itinerary from {self.source}"
        self.cell(self.epw * 0.75, 5, stamp, align="L")
        self.cell(self.epw * 0.25, 5, f"Page {self.page_no()} of {{nb}}", align="R")

    def heading(self, text: str) -> None:
        """A section heading, kept with at least a few lines of what follows."""
        self.on_new_page = None  # the previous table has ended
        self.keep(self.line_height(12) + 4 + 3 * self.line_height(9))
        self.ln(3)
        self.paragraph(self.l_margin, self.epw, _Part(text, 12, True, ACCENT))
        self.ln(1)


# --- tables -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    """Columns of fixed width; each row's height is measured before it is drawn."""

    headers: tuple[str, ...]
    widths: tuple[float, ...]

    def begin(self, pdf: _Document, new_page: Callable[[], None] | None = None) -> None:
        """Draw the column headings, and again on each page the table continues on."""
        pdf.on_new_page = new_page or (lambda: self.header(pdf))
        self.header(pdf)

    def header(self, pdf: _Document) -> None:
        height = pdf.line_height(8) + 1.5
        top = pdf.get_y()
        pdf.set_fill_color(*FILL_HEAD)
        pdf.rect(pdf.l_margin, top, sum(self.widths), height, style="F")
        x = pdf.l_margin
        for text, width in zip(self.headers, self.widths, strict=True):
            pdf.set_y(top + 0.75)
            pdf.set_text_color(*GREY)
            pdf.one_line(x, width, text, 8, bold=True)
            x += width
        pdf.set_y(top + height)

    def row(
        self,
        pdf: _Document,
        cells: Sequence[Sequence[_Part] | str],
        *,
        keep_with: float = 0.0,
        before: Callable[[], None] | None = None,
    ) -> None:
        """One row, whole on one page; *keep_with* more height must fit too (e.g. a day
        heading drawn by *before*)."""
        heights = [
            pdf.line_height(9.0) if isinstance(cell, str) else pdf.parts_height(width, cell)
            for cell, width in zip(cells, self.widths, strict=True)
        ]
        height = max(heights) + 1.6
        pdf.keep(height + keep_with)
        if before is not None:
            before()
        top = pdf.get_y() + 0.8
        x = pdf.l_margin
        for cell, width in zip(cells, self.widths, strict=True):
            pdf.set_y(top)
            if isinstance(cell, str):
                pdf.set_text_color(*INK)
                pdf.one_line(x, width, cell, 9.0)
            else:
                pdf.parts(x, width, cell)
            x += width
        pdf.set_draw_color(210, 210, 210)
        pdf.set_line_width(0.2)
        bottom = top - 0.8 + height
        pdf.line(pdf.l_margin, bottom, pdf.l_margin + sum(self.widths), bottom)
        pdf.set_y(bottom)


def _title_parts(row: Row) -> list[_Part]:
    indent = 4.0 * row.depth
    status = _STATUS.get(row.status)
    title = f"{row.title} ({status})" if status else row.title
    parts = [_Part(title, 9.5, True, WARN if status else INK, indent)]
    if row.place:
        parts.append(_Part(row.place, 8.5, False, GREY, indent))
    if row.now_in:
        clocks = _arrival_zone(row.item)
        parts.append(_Part(f"» Now in {row.now_in} · clocks: {clocks}", 8.5, True, ACCENT, indent))
    return parts


def _arrival_zone(item: ItineraryItem) -> str:
    span = item.span
    if isinstance(span, DateSpan):
        return zone_label(span.zone)
    moment = span.end if isinstance(item, TravelLeg) else span.start
    key = getattr(moment.tzinfo, "key", None) or getattr(moment.tzinfo, "name", "")
    return f"{key} ({moment.tzname()})"


def _day_table(pdf: _Document, days: Sequence[Day], other: Timezone | None) -> None:
    content = pdf.epw
    if other is not None:
        table = _Table(
            ("At the place", f"Home: {zone_label(other)}", "What and where"),
            (40.0, 40.0, content - 80.0),
        )
    else:
        table = _Table(("At the place", "What and where"), (40.0, content - 40.0))
    day_height = pdf.line_height(10) + 2.5
    shown: list[Day] = []  # the day whose rows are being drawn, once its heading is

    def heading(day: Day, continued: bool = False) -> None:
        pdf.ln(1)
        top = pdf.get_y()
        pdf.set_fill_color(*FILL_DAY)
        pdf.rect(pdf.l_margin, top, content, day_height - 1, style="F")
        pdf.set_y(top + 0.5)
        pdf.set_text_color(*INK)
        text = f"{day.heading} (continued)" if continued else day.heading
        pdf.one_line(pdf.l_margin, content, text, 10, bold=True)
        pdf.set_y(top + day_height - 1)

    def new_page() -> None:
        table.header(pdf)
        if shown:
            heading(shown[-1], continued=True)

    table.begin(pdf, new_page)
    for day in days:
        shown.clear()

        def first_heading(day: Day = day) -> None:
            heading(day)
            shown.append(day)

        for number, row in enumerate(day.rows):
            times: list[Sequence[_Part] | str] = [row.when]
            if other is not None:
                times.append(row.when_elsewhere or "")
            first = number == 0
            table.row(
                pdf,
                [*times, _title_parts(row)],
                keep_with=day_height + 1 if first else 0.0,
                before=first_heading if first else None,
            )
    pdf.on_new_page = None


def _nights_table(pdf: _Document, programme: Programme, stays: Sequence[Stay]) -> None:
    if not stays:
        return
    pdf.heading("Nights by city")
    countries = {venue.city.casefold(): venue.country for venue in programme.venues}
    table = _Table(
        ("City", "Country", "Nights", "Where staying"),
        (30.0, 28.0, 52.0, pdf.epw - 110.0),
    )
    table.begin(pdf)
    for stay in sorted(stays, key=lambda s: (s.check_in, s.check_out, s.city)):
        nights = len(stay.nights)
        dates = f"{_day(stay.check_in)} – {_day(stay.check_out)}"
        where = [_Part(stay.name, 9, True)]
        if stay.address:
            where.append(_Part(stay.address, 8.5, False, GREY))
        table.row(
            pdf,
            [
                [_Part(stay.city, 9)],
                [_Part(countries.get(stay.city.casefold()) or "", 9)],
                [_Part(dates, 9), _Part(f"{nights} night{'s' * (nights != 1)}", 8.5, False, GREY)],
                where,
            ],
        )
    pdf.on_new_page = None


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _venues(pdf: _Document, venues: Iterable[Venue]) -> None:
    venues = list(venues)
    if not venues:
        return
    pdf.heading("Venues")
    table = _Table(("Venue", "Address", "Clocks"), (62.0, pdf.epw - 104.0, 42.0))
    table.begin(pdf)
    for venue in venues:
        address = ", ".join(p for p in (venue.address, venue.city, venue.country) if p)
        table.row(
            pdf,
            [[_Part(venue.name, 9, True)], [_Part(address, 8.5)], [_Part(venue.zone.key, 8.5)]],
        )


def _contacts(pdf: _Document, contacts: Iterable[Contact]) -> None:
    people = list(contacts)
    if not people:
        return
    pdf.heading("Contacts")
    table = _Table(("Name", "For", "Phone / e-mail"), (48.0, pdf.epw - 100.0, 52.0))
    table.begin(pdf)
    for contact in people:
        reach = [_Part(p, 8.5) for p in (contact.phone, contact.email) if p]
        table.row(
            pdf,
            [[_Part(contact.name, 9, True)], [_Part(contact.role or "", 8.5)], reach or ""],
        )


def qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code drawn for *url*: segno's module matrix, without the quiet zone."""
    code = segno.make(url, error="m", micro=False)
    return tuple(tuple(bool(module) for module in line) for line in code.matrix)


def _qr(pdf: _Document, url: str, x: float, y: float, size: float) -> None:
    """The QR code as filled rectangles (one per horizontal run of dark modules)."""
    matrix = qr_matrix(url)
    modules = len(matrix) + 8  # four modules of quiet zone on each side
    unit = size / modules
    pdf.set_fill_color(*INK)
    for row_number, line in enumerate(matrix):
        column = 0
        while column < len(line):
            if not line[column]:
                column += 1
                continue
            run = column
            while run < len(line) and line[run]:
                run += 1
            pdf.rect(
                x + (column + 4) * unit,
                y + (row_number + 4) * unit,
                (run - column) * unit,
                unit,
                style="F",
            )
            column = run


def _feed_block(pdf: _Document, url: str, label: str) -> float:
    """QR code at the top right with the URL under it; returns the block's bottom."""
    x = pdf.w - MARGIN - QR_SIZE
    top = MARGIN
    _qr(pdf, url, x, top, QR_SIZE)
    pdf.set_y(top + QR_SIZE)
    pdf.paragraph(x - 10, QR_SIZE + 10, _Part(label, 7, True, GREY), align="C")
    pdf.paragraph(x - 10, QR_SIZE + 10, _Part(url, 6.5, False, ACCENT), align="C")
    return pdf.get_y()


def _header(
    pdf: _Document,
    title: str,
    native: str | None,
    lines: Sequence[_Part],
    feed: tuple[str, str] | None,
) -> None:
    bottom = _feed_block(pdf, *feed) if feed is not None else MARGIN
    width = pdf.epw - (QR_SIZE + 14 if feed is not None else 0)
    pdf.set_y(MARGIN)
    top = pdf.get_y()
    pdf.paragraph(pdf.l_margin, width, _Part(title, 17, True))
    if native:
        # Right-aligned on the same line: the reader of the native script starts there.
        name_bottom = pdf.get_y()
        pdf.set_y(top)
        pdf.paragraph(pdf.l_margin, width, _Part(native, 17, True), align="R")
        pdf.set_y(max(name_bottom, pdf.get_y()))
    pdf.ln(1)
    for part in lines:
        pdf.paragraph(pdf.l_margin, width, part)
    pdf.set_y(max(pdf.get_y(), bottom) + 3)


def _clock_note(other: Timezone | None) -> _Part:
    if other is None:
        text = "All times are local to where each thing happens."
    else:
        text = (
            "Times are local to where each thing happens; the second column gives the same "
            f"moment in {zone_label(other)} where it differs."
        )
    return _Part(text, 8.5, False, GREY)


def _problems(pdf: _Document, itinerary: Itinerary) -> None:
    if not itinerary.problems:
        return
    pdf.heading("Problems found by the checks")
    for problem in itinerary.problems:
        part = _Part(f"{problem.severity}: {problem.code}: {problem.message}", 9, False, WARN)
        pdf.keep(pdf.parts_height(pdf.epw, [part]))
        pdf.paragraph(pdf.l_margin, pdf.epw, part)


def _output(pdf: _Document) -> bytes:
    return bytes(pdf.output())


def render_itinerary(itinerary: Itinerary, options: RenderOptions) -> bytes:
    """One delegate's itinerary as an A4 PDF."""
    delegate, programme = itinerary.delegate, itinerary.programme
    other = options.display_zone(itinerary)
    pdf = _Document(
        f"Itinerary for {delegate.name}",
        _generated(options, itinerary.items),
        programme.title,
    )
    lines = [_Part(delegate.organisation, 10)] if delegate.organisation else []
    lines.append(_Part(programme.title, 10, False, ACCENT))
    if delegate.home_zone is not None:
        lines.append(_Part(f"Home time zone: {zone_label(delegate.home_zone)}", 9))
    lines.append(_clock_note(other))
    feed = (options.feed_url, "Your calendar feed") if options.feed_url else None
    _header(pdf, delegate.name, delegate.name_native, lines, feed)
    pdf.heading("Day by day")
    _day_table(pdf, agenda(itinerary.items, programme, other), other)
    _nights_table(pdf, programme, delegate.stays)
    events = itinerary.events
    _venues(pdf, {event.venue.id: event.venue for event in events}.values())
    _contacts(pdf, {c.id: c for event in events for c in event.contacts}.values())
    if options.show_problems:
        _problems(pdf, itinerary)
    return _output(pdf)


def render_programme(programme: Programme, options: RenderOptions) -> bytes:
    """The whole public programme as an A4 PDF (no personal data)."""
    other = options.display_zone()
    events = sorted(programme.events, key=sort_key)
    pdf = _Document(programme.title, _generated(options, events), programme.title)
    lines = [_Part(f"Organised by {programme.organiser}", 10)] if programme.organiser else []
    if programme.description:
        lines.append(_Part(programme.description, 8.5))
    for extra in (programme.livestream, programme.hashtag):
        if extra:
            lines.append(_Part(extra, 8.5, False, ACCENT))
    lines.append(_clock_note(other))
    feed = None
    if options.base_url:
        feed = (f"{options.base_url.rstrip('/')}/programme.ics", "Programme calendar feed")
    _header(pdf, programme.title, None, lines, feed)
    pdf.heading("Day by day")
    _day_table(pdf, agenda(events, programme, other), other)
    _venues(pdf, programme.venues)
    _contacts(pdf, programme.contacts)
    return _output(pdf)


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    """Register the ``pdf`` format."""
    register(
        Exporter(
            name="pdf",
            suffix=".pdf",
            media_type="application/pdf",
            render_programme=render_programme,
            render_itinerary=render_itinerary,
            description="Printable A4 PDF: both clocks, nights by city, QR code of the feed",
            purpose="printout",
        )
    )
