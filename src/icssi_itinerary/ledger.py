"""Change tracking across publishes: per UID a content hash, SEQUENCE, LAST-MODIFIED and
a JSON snapshot of what was last published; per feed, which UIDs it holds.

The ledger is a SQLite file kept beside the secret, never in the published site. A
publish works on a copy (:meth:`Ledger.working_copy`) and the publisher puts the copy in
place only once the new site is live, so a failed run changes nothing. Snapshots are
versioned JSON (:mod:`.snapshots`); a ledger written by version 0.1.0 (pickled
snapshots) is migrated into the copy on first use, reading only the model's own classes.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import pickle
import sqlite3
import stat
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .errors import InputError
from .fingerprints import fingerprint
from .identity import legacy_item_id
from .model import ItineraryItem
from .snapshots import SnapshotError, item_from_json, item_to_json

__all__ = ["LEDGER_FORMAT", "Ledger", "Presence"]

LEDGER_FORMAT = 3
"""1: version 0.1.0 (pickled snapshots); 2: JSON snapshots and a ``meta`` table; 3: the
digests of each publish and the messages ``notify`` sent (tables ``digests``, ``sent``)."""


_SCHEMA = """
create table if not exists meta (key text primary key, value text not null);
create table if not exists versions (
    uid text primary key, hash text not null, sequence integer not null,
    last_modified text not null, snapshot text not null
);
create table if not exists presence (
    scope text not null, uid text not null, removed_at text,
    primary key (scope, uid)
);
create table if not exists renders (
    scope text primary key, key text not null
);
create table if not exists digests (
    publish text not null, delegate text not null, digest text not null,
    primary key (publish, delegate)
);
create table if not exists sent (
    publish text not null, delegate text not null, change text not null,
    message_id text not null, sent_at text not null,
    primary key (publish, delegate, change)
);
"""


@dataclasses.dataclass(frozen=True)
class Presence:
    """What marking a feed's current UIDs found, against the last publish."""

    new: frozenset[str]
    """In the feed now, never in it before."""
    returned: frozenset[str]
    """In the feed now, gone from it at the last publish."""
    gone: dict[str, datetime]
    """Gone from the feed and still shown as cancelled, or gone at this very publish
    (reported even when it is not kept), each with the time it was first seen gone."""
    first: bool
    """The feed had never been published."""


class Ledger:
    """The SQLite file that remembers what each UID looked like when last published."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path
        """The committed ledger this one was copied from (named in messages)."""

    @classmethod
    def working_copy(cls, committed: Path, working: Path) -> Ledger:
        """A copy at *working* of the ledger at *committed* (a new ledger if there is
        none), migrated to :data:`LEDGER_FORMAT`. *committed* is never written; a
        damaged one is one line of bad input."""
        source = _open_committed(committed)
        working.unlink(missing_ok=True)
        connection = sqlite3.connect(working, isolation_level=None)
        working.chmod(0o600)  # names delegates and holds their travel: the coordinator's only
        try:
            if source is not None:
                with source:
                    source.backup(connection)
                source.close()
            connection.execute("begin immediate")
            ledger = cls(connection, committed)
            ledger._upgrade(committed)
        except BaseException:
            connection.close()
            working.unlink(missing_ok=True)
            raise
        return ledger

    @classmethod
    def in_place(cls, committed: Path) -> Ledger:
        """The committed ledger itself, opened for writing (each :meth:`record_sent`
        is its own transaction) and migrated to :data:`LEDGER_FORMAT`. The caller holds
        the site's lock, so no publish replaces it meanwhile."""
        source = _open_committed(committed)
        if source is None:
            raise InputError(
                "no ledger: nothing was published here",
                source=str(committed),
                hint="publish the site first (icssi-itinerary publish --out SITE)",
            )
        source.close()
        connection = sqlite3.connect(committed, isolation_level=None)
        ledger = cls(connection, committed)
        try:
            connection.execute("begin immediate")
            ledger._upgrade(committed)
            connection.execute("commit")
        except BaseException:
            connection.close()
            raise
        return ledger

    def _upgrade(self, committed: Path) -> None:
        tables = {row[0] for row in self.connection.execute("select name from sqlite_master")}
        format_ = LEDGER_FORMAT
        if "meta" in tables:
            row = self.connection.execute("select value from meta where key = 'format'").fetchone()
            format_ = int(row[0]) if row and str(row[0]).isdigit() else -1
        elif "versions" in tables:
            format_ = 1
        if format_ > LEDGER_FORMAT or format_ < 1:
            raise InputError(
                f"ledger format {format_} is not one this version reads",
                source=str(committed),
                hint="use the icssi-itinerary version that wrote it, or a newer one",
            )
        for statement in _SCHEMA.split(";"):
            self.connection.execute(statement)
        if format_ == 1:
            _migrate_from_0_1(self.connection, committed)
        self.connection.execute(
            "insert into meta values ('format', ?) on conflict(key) do update set value = ?",
            (str(LEDGER_FORMAT), str(LEDGER_FORMAT)),
        )

    def commit(self) -> None:
        """Make every change of this publish durable in the working copy, and close it."""
        self.connection.execute("commit")
        self.connection.close()

    def close(self) -> None:
        """Close without committing: the working copy keeps nothing of this publish."""
        self.connection.close()

    def snapshot(self, uid: str) -> ItineraryItem | None:
        """The item *uid* was when last published, if the ledger knows it."""
        row = self.connection.execute(
            "select snapshot from versions where uid = ?", (uid,)
        ).fetchone()
        return None if row is None else _read_snapshot(row[0], self.path)

    def record(
        self, items: Mapping[str, ItineraryItem], now: datetime
    ) -> list[tuple[str, ItineraryItem | None, ItineraryItem]]:
        """Record the current content of *items* (by UID), bumping SEQUENCE of what
        changed. Returns ``(uid, before, after)`` for each new or changed UID."""
        found: list[tuple[str, ItineraryItem | None, ItineraryItem]] = []
        for uid, item in items.items():
            digest = fingerprint(item)
            row = self.connection.execute(
                "select hash, sequence, snapshot from versions where uid = ?", (uid,)
            ).fetchone()
            if row is not None and row[0] == digest:
                continue
            snapshot = json.dumps(item_to_json(item), sort_keys=True, ensure_ascii=False)
            if row is None:
                self.connection.execute(
                    "insert into versions values (?, ?, 0, ?, ?)",
                    (uid, digest, now.isoformat(), snapshot),
                )
                found.append((uid, None, item))
            else:
                self.connection.execute(
                    "update versions set hash = ?, sequence = ?, last_modified = ?, snapshot = ?"
                    " where uid = ?",
                    (digest, row[1] + 1, now.isoformat(), snapshot, uid),
                )
                found.append((uid, _read_snapshot(row[2], self.path), item))
        return found

    def present(self, scope: str, uids: Iterable[str], now: datetime, keep: timedelta) -> Presence:
        """Mark *uids* as what feed *scope* holds now; say what came, came back and went."""
        current = set(uids)
        rows = self.connection.execute(
            "select uid, removed_at from presence where scope = ?", (scope,)
        ).fetchall()
        known: dict[str, str | None] = dict(rows)
        gone = {}
        for uid, removed_at in known.items():
            if uid in current:
                continue
            removed = datetime.fromisoformat(removed_at) if removed_at else now
            if removed_at is None:
                self.connection.execute(
                    "update presence set removed_at = ? where scope = ? and uid = ?",
                    (now.isoformat(), scope, uid),
                )
            if removed == now or now - removed < keep:
                gone[uid] = removed
        self.connection.executemany(
            "insert into presence values (?, ?, null) on conflict(scope, uid) "
            "do update set removed_at = null",
            [(scope, uid) for uid in sorted(current)],
        )
        return Presence(
            new=frozenset(current - set(known)),
            returned=frozenset(uid for uid in current if known.get(uid)),
            gone=dict(sorted(gone.items())),
            first=not known,
        )

    def scopes(self, prefix: str) -> set[str]:
        """The feeds recorded whose scope starts with *prefix*."""
        rows = self.connection.execute(
            "select distinct scope from presence where substr(scope, 1, ?) = ?",
            (len(prefix), prefix),
        )
        return {row[0] for row in rows}

    def forget(self, scope: str) -> None:
        """Drop what feed *scope* held (its delegate left the roster)."""
        self.connection.execute("delete from presence where scope = ?", (scope,))
        self.connection.execute("delete from renders where scope like ?", (f"{scope}%",))

    def rendered(self, scope: str) -> str | None:
        """The key of the inputs *scope*'s files were last rendered from."""
        row = self.connection.execute(
            "select key from renders where scope = ?", (scope,)
        ).fetchone()
        return None if row is None else str(row[0])

    def remember_render(self, keys: Mapping[str, str]) -> None:
        """Record the keys of the inputs each scope's files were rendered from."""
        self.connection.execute("delete from renders")
        self.connection.executemany("insert into renders values (?, ?)", sorted(keys.items()))

    def remember_digests(self, publish: str, digests: Mapping[str, str]) -> None:
        """Keep what changed for each delegate at *publish* (JSON, by delegate id), for
        ``notify`` to tell them."""
        self.connection.executemany(
            "insert into digests values (?, ?, ?)",
            [(publish, delegate, text) for delegate, text in sorted(digests.items())],
        )

    def unsent(self) -> list[tuple[str, str, str]]:
        """``(publish, delegate, digest)`` of each digest no message was sent for yet,
        oldest publish first."""
        rows = self.connection.execute(
            "select publish, delegate, digest from digests d where not exists "
            "(select 1 from sent s where s.publish = d.publish and s.delegate = d.delegate)"
            " order by rowid"
        )
        return [(str(a), str(b), str(c)) for a, b, c in rows]

    def record_sent(
        self, publish: str, delegate: str, changes: Iterable[str], message_id: str, when: datetime
    ) -> None:
        """Record, durably and at once, that *message_id* told *delegate* of *changes*."""
        with self.connection:
            self.connection.execute("begin immediate")
            self.connection.executemany(
                "insert or ignore into sent values (?, ?, ?, ?, ?)",
                [(publish, delegate, change, message_id, when.isoformat()) for change in changes],
            )

    def sent(self) -> list[tuple[str, str, str, str]]:
        """``(publish, delegate, change, message_id)`` of every change told."""
        rows = self.connection.execute(
            "select publish, delegate, change, message_id from sent order by rowid"
        )
        return [(str(a), str(b), str(c), str(d)) for a, b, c, d in rows]

    def entries(self) -> dict[str, dict[str, Any]]:
        """Per UID: ``sequence`` and ``last_modified``, as exporters take them."""
        rows = self.connection.execute("select uid, sequence, last_modified from versions")
        return {
            uid: {"sequence": sequence, "last_modified": datetime.fromisoformat(modified)}
            for uid, sequence, modified in rows
        }


def _damaged(path: Path, what: str, hint: str | None = None) -> InputError:
    return InputError(
        what,
        source=str(path),
        hint=hint
        or "restore it from a backup; if it is lost, move it away and publish again "
        "(every item is then reported as added)",
    )


def _open_committed(path: Path) -> sqlite3.Connection | None:
    """The committed ledger, read-only, after checking it is one; ``None`` if absent."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise _damaged(path, f"cannot be read ({error.strerror})") from None
    if stat.S_ISLNK(info.st_mode) and not path.exists():
        raise _damaged(path, "is a link to nothing")
    info = path.stat()
    if stat.S_ISDIR(info.st_mode):
        raise _damaged(path, "is a folder, not a ledger")
    if not stat.S_ISREG(info.st_mode):
        raise _damaged(path, "is not a regular file")
    if info.st_size == 0:
        raise _damaged(path, "is empty (0 bytes): it is damaged")
    if not info.st_mode & stat.S_IWUSR or not os.access(path, os.R_OK | os.W_OK):
        raise _damaged(
            path,
            "is read-only",
            "make it writable (chmod u+rw) if this publish may update it",
        )
    try:
        connection = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        result = connection.execute("pragma quick_check").fetchone()
        tables = {row[0] for row in connection.execute("select name from sqlite_master")}
    except sqlite3.DatabaseError as error:
        raise _damaged(path, f"is not a readable ledger ({error})") from None
    if result != ("ok",) or "versions" not in tables:
        connection.close()
        raise _damaged(path, "is not a readable ledger (damaged or another file)")
    return connection


def _read_snapshot(text: str, path: Path) -> ItineraryItem:
    try:
        return item_from_json(json.loads(text))
    except (ValueError, SnapshotError) as error:
        raise _damaged(path, f"holds an unreadable snapshot ({error})") from None


class _ModelOnly(pickle.Unpickler):
    """Reads a 0.1.0 snapshot: only the model's, the time library's and a few builtin
    classes may be named, so a crafted ledger cannot make the migration run code."""

    _ALLOWED = {
        ("icssi_itinerary.model", name)
        for name in ("Event", "Venue", "Contact", "TravelLeg", "Stay")
    } | {
        ("icssi_itinerary.timing", "DateSpan"),
        ("icssi_itinerary.timing", "TimeSpan"),
        ("pendulum.datetime", "DateTime"),
        ("pendulum.tz.timezone", "Timezone"),
        ("pendulum.tz.timezone", "FixedTimezone"),
        ("datetime", "date"),
        ("datetime", "datetime"),
        ("datetime", "timedelta"),
        ("datetime", "timezone"),
        ("zoneinfo", "ZoneInfo"),
        ("zoneinfo._zoneinfo", "ZoneInfo"),
        ("copyreg", "_reconstructor"),
        ("builtins", "object"),
    }

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("builtins", "getattr"):
            return _zone_constructor
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not a snapshot class")
        return super().find_class(module, name)


def _zone_constructor(owner: Any, name: str) -> Any:
    """The one ``getattr`` a pickled zone makes: a time-zone class's own unpickler."""
    from zoneinfo import ZoneInfo

    if not (isinstance(owner, type) and issubclass(owner, ZoneInfo)):
        raise pickle.UnpicklingError(f"getattr on {owner!r} is not a snapshot's")
    if name not in ("_unpickle", "_from_pickled_file"):
        raise pickle.UnpicklingError(f"{name} is not a time zone's unpickler")
    return getattr(owner, name)


def _migrate_from_0_1(connection: sqlite3.Connection, committed: Path) -> None:
    """Version 0.1.0 pickled each snapshot and derived a leg's or stay's id from its
    time; store them as JSON, each under the identity this version derives."""
    rows = connection.execute("select uid, hash, sequence, last_modified, snapshot from versions")
    migrated = []
    for uid, _, sequence, modified, blob in rows.fetchall():
        try:
            item = _ModelOnly(io.BytesIO(blob)).load()
            item = dataclasses.replace(item)  # fills fields added since, with their defaults
        except Exception as error:
            raise _damaged(committed, f"holds an unreadable 0.1.0 snapshot ({error})") from None
        new_id = legacy_item_id(item)
        new_uid = uid if new_id is None else uid.replace(f"{item.id}@", f"{new_id}@", 1)
        item = item if new_id is None else dataclasses.replace(item, id=new_id)
        migrated.append((uid, new_uid, item, sequence, modified))
    connection.execute("delete from versions")
    for uid, new_uid, item, sequence, modified in migrated:
        snapshot = json.dumps(item_to_json(item), sort_keys=True, ensure_ascii=False)
        connection.execute(
            "insert into versions values (?, ?, ?, ?, ?)",
            (new_uid, fingerprint(item), sequence, modified, snapshot),
        )
        if new_uid != uid:
            connection.execute("update presence set uid = ? where uid = ?", (new_uid, uid))
    connection.execute("delete from renders")  # the files are rendered afresh once
