"""Publishing: nothing personal in the public part, secret per-delegate folders, change
tracking across republishes, and a site that survives a publish killed at any point.

Oracles are independent of the library: roster values come from the CSV files read with
the csv module, who attends an event from the roster's ``events`` column and the
programme TOML read with tomllib, instants from zoneinfo, feeds parsed with icalendar.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import hashlib
import hmac
import html
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tomllib
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from click.testing import CliRunner

import icssi_itinerary
from conftest import ROOT, SAMPLE_ROSTER, sequence_of
from icssi_itinerary import Programme, RenderOptions, Roster, load_programme, load_roster
from icssi_itinerary.cli import cli
from icssi_itinerary.exporters import Exporter
from icssi_itinerary.plugins import get_exporters
from icssi_itinerary.publishing import PublishResult, publish
from icssi_itinerary.tokens import delegate_token, load_secret
from test_ical import vevents

EXAMPLES = SAMPLE_ROSTER.parent
BUNDLED = Path(icssi_itinerary.__file__).parent / "data" / "icssi-2014.toml"
BASE_URL = "https://itinerary.example.org/icssi"
GENEVA = "icssi-geneva-session"
T1 = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)
T2 = T1 + timedelta(days=1)
TOKEN = re.compile(r"[a-z2-7]+")
FORMATS = ("text", "ical", "html")
"""The formats published here: a feed, a page and plain text (the slow ones are left out)."""
FORMAT_ARGS = [arg for name in FORMATS for arg in ("--format", name)]


# --- independent oracles ---------------------------------------------------------------


def _csv_rows(name: str) -> list[dict[str, str]]:
    with (EXAMPLES / name).open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


ROSTER_ROWS = _csv_rows("roster.csv")
PROGRAMME_TOML = tomllib.loads(BUNDLED.read_text(encoding="utf-8"))
PROGRAMME_TEXT = BUNDLED.read_text(encoding="utf-8").casefold()


def _title(event_id: str) -> str:
    title: str = next(e["title"] for e in PROGRAMME_TOML["events"] if e["id"] == event_id)
    return title


def _ancestors(event_id: str) -> list[str]:
    """The event and every event it is nested in, from the programme TOML."""
    parents = {e["id"]: e.get("parent") for e in PROGRAMME_TOML["events"]}
    chain = [event_id]
    while parents[chain[-1]]:
        chain.append(parents[chain[-1]])
    return chain


def _attendees(event_id: str) -> set[str]:
    """Who attends *event_id* by the roster's ``events`` column: ``*`` or an id naming it
    or an event it is nested in, unless ``-id`` excludes one of those."""
    chain = _ancestors(event_id)
    found = set()
    for row in ROSTER_ROWS:
        words = row["events"].split(";")
        included = "*" in words or any(word in chain for word in words)
        excluded = any(word.startswith("-") and word[1:] in chain for word in words)
        if included and not excluded:
            found.add(row["id"])
    return found


def _personal_values() -> dict[str, set[str]]:
    """Per delegate, every value the roster files hold about them that the programme
    source does not itself contain (a value the programme publishes is no leak)."""
    values: dict[str, set[str]] = {row["id"]: set() for row in ROSTER_ROWS}
    for row in ROSTER_ROWS:
        for column, value in row.items():
            parts = value.split(";") if column == "events" else [value]
            values[row["id"]].update(part.lstrip("-") for part in parts)
    for name in ("legs.csv", "stays.csv"):
        for row in _csv_rows(name):
            values[row["delegate"]].update(row.values())
    return {
        delegate: {
            value
            for value in found
            # Two-letter language codes, "*" and bare check-in dates (days of the
            # programme itself) are not data anyone could be recognised by.
            if len(value) > 2
            and value.casefold() not in PROGRAMME_TEXT
            and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
        }
        for delegate, found in values.items()
    }


def _identity(row: dict[str, str]) -> set[str]:
    """What identifies a delegate: id, names, organisation and email (an organisation
    the programme itself names, such as the Iraqi Social Forum, identifies no one)."""
    keys = ("id", "name", "name_native", "organisation", "email")
    return {row[key] for key in keys if row[key] and row[key].casefold() not in PROGRAMME_TEXT}


def _variants(value: str) -> set[bytes]:
    """*value* as a file may hold it: plain, HTML-, iCal-, JSON- and URL-escaped."""
    ical = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    texts = {
        value,
        html.escape(value),
        html.escape(value, quote=False),
        value.replace("'", "&#39;"),
        value.replace("'", "&apos;"),
        ical,
        json.dumps(value)[1:-1],
        urllib.parse.quote(value),
        urllib.parse.quote_plus(value),
    }
    return {text.casefold().encode("utf-8") for text in texts}


def _searchable(path: Path) -> bytes:
    """A file's bytes, casefolded, with iCal folded lines joined again."""
    data = path.read_bytes()
    if path.suffix == ".ics":
        data = data.replace(b"\r\n ", b"").replace(b"\r\n\t", b"")
    return data.decode("utf-8", errors="replace").casefold().encode("utf-8")


def _leaks(path: Path, values: set[str]) -> set[str]:
    data = [path.read_bytes(), _searchable(path)]
    return {value for value in values if any(v in d for v in _variants(value) for d in data)}


# --- helpers -----------------------------------------------------------------------------


def _exporters() -> list[Exporter]:
    return [get_exporters()[name] for name in FORMATS]


def _publish(programme: Programme, roster: Roster, out: Path, **kwargs: Any) -> PublishResult:
    return publish(programme, roster, _exporters(), out, BASE_URL, **kwargs)


def _files(site: Path) -> dict[str, Path]:
    """Every file of the site the link *site* points at, by path relative to it."""
    folder = site.resolve()
    return {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}


def _snapshot(site: Path) -> dict[str, tuple[bytes, int, int]]:
    return {
        name: (path.read_bytes(), path.stat().st_ino, path.stat().st_mtime_ns)
        for name, path in _files(site).items()
    }


def _links(out: Path) -> dict[str, str]:
    """Delegate id → token, read from the coordinator's links.csv."""
    links = out.parent / f"{out.name}.private" / "links.csv"
    with links.open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    tokens = {}
    for row in rows:
        path = urllib.parse.urlsplit(row["feed_url"]).path
        assert row["feed_url"].startswith(BASE_URL + "/")
        tokens[row["id"]] = path.split("/")[-2]
    return tokens


def _programme_with(tmp_path: Path, old: str, new: str) -> Programme:
    text = BUNDLED.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / "programme.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return load_programme(path)


def _moved(tmp_path: Path) -> Programme:
    """The bundled programme with the Geneva session moved from 10:00 to 11:00."""
    return _programme_with(
        tmp_path,
        "start = 2014-11-03T10:00:00\nend = 2014-11-03T12:00:00",
        "start = 2014-11-03T11:00:00\nend = 2014-11-03T13:00:00",
    )


def _without_geneva(tmp_path: Path) -> Programme:
    text = BUNDLED.read_text(encoding="utf-8")
    block = re.search(r'\[\[events\]\]\nid = "icssi-geneva-session"\n.*?\n\n', text, re.S)
    assert block is not None
    programme = _programme_with(tmp_path, block.group(0), "")
    assert GENEVA not in {event.id for event in programme.events}
    return programme


def _changes(folder: Path) -> list[dict[str, Any]]:
    """The change entries of the last publish of ``folder / "site"``."""
    report = json.loads((folder / "site.private" / "changes.json").read_text("utf-8"))
    assert (report["format"], report["version"]) == ("icssi-itinerary/changes", 1)
    entries: list[dict[str, Any]] = report["changes"]
    return entries


def _vevents(path: Path) -> dict[str, icalendar.Event]:
    """The VEVENTs of a feed by SUMMARY."""
    return {str(c["SUMMARY"]): c for c in vevents(path.read_bytes())}


def _feeds(site: Path) -> dict[str, Path]:
    return {name: path for name, path in _files(site).items() if name.endswith(".ics")}


# --- what is public, what is private ------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, programme: Programme, roster: Roster) -> Path:
    out = tmp_path_factory.mktemp("publish") / "site"
    _publish(programme, roster, out)
    return out


def test_site_layout_is_public_files_and_one_token_folder_per_delegate(site: Path) -> None:
    folder = site.resolve()
    assert site.is_symlink() and folder.is_dir()
    tokens = _links(site)
    assert set(tokens) == {row["id"] for row in ROSTER_ROWS}
    exporters = _exporters()
    public = {"robots.txt"} | {
        "index.html" if e.media_type.startswith("text/html") else f"programme{e.suffix}"
        for e in exporters
    }
    assert {p.name for p in folder.iterdir() if p.is_file()} == public
    assert {p.name for p in folder.iterdir() if p.is_dir()} == set(tokens.values())
    for token in tokens.values():
        names = {p.name for p in (folder / token).iterdir()}
        assert names == {f"itinerary{e.suffix}" for e in exporters} | {"changes.html"}


def test_public_part_holds_no_roster_value_and_no_token(site: Path) -> None:
    values = set().union(*_personal_values().values())
    # The sample's names, emails and organisations are among what is searched for.
    for row in ROSTER_ROWS:
        assert _identity(row) <= values
        assert {row["name"], row["email"], row["id"]} <= _identity(row)
    tokens = set(_links(site).values())
    public = [p for p in site.resolve().iterdir() if p.is_file()]
    assert public
    for path in public:
        assert _leaks(path, values) == set(), path.name
        assert not any(token.encode() in path.read_bytes() for token in tokens), path.name


def test_personal_folders_hold_nothing_of_other_delegates(site: Path) -> None:
    tokens = _links(site)
    rows = {row["id"]: row for row in ROSTER_ROWS}
    for delegate, token in tokens.items():
        others = set().union(*(_identity(rows[d]) for d in rows if d != delegate))
        other_tokens = {t for d, t in tokens.items() if d != delegate}
        files = list((site / token).iterdir())
        assert files
        for path in files:
            assert _leaks(path, others) == set(), (delegate, path.name)
            assert not any(t.encode() in path.read_bytes() for t in other_tokens)
        # The delegate's own folder is theirs: it does name them.
        assert any(_leaks(path, {rows[delegate]["name"]}) for path in files)


def test_secret_is_never_in_the_site_and_private_files_are_0600(site: Path) -> None:
    private = site.parent / f"{site.name}.private"
    key = private / "secret.key"
    text = key.read_text(encoding="ascii").strip()
    raw = bytes.fromhex(text)
    forms = {
        text.encode(),
        text.upper().encode(),
        raw,
        base64.b64encode(raw),
        base64.urlsafe_b64encode(raw).rstrip(b"="),
        base64.b32encode(raw).lower().rstrip(b"="),
    }
    everything = [p for p in site.resolve().rglob("*") if p.is_file()]
    for path in everything:
        data = path.read_bytes()
        assert not any(form in data for form in forms), path
    for name in ("secret.key", "links.csv", "changes.json", "ledger.sqlite"):
        path = private / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
        assert site.resolve() not in path.resolve().parents
    assert not (site.resolve() / "links.csv").exists()
    assert not any(p.name in {"links.csv", "changes.json", "secret.key"} for p in everything)


def test_links_csv_gives_each_delegate_their_own_urls(site: Path) -> None:
    private = site.parent / f"{site.name}.private"
    with (private / "links.csv").open(encoding="utf-8") as stream:
        rows = {row["id"]: row for row in csv.DictReader(stream)}
    for delegate in ROSTER_ROWS:
        row = rows[delegate["id"]]
        assert (row["name"], row["email"]) == (delegate["name"], delegate["email"])
        assert row["webcal_url"] == "webcal://" + row["feed_url"].removeprefix("https://")
        relative = row["feed_url"].removeprefix(BASE_URL + "/")
        assert (site / relative).is_file()
        assert (site / row["page_url"].removeprefix(BASE_URL + "/")).is_file()


# --- tokens ------------------------------------------------------------------------------


def test_token_is_the_hmac_of_id_and_version_url_safe_and_at_least_128_bits(
    roster: Roster,
) -> None:
    secret = bytes(range(32))
    delegate = roster.delegates[0]
    token = delegate_token(secret, delegate)
    assert token == delegate_token(secret, delegate)
    assert TOKEN.fullmatch(token) and urllib.parse.quote(token, safe="") == token
    assert len(token) * 5 >= 128
    message = f"{delegate.id}\x00{delegate.token_version}".encode()
    expected = hmac.new(secret, message, hashlib.sha256).digest()
    decoded = base64.b32decode(token.upper() + "=" * (-len(token) % 8))
    assert len(decoded) * 8 >= 128 and expected.startswith(decoded)
    assert delegate_token(bytes(32), delegate) != token
    bumped = dataclasses.replace(delegate, token_version=delegate.token_version + 1)
    assert delegate_token(secret, bumped) != token
    assert len({delegate_token(secret, d) for d in roster.delegates}) == len(roster.delegates)


def test_secret_file_is_created_0600_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "feeds.key"
    secret = load_secret(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(secret) * 8 >= 128
    assert load_secret(path) == secret
    assert load_secret(tmp_path / "other.key") != secret


def test_same_secret_same_folders_other_secret_other_folders(
    tmp_path: Path, programme: Programme, roster: Roster
) -> None:
    key = tmp_path / "keys" / "secret.key"
    _publish(programme, roster, tmp_path / "a" / "site", secret_file=key)
    _publish(programme, roster, tmp_path / "b" / "site", secret_file=key)
    _publish(programme, roster, tmp_path / "c" / "site")
    folders = {
        name: {p.name for p in (tmp_path / name / "site").resolve().iterdir() if p.is_dir()}
        for name in ("a", "b", "c")
    }
    assert folders["a"] == folders["b"]
    assert folders["a"].isdisjoint(folders["c"])
    # With --secret-file the coordinator's files sit beside the secret.
    assert not (tmp_path / "a" / "site.private").exists()
    assert (tmp_path / "keys" / "links.csv").is_file()


def test_bumping_token_version_moves_the_folder_and_drops_the_old_one(
    tmp_path: Path, programme: Programme, roster: Roster
) -> None:
    out = tmp_path / "site"
    _publish(programme, roster, out)
    before = _links(out)
    revoked = "zainab-ali"
    people = tmp_path / "people"
    people.mkdir()
    for name in ("legs.csv", "stays.csv"):
        shutil.copy(EXAMPLES / name, people / name)
    with (people / "roster.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, [*ROSTER_ROWS[0], "token_version"])
        writer.writeheader()
        for row in ROSTER_ROWS:
            writer.writerow({**row, "token_version": 2 if row["id"] == revoked else 1})
    result = _publish(programme, load_roster(people / "roster.csv", programme), out)
    after = _links(out)
    assert after[revoked] != before[revoked]
    assert {d: t for d, t in after.items() if d != revoked} == {
        d: t for d, t in before.items() if d != revoked
    }
    folder = out.resolve()
    assert folder == result.site
    assert not (folder / before[revoked]).exists()
    assert (folder / after[revoked]).is_dir()


# --- republishing ------------------------------------------------------------------------


def test_republish_without_changes_rewrites_nothing(
    tmp_path: Path, programme: Programme, roster: Roster
) -> None:
    out = tmp_path / "site"
    first = _publish(programme, roster, out, now=T1)
    assert first.written == len(_files(out)) and first.unchanged == 0
    before = _snapshot(out)
    again = _publish(programme, roster, out, now=T2)
    assert again.written == 0 and again.unchanged == len(before)
    assert out.resolve() != first.site  # a new version folder was swapped in
    assert _snapshot(out) == before
    changes = _changes(tmp_path)
    assert changes == []


def test_moving_the_geneva_session_changes_only_its_files_and_its_uid(
    tmp_path: Path, programme: Programme, roster: Roster
) -> None:
    out = tmp_path / "site"
    _publish(programme, roster, out, now=T1)
    before = _snapshot(out)
    feeds_before = {name: _vevents(path) for name, path in _feeds(out).items()}
    moved = _moved(tmp_path)
    _publish(moved, load_roster(SAMPLE_ROSTER, moved), out, now=T2)
    after = _snapshot(out)
    tokens = _links(out)

    attendees = _attendees(GENEVA)
    assert attendees and attendees != set(tokens)  # the test can tell the two apart
    changed = {name for name in after if after[name] != before.get(name)}
    public = {name for name in after if "/" not in name and name != "robots.txt"}
    personal = {name for name in after if name.split("/")[0] in {tokens[d] for d in attendees}}
    assert changed == public | personal
    for name in set(after) - changed:  # untouched: same bytes, inode and mtime
        assert after[name] == before[name]

    title = _title(GENEVA)
    geneva = ZoneInfo("Europe/Zurich")
    start = datetime(2014, 11, 3, 11, 0, tzinfo=geneva)
    for name, path in _feeds(out).items():
        events = _vevents(path)
        assert set(events) == set(feeds_before[name])
        for summary, event in events.items():
            old = feeds_before[name][summary]
            if summary == title:
                assert sequence_of(event) == 1
                assert event.decoded("LAST-MODIFIED") == T2
                when = event.decoded("DTSTART")
                assert when == start
                assert when.astimezone(UTC) == datetime(2014, 11, 3, 10, 0, tzinfo=UTC)
                baghdad = when.astimezone(ZoneInfo("Asia/Baghdad"))
                assert (baghdad.hour, baghdad.minute) == (13, 0)
            else:
                assert sequence_of(event) == sequence_of(old) == 0
                assert event.decoded("LAST-MODIFIED") == old.decoded("LAST-MODIFIED") == T1
        assert (title in events) == (
            name == "programme.ics" or name.split("/")[0] in {tokens[d] for d in attendees}
        )

    changes = _changes(tmp_path)
    assert len(changes) == 1
    assert set(changes[0]["delegates"]) == attendees
    assert title in changes[0]["summary"]


def test_a_removed_event_stays_cancelled_for_the_keep_period_then_goes(
    tmp_path: Path, programme: Programme, roster: Roster
) -> None:
    out = tmp_path / "site"
    _publish(programme, roster, out, now=T1)
    before = _snapshot(out)
    gone = _without_geneva(tmp_path)
    people = load_roster(SAMPLE_ROSTER, gone)
    _publish(gone, people, out, now=T2, keep_cancelled=timedelta(days=30))
    tokens = _links(out)
    attendees = _attendees(GENEVA)
    holders = {"programme.ics"} | {f"{tokens[d]}/itinerary.ics" for d in attendees}
    title = _title(GENEVA)
    for name, path in _feeds(out).items():
        events = _vevents(path)
        assert (title in events) == (name in holders), name
        if title in events:
            assert str(events[title]["STATUS"]) == "CANCELLED"
            assert sequence_of(events[title]) == 1
            assert events[title].decoded("LAST-MODIFIED") == T2
        for summary, event in events.items():
            if summary != title:
                assert str(event.get("STATUS", "CONFIRMED")) != "CANCELLED", summary
                assert sequence_of(event) == 0
    after = _snapshot(out)
    others = {tokens[d] for d in set(tokens) - attendees}
    for name in after:
        if name.split("/")[0] in others:
            assert after[name] == before[name]
    changes = _changes(tmp_path)
    assert [set(c["delegates"]) for c in changes] == [attendees]

    # Still kept just inside the period; gone once it is over.
    _publish(gone, people, out, now=T2 + timedelta(days=29), keep_cancelled=timedelta(days=30))
    assert title in _vevents(out / "programme.ics")
    _publish(gone, people, out, now=T2 + timedelta(days=31), keep_cancelled=timedelta(days=30))
    for name, path in _feeds(out).items():
        assert title not in _vevents(path), name


# --- the command line --------------------------------------------------------------------


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ICSSI_ITINERARY_LOAD_PLUGINS": ""}
    return subprocess.run(
        [sys.executable, "-m", "icssi_itinerary", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_cli_republish_prints_what_changed_for_how_many(tmp_path: Path) -> None:
    out = tmp_path / "site"
    args = ["publish", "--roster", str(SAMPLE_ROSTER), "--out", str(out)]
    args += ["--base-url", BASE_URL, *FORMAT_ARGS]
    runner = CliRunner()
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert first.stdout == ""  # a first publish has nothing to compare with
    _moved(tmp_path)
    second = runner.invoke(cli, ["--programme", str(tmp_path / "programme.toml"), *args])
    assert second.exit_code == 0, second.output
    zone = datetime(2014, 11, 3, 11, tzinfo=ZoneInfo("Europe/Zurich")).tzname()
    count = len(_attendees(GENEVA))
    lines = second.stdout.splitlines()
    assert len(lines) == 1
    pattern = rf"event '{re.escape(_title(GENEVA))}' moved: time 03 Nov 2014 10:00.*{zone}.*"
    pattern += rf"→ 03 Nov 2014 11:00.*{zone}.*"
    assert re.fullmatch(pattern + rf"; affects {count} delegates \(.*\)", lines[0]), lines[0]


@pytest.mark.parametrize(
    "base_url",
    [
        "ftp://x",
        "https://example.org/icssi\nX-Injected: 1",
        "https://example.org/ic ssi",
        "https://example.org/icssi?token=1",
        "https://example.org/icssi#top",
        "https://user:pw@example.org/icssi",
        "https:///icssi",
        "https://example.org:port/icssi",
        "https://exämple.org/icssi",
    ],
)
def test_cli_refuses_a_base_url_that_is_not_a_plain_web_address(
    tmp_path: Path, base_url: str
) -> None:
    out = tmp_path / "site"
    result = _run(
        "publish", "--roster", str(SAMPLE_ROSTER), "--out", str(out), "--base-url", base_url
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "--base-url" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_links_csv_cells_never_start_like_a_formula(tmp_path: Path) -> None:
    """A spreadsheet runs a cell starting with = + - @ as a formula: such names and
    addresses are written with a leading apostrophe, and read back as text."""
    hostile = ['=HYPERLINK("https://evil.example","x")', "+1-2", "-3+4", "@SUM(A1)"]
    roster = tmp_path / "roster.csv"
    shutil.copy(EXAMPLES / "roster.csv", roster)
    with roster.open("a", encoding="utf-8", newline="") as stream:
        for n, name in enumerate(hostile):
            csv.writer(stream).writerow([f"x{n}", name, "", "", "", "", "en", "*"])
    for name in ("legs.csv", "stays.csv"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    result = _run("publish", "--roster", str(roster), "--out", str(tmp_path / "site"),
                  "--base-url", BASE_URL, "--format", "text")  # fmt: skip
    assert result.returncode == 0, result.stderr
    with (tmp_path / "site.private" / "links.csv").open(encoding="utf-8", newline="") as f:
        written = list(csv.reader(f))
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in written for cell in row)
    names = {row[1] for row in written[1:]}
    assert {f"'{name}" for name in hostile} <= names


# --- atomicity ---------------------------------------------------------------------------

KILLER = r"""
import importlib, os, pathlib, signal, sqlite3, sys

# The package exports a publish() function under the module's name.
ledger = importlib.import_module("icssi_itinerary.ledger")
publish = importlib.import_module("icssi_itinerary.publishing")

point, count = sys.argv[1], int(sys.argv[2])
calls = 0

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def counted(original):
    def wrapper(*args, **kwargs):
        global calls
        if calls == count:
            die()
        calls += 1
        return original(*args, **kwargs)
    return wrapper

def replaces_then_dies(original, renames):
    # run *original* with every Path.replace counted: the one after *renames* kills
    def wrapper(*args, **kwargs):
        real = pathlib.Path.replace
        def replace(self, target):
            global calls
            if calls == renames:
                die()
            calls += 1
            return real(self, target)
        pathlib.Path.replace = replace
        return original(*args, **kwargs)
    return wrapper

if point == "record":
    ledger.Ledger.record = counted(ledger.Ledger.record)
elif point == "present":
    ledger.Ledger.present = counted(ledger.Ledger.present)
elif point == "put":
    publish._Site.put = counted(publish._Site.put)
elif point == "private-file":
    publish.write_atomic = counted(publish.write_atomic)
elif point == "commit":
    ledger.Ledger.commit = counted(ledger.Ledger.commit)
elif point == "swap":
    publish._swap = replaces_then_dies(publish._swap, count)
elif point == "settle":  # the second settle: after the swap
    first_settle = publish.settle
    def second(out, private):
        publish.settle = replaces_then_dies(first_settle, count)
        return first_settle(out, private)
    publish.settle = second

from icssi_itinerary.cli import cli
cli(sys.argv[3:], prog_name="icssi-itinerary")
"""

BEFORE_THE_SWAP = [
    ("record", 3),  # ledger copy half updated, nothing built yet
    ("present", 4),  # a delegate's feed half marked in the ledger copy
    ("put", 0),  # new version folder made, empty
    ("put", 17),  # part of the files written
    ("put", -1),  # all but the last file written
    ("private-file", 0),  # every file written; links.csv not yet
    ("private-file", 1),  # changes.json not yet
    ("commit", 0),  # the ledger copy not yet committed
    ("swap", 0),  # every file and the ledger written, new link made, not yet renamed
]
AFTER_THE_SWAP = [
    ("settle", 0),  # site swapped in; none of the private files in place yet
    ("settle", 1),  # the ledger in place, changes.json and links.csv not yet
    ("settle", 2),  # all but links.csv in place
]


def _private_state(out: Path) -> dict[str, bytes]:
    private = out.parent / f"{out.name}.private"
    return {
        name: (private / name).read_bytes()
        for name in ("ledger.sqlite", "changes.json", "links.csv")
    }


def _sequence(out: Path, uid: str) -> int:
    import sqlite3

    with sqlite3.connect(out.parent / f"{out.name}.private" / "ledger.sqlite") as connection:
        row = connection.execute("select sequence from versions where uid = ?", (uid,)).fetchone()
    return int(row[0])


@pytest.mark.parametrize(("point", "count"), BEFORE_THE_SWAP + AFTER_THE_SWAP)
def test_a_killed_publish_leaves_site_and_ledger_as_they_were_or_both_done(
    tmp_path: Path, programme: Programme, roster: Roster, point: str, count: int
) -> None:
    out = tmp_path / "site"
    _publish(programme, roster, out)
    old = out.resolve()
    before = _snapshot(out)
    private_before = _private_state(out)
    swapped = (point, count) in AFTER_THE_SWAP
    if count < 0:
        count += len(before)
    _moved(tmp_path)
    args = ["--programme", str(tmp_path / "programme.toml"), "publish"]
    args += ["--roster", str(SAMPLE_ROSTER), "--out", str(out), "--base-url", BASE_URL]
    args += FORMAT_ARGS
    env = {**os.environ, "ICSSI_ITINERARY_LOAD_PLUGINS": ""}
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, point, str(count), *args],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    geneva_uid = f"{GENEVA}@icssi-2014.icssi-itinerary"
    title = _title(GENEVA)
    if not swapped:
        assert out.resolve() == old
        assert _snapshot(out) == before
        assert _private_state(out) == private_before  # the ledger is as it was
        assert _sequence(out, geneva_uid) == 0
    else:
        assert out.resolve() != old  # it took effect
        assert sequence_of(_vevents(out / "programme.ics")[title]) == 1

    # The next publish goes through, counts the change once and clears what was left.
    result = _run(*args)
    assert result.returncode == 0, result.stderr
    assert out.resolve() != old
    names = {p.name for p in tmp_path.iterdir()}
    manifests = {name for name in names if name.endswith(".manifest.json")}
    versions = {name for name in names if name.startswith(".site.version-")} - manifests
    assert out.resolve().name in versions and len(versions) == 2  # and the previous one
    assert manifests == {f"{version}.manifest.json" for version in versions}
    assert names - versions - manifests == {"site", "site.private", "programme.toml"}
    assert sorted(p.name for p in (tmp_path / "site.private").iterdir()) == [
        "changes.json",
        "ledger.sqlite",
        "links.csv",
        "secret.key",
    ]
    assert sequence_of(_vevents(out / "programme.ics")[title]) == 1
    assert _sequence(out, geneva_uid) == 1
    assert len(_files(out)) == len(before)
    moved = [line for line in result.stdout.splitlines() if title in line]
    assert len(moved) == 1 and " moved: " in moved[0], result.stdout  # reported once
    if not swapped:
        assert [c["id"] for c in _changes(tmp_path)] == [GENEVA]
    else:  # the killed run's own report reaches the coordinator now
        assert result.stdout.startswith("An earlier publish took effect"), result.stdout
        assert _changes(tmp_path) == []


def test_republish_renders_again_when_a_coordinator_template_changes(
    tmp_path: Path, programme: Programme, roster: Roster
) -> None:
    """Unchanged data keeps its files, but not when what shapes them changed: an edited
    template in --option html.template_dir reaches every page at the next publish."""
    templates = tmp_path / "templates"
    templates.mkdir()
    built_in = ROOT / "plugins" / "icssi_itinerary_plugins" / "templates" / "base.html"
    text = built_in.read_text(encoding="utf-8")
    (templates / "base.html").write_text(text, encoding="utf-8")
    options = RenderOptions(extra={"html": {"template_dir": str(templates)}})
    out = tmp_path / "site"
    _publish(programme, roster, out, now=T1, options=options)
    assert _publish(programme, roster, out, now=T2, options=options).written == 0

    marker = "Printed for the ICSSI coordinators"
    assert "</body>" in text
    (templates / "base.html").write_text(
        text.replace("</body>", f"<p>{marker}</p></body>"), encoding="utf-8"
    )
    again = _publish(programme, roster, out, now=T2, options=options)
    pages = [
        p
        for name, p in _files(out).items()
        if name.endswith(".html") and not name.endswith("/changes.html")  # built-in templates
    ]
    assert len(pages) == len(roster.delegates) + 1
    assert all(marker in page.read_text(encoding="utf-8") for page in pages)
    assert again.written == len(pages)  # the feeds and other formats kept their files
