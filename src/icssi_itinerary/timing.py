"""Wall-clock times in IANA zones, date-only spans, and the DST rules around them.

Every time the library holds is a :class:`pendulum.DateTime` attached to an IANA zone
read from the ``tzdata`` package, so results never depend on the host's zone files.
A fact known only to the day stays a :class:`DateSpan`; nothing here invents a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, cached_property
from importlib import resources
from typing import Literal

import pendulum
from pendulum.tz.timezone import Timezone

__all__ = [
    "PARTS_OF_DAY",
    "UTC",
    "DateSpan",
    "Fold",
    "Span",
    "TimeSpan",
    "Timezone",
    "TimingError",
    "available_zones",
    "in_zone",
    "localize",
    "start_of_day",
    "zone",
]

Fold = Literal["earlier", "later"]
"""Which of two repeated wall-clock times is meant when clocks go back."""

PARTS_OF_DAY: dict[str, int] = {
    "morning": 6, "midday": 12, "afternoon": 13, "evening": 18, "night": 21,
}  # fmt: skip
"""Known part-of-day labels, with the hour used only to order them within a day."""

_FIXED_OFFSET = re.compile(
    r"^(?:(?:UTC|GMT)\s*)?[+-]\d{1,2}(?::?\d{2})?$|^(?:Etc/)?GMT[+-]\d{1,2}$", re.IGNORECASE
)


class TimingError(ValueError):
    """A zone or wall-clock time that cannot be used as it stands."""


@cache
def available_zones() -> frozenset[str]:
    """Every IANA zone name the bundled ``tzdata`` package knows."""
    listing = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return frozenset(listing.split())


@cache
def zone(name: str) -> Timezone:
    """The IANA zone called *name*, read from ``tzdata``; fixed offsets are refused."""
    if _FIXED_OFFSET.match(name.strip()):
        raise TimingError(
            f"'{name}' is a fixed UTC offset, not a time zone; "
            "use the place's IANA zone, e.g. 'Asia/Baghdad' or 'Europe/Oslo'"
        )
    if name not in available_zones():
        raise TimingError(f"unknown time zone '{name}'; use an IANA name such as 'Europe/Oslo'")
    with resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).open("rb") as data:
        return Timezone.from_file(data, key=name)


UTC = zone("UTC")


def localize(wall: datetime, tz: Timezone, fold: Fold | None = None) -> pendulum.DateTime:
    """Attach *tz* to the naive wall-clock time *wall*.

    A time the zone skips (spring gap) is refused. A time it repeats (autumn fold) is
    refused unless *fold* says which of the two is meant.
    """
    if wall.tzinfo is not None:
        raise TimingError(f"{wall.isoformat()} carries a fixed offset; give the local time only")
    first = pendulum.DateTime(
        wall.year,
        wall.month,
        wall.day,
        wall.hour,
        wall.minute,
        wall.second,
        wall.microsecond,
        tzinfo=tz,
        fold=0,
    )
    second = first.replace(fold=1)
    shown = f"{wall:%Y-%m-%d %H:%M}"
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None, fold=0) != first.naive():
        raise TimingError(
            f"{shown} does not exist in {tz.key} (clocks jump forward over it); "
            "give the wall-clock time after the change"
        )
    if first.utcoffset() == second.utcoffset():
        return first
    if fold is None:
        raise TimingError(
            f"{shown} happens twice in {tz.key} (clocks go back); "
            'add fold = "earlier" or fold = "later" to say which'
        )
    return first if fold == "earlier" else second


def in_zone(moment: pendulum.DateTime, tz: Timezone) -> pendulum.DateTime:
    """The same instant on the wall clocks of *tz*."""
    return moment.in_timezone(tz)


def start_of_day(day: date, tz: Timezone) -> pendulum.DateTime:
    """The first instant of *day* in *tz* (later than midnight where midnight is skipped)."""
    midnight = datetime(day.year, day.month, day.day)
    try:
        return localize(midnight, tz, fold="earlier")
    except TimingError:
        # Midnight is skipped: the day starts when the clocks jump. With the offset in
        # force before the jump (fold=0) the skipped midnight maps to that instant.
        jump = midnight.replace(tzinfo=tz, fold=0).astimezone(UTC)
        return pendulum.instance(jump).in_timezone(tz)


@dataclass(frozen=True)
class DateSpan:
    """Whole days at a place, first and last day inclusive: only the dates are known.

    ``part_of_day`` keeps a published label such as ``"evening"`` without inventing
    an hour for it.
    """

    first_day: date
    last_day: date
    zone: Timezone
    part_of_day: str | None = None

    all_day = True

    @property
    def end_date(self) -> date:
        """The day after the last day (iCalendar's exclusive ``DTEND``)."""
        return self.last_day + timedelta(days=1)

    @cached_property
    def start(self) -> pendulum.DateTime:
        """The first instant of the first day, at the place."""
        return start_of_day(self.first_day, self.zone)

    @cached_property
    def end(self) -> pendulum.DateTime:
        """The first instant after the last day, at the place."""
        return start_of_day(self.end_date, self.zone)

    def days(self) -> list[date]:
        """Every day of the span, in order."""
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=n) for n in range(count)]


@dataclass(frozen=True)
class TimeSpan:
    """From one instant to another, each on the wall clock of its own zone.

    A flight starts in its departure zone and ends in its arrival zone.
    """

    start: pendulum.DateTime
    end: pendulum.DateTime

    all_day = False

    @property
    def zone(self) -> Timezone:
        """The zone the span starts in."""
        tz = self.start.tzinfo
        assert isinstance(tz, Timezone)
        return tz

    @property
    def duration(self) -> timedelta:
        """Elapsed time, whatever the clocks did in between."""
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)

    def in_zone(self, tz: Timezone) -> TimeSpan:
        """The same span on the wall clocks of *tz*."""
        return TimeSpan(in_zone(self.start, tz), in_zone(self.end, tz))


Span = DateSpan | TimeSpan
"""A span is either date-precision or a pair of zoned instants."""
