"""Printable A4 itineraries (PDF): what a delegate carries through airports and to a consulate.

Drawn with fpdf2, chosen by measurement (see ``benchmarks/pdf_libraries.py`` and
``docs/pdf.md``). Latin text is set in DejaVu Sans; Arabic falls back to Noto Naskh Arabic
and is shaped and ordered right to left by HarfBuzz. Fonts are found on the system
(:mod:`.fonts`), parsed once per process (:mod:`.pdf_fonts`) and embedded as subsets;
pages are laid out by :mod:`.pdf_layout` and say what :mod:`.pdf_pages` writes.

Bytes are deterministic (:mod:`.stamps`). This module only registers the format: fpdf2,
HarfBuzz and fontTools are imported when the first PDF is drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from icssi_itinerary import Exporter, hookimpl

if TYPE_CHECKING:
    from icssi_itinerary import Itinerary, Programme, RenderOptions

__all__ = ["itinerary_pdf", "programme_pdf"]


def itinerary_pdf(itinerary: Itinerary, options: RenderOptions) -> bytes:
    """One delegate's itinerary as an A4 PDF."""
    from . import pdf_pages

    return pdf_pages.itinerary_pdf(itinerary, options)


def programme_pdf(programme: Programme, options: RenderOptions) -> bytes:
    """The whole public programme as an A4 PDF (no personal data)."""
    from . import pdf_pages

    return pdf_pages.programme_pdf(programme, options)


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    """Register the ``pdf`` format."""
    register(
        Exporter(
            name="pdf",
            suffix=".pdf",
            media_type="application/pdf",
            render_programme=programme_pdf,
            render_itinerary=itinerary_pdf,
            description="Printable A4 PDF: both clocks, nights by city, QR code of the feed",
            purpose="printout",
        )
    )
