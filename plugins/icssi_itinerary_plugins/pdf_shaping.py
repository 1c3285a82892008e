"""HarfBuzz's shaping of a text, made once per process and font, not once per document.

fpdf2 shapes each run of shaped text (Arabic, and any text routed to a fallback font)
three or four times as it draws it: to measure it for the line, to align it, and to
draw it; and again in the next document that draws the same label, date or title. What
HarfBuzz returns depends only on the font, the text, its size and the shaping settings,
so a font here keeps it, for every document's copy of the font to share. The glyphs a
document draws are still picked into its own subset by fpdf2 as before: a PDF's bytes
are the same. A fragment of a text cut before (:class:`ShapedFragment`) writes its text
operators straight from the plan, as fpdf2 writes them from its glyph dictionaries.
Built on fpdf2 internals (``TTFFont``, ``Fragment``), like :mod:`.pdf_fonts`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from fpdf.fonts import Glyph, TTFFont
from fpdf.line_break import Fragment
from fpdf.util import escape_parens

__all__ = ["KEPT", "ShapedFragment", "ShapingFont", "escaped_codes", "remembered"]

KEPT = 1_000
"""Shaped texts a font keeps; when full it starts again (names and addresses, which
appear in one itinerary each, would otherwise fill it)."""

_Planned = tuple[Glyph, int, int, int, int, bool]
"""One glyph of a plan: the glyph, its advance and offset (x, y), and whether fpdf2
places it on its own (``force_positioning``: an advance not the glyph's width, or an
offset)."""


class ShapingFont(TTFFont):
    """A ``TTFFont`` whose copies (one per document, :func:`.pdf_fonts.add_font`) share
    what HarfBuzz made of each text: its glyphs and their positions, and their width."""

    widths: dict[tuple[Any, ...], tuple[int, float]] | None = None
    """The width of each shaped text, by text, size and settings; ``None`` shapes
    every time."""
    plans: dict[tuple[Any, ...], tuple[_Planned, ...]] | None = None
    """Each shaped text's glyphs, as :meth:`_plan` makes them (HarfBuzz's own results
    are not kept: only these two read them)."""

    def remember(self) -> None:
        """Start keeping shaping results (in the template, for all its copies)."""
        self.widths, self.plans = {}, {}

    def glyph_plan(
        self, text: str, font_size_pt: float, text_shaping_params: dict[str, Any] | None
    ) -> tuple[_Planned, ...]:
        """The glyphs that draw *text*, made once (``plans`` must be kept)."""
        assert self.plans is not None
        return _remembered(self.plans, self._plan, text, font_size_pt, text_shaping_params)

    def shape_text(
        self, text: str, font_size_pt: float, text_shaping_params: dict[str, Any] | None
    ) -> Sequence[dict[str, Any]]:
        """fpdf2's glyphs of *text* to draw, each picked into this document's subset."""
        if self.plans is None or not text:
            return super().shape_text(text, font_size_pt, text_shaping_params)
        pick = self.subset.pick_glyph
        return [
            {"mapped_char": pick(glyph), "x_advance": x_advance, "y_advance": y_advance,
             "x_offset": x_offset, "y_offset": y_offset, "force_positioning": placed}
            for glyph, x_advance, y_advance, x_offset, y_offset, placed
            in self.glyph_plan(text, font_size_pt, text_shaping_params)
        ]  # fmt: skip

    def _plan(
        self, text: str, font_size_pt: float, text_shaping_params: dict[str, Any] | None
    ) -> tuple[_Planned, ...]:
        """What fpdf2's ``TTFFont.shape_text`` (2.8) works out of HarfBuzz's glyphs before
        it picks them into the document's subset: each glyph (with the characters it
        stands for: all those of its cluster, on its first glyph; its name, its width in
        the font) and its position. Glyph 0 is left out, as fpdf2 leaves it out."""
        infos, positions = self.perform_harfbuzz_shaping(text, font_size_pt, text_shaping_params)
        clusters = sorted(int(info.cluster) for info in infos)
        characters: dict[int, list[int]] = {}
        for index in range(len(text)):
            characters.setdefault(_cluster_of(clusters, index), []).append(index)
        metrics = self.ttfont["hmtx"].metrics
        plan = []
        for info, at in zip(infos, positions, strict=True):
            owned = characters.pop(info.cluster, [])
            if not info.codepoint:
                continue
            name = self.ttfont.getGlyphName(info.codepoint)
            width = round(self.scale * metrics[name][0])
            unicode = tuple(ord(text[index]) for index in owned)
            placed = (width != at.x_advance or at.x_offset != 0
                      or at.y_offset != 0 or at.y_advance != 0)  # fmt: skip
            glyph = Glyph(info.codepoint, unicode, name, width)
            plan.append((glyph, at.x_advance, at.y_advance, at.x_offset, at.y_offset, placed))
        return tuple(plan)

    def shaped_text_width(
        self, text: str, font_size_pt: float, text_shaping_params: dict[str, Any] | None
    ) -> tuple[int, float]:
        measure = super().shaped_text_width
        return _remembered(self.widths, measure, text, font_size_pt, text_shaping_params)


class ShapedFragment(Fragment):
    """A run of shaped text drawn from its font's glyph plan: the text operators of
    fpdf2's ``Fragment.render_with_text_shaping`` (2.8), worked out with the same
    arithmetic in the same order (so the same bytes), without a dictionary, a call and
    an escape per glyph."""

    def render_with_text_shaping(
        self, pos_x: float, pos_y: float, h: float, word_spacing: float
    ) -> str:
        font = self.font
        if not isinstance(font, ShapingFont) or font.plans is None or font.color_font:
            return super().render_with_text_shaping(pos_x, pos_y, h, word_spacing)
        if not self.string:
            return ""
        k, size, scale = self.k, self.font_size_pt, font.scale
        stretch = self.font_stretching / 100
        char_spacing = self.char_spacing * stretch / k
        pick = font.subset.pick_glyph
        space = font.subset.pick(ord(" "))
        drawn: list[str] = []
        run: list[str] = []  # the codes of glyphs drawn one after the other
        for glyph, x_advance, y_advance, x_offset, y_offset, placed in font.glyph_plan(
            self.string, size, self.text_shaping_parameters
        ):
            code = pick(glyph)
            assert code is not None  # a glyph, never None, always has a code
            if x_offset != 0 or y_offset != 0:
                if run:
                    drawn.append(f"({escaped_codes(run)}) Tj ")
                    run = []
                offset_x = pos_x + x_offset * scale * size * stretch / 1000 / k
                offset_y = pos_y - y_offset * scale * size * stretch / 1000 / k
                drawn.append(f"1 0 0 1 {offset_x * k:.2f} {(h - offset_y) * k:.2f} Tm ")
            run.append(chr(code))
            pos_x += x_advance * scale * size * stretch / 1000 / k + char_spacing
            pos_y += y_advance * scale * size * stretch / 1000 / k
            spaced = bool(word_spacing) and code == space
            if spaced:
                pos_x += word_spacing
            if placed or spaced:
                if run:
                    drawn.append(f"({escaped_codes(run)}) Tj ")
                    run = []
                drawn.append(f"1 0 0 1 {pos_x * k:.2f} {(h - pos_y) * k:.2f} Tm ")
        if run:
            drawn.append(f"({escaped_codes(run)}) Tj")
        return "".join(drawn)


def escaped_codes(codes: Iterable[str]) -> str:
    """Subset codes as a PDF string of two bytes each (``TTFFont.escape_text``)."""
    return escape_parens("".join(codes).encode("utf-16-be").decode("latin-1"))


_Key = TypeVar("_Key")
_Made = TypeVar("_Made")


def remembered(table: dict[_Key, _Made], key: _Key, make: Callable[[], _Made], kept: int) -> _Made:
    """``table[key]``, made by *make* the first time: one of the PDF exporter's tables
    of what a process made before, which starts again once it holds *kept* entries."""
    found = table.get(key)
    if found is None:
        if len(table) >= kept:
            table.clear()
        found = table[key] = make()
    return found


def _remembered(
    table: dict[tuple[Any, ...], _Made] | None,
    make: Callable[[str, float, dict[str, Any] | None], _Made],
    text: str,
    size: float,
    settings: dict[str, Any] | None,
) -> _Made:
    """``make(text, size, settings)``, from *table* if it was made before (and kept)."""
    if table is None:
        return make(text, size, settings)
    return remembered(table, _key(text, size, settings), lambda: make(text, size, settings), KEPT)


def _cluster_of(clusters: list[int], index: int) -> int:
    """The cluster that the character at *index* belongs to (fpdf2's
    ``get_cluster_from_text_index``)."""
    at = bisect_left(clusters, index)
    if at == 0:
        return clusters[0]
    if at == len(clusters) or clusters[at] != index:
        return clusters[at - 1]
    return clusters[at]


def _key(text: str, size: float, settings: dict[str, Any] | None) -> tuple[Any, ...]:
    """What HarfBuzz's result depends on besides the font: the settings fpdf2 hands it
    (``TTFFont.perform_harfbuzz_shaping`` reads the features, the fragment's direction,
    the script and the language)."""
    if settings is None:
        return (text, size)
    features = settings.get("features") or {}
    return (
        text,
        size,
        tuple(sorted(features.items())),
        settings.get("fragment_direction"),
        settings.get("script"),
        settings.get("language"),
    )
