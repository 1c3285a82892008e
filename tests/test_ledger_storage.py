"""The ledger's storage in-process: what a working copy keeps, SEQUENCE and presence
rules, format checks, exact messages for damage, and the 0.1.0 migration's unpickler.

tests/test_ledger.py drives the same through the command line; these tests reach the
rules one by one (and so are what mutation testing measures)."""

from __future__ import annotations

import io
import pickle
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import ROOT
from icssi_itinerary import InputError, Programme, load_programme
from icssi_itinerary.identity import item_uid
from icssi_itinerary.ledger import LEDGER_FORMAT, Ledger, _ModelOnly, _zone_constructor

T1 = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)
T2 = T1 + timedelta(days=1)
HINT = (
    "restore it from a backup; if it is lost, move it away and publish again "
    "(every item is then reported as added)"
)


@pytest.fixture(scope="module")
def programme() -> Programme:
    return load_programme()


def _copy(tmp_path: Path, name: str = "work.sqlite") -> Ledger:
    return Ledger.working_copy(tmp_path / "ledger.sqlite", tmp_path / name)


def _committed(tmp_path: Path, ledger_name: str = "work.sqlite") -> None:
    """Put the working copy in place, as the publisher does after its swap."""
    (tmp_path / ledger_name).replace(tmp_path / "ledger.sqlite")


def _with_snapshot(tmp_path: Path, programme: Programme, snapshot: str) -> tuple[Ledger, str]:
    """A copy of a committed ledger holding the first event, whose stored snapshot was
    then overwritten with *snapshot*; and that event's UID."""
    event = programme.events[0]
    uid = item_uid(programme, event.id)
    ledger = _copy(tmp_path)
    ledger.record({uid: event}, T1)
    ledger.commit()
    _committed(tmp_path)
    with sqlite3.connect(tmp_path / "ledger.sqlite") as connection:
        connection.execute("update versions set snapshot = ?", (snapshot,))
    return _copy(tmp_path), uid


def test_record_gives_sequence_0_then_one_more_per_change_and_the_last_version(
    tmp_path: Path, programme: Programme
) -> None:
    event = programme.events[0]
    uid = item_uid(programme, event.id)
    ledger = _copy(tmp_path)
    assert ledger.record({uid: event}, T1) == [(uid, None, event)]
    assert ledger.record({uid: event}, T2) == []  # unchanged: nothing, no bump
    assert ledger.entries()[uid] == {"sequence": 0, "last_modified": T1}
    moved = type(event)(**{**vars(event), "title": "Moved"})
    assert ledger.record({uid: moved}, T2) == [(uid, event, moved)]
    assert ledger.entries()[uid] == {"sequence": 1, "last_modified": T2}
    assert ledger.record({uid: event}, T2 + timedelta(1)) == [(uid, moved, event)]
    assert ledger.entries()[uid]["sequence"] == 2
    assert ledger.snapshot(uid) == event and ledger.snapshot("nobody@p") is None
    ledger.commit()
    _committed(tmp_path)
    again = _copy(tmp_path)
    assert again.entries()[uid]["sequence"] == 2  # committed, then copied
    again.close()


def test_a_working_copy_closed_without_commit_keeps_nothing(
    tmp_path: Path, programme: Programme
) -> None:
    event = programme.events[0]
    uid = item_uid(programme, event.id)
    ledger = _copy(tmp_path)
    ledger.record({uid: event}, T1)
    ledger.close()
    with sqlite3.connect(tmp_path / "work.sqlite") as connection:
        tables = {row[0] for row in connection.execute("select name from sqlite_master")}
    assert tables == set()  # even the new tables were part of the transaction
    assert not (tmp_path / "ledger.sqlite").exists()  # the committed one is never written


def test_presence_says_what_came_came_back_and_went_kept_strictly_less_than_keep(
    tmp_path: Path,
) -> None:
    keep = timedelta(days=3)
    ledger = _copy(tmp_path)
    first = ledger.present("feed", ["a", "b"], T1, keep)
    assert (first.first, first.new, first.returned, first.gone) == (
        True,
        frozenset({"a", "b"}),
        frozenset(),
        {},
    )
    gone = ledger.present("feed", ["a"], T2, keep)
    assert (gone.first, gone.new, gone.gone) == (False, frozenset(), {"b": T2})
    assert ledger.present("feed", ["a"], T2 + keep - timedelta(seconds=1), keep).gone == {"b": T2}
    assert ledger.present("feed", ["a"], T2 + keep, keep).gone == {}  # the period is over
    back = ledger.present("feed", ["a", "b"], T2 + keep, keep)
    assert (back.returned, back.new, back.gone) == (frozenset({"b"}), frozenset(), {})
    assert ledger.present("other", [], T1, keep).first
    assert ledger.scopes("fe") == {"feed"} and ledger.scopes("x") == set()
    ledger.remember_render({"feed": "k1", "feed-files": "k2", "other": "k3"})
    assert ledger.rendered("feed") == "k1" and ledger.rendered("missing") is None
    ledger.forget("feed")
    assert ledger.scopes("fe") == set()
    assert (ledger.rendered("feed"), ledger.rendered("other")) == (None, "k3")
    ledger.remember_render({"new": "k4"})
    assert (ledger.rendered("other"), ledger.rendered("new")) == (None, "k4")
    ledger.close()


@pytest.mark.parametrize("value", ["abc", "0", "4", "-1", ""])
def test_a_ledger_of_a_format_this_version_does_not_read_is_refused(
    tmp_path: Path, value: str
) -> None:
    _copy(tmp_path).commit()
    _committed(tmp_path)
    with sqlite3.connect(tmp_path / "ledger.sqlite") as connection:
        connection.execute("update meta set value = ? where key = 'format'", (value,))
    with pytest.raises(InputError) as raised:
        _copy(tmp_path)
    shown = value if value.isdigit() else "-1"
    assert str(raised.value) == (
        f"{tmp_path / 'ledger.sqlite'}: ledger format {shown} is not one this version reads; "
        "use the icssi-itinerary version that wrote it, or a newer one"
    )
    assert not (tmp_path / "work.sqlite").exists()


def test_a_new_ledger_records_its_format(tmp_path: Path) -> None:
    _copy(tmp_path).commit()
    with sqlite3.connect(tmp_path / "work.sqlite") as connection:
        rows = connection.execute("select key, value from meta").fetchall()
    assert rows == [("format", str(LEDGER_FORMAT))]


def _garbage(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _folder(path: Path) -> None:
    path.mkdir()


def _fifo(path: Path) -> None:
    import os

    os.mkfifo(path)


def _dangling(path: Path) -> None:
    path.symlink_to(path.parent / "gone")


def _read_only(path: Path) -> None:
    _copy(path.parent).commit()
    _committed(path.parent)
    path.chmod(0o400)


def _other_database(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("create table notes (text)")


@pytest.mark.parametrize(
    ("damage", "what", "hint"),
    [
        (_empty, "is empty (0 bytes): it is damaged", HINT),
        (_folder, "is a folder, not a ledger", HINT),
        (_fifo, "is not a regular file", HINT),
        (_dangling, "is a link to nothing", HINT),
        (
            _read_only,
            "is read-only",
            "make it writable (chmod u+rw) if this publish may update it",
        ),
        (_other_database, "is not a readable ledger (damaged or another file)", HINT),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_damage_is_one_exact_line_naming_the_committed_ledger(
    tmp_path: Path, damage: object, what: str, hint: str
) -> None:
    path = tmp_path / "ledger.sqlite"
    assert callable(damage)
    damage(path)
    with pytest.raises(InputError) as raised:
        _copy(tmp_path)
    assert str(raised.value) == f"{path}: {what}; {hint}"
    assert not (tmp_path / "work.sqlite").exists()


def test_a_file_that_is_not_sqlite_is_named_with_sqlites_reason(tmp_path: Path) -> None:
    _garbage(tmp_path / "ledger.sqlite")
    with pytest.raises(InputError) as raised:
        _copy(tmp_path)
    message = str(raised.value)
    assert message.startswith(f"{tmp_path / 'ledger.sqlite'}: is not a readable ledger (")
    assert message.endswith(f"); {HINT}")


def test_an_unreadable_snapshot_is_named_when_it_is_read(
    tmp_path: Path, programme: Programme
) -> None:
    again, uid = _with_snapshot(tmp_path, programme, '{"item": "event"}')
    with pytest.raises(InputError) as raised:
        again.snapshot(uid)
    assert str(raised.value).startswith(
        f"{tmp_path / 'ledger.sqlite'}: holds an unreadable snapshot ("
    )
    assert str(raised.value).endswith(HINT)
    again.close()


def test_the_migration_unpickler_names_what_it_refuses() -> None:
    with pytest.raises(pickle.UnpicklingError, match=r"^os\.system is not a snapshot class$"):
        _ModelOnly(io.BytesIO(b"cos\nsystem\n(S'true'\ntR.")).load()
    with pytest.raises(pickle.UnpicklingError, match=r"^getattr on 'x' is not a snapshot's$"):
        _zone_constructor("x", "_unpickle")
    with pytest.raises(pickle.UnpicklingError, match=r"^getattr on <class 'int'> is not"):
        _zone_constructor(int, "_unpickle")
    from zoneinfo import ZoneInfo

    assert _zone_constructor(ZoneInfo, "_unpickle") == ZoneInfo._unpickle  # type: ignore[attr-defined]
    with pytest.raises(pickle.UnpicklingError, match=r"^__init__ is not a time zone's unpickler$"):
        _zone_constructor(ZoneInfo, "__init__")


def test_migration_moves_legs_and_their_feeds_to_the_new_identities(tmp_path: Path) -> None:
    shutil.copy(ROOT / "tests" / "data" / "ledger-0.1.0" / "ledger.sqlite", tmp_path)
    old = tmp_path / "ledger.sqlite"
    with sqlite3.connect(old) as connection:
        old_uids = {row[0] for row in connection.execute("select uid from versions")}
        old_presence = connection.execute("select count(*) from presence").fetchone()[0]
    ledger = _copy(tmp_path)
    ledger.commit()
    with sqlite3.connect(tmp_path / "work.sqlite") as connection:
        uids = {row[0] for row in connection.execute("select uid from versions")}
        presence = {row[0] for row in connection.execute("select uid from presence")}
        renders = connection.execute("select count(*) from renders").fetchone()[0]
        count = connection.execute("select count(*) from presence").fetchone()[0]
    leg = "amal-karim-leg-flight-tk-789-baghdad-to-istanbul@icssi-2014.icssi-itinerary"
    assert leg in uids and leg in presence and "amal-karim-20141026T0410" not in str(uids)
    assert presence <= uids and count == old_presence and len(uids) == len(old_uids)
    assert {u for u in old_uids if "-leg-" not in u and "T" not in u.split("@")[0][-6:]} & uids
    assert renders == 0  # rendered afresh once


def test_the_working_copy_is_0600_and_a_linked_ledger_is_read_through_its_link(
    tmp_path: Path, programme: Programme
) -> None:
    event = programme.events[0]
    uid = item_uid(programme, event.id)
    ledger = _copy(tmp_path)
    assert (tmp_path / "work.sqlite").stat().st_mode & 0o777 == 0o600
    ledger.record({uid: event}, T1)
    ledger.commit()
    (tmp_path / "kept").mkdir()
    (tmp_path / "work.sqlite").replace(tmp_path / "kept" / "ledger.sqlite")
    (tmp_path / "ledger.sqlite").symlink_to(tmp_path / "kept" / "ledger.sqlite")
    again = _copy(tmp_path)  # a link to a real ledger is fine
    assert again.entries()[uid]["sequence"] == 0
    again.close()


def test_an_unchanged_item_does_not_stop_the_ones_after_it(
    tmp_path: Path, programme: Programme
) -> None:
    first, second = programme.events[:2]
    uids = [item_uid(programme, e.id) for e in (first, second)]
    ledger = _copy(tmp_path)
    ledger.record(dict(zip(uids, (first, second), strict=True)), T1)
    renamed = type(second)(**{**vars(second), "title": "Renamed"})
    found = ledger.record(dict(zip(uids, (first, renamed), strict=True)), T2)
    assert found == [(uids[1], second, renamed)]
    ledger.close()


def test_a_damaged_snapshot_met_while_recording_names_the_ledger(
    tmp_path: Path, programme: Programme
) -> None:
    again, uid = _with_snapshot(tmp_path, programme, "not json")
    event = programme.events[0]
    renamed = type(event)(**{**vars(event), "title": "Renamed"})
    with pytest.raises(InputError, match=r"ledger\.sqlite: holds an unreadable snapshot"):
        again.record({uid: renamed}, T2)
    again.close()


def test_a_ledger_behind_a_file_where_a_folder_should_be_cannot_be_read(tmp_path: Path) -> None:
    (tmp_path / "private").write_text("a file, not a folder\n")
    with pytest.raises(InputError) as raised:
        Ledger.working_copy(tmp_path / "private" / "ledger.sqlite", tmp_path / "work.sqlite")
    assert str(raised.value) == (
        f"{tmp_path / 'private' / 'ledger.sqlite'}: cannot be read (Not a directory); {HINT}"
    )


def test_a_crafted_0_1_0_snapshot_is_refused_naming_the_ledger(tmp_path: Path) -> None:
    shutil.copy(ROOT / "tests" / "data" / "ledger-0.1.0" / "ledger.sqlite", tmp_path)
    with sqlite3.connect(tmp_path / "ledger.sqlite") as connection:
        connection.execute("update versions set snapshot = ?", (b"cos\nsystem\n(S'true'\ntR.",))
    with pytest.raises(InputError) as raised:
        _copy(tmp_path)
    assert str(raised.value) == (
        f"{tmp_path / 'ledger.sqlite'}: holds an unreadable 0.1.0 snapshot "
        f"(os.system is not a snapshot class); {HINT}"
    )
