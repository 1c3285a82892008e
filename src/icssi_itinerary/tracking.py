"""What the ledger makes of a publish: the public programme with the events kept as
cancelled, each delegate's itinerary with what they no longer hold, and every change."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from .changes import Change, ChangeKind, changed_fields
from .identity import item_uid
from .itinerary import build_itinerary, sort_key
from .ledger import Ledger, Presence
from .model import Event, Itinerary, ItineraryItem, Programme, Roster
from .tokens import delegate_token

__all__ = ["Plan", "Tracked", "track"]

PROGRAMME_SCOPE = "programme"
DELEGATE_SCOPE = "delegate:"


@dataclass(frozen=True)
class Plan:
    """One delegate's published itinerary: its token, items, and events they dropped."""

    token: str
    itinerary: Itinerary
    dropped: dict[str, datetime]
    """Events still in the programme that the delegate no longer attends, shown to them
    as cancelled, with when they were dropped (their own SEQUENCE goes up once)."""


@dataclass(frozen=True)
class Tracked:
    """The outcome of :func:`track`."""

    public: Programme
    plans: list[Plan]
    changes: list[Change]
    last_keys: dict[str, str]
    """What the public files ("") and each token's files were last rendered from."""


def _kind(before: ItineraryItem | None, after: ItineraryItem, returned: bool) -> ChangeKind:
    if before is None:
        return "added"
    if returned or (before.status == "cancelled" != after.status):
        return "restored"
    if after.status == "cancelled" != before.status:
        return "cancelled"
    fields = changed_fields(before, after)
    return "moved" if "time" in fields or "place" in fields else "changed"


def _item_changes(
    ledger: Ledger, items: Mapping[str, ItineraryItem], returned: frozenset[str], moment: datetime
) -> list[Change]:
    return [
        Change(uid, _kind(before, after, uid in returned), before, after)
        for uid, before, after in ledger.record(items, moment)
    ]


def _cancel(
    ledger: Ledger, uid: str, moment: datetime
) -> tuple[ItineraryItem, ItineraryItem] | None:
    """The last published version of *uid* and its cancelled copy (recorded, so its
    SEQUENCE goes up once); ``None`` if the ledger does not know it."""
    last = ledger.snapshot(uid)
    if last is None:
        return None
    cancelled = replace(last, status="cancelled")
    ledger.record({uid: cancelled}, moment)
    return last, cancelled


def _linked(event: Event, known: set[str]) -> Event:
    """*event* without links to events the public programme no longer shows."""
    parent = event.parent if event.parent in known else None
    follows = event.follows if event.follows in known else None
    return replace(event, parent=parent, follows=follows)


def track(programme: Programme, roster: Roster, secret: bytes, ledger: Ledger,
          moment: datetime, keep: timedelta) -> Tracked:  # fmt: skip
    """Record this publish in *ledger*; return what to publish and what changed."""

    def kept(when: datetime) -> bool:
        return moment - when < keep

    events: dict[str, ItineraryItem] = {item_uid(programme, e.id): e for e in programme.events}
    presence = ledger.present(PROGRAMME_SCOPE, events, moment, keep)
    changes = _item_changes(ledger, events, presence.returned, moment)
    removed: dict[str, Event] = {}
    for uid, when in presence.gone.items():
        found = _cancel(ledger, uid, moment)
        if found is None or not isinstance(found[1], Event):
            continue
        if when == moment:
            changes.append(Change(uid, "cancelled", found[0], None))
        if kept(when):
            removed[uid] = found[1]
    known = {event.id for event in programme.events} | {event.id for event in removed.values()}
    removed = {uid: _linked(event, known) for uid, event in removed.items()}
    venues = {venue.id: venue for venue in programme.venues}
    for event in removed.values():
        venues.setdefault(event.venue.id, event.venue)
    public = replace(
        programme,
        events=programme.events + tuple(removed.values()),
        venues=tuple(venues.values()),
    )

    programme_uids = {change.uid for change in changes}
    holders: dict[str, set[str]] = defaultdict(set)
    joined: dict[str, set[str]] = defaultdict(set)
    left: dict[str, set[str]] = defaultdict(set)
    plans: list[Plan] = []
    scopes = ledger.scopes(DELEGATE_SCOPE)
    for delegate in roster.delegates:
        scope = DELEGATE_SCOPE + delegate.id
        plan = build_itinerary(programme, delegate)
        items = {item_uid(programme, item.id): item for item in plan.items}
        own = {uid: item for uid, item in items.items() if not isinstance(item, Event)}
        mine = ledger.present(scope, items, moment, keep)
        new_delegate = scope not in scopes and not presence.first
        if new_delegate:
            changes.append(Change(delegate.id, "delegate-added", None, None, (delegate.id,)))
        own_changes = _item_changes(ledger, own, mine.returned, moment)  # records them too
        if not new_delegate:  # a new delegate is one change, not one per leg and stay
            changes += [change.affecting({delegate.id}) for change in own_changes]
        for uid in _arrived(mine, events, programme_uids):
            joined[uid].add(delegate.id)
        gone, dropped = _gone(ledger, mine, events, removed, moment)
        for uid, item in gone.items():
            if item.when != moment or uid in removed or uid in programme_uids:
                continue
            if uid in dropped:
                left[uid].add(delegate.id)
            else:
                changes.append(Change(uid, "cancelled", item.last, None, (delegate.id,)))
        shown = {uid: item.shown for uid, item in gone.items() if kept(item.when)}
        for uid in [*items, *gone]:
            holders[uid].add(delegate.id)
        all_items = tuple(sorted([*plan.items, *shown.values()], key=sort_key))
        itinerary = replace(plan, programme=public, items=all_items)
        plans.append(Plan(delegate_token(secret, delegate), itinerary, dropped))
    for scope in sorted(scopes - {DELEGATE_SCOPE + d.id for d in roster.delegates}):
        ledger.forget(scope)
        changes.append(Change(scope.removeprefix(DELEGATE_SCOPE), "delegate-removed", None, None))
    changes = [
        change.affecting(holders[change.uid]) if change.uid in programme_uids else change
        for change in changes
    ]
    for uid, who in sorted(joined.items()):
        changes.append(Change(uid, "joined", None, events[uid], tuple(sorted(who))))
    for uid, who in sorted(left.items()):
        changes.append(Change(uid, "left", events[uid], None, tuple(sorted(who))))
    last = {scope: ledger.rendered(scope) for scope in ["", *(plan.token for plan in plans)]}
    return Tracked(public, plans, changes, {k: v for k, v in last.items() if v})


def _arrived(mine: Presence, events: dict[str, ItineraryItem], reported: set[str]) -> list[str]:
    """Programme events new (or back) in a known delegate's feed, not already reported
    as added or restored in the programme: the delegate chose them."""
    if mine.first:
        return []
    return sorted(uid for uid in mine.new | mine.returned if uid in events and uid not in reported)


@dataclass(frozen=True)
class _Gone:
    """An item that left a delegate's feed: as last published, as now shown, and when."""

    last: ItineraryItem
    shown: ItineraryItem
    when: datetime


def _gone(ledger: Ledger, mine: Presence, events: dict[str, ItineraryItem],
          removed: dict[str, Event], moment: datetime,
          ) -> tuple[dict[str, _Gone], dict[str, datetime]]:  # fmt: skip
    """What left a delegate's feed, and which of it are events still in the programme
    that the delegate dropped."""
    gone: dict[str, _Gone] = {}
    dropped: dict[str, datetime] = {}
    for uid, when in mine.gone.items():
        if uid in removed:
            gone[uid] = _Gone(removed[uid], removed[uid], when)
        elif uid in events:
            event = events[uid]
            assert isinstance(event, Event)
            gone[uid] = _Gone(event, replace(event, status="cancelled", parent=None), when)
            dropped[uid] = when
        else:
            found = _cancel(ledger, uid, moment)
            if found is not None:
                gone[uid] = _Gone(*found, when)
    return gone, dropped
