"""The one policy for the dates a format writes about itself, so that bytes repeat.

Never the clock or the host: an output's own date (iCalendar's DTSTAMP, the PDF's
creation date and footer) is the change ledger's latest ``last_modified`` where the
publisher keeps one, else the data's earliest instant. ``SOURCE_DATE_EPOCH``
(reproducible-builds.org) overrides both for the formats that print their date.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from icssi_itinerary import DateSpan, ItineraryItem, RenderOptions

__all__ = ["EPOCH", "first_instant", "generated"]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""The date of an output with nothing in it."""


def first_instant(items: Iterable[ItineraryItem]) -> datetime:
    """The earliest instant of *items*, in UTC; a date counts from 00:00 UTC (zone-free)."""
    return min((_start(item) for item in items), default=EPOCH)


def _start(item: ItineraryItem) -> datetime:
    span = item.span
    if isinstance(span, DateSpan):
        day = span.first_day
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    return span.start.astimezone(UTC)


def generated(options: RenderOptions, items: Iterable[ItineraryItem]) -> datetime:
    """When an output says it was made: ``SOURCE_DATE_EPOCH``, else the ledger's latest
    change, else :func:`first_instant`."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    changes = [
        _as_utc(change.get("last_modified"))
        for change in (options.ledger or {}).values()
        if isinstance(change, Mapping)
    ]
    known = [moment for moment in changes if moment is not None]
    return max(known) if known else first_instant(items)


def _as_utc(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None
