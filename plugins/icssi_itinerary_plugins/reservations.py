"""A delegate's itinerary as schema.org reservations (JSON-LD), for calendar assistants.

Each event becomes an ``EventReservation``, each stay a ``LodgingReservation`` and each
leg a ``FlightReservation``, ``TrainReservation``, ``BusReservation`` or
``BoatReservation`` by its ``mode``; any other mode (car, taxi, walk…) a plain
``Reservation`` of a ``Trip``. The properties are the ones KDE Itinerary's extractor and
Google's e-mail markup read. Instants are ISO 8601 with the offset of their own place,
dates stay dates, and what the input does not say is left out. The reservations name the
delegate (``underName``): they belong on the delegate's own page only.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from icssi_itinerary import (
    DateSpan,
    Event,
    Itinerary,
    Stay,
    TravelLeg,
    Venue,
    safe_url,
)

__all__ = ["CONTEXT", "reservations"]

CONTEXT = "https://schema.org"
"""Every reservation's ``@context``."""

JsonLd = dict[str, Any]
"""One JSON-LD node."""

_STATUS = "http://schema.org/"
"""Enumeration members as the vocabulary's own ``@vocab`` names them, the ``http:`` form
of Google's examples (KDE Itinerary 22.12 reads no ``https://schema.org/…`` member)."""
_STATUSES = {
    "confirmed": "ReservationConfirmed",
    "tentative": "ReservationPending",
    "cancelled": "ReservationCancelled",
}

_KINDS = (
    (("flight", "plane", "air", "airplane", "aeroplane"),
     ("FlightReservation", "Flight", "Airport", "Airport")),
    (("train", "rail", "railway"), ("TrainReservation", "TrainTrip", "TrainStation", "Station")),
    (("bus", "coach"), ("BusReservation", "BusTrip", "BusStation", "BusStop")),
    (("boat", "ferry", "ship"), ("BoatReservation", "BoatTrip", "BoatTerminal", "BoatTerminal")),
)  # fmt: skip
_MODES = {mode: kinds for modes, kinds in _KINDS for mode in modes}
"""A leg's mode → its reservation, its trip, the kind of place it leaves from and
arrives at, and how the trip names those places (``departure…``, ``arrival…``)."""

_FLIGHT = re.compile(r"^(?P<airline>[A-Z]{2}|[A-Z][0-9]|[0-9][A-Z]) ?(?P<number>[0-9]{1,4}[A-Z]?)$")
"""An IATA flight designator: a two-character airline code and a number (``TK 789``)."""
_IATA_PLACE = re.compile(r"^(?P<name>.*\S)\s*\((?P<code>[A-Z]{3})\)$")
"""An airport named with its IATA code: ``Baghdad International Airport (BGW)``."""


def reservations(itinerary: Itinerary) -> list[JsonLd]:
    """One schema.org reservation per event, leg and stay of *itinerary*, in its order."""
    person = {"@type": "Person", "name": itinerary.delegate.name}
    found: list[JsonLd] = []
    for item in itinerary.items:
        if isinstance(item, Event):
            kind, booked = "EventReservation", _event(item)
        elif isinstance(item, Stay):
            kind, booked = "LodgingReservation", _lodging(item)
        else:
            kind, booked = _trip(item)
        node: JsonLd = {
            "@context": CONTEXT,
            "@type": kind,
            "reservationStatus": _STATUS + _STATUSES[item.status],
            "underName": person,
            "reservationFor": booked,
        }
        if isinstance(item, Stay):
            # the roster knows the days only: no check-in hour is made up
            node |= {"checkinTime": _moment(item.check_in),
                     "checkoutTime": _moment(item.check_out)}  # fmt: skip
        found.append(node)
    return found


def _known(node: JsonLd) -> JsonLd:
    """*node* without the properties the input leaves unknown."""
    return {key: value for key, value in node.items() if value not in (None, "", {}, [])}


def _address(street: str | None, city: str | None, country: str | None = None) -> JsonLd:
    return _known({
        "@type": "PostalAddress",
        "streetAddress": street,
        "addressLocality": city,
        "addressCountry": country,
    })  # fmt: skip


def _venue(venue: Venue) -> JsonLd:
    geo = None
    if venue.latitude is not None and venue.longitude is not None:
        geo = {"@type": "GeoCoordinates", "latitude": venue.latitude, "longitude": venue.longitude}
    return _known({
        "@type": "Place",
        "name": venue.name,
        "address": _address(venue.address, venue.city, venue.country),
        "geo": geo,
        "url": safe_url(venue.url),
    })  # fmt: skip


def _moment(value: date) -> str:
    """ISO 8601: an instant with its place's offset, or a date (never a made-up time)."""
    return value.isoformat()


def _event(event: Event) -> JsonLd:
    span = event.span
    start, end = (
        (span.first_day, span.last_day) if isinstance(span, DateSpan) else (span.start, span.end)
    )
    return _known({
        "@type": "Event",
        "name": event.title,
        "startDate": _moment(start),
        "endDate": _moment(end),
        "location": _venue(event.venue),
        "url": safe_url(event.url),
    })  # fmt: skip


def _lodging(stay: Stay) -> JsonLd:
    return _known({
        "@type": "LodgingBusiness",
        "name": stay.name,
        "address": _address(stay.address, stay.city),
    })  # fmt: skip


def _stop(kind: str, place: str | None, city: str) -> JsonLd:
    """A station, airport or stop: its name (and IATA code) where given, and its city."""
    code = None
    if place and kind == "Airport" and (match := _IATA_PLACE.match(place)):
        place, code = match["name"], match["code"]
    return _known({
        "@type": kind,
        "name": place,
        "iataCode": code,
        "address": _address(None, city),
    })  # fmt: skip


def _trip(leg: TravelLeg) -> tuple[str, JsonLd]:
    """The reservation type for *leg*'s mode, and what it reserves."""
    mode = _MODES.get(leg.mode.strip().casefold())
    times = {"departureTime": _moment(leg.span.start), "arrivalTime": _moment(leg.span.end)}
    if mode is None:
        return "Reservation", _known({
            "@type": "Trip",
            "tripOrigin": _stop("Place", leg.origin_place, leg.origin),
            "itinerary": _stop("Place", leg.destination_place, leg.destination),
            **times,
        })  # fmt: skip
    reservation, trip, stop, suffix = mode
    node: JsonLd = {
        "@type": trip,
        f"departure{suffix}": _stop(stop, leg.origin_place, leg.origin),
        f"arrival{suffix}": _stop(stop, leg.destination_place, leg.destination),
        **times,
    }
    node |= _number(trip, leg.reference)
    return reservation, _known(node)


def _number(trip: str, reference: str | None) -> JsonLd:
    """The flight, train or bus number the leg's ``reference`` gives."""
    if not reference:
        return {}
    if trip == "TrainTrip":
        return {"trainNumber": reference}
    if trip == "BusTrip":
        return {"busNumber": reference}
    if trip == "Flight" and (match := _FLIGHT.match(reference.strip().upper())):
        airline = {"@type": "Airline", "iataCode": match["airline"]}
        # schema.org's property is ``provider`` (newer KDE Itinerary maps it onto its
        # ``airline``); Google's markup and KDE Itinerary 22.12 read only ``airline``.
        return {"flightNumber": match["number"], "provider": airline, "airline": airline}
    return {}
