"""Writing a PDF's TrueType fonts from subsets made once per process.

fpdf2 subsets each font of each document with fontTools as it writes it: most of the
time a PDF took, and in proportion to the size of the font (docs/performance.md). Here a
document's font is the subset of exactly the glyphs it drew, as fpdf2 makes it, but:

- made from a *cut*: the font's glyphs in the fixed chunks of its glyph order that hold
  those glyphs. English itineraries touch the same few chunks of DejaVu Sans (its Latin
  letters are in Unicode order), so the 2,800 glyphs are read once, not per document;
- kept, compressed, for the next document that draws the same glyphs; and so is the
  map from the document's codes to the subset's glyphs.

Both depend only on the font and the document's own glyphs, never on what else the
process drew, and subsetting keeps the glyph order and rebuilds every table from the
glyphs kept: a PDF's bytes are the same as fpdf2 writes them, in any run, shard or order.
Like :mod:`.pdf_fonts`, this is built on fpdf2 internals (``OutputProducer`` and its font
objects), which is why pyproject.toml pins ``fpdf2<2.9``; fonts with CFF outlines (Noto
Sans CJK) are written by fpdf2 itself.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from typing import TYPE_CHECKING, Any, TypeVar

from fontTools import subset, ttLib  # type: ignore[import-untyped]
from fpdf.fonts import TTFFont
from fpdf.output import (
    CIDSystemInfo,
    OutputProducer,
    PDFFont,
    _build_cmap_blocks,
    _cid_font_widths,
)
from fpdf.syntax import Name, PDFArray, PDFContentStream

from .pdf_shaping import remembered

if TYPE_CHECKING:
    from fpdf import FPDF

    from .pdf_fonts import LoadedFont

__all__ = ["CHUNK", "FontWriter", "Subset", "subset_for"]

CHUNK = 64
"""Glyphs per chunk of a font's glyph order."""

# What fpdf2 2.8 drops from every subset it embeds (fpdf/output.py, _add_fonts).
_FPDF2_DROPS = ["FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix", "CBDT"]
_FPDF2_DROPS += ["CBLC", "EBDT", "EBLC", "EBSC", "SVG ", "CPAL", "COLR"]


@dataclass(frozen=True)
class Subset:
    """A font cut down to a document's glyphs: the compressed TrueType and its glyph ids."""

    program: bytes
    length: int
    """The program's length before compression (the stream's ``Length1``)."""
    glyph_ids: Mapping[str, int]


def subset_for(font: TTFFont, loaded: LoadedFont) -> Subset:
    """The subset of *loaded* with every glyph *font* drew in its document."""
    names = [glyph.glyph_name for glyph, _ in font.subset.items() if glyph is not None]
    return _subset(loaded, frozenset(names))


@lru_cache(maxsize=256)
def _subset(loaded: LoadedFont, names: frozenset[str]) -> Subset:
    index = loaded.glyph_index()
    source = _cut(loaded, frozenset(index[name] // CHUNK for name in names))
    font = ttLib.TTFont(BytesIO(source), recalcTimestamp=False, lazy=True)
    options = subset.Options(notdef_outline=True, recommended_glyphs=True)
    options.drop_tables += _FPDF2_DROPS
    program = _subsetted(font, options, names)
    ids = {name: font.getGlyphID(name) for name in names}
    return Subset(zlib.compress(program), len(program), ids)


@lru_cache(maxsize=64)
def _cut(loaded: LoadedFont, chunks: frozenset[int]) -> bytes:
    """The embeddable font cut to the glyphs of *chunks* (and those they are made of).

    Its glyphs are copied as they are, not decompiled to recompute bounding boxes: the
    subset made from it recomputes every box and maximum from the glyphs it keeps."""
    wanted = {name for number, name in enumerate(loaded.glyph_order()) if number // CHUNK in chunks}
    source = BytesIO(loaded.embeddable)
    font = ttLib.TTFont(source, recalcTimestamp=False, recalcBBoxes=False, lazy=True)
    options = subset.Options(glyph_names=True, notdef_outline=True, recommended_glyphs=True)
    return _subsetted(font, options, wanted)


def _subsetted(
    font: ttLib.TTFont, options: subset.Options, names: frozenset[str] | set[str]
) -> bytes:
    subsetter = subset.Subsetter(options)
    subsetter.populate(glyphs=sorted(names))
    subsetter.subset(font)
    buffer = BytesIO()
    font.save(buffer)
    return buffer.getvalue()


class _Compressed(PDFContentStream):
    """A stream whose contents are compressed already, as fpdf2 compresses them."""

    def __init__(self, compressed: bytes) -> None:
        super().__init__(contents=compressed)
        self.filter = Name("FlateDecode")


class _FontFile(_Compressed):
    """A ``FontFile2`` stream whose program is compressed already (once per subset)."""

    def __init__(self, fitted: Subset) -> None:
        super().__init__(fitted.program)
        self.length1 = fitted.length


def _unicode(code: int) -> str:
    if code > 0xFFFF:  # a surrogate pair
        return f"{0xD800 | (code - 0x10000) >> 10:04X}{0xDC00 | (code & 0x3FF):04X}"
    return f"{code:04X}"


def _to_unicode(font: TTFFont) -> PDFContentStream:
    """The CMap from each code of the document to the text it stands for: what copying,
    searching and text extraction read."""
    texts = tuple(
        (code, glyph.unicode)
        for glyph, code in font.subset.items()
        if glyph is not None and isinstance(glyph.unicode, tuple) and glyph.unicode
    )
    return PDFContentStream(_kept(_CMAPS, texts, lambda: _cmap(texts)))


def _cmap(texts: tuple[tuple[int, tuple[int, ...]], ...]) -> bytes:
    entries = [f"<{code:04X}> <{''.join(_unicode(u) for u in text)}>\n" for code, text in texts]
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo\n<</Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{_build_cmap_blocks(entries, 'bfchar')}"
        "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
    ).encode("latin-1")


def _widths(font: TTFFont) -> str:
    """fpdf2's ``W`` array of the document's codes (``_tt_font_widths``)."""
    widths = tuple(
        (code, glyph.glyph_width) for glyph, code in font.subset.items() if glyph is not None
    )
    return _kept(_WIDTHS, widths, lambda: _cid_font_widths(dict(widths)))


def _cid_to_gid(font: TTFFont, fitted: Subset) -> PDFContentStream:
    """Each code of the document to its glyph in the subset, two bytes per code: 128 kB
    to compress, the same for every document that gives its glyphs the same codes."""
    pairs = tuple(
        sorted((code, fitted.glyph_ids[glyph.glyph_name]) for glyph, code in font.subset.items()
               if glyph is not None)
    )  # fmt: skip
    return _Compressed(_kept(_CID_MAPS, pairs, lambda: _compressed_map(pairs)))


def _compressed_map(pairs: tuple[tuple[int, int], ...]) -> bytes:
    table = bytearray(2 * 0x10000)
    for code, glyph_id in pairs:
        table[2 * code : 2 * code + 2] = glyph_id.to_bytes(2, "big")
    return PDFContentStream(contents=bytes(table), compress=True).content_stream()


_Written = TypeVar("_Written")


def _kept(
    table: dict[bytes, _Written],
    described: Sequence[tuple[int, object]],
    make: Callable[[], _Written],
) -> _Written:
    """What *make* writes of a document's font, kept for the process by what the font
    maps (each code and its glyph, text or width): under a digest of 16 bytes, not the
    20 kB tuple (an Arabic font holds its whole alphabet); at most :data:`_KEPT`."""
    key = hashlib.blake2b(repr(described).encode("ascii"), digest_size=16).digest()
    return remembered(table, key, make, _KEPT)


_CID_MAPS: dict[bytes, bytes] = {}
"""Compressed code-to-glyph maps, by (the digest of) their codes and glyphs."""
_KEPT = 1_000
_CMAPS: dict[bytes, bytes] = {}
"""ToUnicode CMaps, by each code and the text it stands for; as many as the maps."""
_WIDTHS: dict[bytes, str] = {}
"""``W`` arrays, by each code and its glyph's width; as many as the maps."""


class FontWriter(OutputProducer):
    """fpdf2's writer, embedding fonts from the subsets the document names.

    The document (``self.fpdf``) gives them, by font number, from a ``font_subsets()``
    method; fpdf2 writes any other font, as it would without this class."""

    def _add_fonts(self, *resources: Any) -> dict[int, Any]:
        document: Any = self.fpdf
        subsets: dict[int, Subset] = document.font_subsets()
        written: dict[int, Any] = {}
        for key, font in sorted(document.fonts.items(), key=lambda item: item[1].i):
            if font.i in subsets:
                written[font.i] = self._embed(font, subsets[font.i])
            else:  # in the same order as fpdf2 alone: the same bytes
                with _only(document, key):
                    written.update(super()._add_fonts(*resources))
        return written

    def _embed(self, font: TTFFont, fitted: Subset) -> PDFFont:
        """The objects of a Type 0 font with Identity-H codes, as fpdf2 writes them."""
        name = f"MPDFAA+{font.name}"
        composite = PDFFont(subtype="Type0", base_font=name, encoding="Identity-H")
        self._add_pdf_obj(composite, "fonts")
        descendant = PDFFont(
            subtype="CIDFontType2",
            base_font=name,
            d_w=font.desc.missing_width,
            w=_widths(font),
        )
        self._add_pdf_obj(descendant, "fonts")
        composite.descendant_fonts = PDFArray([descendant])
        composite.to_unicode = self._added(_to_unicode(font))
        descendant.c_i_d_system_info = self._added(CIDSystemInfo())
        descriptor = font.desc
        descriptor.font_name = Name(name)
        descendant.font_descriptor = self._added(descriptor)
        descendant.c_i_d_to_g_i_d_map = self._added(_cid_to_gid(font, fitted))
        descriptor.font_file2 = self._added(_FontFile(fitted))  # type: ignore[attr-defined]
        font.subset.pick.cache_clear()
        font.subset.get_glyph.cache_clear()
        return composite

    def _added(self, obj: Any) -> Any:
        self._add_pdf_obj(obj, "fonts")
        return obj


@contextmanager
def _only(document: FPDF, key: str) -> Iterator[None]:
    """*document* with only the font *key* in its font list for a while, for fpdf2 to write."""
    registry = document.fonts
    every = dict(registry)
    registry.clear()
    registry[key] = every[key]
    try:
        yield
    finally:
        registry.clear()
        registry.update(every)
