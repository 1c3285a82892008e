"""The PDF's page layout: an A4 document whose rows never break across pages, wrapped
paragraphs, tables with repeated headings, and the QR code drawn as rectangles.

What goes on the pages is :mod:`.pdf_pages`' business; the fonts it sets, :mod:`.pdf_fonts`'.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import ClassVar

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, TextMode, XPos, YPos
from fpdf.fonts import TTFFont
from fpdf.graphics_state import GraphicsState
from fpdf.line_break import Fragment

from .fonts import ARABIC, LATIN, LATIN_BOLD, FontNotFound, find_font, missing_message
from .pdf_embed import FontWriter, Subset
from .pdf_fonts import DocumentFonts, findable
from .pdf_shaping import ShapedFragment, escaped_codes, remembered
from .qr import QUIET_ZONE, qr_matrix, qr_runs
from .scripts import is_rtl

__all__ = ["Document", "Part", "Table"]

# Layout, in millimetres (A4 is 210 x 297).
MARGIN = 14.0
BOTTOM = 16.0
CODE_SIZE = 25.0
"""The side of a QR code, in mm: phones read it from a printout at arm's length."""
PT = 25.4 / 72  # one point in mm
GREY = (96, 96, 96)
INK = (0, 0, 0)
ACCENT = (0, 84, 147)
WARN = (170, 80, 0)
FILL_DAY = (226, 234, 243)
FILL_HEAD = (240, 240, 240)


_SHAPED_WIDTHS: dict[tuple[object, ...], float] = {}
_SHAPED_WIDTHS_KEPT = 20_000
"""At most this many widths are remembered (a few MiB: headings, column heads and dates
repeat; the rest is one delegate's); then they are forgotten at once."""


@dataclass(frozen=True)
class _Piece:
    """How fpdf2 cut a text into fragments: enough to make them again in any document."""

    characters: tuple[str, ...]
    family: str
    style: str
    font: str
    """The key of the fragment's font in the document's ``fonts``."""
    shaping: tuple[tuple[str, object], ...]
    """The text-shaping settings the fragment was made with (its direction among them)."""


def _copied(state: GraphicsState) -> GraphicsState:
    """A copy of *state*, field by field: what ``copy.copy`` makes, in a tenth of its
    time (which goes to the generic protocol); each fragment has one."""
    copied = GraphicsState.__new__(GraphicsState)
    for name in _STATE_FIELDS:
        setattr(copied, name, getattr(state, name))
    return copied


_STATE_FIELDS = tuple(f.name for f in fields(GraphicsState))


def _piece(fragment: Fragment) -> _Piece:
    state = fragment.graphics_state
    assert state.current_font is not None and state.text_shaping is not None
    return _Piece(
        tuple(fragment.characters),
        state.font_family,
        state.font_style,
        state.current_font.fontkey,
        tuple(state.text_shaping.items()),
    )


_PIECES: dict[tuple[object, ...], tuple[tuple[_Piece, ...], object, object]] = {}
"""Shaped text cut into fragments, with the paragraph and last fragment's directions
fpdf2 leaves in the settings, by text and the state that decides them; at most
:data:`_SHAPED_WIDTHS_KEPT` of them, as widths."""


@dataclass(frozen=True)
class Part:
    """One paragraph of a table cell."""

    text: str
    size: float = 9.0
    bold: bool = False
    color: tuple[int, int, int] = INK
    indent: float = 0.0


class Document(FPDF):
    """An A4 page with our fonts, a footer, and rows that never break across pages."""

    reuse: ClassVar[bool] = True
    """Reuse, across the documents of the process, what depends only on its inputs: the
    widths of shaped text, its cut into fragments, and the fonts' subsets
    (:mod:`.pdf_embed`). ``False`` is the previous code path, in which each document
    measures, cuts and subsets everything itself; benchmarks/run.py and the tests
    compare the two (they make the same bytes)."""

    def __init__(
        self,
        title: str,
        generated: datetime,
        source: str,
        *,
        footer: Callable[[int, int], tuple[str, str]] | None = None,
        rtl: bool = False,
    ) -> None:
        """*footer* gives, for page *n* of *m*, what the footer says where lines begin and
        where they end (by default, in English: when and from what *source* the document
        was made, and the page number); *rtl*: laid out right to left (columns mirrored,
        text aligned right), for a reader of Arabic."""
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.rtl = rtl
        self._footer = footer or (
            lambda page, pages: (
                f"Generated {generated:%Y-%m-%d} by icssi-itinerary from {source}",
                f"Page {page} of {pages}",
            )
        )
        # Footers are drawn last, when the number of pages is known (in the reader's
        # digits); fpdf2's "{nb}" would also replace that text where the input has it.
        self.alias_nb_pages(None)  # type: ignore[arg-type]  # documented as "off"
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
            missing = [LATIN, *(spec for spec in (ARABIC,) if not findable(spec))]
            raise FontNotFound(missing_message(missing)) from None
        try:
            bold = find_font(LATIN_BOLD)
        except FontNotFound:
            bold = latin  # headings in the regular weight rather than no PDF
        self._fonts = DocumentFonts(self, latin, bold)
        self._latin = self._fonts.latin
        self._route: dict[str, str] = {}
        self.on_new_page: Callable[[], None] | None = None
        self.add_page()

    # Text -------------------------------------------------------------------------

    def _use(self, text: str, size: float, bold: bool) -> bool:
        """Set the font for *text*; ``True`` if the Latin font draws it alone, unshaped.

        Shaping and fallback fonts are switched on only where the text needs them: both
        make fpdf2 look at every character, which costs time on every line. Right-to-left
        text is laid out by the bidirectional algorithm, from the right in a document for
        a reader of Arabic."""
        self.set_font("latin", "B" if bold else "", size)
        if self._fonts.plain(text):
            self.set_text_shaping(False)
            self.set_fallback_fonts([])
            return True
        route = self._fonts.route(text, bold)
        if route.font is not self._latin["B" if bold else ""]:
            key = route.font.fontkey  # a family, and "B" for bold
            self.set_font(key.removesuffix("B"), "B" if key.endswith("B") else "", size)
        self._route = route.fallbacks
        # A reader of Arabic reads a line from the right if it holds Arabic, or the
        # isolates the reader's words put around names (a route between two Latin names,
        # whose arrow points left).
        direction = "rtl" if self.rtl and (is_rtl(text) or "\u2068" in text) else None
        self.set_text_shaping(True, direction=direction)
        self.set_fallback_fonts(self._fonts.fallbacks, exact_match=False)
        return False

    def shaped_width(self, text: str) -> float:
        """``get_string_width`` of *text* in the font :meth:`_use` set, remembered for the
        process: a pure function of the text, font, size, direction and fallback fonts,
        and each costs a pass of the bidirectional algorithm and of HarfBuzz."""
        if not self.reuse:
            return self.get_string_width(text)
        direction = self.text_shaping["direction"] if self.text_shaping else None
        fallbacks = tuple(self._fallback_font_ids)
        key = (text, self.font_family, self.font_style, self.font_size_pt, direction, fallbacks)
        measure = self.get_string_width
        return remembered(_SHAPED_WIDTHS, key, lambda: measure(text), _SHAPED_WIDTHS_KEPT)

    def _preload_bidirectional_text(self, text: str, markdown: bool) -> Sequence[Fragment]:
        """fpdf2's cut of shaped *text* into fragments (the bidirectional algorithm, then
        a run per script and font), made once per process and each text: a pure function
        of the text, the font, the fallbacks :meth:`_use` routed it to and the shaping
        settings. Every other part of a fragment's state is the document's, as fpdf2 has it."""
        shaping = self.text_shaping
        if not self.reuse or markdown or not shaping or self.str_alias_nb_pages:
            return super()._preload_bidirectional_text(text, markdown)
        settings = tuple(
            (name, repr(value))
            for name, value in shaping.items()
            if name not in ("paragraph_direction", "fragment_direction")
        )
        font = self.current_font
        key = (text, font.fontkey if font else None, self.font_style, self.underline,
               self.strikethrough, settings, tuple(self._fallback_font_ids),
               tuple(self._route.items()))  # fmt: skip
        known = _PIECES.get(key)
        if known is None:
            fragments = super()._preload_bidirectional_text(text, markdown)
            if any(type(fragment) is not Fragment for fragment in fragments):
                return fragments
            if len(_PIECES) >= _SHAPED_WIDTHS_KEPT:
                _PIECES.clear()
            _PIECES[key] = (
                tuple(_piece(fragment) for fragment in fragments),
                shaping["paragraph_direction"],
                shaping["fragment_direction"],
            )
            return fragments
        pieces, shaping["paragraph_direction"], shaping["fragment_direction"] = known
        made = []
        current = self._get_current_graphics_state()  # a copy, as fpdf2's own
        for piece in pieces:
            fragment_state = _copied(current)
            fragment_state.font_family = piece.family
            fragment_state.font_style = piece.style
            fragment_state.current_font = self.fonts[piece.font]
            fragment_state.text_shaping = dict(piece.shaping)
            made.append(ShapedFragment(list(piece.characters), fragment_state, self.k))
        return tuple(made)

    def plain_text(self, x: float, y: float, text: str) -> None:
        """fpdf2's ``text`` (2.8) of text the Latin font draws alone (:meth:`_use`): the
        same operators, without the checks and the string built a character at a time."""
        font = self.current_font
        if (
            not self.reuse
            or not isinstance(font, TTFFont)
            or font.is_symbol
            or font.color_font
            or self.text_mode != TextMode.FILL
            or self.underline
            or self.strikethrough
            or self._record_text_quad_points
        ):
            self.text(x, y, text)
            return
        if not self.current_font_is_set_on_page:
            self._out(self._set_font_for_page(font, self.font_size_pt))
        pick = font.subset.pick
        codes = (chr(code) for code in map(pick, map(ord, text)) if code is not None)
        drawn = f"BT {x * self.k:.2f} {(self.h - y) * self.k:.2f} Td ({escaped_codes(codes)}) Tj ET"
        if self.fill_color != self.text_color:
            assert self.text_color is not None
            drawn = f"q {self.text_color.serialize().lower()} {drawn} Q"
        self._out(drawn)

    def get_fallback_font(self, char: str, style: str = "") -> str | None:
        """The font :meth:`_use` chose for *char*'s run of text (fpdf2 asks per character)."""
        return self._route.get(char)

    def line_height(self, size: float) -> float:
        return size * PT * 1.3

    def _width(self, text: str, size: float, bold: bool) -> float:
        """Width in mm of plain text (the sum of its advance widths)."""
        widths = self._latin["B" if bold else ""].cw
        return sum(widths[ord(char)] for char in text) * size * 0.001 * PT

    def _wrap(self, text: str, width: float, size: float, bold: bool) -> Sequence[str]:
        """Greedy word wrap of plain text (:func:`_wrapped`), remembered for the process:
        titles, places and labels repeat from one itinerary to the next."""
        widths = self._latin["B" if bold else ""].cw
        if not self.reuse:
            return _wrapped(text, widths, width, size)
        key = (text, width, size, bold, id(widths))  # the font's widths live as long
        wrap = _wrapped
        return remembered(_WRAPS, key, lambda: wrap(text, widths, width, size), _WRAPS_KEPT)

    def start(self) -> str:
        """``L``, or ``R`` in a right-to-left document: where a line of text begins."""
        return "R" if self.rtl else "L"

    def paragraph(
        self, x: float, width: float, part: Part, *, draw: bool = True, align: str | None = None
    ) -> float:
        """Draw (or only measure) one wrapped paragraph at (x, current y); its height.
        The indent is from the side where lines begin."""
        align = align or self.start()
        height = self.line_height(part.size)
        inner = width - part.indent - 2 * self.c_margin
        left_of_text = x + (0.0 if self.rtl else part.indent)
        if self._use(part.text, part.size, part.bold):
            lines = self._wrap(part.text, inner, part.size, part.bold)
            if draw:
                self.set_text_color(*part.color)
                top = self.get_y()
                for number, line in enumerate(lines):
                    left = left_of_text + self.c_margin
                    if align != "L":
                        room = inner - self._width(line, part.size, part.bold)
                        left += room if align == "R" else room / 2
                    baseline = top + number * height + height / 2 + 0.3 * part.size * PT
                    self.plain_text(left, baseline, line)
                self.set_xy(x, top + len(lines) * height)
            return len(lines) * height
        self.set_text_color(*part.color)
        self.set_x(left_of_text)
        if self.shaped_width(part.text) <= inner and "\n" not in part.text:
            # One line (most are): shaped once, not once per character by the breaker.
            if draw:
                self.cell(width - part.indent, height, part.text, align=align)
                self.set_xy(x, self.get_y() + height)
            return height
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

    def parts_height(self, width: float, parts: Sequence[Part]) -> float:
        return sum(self.paragraph(0, width, part, draw=False) for part in parts)

    def parts(self, x: float, width: float, parts: Sequence[Part]) -> None:
        for part in parts:
            self.paragraph(x, width, part)

    def one_line(
        self,
        x: float,
        width: float,
        text: str,
        size: float,
        *,
        bold: bool = False,
        align: str | None = None,
        height: float | None = None,
    ) -> None:
        """A time or a label that must not wrap: the font shrinks until it fits."""
        align = align or self.start()
        room = width - 2 * self.c_margin
        height = height or self.line_height(9.0)
        top = self.get_y()
        if self._use(text, size, bold):
            while size > 5 and self._width(text, size, bold) > room:
                size -= 0.25
            self.set_font_size(size)
            left = x + self.c_margin
            if align != "L":
                spare = room - self._width(text, size, bold)
                left += spare if align == "R" else spare / 2
            self.plain_text(left, top + height / 2 + 0.3 * size * PT, text)
        else:
            while size > 5 and self.shaped_width(text) > room:
                size -= 0.25
                self.set_font_size(size)
            self.set_x(x)
            self.cell(width, height, text, align=align)
        self.set_xy(x, top + height)

    def columns(self, widths: Sequence[float]) -> list[float]:
        """The left edge of each column, the first column on the side lines begin."""
        lefts, x = [], self.l_margin
        for width in widths:
            lefts.append(self.w - self.r_margin - (x - self.l_margin) - width if self.rtl else x)
            x += width
        return lefts

    def qr(self, url: str, x: float, y: float, size: float) -> None:
        """The QR code of *url* as filled rectangles (one per run of dark modules)."""
        matrix = qr_matrix(url)
        unit = size / (len(matrix) + 2 * QUIET_ZONE)
        self.set_fill_color(*INK)
        for row, column, length in qr_runs(matrix):
            self.rect(
                x + (column + QUIET_ZONE) * unit,
                y + (row + QUIET_ZONE) * unit,
                length * unit,
                unit,
                style="F",
            )

    # Pages ------------------------------------------------------------------------

    def room_left(self) -> float:
        return self.page_break_trigger - self.get_y()

    def keep(self, height: float) -> None:
        """Start a new page unless *height* fits on this one."""
        if height > self.room_left():
            self.add_page()
            if self.on_new_page is not None:
                self.on_new_page()

    def finish(self) -> None:
        """Draw every page's footer, now that the number of pages is known."""
        pages = self.page
        self.set_auto_page_break(False)
        start, end = ("R", "L") if self.rtl else ("L", "R")
        for number in range(1, pages + 1):
            self.page = number
            # fpdf2 only writes a font change into a page when the font changes: this
            # page's stream ended in some other font than the one last set.
            self.font_family = ""
            stamp, count = self._footer(number, pages)
            self.set_y(-BOTTOM + 4)
            self.set_text_color(*GREY)
            self.one_line(self.l_margin, self.epw, stamp, 7.5, align=start, height=5)
            self.set_y(-BOTTOM + 4)
            self.one_line(self.l_margin, self.epw, count, 7.5, align=end, height=5)
        self.page = pages

    def pdf_bytes(self) -> bytes:
        """The finished document: footers drawn, fonts embedded (:mod:`.pdf_embed`)."""
        self.finish()
        return bytes(self.output(output_producer_class=FontWriter))

    def font_subsets(self) -> dict[int, Subset]:
        """For :class:`.pdf_embed.FontWriter`: the subset each font is written as."""
        return self._fonts.subsets(self.reuse)

    def heading(self, text: str) -> None:
        """A section heading, kept with at least a few lines of what follows."""
        self.on_new_page = None  # the previous table has ended
        self.keep(self.line_height(12) + 4 + 3 * self.line_height(9))
        self.ln(3)
        self.paragraph(self.l_margin, self.epw, Part(text, 12, True, ACCENT))
        self.ln(1)


@dataclass(frozen=True)
class Table:
    """Columns of fixed width; each row's height is measured before it is drawn."""

    headers: tuple[str, ...]
    widths: tuple[float, ...]

    def begin(self, pdf: Document, new_page: Callable[[], None] | None = None) -> None:
        """Draw the column headings, and again on each page the table continues on."""
        pdf.on_new_page = new_page or (lambda: self.header(pdf))
        self.header(pdf)

    def section(
        self, pdf: Document, title: str, rows: Iterable[Sequence[Sequence[Part] | str]]
    ) -> None:
        """A heading and this table of *rows* under it; nothing at all without rows."""
        rows = list(rows)
        if not rows:
            return
        pdf.heading(title)
        self.begin(pdf)
        for cells in rows:
            self.row(pdf, cells)
        pdf.on_new_page = None

    def header(self, pdf: Document) -> None:
        height = pdf.line_height(8) + 1.5
        top = pdf.get_y()
        pdf.set_fill_color(*FILL_HEAD)
        pdf.rect(pdf.l_margin, top, sum(self.widths), height, style="F")
        for text, width, x in zip(self.headers, self.widths, pdf.columns(self.widths), strict=True):
            pdf.set_y(top + 0.75)
            pdf.set_text_color(*GREY)
            pdf.one_line(x, width, text, 8, bold=True)
        pdf.set_y(top + height)

    def row(
        self,
        pdf: Document,
        cells: Sequence[Sequence[Part] | str],
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
        for cell, width, x in zip(cells, self.widths, pdf.columns(self.widths), strict=True):
            pdf.set_y(top)
            if isinstance(cell, str):
                pdf.set_text_color(*INK)
                pdf.one_line(x, width, cell, 9.0)
            else:
                pdf.parts(x, width, cell)
        pdf.set_draw_color(210, 210, 210)
        pdf.set_line_width(0.2)
        bottom = top - 0.8 + height
        pdf.line(pdf.l_margin, bottom, pdf.l_margin + sum(self.widths), bottom)
        pdf.set_y(bottom)


_WRAPS: dict[tuple[object, ...], tuple[str, ...]] = {}
"""Plain texts wrapped into lines, by text, width, size and font."""
_WRAPS_KEPT = 5_000
"""Enough for what repeats (titles, places, labels); names and addresses come once."""


def _wrapped(text: str, widths: Mapping[int, float], width: float, size: float) -> tuple[str, ...]:
    """Greedy word wrap of plain text in a font of these advance *widths* (by code
    point); a word longer than a line is cut.

    Widths add up (plain text is drawn without kerning), so each character is
    measured once: linear in the length of the text, however long a word is.
    """
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
    return tuple(lines)
