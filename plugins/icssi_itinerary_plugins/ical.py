"""iCalendar feeds (RFC 5545 + RFC 7986): the programme, and one personal feed per delegate.

This module only registers the format; the feeds are written by :mod:`.ical_feed`, which
imports icalendar when the first feed is made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from icssi_itinerary import Exporter, hookimpl

if TYPE_CHECKING:
    from icssi_itinerary import Itinerary, Programme, RenderOptions

__all__ = ["itinerary_feed", "programme_feed"]


def programme_feed(programme: Programme, options: RenderOptions) -> bytes:
    """The public programme feed: every event and session, no personal data."""
    from . import ical_feed

    return ical_feed.programme_feed(programme, options)


def itinerary_feed(itinerary: Itinerary, options: RenderOptions) -> bytes:
    """A delegate's personal feed: their events, travel legs and stays."""
    from . import ical_feed

    return ical_feed.itinerary_feed(itinerary, options)


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    """Register the ``ical`` format."""
    register(
        Exporter(
            name="ical",
            suffix=".ics",
            media_type="text/calendar; charset=utf-8",
            render_programme=programme_feed,
            render_itinerary=itinerary_feed,
            description="iCalendar feed (RFC 5545) for calendar apps",
            purpose="feed",
        )
    )
