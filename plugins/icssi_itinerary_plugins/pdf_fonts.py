"""The PDF's fonts, parsed once per process and handed to each document: the one part of
the PDF exporter built on fpdf2 internals (``TTFFont``, ``SubsetMap``, ``HarfBuzzFont``),
which is why pyproject.toml pins ``fpdf2<2.9``. Which font *files* to use is
:mod:`.fonts`' business; how a page is laid out, :mod:`.pdf_layout`'s.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import uharfbuzz as hb  # type: ignore[import-untyped]
from fontTools import subset, ttLib  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.fonts import HarfBuzzFont, SubsetMap, TTFFont

from .fonts import FontNotFound, FontSpec, find_font

__all__ = ["add_font", "findable", "is_arabic"]

# Scripts DejaVu Sans draws poorly or not at all (no Arabic shaping tables worth using):
# these code points go to the Arabic font, and text holding them is shaped by HarfBuzz.
_ARABIC_RANGES = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x0870, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
)


def is_arabic(code: int) -> bool:
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
            template.cmap = {c: g for c, g in template.cmap.items() if not is_arabic(c)}
            template.glyph_ids = {c: g for c, g in template.glyph_ids.items() if c in template.cmap}
        _LOADED[key] = _LoadedFont(template, embeddable)
    return _LOADED[key]


def add_font(pdf: FPDF, family: str, style: str, path: Path, cut: str) -> TTFFont:
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


def findable(spec: FontSpec) -> bool:
    try:
        find_font(spec)
    except FontNotFound:
        return False
    return True
