"""Plain-text programme and itinerary: printable, grouped by day, both clocks shown."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from icssi_itinerary import (
    Event,
    Exporter,
    Itinerary,
    ItineraryItem,
    Programme,
    RenderOptions,
    Stay,
    Timezone,
    TravelLeg,
    hookimpl,
    sort_key,
)

from .formatting import arrival_city, day_heading, local_day, span_label, zone_label

_COLUMN = 24
_STATUS = {"tentative": "  [to be confirmed]", "cancelled": "  [CANCELLED]", "confirmed": ""}


def _row(when: str, text: str) -> str:
    return f"  {when:<{_COLUMN}}{text}".rstrip()


def _item_lines(item: ItineraryItem, other: Timezone | None, indent: str) -> list[str]:
    local, elsewhere = span_label(item.span, other)
    if isinstance(item, Event):
        lines = [
            _row(local, f"{indent}{item.title}{_STATUS[item.status]}"),
            _row("", f"{indent}{item.venue.location}"),
        ]
    elif isinstance(item, TravelLeg):
        lines = [_row(local, item.title)]
        if item.origin_place or item.destination_place:
            places = (
                f"{item.origin_place or item.origin} → {item.destination_place or item.destination}"
            )
            lines.append(_row("", places))
    else:
        lines = [_row(local, item.title), _row("", item.address or item.city)]
    if elsewhere is not None and other is not None:
        lines.append(_row("", f"{indent}{elsewhere} in {zone_label(other)}"))
    return lines


def _days(
    items: Iterable[ItineraryItem], other: Timezone | None, indent: Callable[[ItineraryItem], str]
) -> list[str]:
    lines: list[str] = []
    day = None
    city = None
    for item in items:
        if local_day(item) != day:
            day = local_day(item)
            lines += ["", day_heading(day), "-" * len(day_heading(day))]
        here = arrival_city(item)
        if (
            isinstance(item, Event | Stay)
            and city is not None
            and here.casefold() != city.casefold()
        ):
            lines.append(f"  >> now in {here} (clocks: {zone_label(item.span.zone)})")
        lines += _item_lines(item, other, indent(item))
        if isinstance(item, TravelLeg) and (city is None or here.casefold() != city.casefold()):
            tz = item.span.end.tzinfo
            lines.append(f"  >> arriving in {here} (clocks: {getattr(tz, 'key', tz)})")
        city = here
    return lines


def _clock_note(other: Timezone | None) -> str:
    if other is None:
        return "Times are local to where each thing happens."
    return f"Times are local to where each thing happens; a second line gives {zone_label(other)}."


def render_programme(programme: Programme, options: RenderOptions) -> bytes:
    """The whole programme as plain text."""
    other = options.display_zone()
    lines = [programme.title, "=" * len(programme.title)]
    lines += [f"Organised by {programme.organiser}"] if programme.organiser else []
    lines += [_clock_note(other)]
    events = sorted(programme.events, key=sort_key)
    lines += _days(events, other, lambda e: "  " * programme.depth(e))  # type: ignore[arg-type]
    lines += _footer(programme, programme.contacts)
    return ("\n".join(lines) + "\n").encode("utf-8")


def render_itinerary(itinerary: Itinerary, options: RenderOptions) -> bytes:
    """One delegate's itinerary as plain text."""
    delegate, programme = itinerary.delegate, itinerary.programme
    other = options.display_zone(itinerary)
    title = f"Itinerary for {delegate.name}"
    lines = [title, "=" * len(title)]
    lines += [line for line in (delegate.name_native, delegate.organisation) if line]
    lines += [programme.title, _clock_note(other)]

    def indent(item: ItineraryItem) -> str:
        return "  " * programme.depth(item) if isinstance(item, Event) else ""

    lines += _days(itinerary.items, other, indent)
    contacts = {c.id: c for event in itinerary.events for c in event.contacts}
    lines += _footer(programme, contacts.values())
    if options.show_problems and itinerary.problems:
        lines += ["", "Problems found by the checks", "----------------------------"]
        lines += [f"  {p.severity}: {p.code}: {p.message}" for p in itinerary.problems]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _footer(programme: Programme, contacts: Iterable[object]) -> list[str]:
    lines = [""]
    if programme.livestream:
        lines.append(f"Livestream: {programme.livestream}")
    if programme.hashtag:
        lines.append(f"Hashtag: {programme.hashtag}")
    people = list(contacts)
    if people:
        lines += ["", "Contacts"]
        for contact in people:
            details = ", ".join(
                part
                for part in (getattr(contact, "phone", None), getattr(contact, "email", None))
                if part
            )
            lines.append(f"  {getattr(contact, 'name', '')}: {details}".rstrip(": "))
    return lines


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    """Register the ``text`` format."""
    register(
        Exporter(
            name="text",
            suffix=".txt",
            media_type="text/plain; charset=utf-8",
            render_programme=render_programme,
            render_itinerary=render_itinerary,
            description="Plain text, grouped by day, venue time and home time side by side",
        )
    )
