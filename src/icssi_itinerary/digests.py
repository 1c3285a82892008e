"""What changed for one delegate at one publish, and who writes it for them.

A :class:`Digest` is made per delegate at each publish that changes something for them,
kept as JSON in the ledger until ``notify`` has told them. How it reads — the
``changes.html`` page, the e-mail's subject and text, its calendar invitations — is a
plugin's: a :class:`DigestWriter`, registered through the ``register_digests`` hook. The
core only carries the words and the calendar data it is given.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from .changes import Change
from .identity import item_uid
from .model import Delegate, EventSelection
from .snapshots import item_from_json, item_to_json
from .tracking import Plan, Tracked

__all__ = [
    "Digest",
    "DigestWriter",
    "Invitation",
    "Letter",
    "change_key",
    "digest_from_json",
    "digest_to_json",
    "make_digests",
]

DIGEST_VERSION = 1
"""The layout of a digest kept in the ledger."""


@dataclass(frozen=True)
class Digest:
    """The changes that affect one delegate at one publish, with what a message needs."""

    delegate: Delegate
    """The delegate (their id, names, address, language and calendar choice; no travel)."""
    programme: str
    """The programme's title."""
    published_at: datetime
    changes: tuple[Change, ...]
    """What changed for them: each item added, moved, changed, cancelled or restored, or
    an event they joined or left. A delegate new to the roster gets every item as added."""
    sequences: Mapping[str, int] = field(default_factory=dict)
    """Per UID in :attr:`changes`, the SEQUENCE their feed gives it at this publish."""
    links: Mapping[str, str] = field(default_factory=dict)
    """Their ``page``, ``feed``, ``webcal`` and ``changes`` URLs, as far as published."""


@dataclass(frozen=True)
class Letter:
    """A digest as a message: subject, plain text and an HTML document."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Invitation:
    """One iTIP object (RFC 5546) for a message: its METHOD and the iCalendar bytes."""

    method: Literal["REQUEST", "CANCEL"]
    calendar: bytes


@dataclass(frozen=True)
class DigestWriter:
    """How digests read, registered through the ``register_digests`` hook."""

    name: str
    page: Callable[[Digest], bytes]
    """The ``changes.html`` page in the delegate's secret folder."""
    letter: Callable[[Digest], Letter]
    """The message's subject, text and HTML."""
    invitations: Callable[[Digest, str], list[Invitation]]
    """For a delegate who chose invitations: the iTIP objects, organised by the
    coordinator's address (the second argument, ``name@host``)."""
    plugin: str = ""
    """The plugin that registered it (filled in on registration)."""


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
