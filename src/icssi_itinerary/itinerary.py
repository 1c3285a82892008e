"""Building a delegate's itinerary: what they attend, travel and sleep, in time order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import pendulum

from .errors import PluginError
from .model import Delegate, Event, Itinerary, ItineraryItem, Problem, Programme, Stay
from .roster import ALL_EVENTS
from .timing import PARTS_OF_DAY, UTC, DateSpan

__all__ = ["Check", "attended_events", "build_itinerary", "run_checks", "sort_key"]


@dataclass(frozen=True)
class Check:
    """A named check that looks at an itinerary and reports problems."""

    name: str
    run: Callable[[Itinerary], Iterable[Problem]]
    description: str = ""
    plugin: str = ""
    """The plugin that registered it (filled in on registration)."""


def attended_events(programme: Programme, delegate: Delegate) -> tuple[Event, ...]:
    """The events *delegate* attends, in programme order.

    Listing an event includes everything nested under it; ``-id`` leaves an event (and
    what is nested under it) out; ``*`` stands for every top-level event.
    """
    chosen: set[str] = set()
    for entry in delegate.events:
        if entry.startswith("-"):
            continue
        roots = programme.children(None) if entry == ALL_EVENTS else (programme.event(entry),)
        for root in roots:
            chosen.add(root.id)
            chosen.update(event.id for event in programme.descendants(root.id))
    for entry in delegate.events:
        if entry.startswith("-"):
            excluded = entry.removeprefix("-")
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
    programme: Programme, delegate: Delegate, checks: Sequence[Check] | None = None
) -> Itinerary:
    """The delegate's events, travel legs and stays in time order, with problems found.

    *checks* defaults to every check registered by plugins (the built-in ones included).
    """
    items: list[ItineraryItem] = [
        *attended_events(programme, delegate),
        *delegate.legs,
        *delegate.stays,
    ]
    itinerary = Itinerary(programme, delegate, tuple(sorted(items, key=sort_key)))
    return replace(itinerary, problems=run_checks(itinerary, checks))


def run_checks(itinerary: Itinerary, checks: Sequence[Check] | None = None) -> tuple[Problem, ...]:
    """Every problem the *checks* find in *itinerary*; a failing check names itself."""
    if checks is None:
        from .plugins import get_checks

        checks = list(get_checks().values())
    found: list[Problem] = []
    for check in checks:
        try:
            found.extend(check.run(itinerary))
        except Exception as error:
            source = f" of plugin '{check.plugin}'" if check.plugin else ""
            raise PluginError(f"check '{check.name}'{source} failed: {error!r}") from error
    return tuple(found)
