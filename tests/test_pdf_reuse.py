"""What a PDF reuses from the documents drawn before it in the process (the fonts' subsets,
plugins/icssi_itinerary_plugins/pdf_embed.py; the widths of shaped text and its cut into
fragments, pdf_layout.py; each text's fonts, pdf_fonts.py; HarfBuzz's glyphs, pdf_shaping.py)
changes none of its bytes.

Oracle: fpdf2 alone. With ``Document.reuse`` off, every document measures its text and
hands each font to fpdf2, which subsets it with fontTools as it writes it: the previous
code path. Both paths must write the same bytes, for every script (Noto Sans CJK's CFF
outlines are written by fpdf2 either way) and in any order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from icssi_itinerary import (
    Itinerary,
    Programme,
    RenderOptions,
    Roster,
    build_itinerary,
    render_itinerary,
    render_programme,
)
from icssi_itinerary.plugins import get_exporters
from icssi_itinerary_plugins import pdf_embed, pdf_fonts, pdf_layout
from icssi_itinerary_plugins.fonts import candidate_fonts, script_font

# Names in the scripts that take other fonts than DejaVu Sans, and the script's code.
# The second Arabic name is written with its vowel marks, which HarfBuzz places with an
# offset of their own: fpdf2 moves the text matrix for each.
NATIVE = [("أمل كريم", "Arab"), ("נועה כהן", "Hebr"), ("सुमन राव", "Deva"), ("王小明", "Hani")]
NATIVE += [("مُحَمَّد عَلِيّ", "Arab")]
FEED = {"feed": "https://example.org/f/3f9a1c.ics", "page": "https://example.org/p/3f9a1c/"}


def forget() -> None:
    """Forget every subset, cut, width, fragment, route and shaping remembered so far, as in
    a new process."""
    pdf_embed._subset.cache_clear()
    pdf_embed._cut.cache_clear()
    pdf_embed._CID_MAPS.clear()
    pdf_embed._CMAPS.clear()
    pdf_embed._WIDTHS.clear()
    pdf_layout._SHAPED_WIDTHS.clear()
    pdf_layout._PIECES.clear()
    pdf_layout._WRAPS.clear()
    pdf_fonts._ROUTES.clear()
    for loaded in pdf_fonts._LOADED.values():
        loaded.template.remember()


def shaped_remembered() -> int:
    """How many texts the loaded fonts remember HarfBuzz's glyphs of."""
    return sum(len(loaded.template.plans or ()) for loaded in pdf_fonts._LOADED.values())


def offset_glyphs_remembered() -> int:
    """How many of the glyphs remembered are placed with an offset of their own."""
    plans = [loaded.template.plans or {} for loaded in pdf_fonts._LOADED.values()]
    glyphs = [glyph for plan in plans for glyphs in plan.values() for glyph in glyphs]
    return sum(1 for _, _, _, x_offset, y_offset, _ in glyphs if x_offset or y_offset)


@pytest.fixture
def itineraries(programme: Programme, roster: Roster) -> Iterator[list[Itinerary]]:
    """The sample delegates, and some of them with a name in each script above."""
    sample = [build_itinerary(programme, delegate) for delegate in roster.delegates]
    renamed = []
    for itinerary, (native, script) in zip(sample, NATIVE, strict=False):
        if candidate_fonts(script_font(script)):
            delegate = replace(itinerary.delegate, name_native=native)
            renamed.append(replace(itinerary, delegate=delegate))
    forget()
    yield sample + renamed
    forget()


def pdfs(itineraries: list[Itinerary], programme: Programme, reuse: bool) -> list[bytes]:
    """Each itinerary in English and in Arabic, then the programme in both, as PDFs."""
    pdf = get_exporters()["pdf"]
    pdf_layout.Document.reuse = reuse
    try:
        out = []
        for language in ("en", "ar"):
            options = RenderOptions(language=language, links=FEED)
            out += [render_itinerary(pdf, itinerary, options) for itinerary in itineraries]
            out.append(render_programme(pdf, programme, options))
        return out
    finally:
        pdf_layout.Document.reuse = True


def test_reused_subsets_and_widths_make_the_bytes_fpdf2_makes_alone(
    itineraries: list[Itinerary], programme: Programme
) -> None:
    alone = pdfs(itineraries, programme, reuse=False)
    reused = pdfs(itineraries, programme, reuse=True)
    assert len(reused) == 2 * len(itineraries) + 2
    assert [hash(data) for data in reused] == [hash(data) for data in alone]
    assert pdf_embed._subset.cache_info().hits > 0  # something was in fact reused
    assert pdf_embed._cut.cache_info().hits > 0
    assert pdf_layout._SHAPED_WIDTHS and pdf_layout._PIECES
    assert pdf_fonts._ROUTES and shaped_remembered() > 0
    assert offset_glyphs_remembered() > 0  # drawn again from the plan, with a Tm each


def test_a_pdf_does_not_depend_on_what_the_process_drew_before(
    itineraries: list[Itinerary], programme: Programme
) -> None:
    first = pdfs(itineraries, programme, reuse=True)
    forget()
    backwards = pdfs(itineraries[::-1], programme, reuse=True)
    count = len(itineraries)
    # the same documents, drawn in the other order in a process that had forgotten all
    for language in range(2):
        start = language * (count + 1)
        assert backwards[start : start + count][::-1] == first[start : start + count]
        assert backwards[start + count] == first[start + count]
