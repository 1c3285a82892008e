"""Building a delegate's itinerary: what they attend, travel and sleep, in time order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import pendulum

from .checks import Check, Problem, run_checks
from .model import Delegate, Event, Itinerary, ItineraryItem, Programme, Roster, Stay
from .timing import PARTS_OF_DAY, UTC, DateSpan

__all__ = ["attended_events", "build_itinerary", "sort_key", "validate"]


def attended_events(programme: Programme, delegate: Delegate) -> tuple[Event, ...]:
    """The events *delegate* attends, in programme order.

    See :class:`~.model.EventSelection`: a listed event brings everything nested under
    it; an excluded one leaves it out, with what is nested under it.
    """
    selection = delegate.events
    roots = [*programme.children(None)] if selection.everything else []
    roots += [programme.event(event_id) for event_id in selection.listed]
    chosen: set[str] = set()
    for root in roots:
        chosen.add(root.id)
        chosen.update(event.id for event in programme.descendants(root.id))
    for excluded in selection.excluded:
        chosen.discard(excluded)
        chosen.difference_update(event.id for event in programme.descendants(excluded))
    return tuple(event for event in programme.events if event.id in chosen)


def sort_key(item: ItineraryItem) -> tuple[pendulum.DateTime, int, str]:
    """Order by start; within a day, whole-day items first, labelled parts of day by label,
    and a stay last on its check-in day (one checks in on arrival)."""
    if isinstance(item, Stay):
        # the last instant of the check-in day at the stay: after everything that day,
        # before anything of the next day (whatever the clocks did that day)
        next_day = DateSpan(item.check_in, item.check_in, item.zone).end
        return next_day.subtract(microseconds=1).astimezone(UTC), 0, item.id
    span = item.span
    start = span.start.astimezone(UTC)
    if isinstance(span, DateSpan):
        hint = PARTS_OF_DAY.get(span.part_of_day or "", 0)
        length = (span.last_day - span.first_day).days
        return start.add(hours=hint), -length, item.id
    return start, 1_000, item.id


def build_itinerary(
    programme: Programme, delegate: Delegate, checks: Iterable[Check] = ()
) -> Itinerary:
    """The delegate's events, travel legs and stays in time order, with the problems
    that *checks* find (none by default: pass ``get_checks().values()`` for every
    registered check)."""
    items: list[ItineraryItem] = [
        *attended_events(programme, delegate),
        *delegate.legs,
        *delegate.stays,
    ]
    itinerary = Itinerary(programme, delegate, tuple(sorted(items, key=sort_key)))
    return replace(itinerary, problems=run_checks(itinerary, checks))


def validate(
    programme: Programme, roster: Roster, checks: Iterable[Check]
) -> dict[str, tuple[Problem, ...]]:
    """What *checks* find in each delegate's itinerary, by delegate id in roster order
    (an empty tuple for a delegate without problems)."""
    chosen = tuple(checks)
    return {
        delegate.id: build_itinerary(programme, delegate, chosen).problems
        for delegate in roster.delegates
    }
