"""Change tracking across publishes: per UID a content hash, SEQUENCE and LAST-MODIFIED.

The ledger is a SQLite file kept beside the secret, never in the published site.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from .model import Event, ItineraryItem, Programme
from .timing import Timezone

__all__ = ["Ledger", "fingerprint", "item_uid"]


def item_uid(programme: Programme, item_id: str) -> str:
    """The stable UID of an event, leg or stay: never random, never a host name."""
    return f"{item_id}@{programme.id}.icssi-itinerary"


@cache
def _field_names(kind: type) -> tuple[str, ...]:
    """The dataclass fields of *kind* (none for other types), looked up once per type."""
    fields = getattr(kind, "__dataclass_fields__", None)
    return tuple(f.name for f in dataclasses.fields(kind)) if fields else ()


def _plain(value: Any) -> Any:
    """Plain JSON data for a dataclass tree: a faster, copy-free ``dataclasses.asdict``."""
    names = _field_names(type(value))  # type: ignore[arg-type]
    if names:
        return {"type": type(value).__name__, **{n: _plain(getattr(value, n)) for n in names}}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, Timezone):
        return value.key
    return value


def fingerprint(value: object) -> str:
    """A hash of everything a reader would see of *value* (an item, a programme, a
    delegate): equal data gives an equal hash in every process."""
    data = json.dumps(_plain(value), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


_SCHEMA = """
create table if not exists versions (
    uid text primary key, hash text not null, sequence integer not null,
    last_modified text not null, snapshot blob not null
);
create table if not exists presence (
    scope text not null, uid text not null, removed_at text,
    primary key (scope, uid)
);
create table if not exists renders (
    scope text primary key, key text not null
);
"""


@dataclasses.dataclass(frozen=True)
class Change:
    """What happened to one UID in this publish."""

    uid: str
    kind: str
    """``added``, ``changed`` or ``removed``."""
    before: ItineraryItem | None
    after: ItineraryItem | None


class Ledger:
    """The SQLite file that remembers what each UID looked like when last published."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(path)
        path.chmod(0o600)  # names delegates and holds their travel: the coordinator's only
        self.connection.executescript(_SCHEMA)

    def close(self) -> None:
        """Commit and close the file."""
        self.connection.commit()
        self.connection.close()

    def record(self, items: Mapping[str, ItineraryItem], now: datetime) -> list[Change]:
        """Record the current content of *items* (by UID); bump what changed."""
        changes = []
        for uid, item in items.items():
            digest = fingerprint(item)
            row = self.connection.execute(
                "select hash, sequence, snapshot from versions where uid = ?", (uid,)
            ).fetchone()
            if row is not None and row[0] == digest:
                continue
            snapshot = pickle.dumps(item)
            if row is None:
                self.connection.execute(
                    "insert into versions values (?, ?, 0, ?, ?)",
                    (uid, digest, now.isoformat(), snapshot),
                )
                changes.append(Change(uid, "added", None, item))
            else:
                self.connection.execute(
                    "update versions set hash = ?, sequence = ?, last_modified = ?, snapshot = ?"
                    " where uid = ?",
                    (digest, row[1] + 1, now.isoformat(), snapshot, uid),
                )
                changes.append(Change(uid, "changed", pickle.loads(row[2]), item))
        return changes

    def present(
        self, scope: str, uids: Iterable[str], now: datetime, keep: timedelta
    ) -> dict[str, datetime]:
        """Mark *uids* as in feed *scope*; return the UIDs gone from it that are still kept
        (removed less than *keep* ago), each with the time it was first seen gone."""
        current = set(uids)
        rows = self.connection.execute(
            "select uid, removed_at from presence where scope = ?", (scope,)
        ).fetchall()
        kept = {}
        for uid, removed_at in rows:
            if uid in current:
                continue
            removed = datetime.fromisoformat(removed_at) if removed_at else now
            if removed_at is None:
                self.connection.execute(
                    "update presence set removed_at = ? where scope = ? and uid = ?",
                    (now.isoformat(), scope, uid),
                )
            if now - removed < keep:
                kept[uid] = removed
        for uid in current:
            self.connection.execute(
                "insert into presence values (?, ?, null) on conflict(scope, uid) "
                "do update set removed_at = null",
                (scope, uid),
            )
        return dict(sorted(kept.items()))

    def cancel(self, uid: str, now: datetime) -> tuple[Event, list[Change]] | None:
        """The last published version of an event gone from the programme, as cancelled
        (``None`` if *uid* was not an event). Cancelling bumps its SEQUENCE once."""
        row = self.connection.execute(
            "select snapshot from versions where uid = ?", (uid,)
        ).fetchone()
        item = pickle.loads(row[0]) if row else None
        if not isinstance(item, Event):
            return None
        event = dataclasses.replace(item, status="cancelled", parent=None)
        return event, self.record({uid: event}, now)

    def rendered(self, scope: str) -> str | None:
        """The key of the inputs *scope*'s files were last rendered from."""
        row = self.connection.execute(
            "select key from renders where scope = ?", (scope,)
        ).fetchone()
        return None if row is None else str(row[0])

    def remember_render(self, keys: Mapping[str, str]) -> None:
        """Record the keys of the inputs each scope's files were rendered from."""
        self.connection.executemany(
            "insert into renders values (?, ?) on conflict(scope) do update set key = excluded.key",
            list(keys.items()),
        )

    def entries(self) -> dict[str, dict[str, Any]]:
        """Per UID: ``sequence`` and ``last_modified``, as exporters take them."""
        rows = self.connection.execute("select uid, sequence, last_modified from versions")
        return {
            uid: {"sequence": sequence, "last_modified": datetime.fromisoformat(modified)}
            for uid, sequence, modified in rows
        }
