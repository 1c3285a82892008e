"""What changed at a publish, said so a coordinator can act on it.

Each :class:`Change` names one item (or one delegate), what happened to it, before and
after, and who it affects. :func:`describe` makes the one line the CLI prints;
:func:`change_report` the versioned ``changes.json`` (schema in
``docs/schemas/changes-1.schema.json``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

import pendulum

from .model import Event, ItineraryItem, Stay, TravelLeg
from .timing import DateSpan, Span

__all__ = [
    "CHANGES_FORMAT",
    "Change",
    "ChangeKind",
    "change_report",
    "changed_fields",
    "describe",
    "format_span",
]

CHANGES_FORMAT = 1
"""The version of ``changes.json``'s layout."""

ChangeKind = Literal[
    "added",
    "moved",
    "changed",
    "cancelled",
    "restored",
    "joined",
    "left",
    "delegate-added",
    "delegate-removed",
]
"""``added``/``moved`` (time or place)/``changed`` (title, details)/``cancelled``/
``restored``: the item itself (in the programme, or
a delegate's own leg or stay); ``joined``/``left``: the item is unchanged but is now in,
or no longer in, these delegates' itineraries; ``delegate-*``: a roster row came or went."""


@dataclass(frozen=True)
class Change:
    """What happened to one UID (or, for ``delegate-*``, one delegate id) at a publish."""

    uid: str
    kind: ChangeKind
    before: ItineraryItem | None
    after: ItineraryItem | None
    delegates: tuple[str, ...] = ()
    """Who it affects: delegate ids, sorted."""

    def affecting(self, delegates: set[str]) -> Change:
        """This change, affecting *delegates*."""
        return replace(self, delegates=tuple(sorted(delegates)))


_FIELDS: dict[type, dict[str, tuple[str, ...]]] = {
    Event: {
        "time": ("span",),
        "place": ("venue",),
        "status": ("status",),
        "title": ("title",),
        "details": ("kind", "parent", "follows", "description", "url", "contacts", "tags"),
    },
    TravelLeg: {
        "time": ("span",),
        "place": ("origin", "destination", "origin_place", "destination_place"),
        "status": ("status",),
        "title": ("mode", "reference"),
    },
    Stay: {
        "time": ("check_in", "check_out", "zone"),
        "place": ("name", "city", "address"),
        "status": ("status",),
    },
}


def changed_fields(before: ItineraryItem, after: ItineraryItem) -> list[str]:
    """Which of ``time``, ``place``, ``status``, ``title``, ``details`` differ."""
    groups = _FIELDS[type(after)]
    return [
        group
        for group, names in groups.items()
        if any(getattr(before, name, None) != getattr(after, name, None) for name in names)
    ]


def _moment(moment: pendulum.DateTime) -> str:
    return f"{moment:%d %b %Y %H:%M} {moment.tzname()} ({moment.timezone_name})"


def format_span(span: Span) -> str:
    """Both ends with their dates and zones, e.g. ``27 Mar 2014 23:55 +03 (Asia/Baghdad)``
    to ``28 Mar 2014 05:55 +04 (Asia/Dubai)``; whole days as ``27 Oct 2014`` to
    ``29 Oct 2014 (Europe/Oslo)``, joined by an en dash."""
    if isinstance(span, DateSpan):
        days = f"{span.first_day:%d %b %Y}"
        if span.last_day != span.first_day:
            days += f" – {span.last_day:%d %b %Y}"
        part = f" {span.part_of_day}" if span.part_of_day else ""
        return f"{days}{part} ({span.zone.key})"
    start, end = span.start, span.end
    if start.date() == end.date() and start.timezone_name == end.timezone_name:
        return f"{start:%d %b %Y %H:%M}–{end:%H:%M} {end.tzname()} ({end.timezone_name})"
    return f"{_moment(start)} – {_moment(end)}"


def _place(item: ItineraryItem) -> str:
    if isinstance(item, Event):
        return item.venue.location
    if isinstance(item, TravelLeg):
        origin = item.origin_place or item.origin
        return f"{origin} → {item.destination_place or item.destination}"
    return ", ".join(part for part in (item.name, item.address, item.city) if part)


def _label(item: ItineraryItem) -> str:
    return f"{_item_kind(item)} '{item.title}'"


def describe(change: Change) -> str:
    """One line: the item, what changed with before → after, and who is affected."""
    if change.kind == "delegate-added":
        text = f"delegate '{change.uid}' added to the roster: their itinerary is published"
    elif change.kind == "delegate-removed":
        text = (
            f"delegate '{change.uid}' removed from the roster: "
            "their folder and feed are no longer published"
        )
    else:
        text = _describe_item(change)
    return text + _affects(change.delegates, change.kind.startswith("delegate-"))


def _describe_item(change: Change) -> str:
    item = change.after or change.before
    assert item is not None
    label, when = _label(item), format_span(item.span)
    before, after = change.before, change.after
    if change.kind == "added":
        return f"{label} added: {when}, {_place(item)}"
    if change.kind == "joined":
        return f"{label} ({when}) is now in the itinerary of"
    if change.kind == "left":
        return f"{label} ({when}) is no longer in the itinerary of"
    if after is None:  # cancelled: gone from the file
        source = "programme" if isinstance(item, Event) else "roster"
        return f"{label} cancelled: removed from the {source} (was {when})"
    if before is None:
        return f"{label} {change.kind}: {when}, {_place(item)}"
    parts = []
    fields = changed_fields(before, after)
    if "status" in fields:
        parts.append(f"status {before.status} → {after.status}")
    if "title" in fields:
        parts.append(f"title '{before.title}' → '{after.title}'")
    if "time" in fields:
        parts.append(f"time {format_span(before.span)} → {format_span(after.span)}")
    if "place" in fields:
        parts.append(f"place {_place(before)} → {_place(after)}")
    if "details" in fields:
        parts.append("details changed")
    verb = change.kind
    return f"{_label(before)} {verb}: " + "; ".join(parts or ["no visible field changed"])


def _affects(delegates: tuple[str, ...], named: bool) -> str:
    if named:
        return ""
    count = len(delegates)
    shown = ", ".join(delegates[:5]) + (f" and {count - 5} more" if count > 5 else "")
    people = f"{count} delegate{'s' * (count != 1)}"
    return f"; affects {people}" + (f" ({shown})" if count else "")


def _item_facts(item: ItineraryItem | None) -> dict[str, Any] | None:
    if item is None:
        return None
    span = item.span
    when: dict[str, Any]
    if isinstance(span, DateSpan):
        when = {
            "first_day": span.first_day.isoformat(),
            "last_day": span.last_day.isoformat(),
            "zone": span.zone.key,
        }
    else:
        when = {
            "start": span.start.isoformat(),
            "start_zone": span.start.timezone_name,
            "end": span.end.isoformat(),
            "end_zone": span.end.timezone_name,
        }
    return {"title": item.title, "status": item.status, "place": _place(item), **when}


def _item_kind(item: ItineraryItem) -> str:
    if isinstance(item, Event):
        return "event"
    return "leg" if isinstance(item, TravelLeg) else "stay"


def change_report(changes: list[Change], published_at: datetime, site: str) -> dict[str, Any]:
    """``changes.json``: the format version, when, which site version, every change."""
    entries = []
    for change in changes:
        item = change.after or change.before
        entry: dict[str, Any] = {
            "uid": None if item is None else change.uid,
            "item": "delegate" if item is None else _item_kind(item),
            "id": change.uid if item is None else item.id,
            "change": change.kind,
            "fields": (
                changed_fields(change.before, change.after)
                if change.before is not None and change.after is not None
                else []
            ),
            "before": _item_facts(change.before),
            "after": _item_facts(change.after),
            "summary": describe(change),
            "delegates": list(change.delegates),
        }
        entries.append(entry)
    return {
        "format": "icssi-itinerary/changes",
        "version": CHANGES_FORMAT,
        "published_at": published_at.isoformat().replace("+00:00", "Z"),
        "site_version": site,
        "changes": entries,
    }
