"""HarfBuzz's shaping of a text, made once per process and font, not once per document.

fpdf2 shapes each run of shaped text (Arabic, and any text routed to a fallback font)
three or four times as it draws it: to measure it for the line, to align it, and to
draw it; and again in the next document that draws the same label, date or title. What
HarfBuzz returns depends only on the font, the text, its size and the shaping settings,
so a font here keeps it, for every document's copy of the font to share. The glyphs a
document draws are still picked into its own subset by fpdf2 as before: a PDF's bytes
are the same. Built on fpdf2 internals (``TTFFont``), like :mod:`.pdf_fonts`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from fpdf.fonts import TTFFont

__all__ = ["KEPT", "ShapingFont", "remembered"]

KEPT = 1_000
"""Shaped texts a font keeps; when full it starts again (names and addresses, which
appear in one itinerary each, would otherwise fill it)."""

_Glyph = tuple[int, tuple[int, ...], str, int, int, int, int, int]


class ShapingFont(TTFFont):
    """A ``TTFFont`` whose copies (one per document, :func:`.pdf_fonts.add_font`) share
    what HarfBuzz made of each text: its glyphs and their positions, and their width."""

    widths: dict[tuple[Any, ...], tuple[int, float]] | None = None
    """The width of each shaped text, by text, size and settings; ``None`` shapes
    every time."""
    plans: dict[tuple[Any, ...], tuple[_Glyph, ...]] | None = None
    """Each shaped text's glyphs, as :meth:`_plan` makes them (HarfBuzz's own results
    are not kept: only these two read them)."""

    def remember(self) -> None:
        """Start keeping shaping results (in the template, for all its copies)."""
        self.widths, self.plans = {}, {}

    def shape_text(
        self, text: str, font_size_pt: float, text_shaping_params: dict[str, Any] | None
    ) -> Sequence[dict[str, Any]]:
        """fpdf2's glyphs of *text* to draw, each picked into this document's subset."""
        if self.plans is None or not text:
            return super().shape_text(text, font_size_pt, text_shaping_params)
        plan = _remembered(self.plans, self._plan, text, font_size_pt, text_shaping_params)
        drawn = []
        subset = self.subset
        for number, unicode, name, width, x_advance, y_advance, x_offset, y_offset in plan:
            glyph = subset.get_glyph(
                glyph=number, unicode=unicode, glyph_name=name, glyph_width=width
            )
            if glyph is None:
                continue
            drawn.append(
                {
                    "mapped_char": subset.pick_glyph(glyph),
                    "x_advance": x_advance,
                    "y_advance": y_advance,
                    "x_offset": x_offset,
                    "y_offset": y_offset,
                    "force_positioning": (width != x_advance or x_offset != 0
                                          or y_offset != 0 or y_advance != 0),
                }
            )  # fmt: skip
        return drawn

    def _plan(
        self, text: str, font_size_pt: float, text_shaping_params: dict[str, Any] | None
    ) -> tuple[_Glyph, ...]:
        """What fpdf2's ``TTFFont.shape_text`` (2.8) works out of HarfBuzz's glyphs before
        it picks them into the document's subset: each glyph's number, the characters it
        stands for (all those of its cluster, on its first glyph), its name, its width in
        the font and its position."""
        infos, positions = self.perform_harfbuzz_shaping(text, font_size_pt, text_shaping_params)
        clusters = sorted(int(info.cluster) for info in infos)
        characters: dict[int, list[int]] = {}
        for index in range(len(text)):
            characters.setdefault(_cluster_of(clusters, index), []).append(index)
        metrics = self.ttfont["hmtx"].metrics
        plan = []
        for info, position in zip(infos, positions, strict=True):
            owned = characters.pop(info.cluster, [])
            name = self.ttfont.getGlyphName(info.codepoint)
            plan.append(
                (
                    info.codepoint,
                    tuple(ord(text[index]) for index in owned),
                    name,
                    round(self.scale * metrics[name][0]),
                    position.x_advance,
                    position.y_advance,
                    position.x_offset,
                    position.y_offset,
                )
            )
        return tuple(plan)

    def shaped_text_width(
        self, text: str, font_size_pt: float, text_shaping_params: dict[str, Any] | None
    ) -> tuple[int, float]:
        measure = super().shaped_text_width
        return _remembered(self.widths, measure, text, font_size_pt, text_shaping_params)


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
