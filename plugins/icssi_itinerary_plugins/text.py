"""Plain-text programme and itinerary: printable, grouped by day, both clocks shown.

What a row says comes from :mod:`.agenda`, imported (with the time zones) on first render.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from icssi_itinerary import Exporter, hookimpl

if TYPE_CHECKING:
    from icssi_itinerary import Contact, Itinerary, Programme, RenderOptions, Timezone

    from .agenda import Day

_COLUMN = 24
_STATUS = {"tentative": "  [to be confirmed]", "cancelled": "  [CANCELLED]", "confirmed": ""}


def _row(when: str, text: str) -> str:
    return f"  {when:<{_COLUMN}}{text}".rstrip()


def _days(days: Iterable[Day], other: Timezone | None) -> list[str]:
    from .formatting import zone_label

    lines: list[str] = []
    for day in days:
        lines += ["", day.heading, "-" * len(day.heading)]
        for row in day.rows:
            indent = "  " * row.depth
            if row.now_in and row.kind != "leg":
                lines.append(f"  >> now in {row.now_in} (clocks: {row.clocks})")
            lines.append(_row(row.when, f"{indent}{row.title}{_STATUS[row.status]}"))
            lines.append(_row("", f"{indent}{row.place}"))
            if row.when_elsewhere is not None and other is not None:
                lines.append(_row("", f"{indent}{row.when_elsewhere} in {zone_label(other)}"))
            if row.now_in and row.kind == "leg":
                lines.append(f"  >> arriving in {row.now_in} (clocks: {row.clocks})")
    return lines


def _clock_note(other: Timezone | None) -> str:
    from .formatting import zone_label

    if other is None:
        return "Times are local to where each thing happens."
    return f"Times are local to where each thing happens; a second line gives {zone_label(other)}."


def programme_text(programme: Programme, options: RenderOptions) -> bytes:
    """The whole programme as plain text."""
    from icssi_itinerary import sort_key

    from .agenda import agenda
    from .formatting import printable_bytes

    other = options.display_zone()
    lines = [programme.title, "=" * len(programme.title)]
    lines += [f"Organised by {programme.organiser}"] if programme.organiser else []
    lines += [_clock_note(other)]
    lines += _days(agenda(sorted(programme.events, key=sort_key), programme, other), other)
    lines += _footer(programme, programme.contacts)
    return printable_bytes("\n".join(lines) + "\n")


def itinerary_text(itinerary: Itinerary, options: RenderOptions) -> bytes:
    """One delegate's itinerary as plain text."""
    from .agenda import agenda
    from .formatting import printable_bytes

    delegate, programme = itinerary.delegate, itinerary.programme
    other = options.display_zone(itinerary)
    title = f"Itinerary for {delegate.name}"
    lines = [title, "=" * len(title)]
    lines += [line for line in (delegate.name_native, delegate.organisation) if line]
    lines += [programme.title, _clock_note(other)]

    lines += _days(agenda(itinerary.items, programme, other), other)
    contacts = {c.id: c for event in itinerary.events for c in event.contacts}
    lines += _footer(programme, contacts.values())
    if options.show_problems and itinerary.problems:
        lines += ["", "Problems found by the checks", "----------------------------"]
        lines += [f"  {p.severity}: {p.code}: {p.message}" for p in itinerary.problems]
    return printable_bytes("\n".join(lines) + "\n")


def _footer(programme: Programme, contacts: Iterable[Contact]) -> list[str]:
    lines = [""]
    if programme.livestream:
        lines.append(f"Livestream: {programme.livestream}")
    if programme.hashtag:
        lines.append(f"Hashtag: {programme.hashtag}")
    people = list(contacts)
    if people:
        lines += ["", "Contacts"]
        for contact in people:
            details = ", ".join(part for part in (contact.phone, contact.email) if part)
            lines.append(f"  {contact.name}: {details}".rstrip(": "))
    return lines


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    """Register the ``text`` format."""
    register(
        Exporter(
            name="text",
            suffix=".txt",
            media_type="text/plain; charset=utf-8",
            render_programme=programme_text,
            render_itinerary=itinerary_text,
            description="Plain text, grouped by day, venue time and home time side by side",
        )
    )
