"""The PDF's fonts, parsed once per process and handed to each document: with
:mod:`.pdf_embed`, which writes them, the part of the PDF exporter built on fpdf2
internals (``TTFFont``, ``SubsetMap``, ``HarfBuzzFont``), which is why pyproject.toml pins
``fpdf2<2.9``. Which font *files* to use is
:mod:`.fonts`' business; how a page is laid out, :mod:`.pdf_layout`'s.
"""

from __future__ import annotations

import copy
import unicodedata
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

import uharfbuzz as hb  # type: ignore[import-untyped]
from fontTools import subset, ttLib  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.fonts import HarfBuzzFont, SubsetMap, TTFFont

from .fonts import (
    FONT_DIR_ENV,
    FontNotFound,
    FontSpec,
    candidate_fonts,
    cjk_region,
    fc_match_charset,
    find_font,
    font_settings,
    script_font,
)
from .pdf_embed import Subset, subset_for
from .pdf_shaping import ShapingFont, remembered
from .scripts import NEUTRAL, is_rtl, script_extensions, script_name, script_of, script_runs

__all__ = ["DocumentFonts", "LoadedFont", "NoFontFor", "Route", "add_font", "findable"]


# --- fonts: parsed once per process, copied per document ------------------------------
#
# fpdf2 parses a TrueType file for every document; here each process parses each font
# once, and documents lay out with those tables, read only. The Latin font's character
# map is limited to the scripts an itinerary usually needs (Latin, Greek, Cyrillic,
# punctuation, arrows): text in any other script goes to that script's font (DejaVu
# draws some Arabic, unshaped), and the whole font is loaded as a fallback only for a
# character no other font has. What a document embeds is subset by :mod:`.pdf_embed`
# from a copy without layout tables (fpdf2 drops them from the embedded subset anyway);
# HarfBuzz shapes Latin text from that copy too, and other scripts from the whole file.

_DROP_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "FFTM", "hdmx", "meta", "kern")
_COMMON = (
    (0x0020, 0x036F),  # Latin, Latin-1, Latin Extended-A/B, IPA, combining marks
    (0x0370, 0x052F),  # Greek, Cyrillic
    (0x1E00, 0x1FFF),  # Latin Extended Additional, Greek Extended
    (0x2000, 0x22FF),  # punctuation, currency, letterlike, arrows, mathematical operators
    (0x2500, 0x25FF),  # box drawing, geometric shapes
)
_COMMON_CODES = {code for low, high in _COMMON for code in range(low, high + 1)}
_ALWAYS = [*range(0x20, 0x7F), *map(ord, "–·«»←→")]
"""Characters whose glyphs every document embeds in its Latin fonts, drawn or not
(printable ASCII, and the marks that the pages put in one direction or the other): most
itineraries then embed the same subset (:mod:`.pdf_embed` makes it once per process),
for a few kB more than the letters each one draws."""


@dataclass(eq=False)
class LoadedFont:
    """A font parsed once per process: the template each document's font is copied from
    (laid out with HarfBuzz and the template's tables) and the TrueType it embeds."""

    template: ShapingFont
    embeddable: bytes
    shaping: bytes
    """The font HarfBuzz shapes with (its layout tables, where it has them)."""

    def glyph_order(self) -> list[str]:
        return self.template.ttfont.getGlyphOrder()  # type: ignore[no-any-return]

    @cache  # noqa: B019  # one per loaded font, which lives as long as the process
    def glyph_index(self) -> dict[str, int]:
        """Each glyph's number in the font's glyph order, by name."""
        return {name: number for number, name in enumerate(self.glyph_order())}

    @cache  # noqa: B019
    def characters(self) -> frozenset[str]:
        """Every character the font draws."""
        return frozenset(map(chr, self.template.cmap))

    @cache  # noqa: B019
    def alphabet(self) -> tuple[str, ...]:
        """The glyphs of the font's characters in :data:`_ALPHABETS` and of every form
        shaping makes of them (initial, medial, final, ligatures), in glyph order."""
        letters = [code for code in self.template.cmap if code in _ALPHABETS]
        if not letters:
            return ()
        font = ttLib.TTFont(BytesIO(self.shaping), recalcTimestamp=False, lazy=True)
        subsetter = subset.Subsetter(subset.Options(glyph_names=True))  # default features
        subsetter.populate(unicodes=letters)
        subsetter.subset(font)
        kept = set(font.getGlyphOrder())
        return tuple(name for name in self.glyph_order() if name in kept and name != ".notdef")


_ALPHABETS = {
    code
    for low, high in (
        (0x05D0, 0x05EA),  # the Hebrew letters
        (0x0621, 0x0652),  # the Arabic letters and vowel marks
        (0x060C, 0x060C),  # Arabic comma,
        (0x061B, 0x061B),  # semicolon,
        (0x061F, 0x061F),  # question mark,
        (0x0660, 0x0669),  # and digits
        (0x0030, 0x0039),  # European digits
    )
    for code in range(low, high + 1)
}
"""What the font of a right-to-left script embeds in every document, drawn or not, with
every form shaping makes of it (:meth:`LoadedFont.alphabet`): the subset is then the same
whatever names it spells, for some 5 kB more than the letters each one draws. Letters of
other languages (Persian, Urdu) are added where they are drawn."""

_LOADED: dict[tuple[str, str, Path, str, int], LoadedFont] = {}


def _save(font: ttLib.TTFont) -> bytes:
    buffer = BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def _load(family: str, style: str, path: Path, cut: str, face: int = 0) -> LoadedFont:
    """Parse *path* (its face number *face*, in a collection) once per process. *cut*:
    ``common`` keeps the common scripts only, ``all`` everything."""
    key = (family, style, path, cut, face)
    if key not in _LOADED:
        raw = path.read_bytes()
        font = ttLib.TTFont(BytesIO(raw), recalcTimestamp=False, fontNumber=face, lazy=True)
        if raw[:4] == b"ttcf":
            raw = _save(font)  # the one face, with its layout tables, for HarfBuzz
        for tag in _DROP_TABLES:
            if tag in font:
                del font[tag]
        embeddable = _save(font)  # untouched tables are copied as they are: fast
        font.close()
        shaping = embeddable if cut == "common" else raw
        scratch = FPDF()
        template = ShapingFont(
            scratch,
            BytesIO(embeddable),  # type: ignore[arg-type]
            f"{family}{style}",
            style,
            unicode_range=_COMMON_CODES if cut == "common" else None,
        )
        template._hbfont = HarfBuzzFont(hb.Face(hb.Blob(shaping)))
        template.remember()
        _LOADED[key] = LoadedFont(template, embeddable, shaping)
    return _LOADED[key]


def add_font(pdf: FPDF, loaded: LoadedFont) -> TTFFont:
    """``pdf.add_font`` from the per-process cache: the document's font shares the parsed
    tables, read only, and has its own map of the glyphs it draws."""
    font = copy.copy(loaded.template)  # shares tables, cmap, widths, HarfBuzz face
    if not getattr(pdf, "reuse", True):  # the previous code path: shape every time
        font.widths = font.plans = None
    font.i = len(pdf.fonts) + 1
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


# --- fonts per script: chosen for each run of text ------------------------------------


class NoFontFor(FontNotFound):
    """Text in a script no installed font draws: names the script, the text and the
    package to install. :mod:`.pdf_pages` adds which field of the input holds it."""

    def __init__(
        self,
        script: str,
        text: str,
        chars: str,
        spec: FontSpec,
        *,
        source: str | None = None,
        field: str | None = None,
    ) -> None:
        self.script, self.text, self.chars, self.spec = script, text, chars, spec
        shown = text if len(text) <= 40 else f"{text[:39]}…"
        super().__init__(
            f"no installed font draws {script_name(script)} text ({shown!r})",
            source=source,
            field=field,
            hint=(
                f"install one (Debian/Ubuntu: apt-get install {spec.package}) or put "
                f"{spec.files[0]} in a folder named by {FONT_DIR_ENV}"
            ),
        )

    def at(self, source: str, field: str) -> NoFontFor:
        """The same error, naming where the text comes from (``delegate 'x'``, ``name``)."""
        return NoFontFor(self.script, self.text, self.chars, self.spec, source=source, field=field)


def _invisible(char: str) -> bool:
    """Format characters (joiners, bidi marks and isolates): shaping uses them, no font
    needs to draw them."""
    return unicodedata.category(char) == "Cf" or char.isspace()


def _home(char: str, script: str, written_in: list[str]) -> str:
    """The script whose font sets *char*, in a run of *script* of a text written in the
    scripts *written_in*: a neutral character that only some scripts use (its Unicode
    Script_Extensions, as UAX #24 suggests) goes with one of them the text is written
    in, such as the Arabic comma between two Latin names in an Arabic sentence, which
    the Arabic font has; any other stays with its run."""
    if script_of(char) not in NEUTRAL:
        return script
    extensions = script_extensions(char)
    if script in extensions or extensions & NEUTRAL:
        return script
    return next((other for other in written_in if other in extensions), script)


_FAMILIES: dict[tuple[Path, int], str] = {}


def _family(path: Path, face: int) -> str:
    """A name for *path* (face *face*), the same in every document of the process."""
    return _FAMILIES.setdefault((path, face), f"script{len(_FAMILIES) + 1}")


@cache
def _face_number(path: Path, family: str | None) -> int:
    """The face of a font collection (``.ttc``) whose family is *family*; 0 otherwise."""
    with path.open("rb") as file:
        if family is None or file.read(4) != b"ttcf":
            return 0
    collection = ttLib.TTCollection(path, lazy=True)
    for number, font in enumerate(collection.fonts):
        if font["name"].getBestFamilyName() == family:
            return number
    return 0


@dataclass(frozen=True)
class Route:
    """The fonts of a text: the one it is set in, and for each character that one does
    not draw, the key of the font that does (fpdf2 asks for a fallback per character)."""

    font: TTFFont
    fallbacks: dict[str, str]


_Added = tuple[Path, int, bool, bool]
"""A font a route adds to its document: its file, face number, weight, and alphabet."""
_ROUTES: dict[tuple[str, bool, str, bool], tuple[tuple[_Added, ...], str, dict[str, str]]] = {}
"""Each text's route (by text, weight and :func:`.fonts.font_settings`), found once per
process: the fonts it added to its document, in order, the key of the font it is set
in, and its fallbacks. Finding one looks at every character's script and font; a
document reads the same labels, dates and titles as the last one, and adds the same
fonts in the same order (so that fonts are numbered, and a PDF's bytes are, as if it
had found them itself)."""
_ROUTES_KEPT = 2_000


def _pick_alphabet(font: TTFFont, loaded: LoadedFont) -> None:
    """Put *loaded*'s alphabet in *font*'s map of the glyphs its document embeds (as
    glyphs of no text: what is drawn maps them to its text again)."""
    index, metrics = loaded.glyph_index(), font.ttfont["hmtx"].metrics
    for name in loaded.alphabet():
        width = round(font.scale * metrics[name][0])
        glyph = font.subset.get_glyph(
            glyph=index[name], unicode=(), glyph_name=name, glyph_width=width
        )
        font.subset.pick_glyph(glyph)


class DocumentFonts:
    """The fonts of one PDF: DejaVu Sans for Latin, Greek and Cyrillic (the primary font),
    and for the runs of any other script (:func:`.scripts.script_runs`) the font of that
    script, added to the document the first time its text occurs."""

    def __init__(self, pdf: FPDF, latin: Path, bold: Path) -> None:
        self.pdf = pdf
        self._loaded: list[tuple[TTFFont, LoadedFont]] = []
        self.latin = {
            "": self._font("latin", "", latin, "common"),
            "B": self._font("latin", "B", bold, "common"),
        }
        self._plain = self._loaded[0][1].characters()
        for font in self.latin.values():
            for code in _ALWAYS:
                font.subset.pick(code)
        self.fallbacks: list[str] = []
        """The families of the fonts added for other scripts, in the order added."""
        self._added: dict[tuple[Path, int, str], TTFFont] = {}
        self._adding: list[_Added] | None = None
        """While a route is found: the fonts it adds, in order, for :data:`_ROUTES`."""

    def _font(
        self, family: str, style: str, path: Path, cut: str, face: int = 0, alphabet: bool = False
    ) -> TTFFont:
        """Add the font to the document; with *alphabet* (a font of a right-to-left
        script), with its alphabet drawn or not (:data:`_ALPHABETS`): shaping gives each
        name its own letter forms, and the subset is then the same for all."""
        loaded = _load(family, style, path, cut, face)
        font = add_font(self.pdf, loaded)
        self._loaded.append((font, loaded))
        if alphabet:
            _pick_alphabet(font, loaded)
        return font

    def subsets(self, reuse: bool = True) -> dict[int, Subset]:
        """Once the last text is drawn: the subset (:mod:`.pdf_embed`) each TrueType font
        of the document is written as, by font number. A font with CFF outlines (or, if
        not *reuse*, every font) gets a copy of the tables of its own instead, for fpdf2
        to subset as it writes it."""
        subsets = {}
        for font, loaded in self._loaded:
            if font.is_cff or not reuse:
                font.ttfont = ttLib.TTFont(
                    BytesIO(loaded.embeddable), recalcTimestamp=False, lazy=True
                )
            else:
                subsets[font.i] = subset_for(font, loaded)
        return subsets

    def plain(self, text: str) -> bool:
        """Text the cut-down Latin font draws alone, without shaping or fallback."""
        return self._plain.issuperset(text)

    def route(self, text: str, bold: bool) -> Route:
        """The font to set *text* in and the font key for each character that font does
        not draw; :class:`NoFontFor` if some script of it has no font.

        Text in one right-to-left script alone (with digits and punctuation) is set in
        that script's font, spaces too: fpdf2 shapes each stretch of one font apart, and
        spaces from the Latin font would cut a phrase into one piece per word. Text that
        mixes scripts keeps the Latin font's spaces, which Latin names are spaced with."""
        if not getattr(self.pdf, "reuse", True):
            return self._route(text, bold)
        key = (text, bold, *font_settings())
        adds, fontkey, fallbacks = remembered(
            _ROUTES, key, lambda: self._found(text, bold), _ROUTES_KEPT
        )
        for add in adds:  # the fonts the route needs join this document in the same order
            self._add(*add)
        font = self.pdf.fonts[fontkey]
        assert isinstance(font, TTFFont)
        return Route(font, fallbacks)

    def _found(self, text: str, bold: bool) -> tuple[tuple[_Added, ...], str, dict[str, str]]:
        """The route of *text* found in this document, as :data:`_ROUTES` keeps it (the
        fonts it adds are added here, once; replaying them again changes nothing)."""
        self._adding = []
        try:
            route = self._route(text, bold)
        finally:
            adding, self._adding = self._adding, None
        return tuple(adding), route.font.fontkey, route.fallbacks

    def _route(self, text: str, bold: bool) -> Route:
        cmap = self.latin[""].cmap
        runs = script_runs(text)
        region = cjk_region(script for script, _ in runs)
        written_in = [script for script, _ in runs]
        route: dict[str, str] = {}
        for script, run in runs:
            homes: dict[str, list[str]] = {}
            for char in run:
                if ord(char) not in cmap and char not in route:
                    homes.setdefault(_home(char, script, written_in), []).append(char)
            for home, needed in homes.items():
                self._route_run(home, run, needed, bold, region, route)
        latin = self.latin["B" if bold else ""]
        scripts = {script for script, _ in runs if script not in NEUTRAL}
        lead = next((route[c] for c in text if c in route and is_rtl(c)), None)
        if len(scripts) != 1 or lead is None:
            return Route(latin, route)
        primary = self.pdf.fonts[lead]
        assert isinstance(primary, TTFFont)
        rest = {c: route.get(c, latin.fontkey) for c in text if ord(c) not in primary.cmap}
        return Route(primary, rest)

    def _route_run(
        self, script: str, run: str, needed: list[str], bold: bool, region: str,
        route: dict[str, str],
    ) -> None:  # fmt: skip
        """Route *needed*, characters of *run* set as *script*, into *route*."""
        fonts = self._fonts(script, needed, bold, region)
        for char in needed:
            font = next((f for f in fonts if ord(char) in f.cmap), None)
            own = script_of(char)
            if font is None and own in NEUTRAL and not _invisible(char):
                # a symbol inside a run of letters: the symbol fonts may have it
                symbols = self._fonts(own, [char], bold, region)
                font = next((f for f in symbols if ord(char) in f.cmap), None)
            if font is not None:
                route[char] = font.fontkey
            elif not _invisible(char):
                missing = own if own in NEUTRAL else script
                spec = script_font(missing, False, region)
                raise NoFontFor(missing, run.strip(), "".join(needed), spec)
            elif fonts:
                route[char] = fonts[0].fontkey

    def _fonts(self, script: str, chars: list[str], bold: bool, region: str) -> list[TTFFont]:
        """Fonts of this document for *chars* of *script*: the script's own font (bold
        where *bold* and one is installed), then as many more as it takes to cover them."""
        visible = [c for c in chars if not _invisible(c)]
        chosen: list[TTFFont] = []

        def missing() -> list[str]:
            return [c for c in visible if not any(ord(c) in f.cmap for f in chosen)]

        alphabet = any(is_rtl(c) for c in visible)

        def take(path: Path, face: int, weight: bool) -> None:
            # Looked at in the per-process copy: only a font that helps joins the PDF.
            # Nothing visible to draw (bidi isolates alone): no font is even loaded.
            left = missing()
            if not left:
                return
            style = "B" if weight else ""
            cmap = _load(_family(path, face), style, path, "all", face).template.cmap
            if any(ord(c) in cmap for c in left):
                chosen.append(self._add(path, face, weight, alphabet))

        for weight in (True, False) if bold else (False,):
            spec = script_font(script, weight, region)
            for path in candidate_fonts(spec):
                take(path, _face_number(path, spec.face), weight)
                if not missing():
                    return chosen
        left = missing()
        matched = fc_match_charset(left) if left else None
        if matched is not None:
            take(*matched, False)
        return chosen or [self.latin["B" if bold else ""]]

    def _add(self, path: Path, face: int, bold: bool, alphabet: bool) -> TTFFont:
        if self._adding is not None:
            self._adding.append((path, face, bold, alphabet))
        style = "B" if bold else ""
        key = (path, face, style)
        if key not in self._added:
            family = _family(path, face)
            self._added[key] = self._font(family, style, path, "all", face, alphabet)
            if family not in self.fallbacks:
                self.fallbacks.append(family)
        return self._added[key]
