"""The things an itinerary is made of, as frozen dataclasses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from .pickled_state import set_state
from .timing import DateSpan, Span, TimeSpan, Timezone

if TYPE_CHECKING:
    from .checks import Problem

__all__ = [
    "Contact",
    "Delegate",
    "Event",
    "EventSelection",
    "Itinerary",
    "ItineraryItem",
    "Programme",
    "Roster",
    "Status",
    "Stay",
    "TravelLeg",
    "Venue",
]

Status = Literal["confirmed", "tentative", "cancelled"]


@dataclass(frozen=True)
class Contact:
    """A published contact person for one or more events."""

    id: str
    name: str
    phone: str | None = None
    email: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class Venue:
    """A place where events happen; its zone sets the wall clock of its events."""

    id: str
    name: str
    city: str
    zone: Timezone
    country: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    url: str | None = None
    note: str | None = None

    @property
    def location(self) -> str:
        """Name, address, city and country, as one line (nothing unknown is added)."""
        parts = [self.name, self.address, self.city, self.country]
        seen: list[str] = []
        for part in parts:
            if part and not any(part in earlier for earlier in seen):
                seen.append(part)
        return ", ".join(seen)


@dataclass(frozen=True)
class Event:
    """A conference, session, meeting or other commitment at a venue."""

    id: str
    title: str
    kind: str
    venue: Venue
    span: Span
    status: Status = "confirmed"
    parent: str | None = None
    follows: str | None = None
    description: str | None = None
    url: str | None = None
    contacts: tuple[Contact, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def city(self) -> str:
        """The city the event takes place in."""
        return self.venue.city


@dataclass(frozen=True)
class Programme:
    """A programme of linked events: the public part of every itinerary."""

    id: str
    title: str
    events: tuple[Event, ...]
    venues: tuple[Venue, ...] = ()
    contacts: tuple[Contact, ...] = ()
    description: str | None = None
    url: str | None = None
    organiser: str | None = None
    livestream: str | None = None
    hashtag: str | None = None
    source: str | None = None

    @cached_property
    def _by_id(self) -> dict[str, Event]:
        return {event.id: event for event in self.events}

    @cached_property
    def _by_parent(self) -> dict[str | None, tuple[Event, ...]]:
        found: dict[str | None, list[Event]] = {}
        for event in self.events:
            found.setdefault(event.parent, []).append(event)
        return {parent: tuple(events) for parent, events in found.items()}

    def event(self, event_id: str) -> Event:
        """The event with *event_id* (``KeyError`` if there is none)."""
        return self._by_id[event_id]

    def children(self, event_id: str | None) -> tuple[Event, ...]:
        """The events whose parent is *event_id* (``None``: the top-level events)."""
        return self._by_parent.get(event_id, ())

    def descendants(self, event_id: str) -> Iterator[Event]:
        """Every event nested under *event_id*, depth first."""
        for child in self.children(event_id):
            yield child
            yield from self.descendants(child.id)

    def depth(self, event: Event) -> int:
        """How many parents *event* has."""
        return 0 if event.parent is None else 1 + self.depth(self.event(event.parent))


@dataclass(frozen=True, slots=True)
class TravelLeg:
    """One journey of a delegate: departs in one zone, arrives in another."""

    id: str
    delegate_id: str
    mode: str
    origin: str
    destination: str
    span: TimeSpan
    origin_place: str | None = None
    destination_place: str | None = None
    reference: str | None = None
    status: Status = "confirmed"
    """``cancelled`` once the leg is gone from the roster (kept so feeds can say so)."""

    __setstate__ = set_state

    @property
    def title(self) -> str:
        """E.g. ``Flight TK 789 Istanbul → Oslo``."""
        what = " ".join(part for part in (self.mode.capitalize(), self.reference) if part)
        return f"{what} {self.origin} → {self.destination}"


@dataclass(frozen=True, slots=True)
class Stay:
    """Where a delegate sleeps from check-in to check-out (dates only)."""

    id: str
    delegate_id: str
    name: str
    city: str
    zone: Timezone
    check_in: date
    check_out: date
    address: str | None = None
    status: Status = "confirmed"
    """``cancelled`` once the stay is gone from the roster (kept so feeds can say so)."""

    __setstate__ = set_state

    @property
    def span(self) -> DateSpan:
        """Check-in day to check-out day, both shown."""
        return DateSpan(self.check_in, self.check_out, self.zone)

    @property
    def nights(self) -> list[date]:
        """The dates of the nights covered (each night named by its evening)."""
        return self.span.days()[:-1]

    @property
    def title(self) -> str:
        """E.g. ``Stay: Hotel Bristol, Oslo``."""
        return f"Stay: {self.name}, {self.city}"


@dataclass(frozen=True, slots=True)
class EventSelection:
    """Which events of the programme a delegate attends: every event listed, with all
    that is nested under it (``everything``: every top-level event), less the excluded
    ones and all that is nested under them."""

    listed: tuple[str, ...] = ()
    everything: bool = False
    excluded: tuple[str, ...] = ()


CalendarChoice = Literal["feed", "invitations"]
"""How a delegate's calendar hears of changes (the roster's ``calendar`` column)."""


@dataclass(frozen=True, slots=True)
class Delegate:
    """A person on the roster, with their own travel and stays. Personal data."""

    id: str
    name: str
    events: EventSelection
    home_zone: Timezone | None = None
    name_native: str | None = None
    organisation: str | None = None
    email: str | None = None
    language: str = "en"
    token_version: int = 1
    legs: tuple[TravelLeg, ...] = ()
    stays: tuple[Stay, ...] = ()
    calendar: CalendarChoice = "feed"
    """How their calendar hears of changes: a subscribed ``feed``, or ``invitations``
    (iTIP REQUEST/CANCEL by e-mail, from ``notify``)."""


@dataclass(frozen=True)
class Roster:
    """The delegates of a programme, in the order the roster file lists them."""

    delegates: tuple[Delegate, ...]
    source: str | None = None

    def delegate(self, delegate_id: str) -> Delegate:
        """The delegate with *delegate_id* (``KeyError`` if there is none)."""
        for delegate in self.delegates:
            if delegate.id == delegate_id:
                return delegate
        raise KeyError(delegate_id)


ItineraryItem = Event | TravelLeg | Stay
"""Anything that appears in an itinerary."""


@dataclass(frozen=True)
class Itinerary:
    """One delegate's events, legs and stays in time order, with what the checks found."""

    programme: Programme
    delegate: Delegate
    items: tuple[ItineraryItem, ...]
    problems: tuple[Problem, ...] = field(default=())

    @property
    def events(self) -> tuple[Event, ...]:
        """The events the delegate attends, in time order."""
        return tuple(item for item in self.items if isinstance(item, Event))
