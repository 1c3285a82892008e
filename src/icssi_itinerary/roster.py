"""Loading delegates, their travel legs and their stays (CSV or TOML). Personal data."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import NoReturn, TypeVar

from .errors import InputError, InputWarning
from .identity import leg_id, stay_id
from .model import Delegate, EventSelection, Programme, Roster, Stay, TravelLeg
from .sources import (
    Record,
    csv_records,
    shown,
    toml_records,
    toml_tables,
    without_cycle_collection,
)
from .timing import TimeSpan

__all__ = ["ALL_EVENTS", "load_roster"]

ALL_EVENTS = "*"
"""In a delegate's ``events``: the whole programme."""
MAX_TOKEN_VERSION = 1_000_000
"""The highest ``token_version``."""

_DELEGATE_REQUIRED = {"id", "name", "events"}
_DELEGATE_OPTIONAL = {
    "name_native", "organisation", "email", "home_timezone", "language", "token_version",
    "calendar",
}  # fmt: skip
_LEG_REQUIRED = {
    "delegate",
    "mode",
    "from",
    "from_timezone",
    "departs",
    "to",
    "to_timezone",
    "arrives",
}
_LEG_OPTIONAL = {"id", "reference", "from_place", "to_place", "fold"}
_STAY_REQUIRED = {"delegate", "name", "city", "timezone", "check_in", "check_out"}
_STAY_OPTIONAL = {"id", "address"}
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


def load_roster(path: str | Path, programme: Programme | None = None) -> Roster:
    """Load delegates from ``roster.csv`` (with ``legs.csv`` and ``stays.csv`` beside it
    when present) or from a TOML file with ``[[delegates]]``, ``[[legs]]`` and ``[[stays]]``.

    With *programme*, every event a delegate lists must exist in it.
    """
    path = Path(path)
    with without_cycle_collection():
        return _load(path, programme)


def _load(path: Path, programme: Programme | None) -> Roster:
    event_ids = {} if programme is None else {e.id: e.id for e in programme.events}
    known = None if programme is None else {*event_ids, ALL_EVENTS}
    shared = dict(event_ids)  # each text value kept once, whatever rows repeat it
    if path.suffix.lower() == ".toml":
        data, lines = toml_tables(path)
        unknown = sorted(set(data) - {"delegates", "legs", "stays"})
        if unknown:
            raise InputError(
                f"unknown table {shown(unknown[0])}",
                source=str(path),
                line=lines.tables.get((unknown[0], 0), lines.of("").get(unknown[0])),
                hint="use [[delegates]], [[legs]] and [[stays]]",
            )

        def records(name: str, required: set[str], optional: set[str]) -> Iterator[Record]:
            for record in toml_records(data, lines, name, str(path), shared):
                for key in sorted(required - set(record.data)):
                    raise record.error(key, "missing", f"give a value for '{key}'")
                record.only(required | optional)
                yield record

        delegates, legs, stays = (
            records(name, *spec)
            for name, spec in zip(("delegates", "legs", "stays"), _TABLES, strict=True)
        )
    else:
        beside = [path, path.with_name("legs.csv"), path.with_name("stays.csv")]
        delegates, legs, stays = (
            csv_records(file, *spec, shared) if file == path or _present(file) else iter(())
            for file, spec in zip(beside, _TABLES, strict=True)
        )
    roster = _assemble(
        (_delegate(r, known) for r in delegates),
        (_leg(r) for r in legs),
        (_stay(r) for r in stays),
    )
    return replace(roster, source=str(path))


_TABLES = (
    (_DELEGATE_REQUIRED, _DELEGATE_OPTIONAL),
    (_LEG_REQUIRED, _LEG_OPTIONAL),
    (_STAY_REQUIRED, _STAY_OPTIONAL),
)


def _assemble(
    delegates: Iterable[tuple[Record, Delegate]],
    legs: Iterable[tuple[Record, TravelLeg]],
    stays: Iterable[tuple[Record, Stay]],
) -> Roster:
    """The roster, checked row by row as the rows are read: no row is kept once its
    delegate, leg or stay is made, so that loading a large roster takes little more
    memory than the roster itself."""
    known: dict[str, Delegate] = {}
    folded: set[str] = set()
    for record, delegate in delegates:
        if delegate.id.casefold() in folded:
            raise record.error(
                "id",
                f"duplicate delegate id '{delegate.id}'",
                "give each delegate an id of their own",
            )
        folded.add(delegate.id.casefold())
        known[delegate.id] = delegate
    their_legs = _by_delegate(legs, known, "leg")
    their_stays = _by_delegate(stays, known, "stay")
    return Roster(
        tuple(
            replace(
                delegate,
                legs=tuple(their_legs.get(delegate.id, ())),
                stays=tuple(their_stays.get(delegate.id, ())),
            )
            for delegate in known.values()
        )
    )


_Owned = TypeVar("_Owned", TravelLeg, Stay)


def _by_delegate(
    rows: Iterable[tuple[Record, _Owned]], known: dict[str, Delegate], what: str
) -> dict[str, list[_Owned]]:
    """Each delegate's legs (or stays), in the order of the file; every one with an id
    of its own and a delegate on the roster."""
    found: dict[str, list[_Owned]] = {}
    first: dict[str, Record] = {}  # where each id was first seen (without the row's cells)
    for record, item in rows:
        if item.id in first:
            _twice(record, first[item.id], item.id, what)
        first[item.id] = replace(record, data={})
        if item.delegate_id not in known:
            raise record.error(
                "delegate",
                f"unknown delegate {shown(item.delegate_id)}",
                "use an id from the roster",
            )
        found.setdefault(item.delegate_id, []).append(item)
    return found


def _twice(record: Record, first: Record, identity: str, what: str) -> NoReturn:
    given = record.has("id")
    raise record.error(
        "id",
        f"this {what} and the one at {first.where('id')} both have the "
        f"{'id' if given else 'identity'} '{identity}'",
        f"give each {what} an 'id' of its own"
        if given
        else f"give both an 'id' column value, e.g. '{identity}-1' and '{identity}-2'",
    )


def _selection(entries: tuple[str, ...], shared: dict[str, str]) -> EventSelection:
    """The roster's ``events`` syntax (``id``, ``-id``, ``*``) as a selection; an
    excluded id is the string of *shared* that names it, kept once however many
    delegates exclude it."""
    excluded = (e.removeprefix("-") for e in entries if e.startswith("-"))
    return EventSelection(
        listed=tuple(e for e in entries if not e.startswith("-") and e != ALL_EVENTS),
        everything=ALL_EVENTS in entries,
        excluded=tuple(shared.setdefault(e, e) for e in excluded),
    )


def _delegate(record: Record, known: set[str] | None) -> tuple[Record, Delegate]:
    events = record.strings("events")
    if not events:
        raise record.error(
            "events",
            "no events listed",
            "list event ids separated by ';', or '*' for the whole programme",
        )
    if known is not None:
        for entry in events:
            if entry.removeprefix("-") not in known:
                raise record.error(
                    "events",
                    f"unknown event {shown(entry.removeprefix('-'))}",
                    "use ids from the programme (icssi-itinerary events)",
                )
    language = record.text("language") or "en"
    if not _LANGUAGE.match(language):
        raise record.error(
            "language",
            f"{shown(language)} is not a language tag",
            "use a code such as 'ar' or 'en'",
        )
    _warn_if_untranslated(record, language)
    email = record.text("email")
    if email is not None and "@" not in email:
        raise record.error(
            "email", f"{shown(email)} is not an email address", "leave it blank or fix it"
        )
    version = record.integer("token_version", 1, MAX_TOKEN_VERSION)
    calendar = record.text("calendar") or "feed"
    if calendar not in ("feed", "invitations"):
        raise record.error(
            "calendar",
            f"{shown(calendar)} is not a calendar choice",
            "write 'feed' (subscribe to the feed) or 'invitations' (e-mailed updates)",
        )
    return record, Delegate(
        id=record.identifier(),
        name=record.required("name"),
        events=_selection(events, {} if record.shared is None else record.shared),
        home_zone=record.zone("home_timezone"),
        name_native=record.text("name_native"),
        organisation=record.text("organisation"),
        email=email,
        language=language,
        token_version=version or 1,
        calendar="invitations" if calendar == "invitations" else "feed",
    )


def _item_id(record: Record, derive: Callable[[], str]) -> str:
    """The row's own ``id``, or the identity derived from the fields a retiming or an
    extension leaves alone (:mod:`.identity`)."""
    return record.identifier() if record.has("id") else derive()


def _wall_time(record: Record, key: str) -> datetime:
    moment = record.moment(key, required=True)
    if not isinstance(moment, datetime):
        raise record.error(key, "needs a time of day", "write it as 2014-10-26 23:55")
    return moment


def _leg(record: Record) -> tuple[Record, TravelLeg]:
    delegate_id = record.required("delegate")
    fold = record.fold()
    departs = _wall_time(record, "departs")
    arrives = _wall_time(record, "arrives")
    origin_zone = record.zone("from_timezone", required=True)
    destination_zone = record.zone("to_timezone", required=True)
    assert origin_zone is not None and destination_zone is not None
    span = TimeSpan(
        record.localize("departs", departs, origin_zone, fold),
        record.localize("arrives", arrives, destination_zone, fold),
    )
    if span.duration.total_seconds() <= 0:
        raise record.error(
            "arrives",
            "arrives before it departs (in real time)",
            "check both times and their zones",
        )
    mode, origin, destination = (
        record.required("mode"),
        record.required("from"),
        record.required("to"),
    )
    reference = record.text("reference")
    return record, TravelLeg(
        id=_item_id(record, lambda: leg_id(delegate_id, mode, reference, origin, destination)),
        delegate_id=delegate_id,
        mode=mode,
        origin=origin,
        destination=destination,
        span=span,
        origin_place=record.text("from_place"),
        destination_place=record.text("to_place"),
        reference=reference,
    )


def _date(record: Record, key: str) -> date:
    moment = record.moment(key, required=True)
    if isinstance(moment, datetime) or moment is None:
        raise record.error(key, "needs a date only", "write it as 2014-10-27")
    return moment


def _stay(record: Record) -> tuple[Record, Stay]:
    delegate_id = record.required("delegate")
    check_in, check_out = _date(record, "check_in"), _date(record, "check_out")
    if check_out <= check_in:
        raise record.error("check_out", "is not after check_in", "give the day you leave")
    zone = record.zone("timezone", required=True)
    assert zone is not None
    name, city = record.required("name"), record.required("city")
    return record, Stay(
        id=_item_id(record, lambda: stay_id(delegate_id, name, city)),
        delegate_id=delegate_id,
        name=name,
        city=city,
        zone=zone,
        check_in=check_in,
        check_out=check_out,
        address=record.text("address"),
    )


def _present(path: Path) -> bool:
    """Whether *path* is there to be read, if only as a link to nowhere (an error)."""
    return path.exists() or path.is_symlink()


def _warn_if_untranslated(record: Record, language: str) -> None:
    """A language no catalogue translates is read in English: say so, naming the row."""
    from .translation import available_languages, catalogue_language

    if catalogue_language(language) is None:
        known = ", ".join(sorted(available_languages()))
        warning = record.error(
            "language",
            f"no translation for {shown(language)}; this delegate's pages are in English",
            f"use one of: {known}, or add a catalogue (docs/translating.md)",
        )
        warnings.warn(str(warning), InputWarning, stacklevel=2)
