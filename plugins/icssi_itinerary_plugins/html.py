"""HTML pages: the programme, and one self-contained page per delegate.

Every page is one file, phone first and in the reader's language: the stylesheet and the
small "now and next" script are inline (allowed by hash in the page's own
Content-Security-Policy), nothing is fetched from elsewhere (no fonts, external scripts
or images), so a page opens offline, survives being sent as an attachment and prints
cleanly on A4. What a row says (its day, both clocks, where the city changes) comes
from :mod:`.agenda`; :mod:`.html_page` only decides how it is marked up, and is imported
(with Jinja2, MarkupSafe and segno) on the first page rendered.

Templates are Jinja2 with autoescaping on; coordinators can put their own
``programme.html``, ``itinerary.html``, ``base.html``, ``macros.html``, ``style.css`` or
``next.js``
in a folder and pass it as ``--option html.template_dir=DIR`` (``RenderOptions.extra["html"]
["template_dir"]``): templates found there win, the rest come from the built-in set.
Templates only ever see the views built there, so no template can print what the page
must not show (the delegate's email address, for one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from icssi_itinerary import Exporter, hookimpl

if TYPE_CHECKING:
    from icssi_itinerary import Itinerary, Programme, RenderOptions

__all__ = ["itinerary_page", "programme_page"]


def programme_page(programme: Programme, options: RenderOptions) -> bytes:
    """The public programme page: every event in order, sessions nested, day by day."""
    from . import html_page

    return html_page.programme_page(programme, options)


def itinerary_page(itinerary: Itinerary, options: RenderOptions) -> bytes:
    """One delegate's page: events, legs and stays, both clocks, city changes."""
    from . import html_page

    return html_page.itinerary_page(itinerary, options)


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    """Register the ``html`` format."""
    register(
        Exporter(
            name="html",
            suffix=".html",
            media_type="text/html; charset=utf-8",
            render_programme=programme_page,
            render_itinerary=itinerary_page,
            description="Self-contained HTML page: both clocks, prints on A4",
            purpose="page",
        )
    )
