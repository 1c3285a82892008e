"""The ledger: versioned JSON snapshots, a 0.1.0 ledger migrated on first use, and a
damaged ledger refused in one line with nothing written.

The 0.1.0 ledger in tests/data was written by version 0.1.0 itself: the sample roster
published on 2026-01-10, then again on 2026-01-11 without the ``isf-future`` session.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest

import icssi_itinerary
from conftest import ROOT, SAMPLE_ROSTER, sequence_of
from icssi_itinerary import load_programme, load_roster
from icssi_itinerary.plugins import get_exporters
from icssi_itinerary.publishing import publish
from test_publish import _run

OLD_LEDGER = ROOT / "tests" / "data" / "ledger-0.1.0"
BUNDLED = Path(icssi_itinerary.__file__).parent / "data" / "icssi-2014.toml"
BASE_URL = "https://itinerary.example.org/icssi"
REMOVED = "isf-future"


def _without_removed(folder: Path) -> Path:
    blocks = BUNDLED.read_text(encoding="utf-8").split("\n[[events]]")
    kept = [b for b in blocks if f'\nid = "{REMOVED}"\n' not in f"\n{b}\n"]
    path = folder / "programme.toml"
    path.write_text("\n[[events]]".join(kept), encoding="utf-8")
    return path


def _rows(path: Path, query: str) -> list[tuple[Any, ...]]:  # sqlite3 rows are untyped
    with sqlite3.connect(path) as connection:
        return list(connection.execute(query))


def test_a_0_1_0_ledger_is_migrated_and_reports_nothing_new(tmp_path: Path) -> None:
    private = tmp_path / "site.private"
    shutil.copytree(OLD_LEDGER, private)
    old_sequences = dict(_rows(private / "ledger.sqlite", "select uid, sequence from versions"))
    programme = load_programme(_without_removed(tmp_path))
    roster = load_roster(SAMPLE_ROSTER, programme)
    exporters = [get_exporters()[name] for name in ("text", "ical")]
    now = datetime(2026, 1, 12, 8, 0, tzinfo=UTC)
    result = publish(programme, roster, exporters, tmp_path / "site", BASE_URL, now=now)

    assert result.changes == []  # nothing changed since 0.1.0's last publish
    ledger = private / "ledger.sqlite"
    assert _rows(ledger, "select value from meta where key = 'format'") == [("3",)]
    snapshots = [json.loads(str(row[0])) for row in _rows(ledger, "select snapshot from versions")]
    assert {s["item"] for s in snapshots} == {"event", "leg", "stay"}
    # Events keep their UID and SEQUENCE; the removed session is still cancelled.
    new_sequences = dict(_rows(ledger, "select uid, sequence from versions"))
    for uid, sequence in old_sequences.items():
        if uid.split("@")[0] in {e.id for e in programme.events} | {REMOVED}:
            assert new_sequences[uid] == sequence
    feed = icalendar.Calendar.from_ical((tmp_path / "site" / "programme.ics").read_bytes())
    removed = next(e for e in feed.walk("VEVENT") if str(e["UID"]).startswith(REMOVED + "@"))
    assert (str(removed["STATUS"]), sequence_of(removed)) == ("CANCELLED", 1)
    # Legs and stays moved to the identities this version derives, keeping SEQUENCE.
    legs = [s for s in snapshots if s["item"] == "leg"]
    assert legs and all("-leg-" in leg["id"] for leg in legs)
    assert sum(1 for s in snapshots if s["item"] != "event") == sum(
        1 for uid in old_sequences if "@" in uid and not uid.startswith(tuple(
            e.id + "@" for e in programme.events)) and not uid.startswith(REMOVED)
    )  # fmt: skip


def _publish_args(out: Path) -> list[str]:
    return [
        *("publish", "--roster", str(SAMPLE_ROSTER), "--out", str(out)),
        *("--base-url", BASE_URL, "--format", "text", "--format", "ical"),
    ]


def _state(folder: Path) -> dict[str, bytes | str]:
    """Every file and link under *folder*, by path: bytes, or where a link points."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            found[name] = f"-> {path.readlink()}"
        elif path.is_file():
            found[name] = path.read_bytes()
        elif path.is_dir():
            found[name] = "dir"
    return found


def _empty(ledger: Path) -> None:
    ledger.write_bytes(b"")


def _truncated(ledger: Path) -> None:
    data = ledger.read_bytes()
    ledger.write_bytes(data[: len(data) // 3])


def _garbage(ledger: Path) -> None:
    ledger.write_bytes(b"this is not a ledger\n" * 100)


def _folder(ledger: Path) -> None:
    ledger.unlink()
    ledger.mkdir()


def _read_only(ledger: Path) -> None:
    ledger.chmod(0o400)


def _dangling(ledger: Path) -> None:
    ledger.unlink()
    ledger.symlink_to(ledger.parent / "gone.sqlite")


def _newer(ledger: Path) -> None:
    with sqlite3.connect(ledger) as connection:
        connection.execute("update meta set value = '99' where key = 'format'")


def _bad_snapshot(ledger: Path) -> None:
    with sqlite3.connect(ledger) as connection:
        connection.execute("update versions set snapshot = '{\"item\": 7}'")


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (_empty, "is empty"),
        (_truncated, "not a readable ledger"),
        (_garbage, "not a readable ledger"),
        (_folder, "is a folder"),
        (_read_only, "is read-only"),
        (_dangling, "link to nothing"),
        (_newer, "format 99"),
        (_bad_snapshot, "unreadable snapshot"),
    ],
    ids=lambda value: getattr(value, "__name__", "")[1:] or None,
)
def test_a_damaged_ledger_is_one_line_and_nothing_is_written(
    tmp_path: Path, damage: object, words: str
) -> None:
    out = tmp_path / "site"
    assert _run(*_publish_args(out)).returncode == 0
    assert callable(damage)
    damage(tmp_path / "site.private" / "ledger.sqlite")
    # an edit for which the ledger must be read in full: a removed event's snapshot
    edited = ["--programme", str(_without_removed(tmp_path))]
    before = _state(tmp_path)
    result = _run(*edited, *_publish_args(out))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "ledger.sqlite" in lines[0] and words in lines[0], lines[0]
    assert "pending" not in lines[0]  # names the coordinator's file, not a copy
    assert _state(tmp_path) == before


class _Exploit:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("touch pwned",))


def test_migrating_a_crafted_0_1_0_ledger_runs_no_code(tmp_path: Path) -> None:
    private = tmp_path / "site.private"
    shutil.copytree(OLD_LEDGER, private)
    with sqlite3.connect(private / "ledger.sqlite") as connection:
        connection.execute("update versions set snapshot = ?", (pickle.dumps(_Exploit()),))
    before = _state(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "icssi_itinerary", *_publish_args(tmp_path / "site")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "ICSSI_ITINERARY_LOAD_PLUGINS": ""},
        timeout=120,
        check=False,
    )
    assert result.returncode == 2 and "unreadable 0.1.0 snapshot" in result.stderr
    assert not (tmp_path / "pwned").exists()
    assert _state(tmp_path) == before


def test_the_kept_period_counts_from_the_removal(tmp_path: Path) -> None:
    """A removal published with --keep-cancelled 0 is still reported, once."""
    programme = load_programme()
    roster = load_roster(SAMPLE_ROSTER, programme)
    exporters = [get_exporters()["ical"]]
    out, t1 = tmp_path / "site", datetime(2026, 1, 10, tzinfo=UTC)
    publish(programme, roster, exporters, out, BASE_URL, now=t1)
    gone = load_programme(_without_removed(tmp_path))
    people = load_roster(SAMPLE_ROSTER, gone)
    keep = timedelta(0)
    result = publish(
        gone, people, exporters, out, BASE_URL, now=t1 + timedelta(1), keep_cancelled=keep
    )
    assert [(c["id"], c["change"]) for c in result.changes] == [(REMOVED, "cancelled")]
    assert REMOVED not in (out / "programme.ics").read_text(encoding="utf-8")
    again = publish(
        gone, people, exporters, out, BASE_URL, now=t1 + timedelta(2), keep_cancelled=keep
    )
    assert again.changes == []
