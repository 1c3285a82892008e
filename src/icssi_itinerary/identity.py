"""The identity of a journey or a stay, when the roster does not give it an ``id``.

An identity must survive the edits a tour sees: a retimed flight, an extended stay. So
it is made only of what such an edit leaves alone: for a leg its delegate, mode,
reference (flight or train number), origin and destination; for a stay its delegate,
name and city. Two rows with the same identity need an ``id`` of their own.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from .model import ItineraryItem, Programme, Stay, TravelLeg

__all__ = ["item_uid", "leg_id", "legacy_item_id", "stay_id"]


def item_uid(programme: Programme, item_id: str) -> str:
    """The stable UID of an event, leg or stay: never random, never a host name."""
    return f"{item_id}@{programme.id}.icssi-itinerary"


_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_NOT_WORD = re.compile(r"[\W_]+")


def _slug(delegate_id: str, kind: str, parts: list[str | None]) -> str:
    """``<delegate>-<kind>-<ascii words>``: case, spacing, punctuation and accents do not
    count (``Hôtel`` is ``hotel``). Words in other scripts (Arabic) add a short digest of
    their exact letters, so that two names the ASCII spelling cannot tell apart differ."""
    words = " ".join(part for part in parts if part)
    unaccented = "".join(
        c for c in unicodedata.normalize("NFKD", words) if not unicodedata.combining(c)
    )
    slug = _NOT_SLUG.sub("-", unaccented.encode("ascii", "ignore").decode().lower()).strip("-")
    identity = f"{delegate_id}-{kind}-{slug}" if slug else f"{delegate_id}-{kind}"
    if not unaccented.isascii():
        folded = " ".join(_NOT_WORD.sub(" ", unaccented.casefold()).split())
        identity += "-" + hashlib.sha256(folded.encode()).hexdigest()[:8]
    return identity


def leg_id(
    delegate_id: str, mode: str, reference: str | None, origin: str, destination: str
) -> str:
    """E.g. ``amal-karim-flight-tk-1752-baghdad-istanbul``."""
    return _slug(delegate_id, "leg", [mode, reference, origin, "to", destination])


def stay_id(delegate_id: str, name: str, city: str) -> str:
    """E.g. ``amal-karim-stay-thon-hotel-opera-oslo``."""
    return _slug(delegate_id, "stay", [name, city])


def legacy_item_id(item: ItineraryItem) -> str | None:
    """The identity this version derives for a leg or stay whose id version 0.1.0
    derived from its time (``<delegate>-20141026T0820``, ``<delegate>-stay-20141027``);
    ``None`` for any other item or id (an event, an ``id`` the coordinator gave)."""
    if isinstance(item, TravelLeg):
        start = item.span.start
        if item.id == f"{item.delegate_id}-{start:%Y%m%dT%H%M}":
            return leg_id(
                item.delegate_id, item.mode, item.reference, item.origin, item.destination
            )
    if isinstance(item, Stay) and item.id == f"{item.delegate_id}-stay-{item.check_in:%Y%m%d}":
        return stay_id(item.delegate_id, item.name, item.city)
    return None
