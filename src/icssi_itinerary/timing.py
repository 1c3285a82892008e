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

from .pickled_state import set_state

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
    "current_name",
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

_NOT_A_PLACE = {
    "EST": "America/New_York", "MST": "America/Denver", "HST": "Pacific/Honolulu",
    "GMT": "Europe/London", "GMT0": "Europe/London", "GMT+0": "Europe/London",
    "GMT-0": "Europe/London", "Greenwich": "Europe/London", "Etc/GMT": "Europe/London",
    "Etc/GMT0": "Europe/London", "Etc/GMT+0": "Europe/London", "Etc/GMT-0": "Europe/London",
    "Etc/Greenwich": "Europe/London",
    "EST5EDT": "America/New_York", "CST6CDT": "America/Chicago", "MST7MDT": "America/Denver",
    "PST8PDT": "America/Los_Angeles", "CET": "Europe/Brussels", "MET": "Europe/Brussels",
    "EET": "Europe/Athens", "WET": "Europe/Lisbon", "Factory": "Europe/Oslo",
}  # fmt: skip
"""tzdata names that are a fixed offset or a rule, not the clocks of a place: ``EST`` is
UTC−5 all year, so a July meeting in New York written with it is an hour off."""

_FIXED = frozenset({"EST", "MST", "HST"}) | {name for name in _NOT_A_PLACE if "GMT" in name}

RENAMED = {
    "Africa/Asmera": "Africa/Asmara", "Africa/Timbuktu": "Africa/Bamako",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Catamarca": "America/Argentina/Catamarca",
    "America/Cordoba": "America/Argentina/Cordoba", "America/Jujuy": "America/Argentina/Jujuy",
    "America/Mendoza": "America/Argentina/Mendoza", "America/Coral_Harbour": "America/Atikokan",
    "America/Ensenada": "America/Tijuana", "America/Fort_Wayne": "America/Indiana/Indianapolis",
    "America/Indianapolis": "America/Indiana/Indianapolis",
    "America/Knox_IN": "America/Indiana/Knox", "America/Louisville": "America/Kentucky/Louisville",
    "America/Godthab": "America/Nuuk", "America/Porto_Acre": "America/Rio_Branco",
    "America/Santa_Isabel": "America/Tijuana", "America/Shiprock": "America/Denver",
    "Asia/Ashkhabad": "Asia/Ashgabat", "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Chongqing": "Asia/Shanghai", "Asia/Chungking": "Asia/Shanghai",
    "Asia/Dacca": "Asia/Dhaka", "Asia/Harbin": "Asia/Shanghai", "Asia/Istanbul": "Europe/Istanbul",
    "Asia/Kashgar": "Asia/Urumqi", "Asia/Katmandu": "Asia/Kathmandu", "Asia/Macao": "Asia/Macau",
    "Asia/Rangoon": "Asia/Yangon", "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Tel_Aviv": "Asia/Jerusalem", "Asia/Thimbu": "Asia/Thimphu",
    "Asia/Ujung_Pandang": "Asia/Makassar", "Asia/Ulan_Bator": "Asia/Ulaanbaatar",
    "Atlantic/Faeroe": "Atlantic/Faroe", "Australia/ACT": "Australia/Sydney",
    "Australia/Canberra": "Australia/Sydney", "Australia/LHI": "Australia/Lord_Howe",
    "Australia/NSW": "Australia/Sydney", "Australia/North": "Australia/Darwin",
    "Australia/Queensland": "Australia/Brisbane", "Australia/South": "Australia/Adelaide",
    "Australia/Tasmania": "Australia/Hobart", "Australia/Victoria": "Australia/Melbourne",
    "Australia/West": "Australia/Perth", "Australia/Yancowinna": "Australia/Broken_Hill",
    "Brazil/Acre": "America/Rio_Branco", "Brazil/DeNoronha": "America/Noronha",
    "Brazil/East": "America/Sao_Paulo", "Brazil/West": "America/Manaus",
    "Canada/Atlantic": "America/Halifax", "Canada/Central": "America/Winnipeg",
    "Canada/Eastern": "America/Toronto", "Canada/Mountain": "America/Edmonton",
    "Canada/Newfoundland": "America/St_Johns", "Canada/Pacific": "America/Vancouver",
    "Canada/Saskatchewan": "America/Regina", "Canada/Yukon": "America/Whitehorse",
    "Chile/Continental": "America/Santiago", "Chile/EasterIsland": "Pacific/Easter",
    "Cuba": "America/Havana", "Egypt": "Africa/Cairo", "Eire": "Europe/Dublin",
    "Europe/Belfast": "Europe/London", "Europe/Kiev": "Europe/Kyiv",
    "Europe/Nicosia": "Asia/Nicosia", "Europe/Tiraspol": "Europe/Chisinau",
    "Europe/Uzhgorod": "Europe/Kyiv", "Europe/Zaporozhye": "Europe/Kyiv",
    "GB": "Europe/London", "GB-Eire": "Europe/London", "Hongkong": "Asia/Hong_Kong",
    "Iceland": "Atlantic/Reykjavik", "Iran": "Asia/Tehran", "Israel": "Asia/Jerusalem",
    "Jamaica": "America/Jamaica", "Japan": "Asia/Tokyo", "Kwajalein": "Pacific/Kwajalein",
    "Libya": "Africa/Tripoli", "Mexico/BajaNorte": "America/Tijuana",
    "Mexico/BajaSur": "America/Mazatlan", "Mexico/General": "America/Mexico_City",
    "NZ": "Pacific/Auckland", "NZ-CHAT": "Pacific/Chatham", "Navajo": "America/Denver",
    "PRC": "Asia/Shanghai", "Pacific/Enderbury": "Pacific/Kanton",
    "Pacific/Johnston": "Pacific/Honolulu", "Pacific/Ponape": "Pacific/Pohnpei",
    "Pacific/Samoa": "Pacific/Pago_Pago", "Pacific/Truk": "Pacific/Chuuk",
    "Pacific/Yap": "Pacific/Chuuk", "Poland": "Europe/Warsaw", "Portugal": "Europe/Lisbon",
    "ROC": "Asia/Taipei", "ROK": "Asia/Seoul", "Singapore": "Asia/Singapore",
    "Turkey": "Europe/Istanbul", "UCT": "UTC", "Universal": "UTC", "Zulu": "UTC",
    "Etc/UCT": "UTC", "Etc/Universal": "UTC", "Etc/Zulu": "UTC",
    "US/Alaska": "America/Anchorage", "US/Aleutian": "America/Adak",
    "US/Arizona": "America/Phoenix", "US/Central": "America/Chicago",
    "US/East-Indiana": "America/Indiana/Indianapolis", "US/Eastern": "America/New_York",
    "US/Hawaii": "Pacific/Honolulu", "US/Indiana-Starke": "America/Indiana/Knox",
    "US/Michigan": "America/Detroit", "US/Mountain": "America/Denver",
    "US/Pacific": "America/Los_Angeles", "US/Samoa": "Pacific/Pago_Pago",
    "W-SU": "Europe/Moscow",
}  # fmt: skip
"""Old names tzdata keeps as links, and the names to write instead (from its ``backward``
file; names a zone was merged into where the clocks have agreed since 1970 are left)."""


class TimingError(ValueError):
    """A zone or wall-clock time that cannot be used as it stands."""


@cache
def available_zones() -> frozenset[str]:
    """Every IANA zone name the bundled ``tzdata`` package knows."""
    listing = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return frozenset(listing.split())


def current_name(name: str) -> str:
    """The name tzdata now gives the zone called *name* (``Asia/Calcutta``:
    ``Asia/Kolkata``); other names are returned as they are."""
    return RENAMED.get(name, name)


@cache
def zone(name: str) -> Timezone:
    """The IANA zone called *name*, read from ``tzdata``, under its current name (see
    :func:`current_name`). Fixed offsets and zones that name no place are refused."""
    if _FIXED_OFFSET.match(name.strip()) or name in _FIXED:
        example = _NOT_A_PLACE.get(name, "Asia/Baghdad' or 'Europe/Oslo")
        raise TimingError(
            f"'{name}' is a fixed UTC offset, not a time zone; "
            f"use the place's IANA zone, e.g. '{example}'"
        )
    if name in _NOT_A_PLACE:
        raise TimingError(
            f"'{name}' is a rule, not the time zone of a place; "
            f"use the place's IANA zone, e.g. '{_NOT_A_PLACE[name]}'"
        )
    if name in RENAMED:
        return zone(RENAMED[name])  # the very object of the current name
    if name not in available_zones():
        raise TimingError(f"unknown time zone '{name}'; use an IANA name such as 'Europe/Oslo'")
    with resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).open("rb") as data:
        return Timezone.from_file(data, key=name)


UTC = zone("UTC")


def localize(wall: datetime, zone: Timezone, fold: Fold | None = None) -> pendulum.DateTime:
    """Attach *zone* to the naive wall-clock time *wall*.

    A time the zone skips (spring gap) is refused. A time it repeats (autumn fold) is
    refused unless *fold* says which of the two is meant.
    """
    if wall.tzinfo is not None:
        raise TimingError(f"{wall.isoformat()} carries a fixed offset; give the local time only")
    fields = (wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second)
    naive = datetime(*fields, wall.microsecond)
    # PEP 495: in a gap, fold=0 uses the offset before the jump and fold=1 the one after
    # (so the first is smaller); in a repeated hour the first is larger.
    before = naive.replace(tzinfo=zone, fold=0).utcoffset()
    after = naive.replace(tzinfo=zone, fold=1).utcoffset()
    shown = f"{wall:%Y-%m-%d %H:%M}"
    if before is not None and after is not None and before < after:
        raise TimingError(
            f"{shown} does not exist in {zone.key} (clocks jump forward over it); "
            "give the wall-clock time after the change"
        )
    if before != after and fold is None:
        raise TimingError(
            f"{shown} happens twice in {zone.key} (clocks go back); "
            'add fold = "earlier" or fold = "later" to say which'
        )
    later = before != after and fold == "later"
    return pendulum.DateTime(*fields, wall.microsecond, tzinfo=zone, fold=int(later))


def _utc(moment: datetime) -> datetime:
    """*moment* as a naive stdlib UTC time (stdlib arithmetic is much cheaper)."""
    fields = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    offset = moment.utcoffset()
    assert offset is not None
    return datetime(*fields, moment.microsecond) - offset


def in_zone(moment: pendulum.DateTime, zone: Timezone) -> pendulum.DateTime:
    """The same instant on the wall clocks of *zone*."""
    return moment.in_timezone(zone)


def start_of_day(day: date, zone: Timezone) -> pendulum.DateTime:
    """The first instant of *day* in *zone* (later than midnight where midnight is skipped)."""
    midnight = datetime(day.year, day.month, day.day)
    try:
        return localize(midnight, zone, fold="earlier")
    except TimingError:
        # Midnight is skipped: the day starts when the clocks jump. With the offset in
        # force before the jump (fold=0) the skipped midnight maps to that instant.
        jump = midnight.replace(tzinfo=zone, fold=0).astimezone(UTC)
        return pendulum.instance(jump).in_timezone(zone)


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


@dataclass(frozen=True, slots=True)
class TimeSpan:
    """From one instant to another, each on the wall clock of its own zone.

    A flight starts in its departure zone and ends in its arrival zone.
    """

    start: pendulum.DateTime
    end: pendulum.DateTime

    all_day = False
    __setstate__ = set_state

    @property
    def zone(self) -> Timezone:
        """The zone the span starts in."""
        zone = self.start.tzinfo
        assert isinstance(zone, Timezone)
        return zone

    @property
    def duration(self) -> timedelta:
        """Elapsed time, whatever the clocks did in between."""
        return _utc(self.end) - _utc(self.start)

    def in_zone(self, zone: Timezone) -> TimeSpan:
        """The same span on the wall clocks of *zone*."""
        return TimeSpan(in_zone(self.start, zone), in_zone(self.end, zone))


Span = DateSpan | TimeSpan
"""A span is either date-precision or a pair of zoned instants."""
