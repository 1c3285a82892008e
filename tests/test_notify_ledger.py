"""The ledger's format 3: the digests a publish keeps and the messages notify sent.

A format-2 ledger (written before notify existed, built here with its own schema) is
read, migrated and keeps every row; what notify records is durable at once, per change;
a damaged or missing ledger is one line of bad input, from the library and the CLI."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from icssi_itinerary import InputError, load_programme
from icssi_itinerary.cli import cli
from icssi_itinerary.identity import item_uid
from icssi_itinerary.ledger import LEDGER_FORMAT, Ledger

T1 = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)
FORMAT_2 = """
create table meta (key text primary key, value text not null);
create table versions (
    uid text primary key, hash text not null, sequence integer not null,
    last_modified text not null, snapshot text not null
);
create table presence (
    scope text not null, uid text not null, removed_at text, primary key (scope, uid)
);
create table renders (scope text primary key, key text not null);
insert into meta values ('format', '2');
"""


def _format_2(path: Path) -> str:
    """A committed format-2 ledger holding the first event; its UID."""
    programme = load_programme()
    event = programme.events[0]
    uid = item_uid(programme, event.id)
    ledger = Ledger.working_copy(path.parent / "new.sqlite", path.parent / "work.sqlite")
    ledger.record({uid: event}, T1)
    ledger.commit()
    with sqlite3.connect(path.parent / "work.sqlite") as source:
        row = source.execute("select * from versions").fetchone()
    with sqlite3.connect(path) as connection:
        connection.executescript(FORMAT_2)
        connection.execute("insert into versions values (?, ?, ?, ?, ?)", row)
        connection.execute("insert into presence values ('programme', ?, null)", (uid,))
    connection.close()
    return uid


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        names = {row[0] for row in connection.execute("select name from sqlite_master")}
    connection.close()
    return names


def _format(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        (value,) = connection.execute("select value from meta where key = 'format'").fetchone()
    connection.close()
    return str(value)


def test_the_format_is_3() -> None:
    assert LEDGER_FORMAT == 3


def test_a_format_2_ledger_is_migrated_into_the_working_copy(tmp_path: Path) -> None:
    committed = tmp_path / "ledger.sqlite"
    uid = _format_2(committed)
    ledger = Ledger.working_copy(committed, tmp_path / "copy.sqlite")
    assert ledger.entries()[uid]["sequence"] == 0
    assert ledger.snapshot(uid) == load_programme().events[0]
    assert ledger.unsent() == []
    ledger.commit()
    assert {"digests", "sent"} <= _tables(tmp_path / "copy.sqlite")
    assert _format(tmp_path / "copy.sqlite") == "3"
    assert _format(committed) == "2"  # the committed ledger is never written by a publish


def test_notify_migrates_a_format_2_ledger_in_place(tmp_path: Path) -> None:
    committed = tmp_path / "ledger.sqlite"
    uid = _format_2(committed)
    ledger = Ledger.in_place(committed)
    assert ledger.entries()[uid]["sequence"] == 0
    ledger.close()
    assert _format(committed) == "3"
    assert {"digests", "sent"} <= _tables(committed)


def test_what_is_sent_is_recorded_per_change_at_once(tmp_path: Path) -> None:
    committed = tmp_path / "ledger.sqlite"
    _format_2(committed)
    ledger = Ledger.working_copy(committed, tmp_path / "copy.sqlite")
    ledger.remember_digests("v1", {"amal-karim": "{}", "pieter-claes": "{}"})
    ledger.commit()
    (tmp_path / "copy.sqlite").replace(committed)
    ledger = Ledger.in_place(committed)
    assert [row[:2] for row in ledger.unsent()] == [("v1", "amal-karim"), ("v1", "pieter-claes")]
    ledger.record_sent("v1", "amal-karim", ["moved:a", "added:b"], "<m1@example.org>", T1)
    # another connection sees it before this one closes: each record is its own commit
    with sqlite3.connect(committed) as other:
        rows = other.execute("select delegate, change, message_id from sent").fetchall()
    other.close()
    assert sorted(rows) == [
        ("amal-karim", "added:b", "<m1@example.org>"),
        ("amal-karim", "moved:a", "<m1@example.org>"),
    ]
    ledger.record_sent("v1", "amal-karim", ["moved:a"], "<m1@example.org>", T1)  # no duplicate
    assert len(ledger.sent()) == 2
    assert [row[:2] for row in ledger.unsent()] == [("v1", "pieter-claes")]
    ledger.close()


def test_a_missing_ledger_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        Ledger.in_place(tmp_path / "ledger.sqlite")
    assert str(raised.value) == (
        f"{tmp_path / 'ledger.sqlite'}: no ledger: nothing was published here; "
        "publish the site first (icssi-itinerary publish --out SITE)"
    )


def test_notify_on_a_damaged_ledger_is_one_line_and_exit_2(tmp_path: Path) -> None:
    site, private = tmp_path / "site", tmp_path / "site.private"
    (tmp_path / "v1").mkdir()
    site.symlink_to("v1")
    private.mkdir()
    (private / "links.csv").write_text("id,name,email\n", encoding="utf-8")
    (private / "ledger.sqlite").write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    result = CliRunner().invoke(
        cli, ["notify", str(site), "--outbox", str(tmp_path / "o"), "--from", "c@example.org"]
    )
    assert result.exit_code == 2, result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"Error: {private / 'ledger.sqlite'}: is not a readable ledger")
