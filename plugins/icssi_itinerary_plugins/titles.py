"""What each item is called, in the reader's language: an event by its own title, a
journey by its means and route (``Flight TK 1755 Istanbul → Oslo``), a stay by its hotel.

Names from the data (places, hotels, flight numbers) stay as the data gives them; only
the words around them are translated, the arrow included (Arabic points it left).
"""

from __future__ import annotations

from icssi_itinerary import Event, ItineraryItem, Reader, Stay, TravelLeg

from .formatting import N_

__all__ = ["TRAVEL_MODES", "isolated", "item_place", "item_title", "route", "travel_mode"]

TRAVEL_MODES = {
    "flight": N_("Flight"),
    "train": N_("Train"),
    "bus": N_("Bus"),
    "coach": N_("Coach"),
    "ferry": N_("Ferry"),
    "car": N_("Car"),
    "taxi": N_("Taxi"),
    "walk": N_("Walk"),
}
"""The travel modes the built-in formats translate; any other mode is shown as given."""


def travel_mode(leg: TravelLeg, reader: Reader) -> str:
    """``Flight``: the leg's means of travel in the reader's language."""
    mode = leg.mode.strip()
    known = TRAVEL_MODES.get(mode.casefold())
    return reader.gettext(known) if known else mode.capitalize()


def isolated(name: str, reader: Reader) -> str:
    """*name* as a bidi isolate (U+2068 … U+2069) for a right-to-left reader, so that
    a Latin name keeps its place in an Arabic line (an arrow between two Latin names
    would otherwise be read as part of them and point the wrong way)."""
    return f"\u2068{name}\u2069" if reader.direction == "rtl" else name


def route(origin: str, destination: str, reader: Reader) -> str:
    """``Istanbul → Oslo``, the arrow pointing the way the reader reads."""
    return reader.gettext(
        "%(origin)s → %(destination)s",
        origin=isolated(origin, reader),
        destination=isolated(destination, reader),
    )


def item_title(item: ItineraryItem, reader: Reader) -> str:
    """The item's title: an event's own; ``Flight TK 1755 Istanbul → Oslo``;
    ``Stay: Hotel Bristol, Oslo``."""
    if isinstance(item, Event):
        return item.title
    if isinstance(item, TravelLeg):
        means = " ".join(part for part in (travel_mode(item, reader), item.reference) if part)
        return f"{means} {route(item.origin, item.destination, reader)}"
    assert isinstance(item, Stay)
    return reader.gettext("Stay: %(hotel)s, %(city)s", hotel=item.name, city=item.city)


def item_place(item: ItineraryItem, reader: Reader) -> str:
    """Where the item is: a venue's location, a journey's two ends, a hotel's address."""
    if isinstance(item, Event):
        return item.venue.location
    if isinstance(item, TravelLeg):
        origin = item.origin_place or item.origin
        return route(origin, item.destination_place or item.destination, reader)
    return ", ".join(part for part in (item.name, item.address or item.city) if part)
