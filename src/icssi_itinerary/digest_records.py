"""Making the digests of a publish, and keeping them in the ledger as JSON.

Each delegate's changes come from the publish's tracked changes (a delegate new to the
roster gets every item as added); the JSON names what it holds and is versioned, and
its items are snapshots (:mod:`.snapshots`), so reading one runs no code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from .changes import Change
from .digests import Digest
from .identity import item_uid
from .model import Delegate, EventSelection
from .snapshots import item_from_json, item_to_json
from .tracking import Plan, Tracked

__all__ = ["DIGEST_VERSION", "change_key", "digest_from_json", "digest_to_json", "make_digests"]

DIGEST_VERSION = 1
"""The layout of a digest kept in the ledger."""

_TOLD = frozenset({"added", "moved", "changed", "cancelled", "restored", "joined", "left"})
"""The kinds of change a delegate is told of (``delegate-*`` are the coordinator's)."""


def make_digests(
    tracked: Tracked,
    sequences: Mapping[str, Mapping[str, Any]],
    published_at: datetime,
    links: Callable[[Plan], Mapping[str, str]],
) -> dict[str, Digest]:
    """Per delegate id, the digest of what *tracked* changed for them (none for those
    it left alone). *sequences* are the ledger's entries; an event a delegate dropped
    has its SEQUENCE one up in their feed, as the publisher writes it."""
    digests = {}
    for plan in tracked.plans:
        person = plan.itinerary.delegate
        mine = [c for c in tracked.changes if person.id in c.delegates and c.kind in _TOLD]
        if any(c.kind == "delegate-added" and c.uid == person.id for c in tracked.changes):
            programme = plan.itinerary.programme
            mine = [
                Change(item_uid(programme, item.id), "added", None, item, (person.id,))
                for item in plan.itinerary.items
            ]
        if not mine:
            continue
        told = {
            c.uid: int(sequences.get(c.uid, {}).get("sequence", 0)) + (c.uid in plan.dropped)
            for c in mine
        }
        title = plan.itinerary.programme.title
        digests[person.id] = Digest(
            person, title, published_at, tuple(mine), told, dict(links(plan))
        )
    return digests


def change_key(change: Change) -> str:
    """What the ledger records a change told as: its UID (or delegate id) and kind."""
    return f"{change.kind}:{change.uid}"


def digest_to_json(digest: Digest) -> str:
    """The digest as the JSON the ledger keeps."""
    person = digest.delegate
    data: dict[str, Any] = {
        "version": DIGEST_VERSION,
        "delegate": {
            "id": person.id,
            "name": person.name,
            "name_native": person.name_native,
            "email": person.email,
            "language": person.language,
            "calendar": person.calendar,
        },
        "programme": digest.programme,
        "published_at": digest.published_at.isoformat(),
        "changes": [
            {
                "uid": change.uid,
                "kind": change.kind,
                "before": None if change.before is None else item_to_json(change.before),
                "after": None if change.after is None else item_to_json(change.after),
            }
            for change in digest.changes
        ],
        "sequences": dict(digest.sequences),
        "links": dict(digest.links),
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def digest_from_json(text: str) -> Digest:
    """A digest the ledger kept (``ValueError`` if it is not one this version reads)."""
    data = json.loads(text)
    if data.get("version") != DIGEST_VERSION:
        raise ValueError(f"digest version {data.get('version')!r} is not one this version reads")
    person = data["delegate"]
    delegate = Delegate(
        id=person["id"],
        name=person["name"],
        events=EventSelection(),
        name_native=person["name_native"],
        email=person["email"],
        language=person["language"],
        calendar="invitations" if person["calendar"] == "invitations" else "feed",
    )
    changes = tuple(
        Change(
            entry["uid"],
            entry["kind"],
            None if entry["before"] is None else item_from_json(entry["before"]),
            None if entry["after"] is None else item_from_json(entry["after"]),
            (delegate.id,),
        )
        for entry in data["changes"]
    )
    return Digest(
        delegate,
        data["programme"],
        datetime.fromisoformat(data["published_at"]),
        changes,
        {uid: int(number) for uid, number in data["sequences"].items()},
        dict(data["links"]),
    )
