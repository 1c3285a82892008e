"""The built-in itinerary checks, registered through the public ``register_checks`` hook.

Each check function is named after its code: ``check_no_travel`` reports ``no-travel``.
The library's classes are reached as ``api.Event`` and so on when a check runs, so that
importing this module (which ``--help`` does) loads neither time zones nor the model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING

import icssi_itinerary as api
from icssi_itinerary import hookimpl

if TYPE_CHECKING:
    from icssi_itinerary import Check, Event, Itinerary, ItineraryItem, Problem, Programme, Span

__all__ = ["check_late_arrival", "check_no_stay", "check_no_travel", "check_overlap"]


def _when(span: Span) -> str:
    if isinstance(span, api.DateSpan):
        last = "" if span.last_day == span.first_day else f" to {span.last_day:%d %b %Y}"
        return f"{span.first_day:%d %b %Y}{last}"
    return f"{span.start:%d %b %Y %H:%M} {span.start.tzname()}"


def _same_city(one: str, other: str) -> bool:
    return one.casefold() == other.casefold()


def _nested(programme: Programme, one: Event, other: Event) -> bool:
    """Whether one event is nested inside the other (a session inside its conference)."""

    def ancestors(event: Event) -> Iterator[str]:
        while event.parent is not None:
            yield event.parent
            event = programme.event(event.parent)

    return one.id in ancestors(other) or other.id in ancestors(one)


def _local_days(span: Span) -> set[date]:
    if isinstance(span, api.DateSpan):
        return set(span.days())
    first, last = span.start.date(), span.end.date()
    return {first + timedelta(days=n) for n in range((last - first).days + 1)}


_DAY_REACH = timedelta(hours=26).total_seconds()
"""How far apart two instants can be and still fall on the same local date somewhere."""


def _candidate_pairs(items: Sequence[ItineraryItem]) -> list[tuple[int, int]]:
    """Index pairs of items whose times come near enough to clash, found by a sweep
    instead of trying every pair; date-only spans reach a day either side, since the
    same local date covers different instants in different zones."""

    def reach(index: int) -> tuple[float, float]:
        span = items[index].span
        pad = _DAY_REACH if span.all_day else 0.0
        return span.start.timestamp() - pad, span.end.timestamp() + pad

    pairs = []
    active: list[tuple[int, float]] = []
    for index in sorted(range(len(items)), key=lambda i: reach(i)[0]):
        low, high = reach(index)
        active = [(other, end) for other, end in active if end > low]
        pairs += [(min(other, index), max(other, index)) for other, _ in active]
        active.append((index, high))
    return sorted(pairs)


def check_overlap(itinerary: Itinerary) -> Iterator[Problem]:
    """Two commitments at the same time, or on the same day in different cities."""
    commitments = [item for item in itinerary.items if not isinstance(item, api.Stay)]
    for first, second in _candidate_pairs(commitments):
        one, other = commitments[first], commitments[second]
        if isinstance(one, api.Event) and isinstance(other, api.Event):
            if _nested(itinerary.programme, one, other):
                continue
            if (one.span.all_day or other.span.all_day) and not _same_city(one.city, other.city):
                shared = _local_days(one.span) & _local_days(other.span)
                if shared:
                    yield _overlap(one, other, f"on {min(shared):%d %b %Y} in different cities")
                continue
        if one.span.all_day or other.span.all_day:
            continue
        if one.span.start < other.span.end and other.span.start < one.span.end:
            yield _overlap(one, other, "at the same time")


def _overlap(one: ItineraryItem, other: ItineraryItem, how: str) -> Problem:
    return api.Problem(
        "error",
        "overlap",
        f"'{one.title}' ({_when(one.span)}) and '{other.title}' ({_when(other.span)}) are {how}",
        (one.id, other.id),
    )


def check_late_arrival(itinerary: Itinerary) -> Iterator[Problem]:
    """A leg that arrives after the next event at its destination has begun."""
    events = itinerary.events
    for leg in (item for item in itinerary.items if isinstance(item, api.TravelLeg)):
        arrival = leg.span.end
        upcoming = [
            event for event in events
            if _same_city(event.city, leg.destination) and event.span.end > leg.span.start
        ]  # fmt: skip
        # not only the first: a date-only review can begin the day of a 10:00 session
        for event in upcoming:
            if isinstance(event.span, api.DateSpan):
                late = arrival.in_timezone(event.venue.zone).date() > event.span.first_day
            else:
                late = arrival > event.span.start
            if not late:
                continue
            yield api.Problem(
                "error",
                "late-arrival",
                f"'{leg.title}' arrives {arrival:%d %b %Y %H:%M} {arrival.tzname()}, "
                f"after '{event.title}' begins ({_when(event.span)})",
                (leg.id, event.id),
            )
            break


def check_no_travel(itinerary: Itinerary) -> Iterator[Problem]:
    """Two consecutive events in different cities with no leg to the second city."""
    legs = [item for item in itinerary.items if isinstance(item, api.TravelLeg)]
    events = itinerary.events
    for before, after in pairwise(events):
        if _same_city(before.city, after.city) or _nested(itinerary.programme, before, after):
            continue
        if not any(
            _same_city(leg.destination, after.city)
            and leg.span.start >= before.span.start
            and leg.span.end <= after.span.end
            for leg in legs
        ):
            yield api.Problem(
                "warning",
                "no-travel",
                f"no travel from {before.city} to {after.city} between '{before.title}' "
                f"and '{after.title}'",
                (before.id, after.id),
            )


def check_no_stay(itinerary: Itinerary) -> Iterator[Problem]:
    """A night between the first and the last leg of a trip with no stay and no overnight leg.

    The problem names the legs either side of the night.
    """
    legs = [item for item in itinerary.items if isinstance(item, api.TravelLeg)]
    if not legs:
        return
    stays = [item for item in itinerary.items if isinstance(item, api.Stay)]
    night = legs[0].span.start.date()
    last = legs[-1].span.start.date()
    while night < last:
        on_board = any(leg.span.start.date() <= night < leg.span.end.date() for leg in legs)
        staying = any(stay.check_in <= night < stay.check_out for stay in stays)
        if not (on_board or staying):
            before = [leg for leg in legs if leg.span.start.date() <= night][-1]
            after = next(leg for leg in legs if leg.span.start.date() > night)
            yield api.Problem(
                "warning",
                "no-stay",
                f"no stay for the night of {night:%d %b %Y} "
                f"(after '{before.title}', before '{after.title}')",
                (before.id, after.id),
            )
        night += timedelta(days=1)


BUILT_IN_CHECKS: tuple[Callable[[Itinerary], Iterator[Problem]], ...] = (
    check_overlap,
    check_late_arrival,
    check_no_travel,
    check_no_stay,
)
"""In the order they run; each is registered under its code (``check_no_travel``:
``no-travel``)."""


@hookimpl
def register_checks(register: Callable[[Check], None]) -> None:
    """Register the built-in checks."""
    for run in BUILT_IN_CHECKS:
        code = run.__name__.removeprefix("check_").replace("_", "-")
        register(api.Check(code, run, (run.__doc__ or "").strip()))
