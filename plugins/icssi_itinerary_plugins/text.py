"""Plain-text programme and itinerary: printable, grouped by day, both clocks shown.

What a row says comes from :mod:`.agenda`, imported (with the time zones) on first render.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from icssi_itinerary import Exporter, hookimpl

if TYPE_CHECKING:
    from icssi_itinerary import Contact, Itinerary, Programme, Reader, RenderOptions, Timezone

    from .agenda import Day

_WIDEST_COLUMN = 34
"""Time labels wider than this go on a line of their own, above the title."""


def _status(status: str, reader: Reader) -> str:
    if status == "tentative":
        return "  [" + reader.gettext("to be confirmed") + "]"
    if status == "cancelled":
        return "  [" + reader.gettext("CANCELLED") + "]"
    return ""


def _days(days: Sequence[Day], other: Timezone | None, reader: Reader) -> list[str]:
    from .formatting import zone_label

    labels = [row.when for day in days for row in day.rows]
    column = min(max((len(label) for label in labels), default=0) + 2, _WIDEST_COLUMN)

    def line(when: str, text: str) -> list[str]:
        if len(when) > column - 2:  # never run a long label into the text
            return [f"  {when}", f"  {'':<{column}}{text}".rstrip()]
        return [f"  {when:<{column}}{text}".rstrip()]

    lines: list[str] = []
    for day in days:
        lines += ["", day.heading, "-" * len(day.heading)]
        for row in day.rows:
            indent = "  " * row.depth
            if row.now_in and row.kind != "leg":
                moved = reader.gettext("now in %(city)s", city=row.now_in)
                lines.append(f"  >> {moved} ({row.clocks})")
            lines += line(row.when, f"{indent}{row.title}{_status(row.status, reader)}")
            lines += line("", f"{indent}{row.place}")
            if row.when_elsewhere is not None and other is not None:
                there = f"{row.when_elsewhere} ({zone_label(other, reader)})"
                lines += line("", f"{indent}{there}")
            if row.now_in and row.kind == "leg":
                moved = reader.gettext("arriving in %(city)s", city=row.now_in)
                lines.append(f"  >> {moved} ({row.clocks})")
    return lines


def _clock_note(other: Timezone | None, reader: Reader) -> str:
    from .formatting import zone_label

    if other is None:
        return reader.gettext("Times are local to where each thing happens.")
    return reader.gettext(
        "Times are local to where each thing happens; a second line gives %(zone)s.",
        zone=zone_label(other, reader),
    )


def _document(lines: list[str], reader: Reader) -> str:
    """The lines as one text; for a right-to-left reader each line opens with a
    RIGHT-TO-LEFT MARK, so that viewers lay it out right to left whatever it starts with
    (a time, a Latin name)."""
    if reader.direction == "rtl":
        lines = [f"\u200f{line}" if line else line for line in lines]
    return "\n".join(lines) + "\n"


def _underlined(title: str, mark: str) -> list[str]:
    return [title, mark * len(title)]


def programme_text(programme: Programme, options: RenderOptions) -> bytes:
    """The whole programme as plain text."""
    from icssi_itinerary import reader, sort_key

    from .agenda import agenda
    from .formatting import printable_bytes

    words = reader(options.language)
    other = options.display_zone()
    lines = _underlined(programme.title, "=")
    if programme.organiser:
        lines.append(words.gettext("Organised by %(organiser)s", organiser=programme.organiser))
    lines += [_clock_note(other, words)]
    events = sorted(programme.events, key=sort_key)
    lines += _days(agenda(events, programme, other, words), other, words)
    lines += _footer(programme, programme.contacts, words)
    return printable_bytes(_document(lines, words))


def itinerary_text(itinerary: Itinerary, options: RenderOptions) -> bytes:
    """One delegate's itinerary as plain text."""
    from icssi_itinerary import reader

    from .agenda import agenda
    from .formatting import printable_bytes

    delegate, programme = itinerary.delegate, itinerary.programme
    words = reader(options.language or delegate.language)
    other = options.display_zone(itinerary)
    lines = _underlined(words.gettext("Itinerary for %(name)s", name=delegate.name), "=")
    lines += [line for line in (delegate.name_native, delegate.organisation) if line]
    lines += [programme.title, _clock_note(other, words)]

    lines += _days(agenda(itinerary.items, programme, other, words), other, words)
    contacts = {c.id: c for event in itinerary.events for c in event.contacts}
    lines += _footer(programme, contacts.values(), words)
    if options.show_problems and itinerary.problems:
        lines += ["", *_underlined(words.gettext("Problems found by the checks"), "-")]
        lines += [f"  {p.severity}: {p.code}: {p.message}" for p in itinerary.problems]
    return printable_bytes(_document(lines, words))


def _footer(programme: Programme, contacts: Iterable[Contact], reader: Reader) -> list[str]:
    lines = [""]
    if programme.livestream:
        lines.append(reader.gettext("Livestream: %(url)s", url=programme.livestream))
    if programme.hashtag:
        lines.append(reader.gettext("Hashtag: %(hashtag)s", hashtag=programme.hashtag))
    people = list(contacts)
    if people:
        lines += ["", reader.gettext("Contacts")]
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
