"""Which calendars have fetched each personal feed since it last changed.

A fetch is kept as three facts only: the feed's secret token (its folder in the site),
the client family (``Google Calendar``, ``iOS`` …, from the User-Agent) and the time, in
UTC. No IP address and no full User-Agent string is ever stored: they would say where a
delegate is and which device they carry. The record lives in the private folder
(``fetches.sqlite``), beside the ledger, never in the site.
"""

from __future__ import annotations

import csv
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from .errors import InputError

__all__ = [
    "FAMILIES",
    "FETCHES",
    "FeedStatus",
    "Fetch",
    "FetchLog",
    "client_family",
    "count_access_logs",
    "feed_status",
    "feed_suffixes",
    "feed_token",
    "read_access_log",
    "stale_delegates",
]

FETCHES = "fetches.sqlite"
"""The file in the private folder that holds the fetches."""

# (pattern, family): the first pattern found in the User-Agent names the family.
_FAMILIES = (
    (
        re.compile(r"Google-Calendar-Importer|Google-Calendar|GoogleCalendar", re.I),
        "Google Calendar",
    ),
    (re.compile(r"DAVx5|DAVdroid|ICSx5|ICSdroid", re.I), "DAVx⁵"),
    (re.compile(r"Thunderbird", re.I), "Thunderbird"),
    (re.compile(r"Outlook|Microsoft Office|Exchange|MSOffice", re.I), "Outlook"),
    (re.compile(r"\biOS/|iPhone|iPad|dataaccessd", re.I), "iOS"),
    (re.compile(r"\bmacOS/|Mac OS X.*CalendarAgent|CalendarAgent", re.I), "macOS"),
)
FAMILIES = (*(family for _, family in _FAMILIES), "other")
"""Every client family a fetch can be counted under."""

_SCHEMA = """
create table if not exists fetches (
    token text not null, family text not null, first text not null, last text not null,
    count integer not null, primary key (token, family)
)
"""
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# host ident user [time] "request" status size "referer" "user agent"
_COMBINED = re.compile(
    r'^\S+ \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<method>[A-Z]+) (?P<target>\S+)[^"]*" '
    r'(?P<status>\d{3}) \S+ "[^"]*" "(?P<agent>[^"]*)"'
)


def client_family(user_agent: str | None) -> str:
    """The family of calendar client a User-Agent names, or ``other``."""
    for pattern, family in _FAMILIES:
        if user_agent and pattern.search(user_agent):
            return family
    return "other"


@dataclass(frozen=True)
class Fetch:
    """One successful fetch of a personal feed: whose (token), by what, when (UTC)."""

    token: str
    family: str
    at: datetime


def feed_suffixes() -> tuple[str, ...]:
    """The file suffixes of the registered formats that are calendar feeds (``.ics``)."""
    from .plugins import get_exporters

    return tuple(e.suffix for e in get_exporters().values() if e.purpose == "feed")


def feed_token(path: str, feed_suffixes: Iterable[str]) -> str | None:
    """The token of the personal feed at URL *path* (``/<token>/itinerary.ics``, under
    any prefix), or ``None`` for any other file."""
    parts = PurePosixPath(unquote(urlsplit(path).path)).parts
    if len(parts) < 3 or not any(parts[-1].endswith(suffix) for suffix in feed_suffixes):
        return None
    return parts[-2] if _TOKEN.match(parts[-2]) else None


class FetchLog:
    """The fetches of one site, in the private folder. Safe to share between the
    threads of a server: fetches are gathered in memory and written at most every
    *flush_seconds* (and on :meth:`flush`), so a busy feed costs no disk write per hit."""

    def __init__(self, private: Path, flush_seconds: float = 5.0) -> None:
        self.path = private / FETCHES
        self.flush_seconds = flush_seconds
        self._pending: dict[tuple[str, str], tuple[datetime, datetime, int]] = {}
        self._lock = threading.Lock()
        self._flushed = time.monotonic()

    def record(self, fetch: Fetch) -> None:
        """Count *fetch*; write what is gathered if the last write is old enough."""
        key = (fetch.token, fetch.family)
        with self._lock:
            first, last, count = self._pending.get(key, (fetch.at, fetch.at, 0))
            self._pending[key] = (min(first, fetch.at), max(last, fetch.at), count + 1)
            due = time.monotonic() - self._flushed >= self.flush_seconds
        if due:
            self.flush()

    def flush(self) -> None:
        """Write every gathered fetch to the file."""
        with self._lock:
            pending, self._pending = self._pending, {}
            self._flushed = time.monotonic()
        if not pending:
            return
        with self._connect() as connection:
            connection.executemany(
                "insert into fetches values (?, ?, ?, ?, ?) on conflict (token, family) do "
                "update set first = min(first, excluded.first), "
                "last = max(last, excluded.last), count = count + excluded.count",
                [
                    (token, family, _iso(first), _iso(last), count)
                    for (token, family), (first, last, count) in sorted(pending.items())
                ],
            )

    def last_fetches(self) -> dict[str, tuple[datetime, str]]:
        """Per token: the last fetch's time and client family."""
        if not self.path.exists():
            return {}
        with self._connect() as connection:
            rows = connection.execute("select token, family, last from fetches").fetchall()
        found: dict[str, tuple[datetime, str]] = {}
        for token, family, last in rows:
            at = datetime.fromisoformat(last)
            if token not in found or at > found[token][0]:
                found[token] = (at, family)
        return found

    def _connect(self) -> sqlite3.Connection:
        try:
            connection = sqlite3.connect(self.path, timeout=30)
            self.path.chmod(0o600)
            connection.execute(_SCHEMA)
        except sqlite3.DatabaseError as error:
            raise InputError(
                f"is not a readable record of fetches ({error})",
                source=str(self.path),
                hint="move it aside; the next fetches start a new record",
            ) from None
        return connection


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def read_access_log(
    lines: Iterable[str], feed_suffixes: Iterable[str], source: str
) -> Iterator[Fetch]:
    """The successful feed fetches (``200``, ``304``) of a web server's access log in
    the combined format (nginx's and Apache's default)."""
    suffixes = tuple(feed_suffixes)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        found = _COMBINED.match(line)
        if found is None:
            raise InputError(
                "is not a line of a combined-format access log",
                source=source,
                line=number,
                hint="give nginx's or Apache's access log in the default combined format",
            )
        try:
            at = datetime.strptime(found["time"], "%d/%b/%Y:%H:%M:%S %z")
        except ValueError:
            raise InputError(
                f"time '{found['time']}' is not like 10/Oct/2014:13:55:36 +0200",
                source=source,
                line=number,
            ) from None
        if found["method"] not in ("GET", "HEAD") or found["status"] not in ("200", "304"):
            continue
        token = feed_token(found["target"], suffixes)
        if token is not None:
            yield Fetch(token, client_family(found["agent"]), at.astimezone(UTC))


def count_access_logs(logs: Iterable[Path], private: Path) -> int:
    """Count the feed fetches of the access *logs* in the *private* folder's record, all
    or nothing (a bad line in any log records none); how many there were."""
    fetched = []
    for path in logs:
        with path.open(encoding="utf-8", errors="replace") as lines:
            fetched += list(read_access_log(lines, feed_suffixes(), str(path)))
    log = FetchLog(private)
    for fetch in fetched:
        log.record(fetch)
    log.flush()
    return len(fetched)


@dataclass(frozen=True)
class FeedStatus:
    """One delegate's personal feed: when it last changed, when a calendar last got it."""

    delegate: str
    name: str
    changed: datetime | None
    """When the feed's content last changed (the published file's modification time)."""
    fetched: datetime | None
    """The last successful fetch, by any client."""
    family: str | None
    """Which client family fetched it last."""

    @property
    def seen(self) -> bool:
        """Whether a calendar fetched the feed after its last change."""
        if self.changed is None or self.fetched is None:
            return False
        return self.fetched >= self.changed

    def stale(self, after: timedelta, now: datetime) -> bool:
        """Not seen, and the change is older than *after*."""
        return not self.seen and self.changed is not None and now - self.changed >= after


def feed_status(site: Path, private: Path) -> list[FeedStatus]:
    """Every delegate of the site's ``links.csv``, with their feed's last change and
    last fetch."""
    links = private / "links.csv"
    try:
        with links.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise InputError(
            f"cannot be read ({error.strerror or error})",
            source=str(links),
            hint="give the site that publish --out wrote, after a publish",
        ) from None
    fetches = FetchLog(private).last_fetches()
    found = []
    for row in rows:
        feed = row.get("feed_url") or ""
        parts = PurePosixPath(urlsplit(feed).path).parts
        token = parts[-2] if len(parts) >= 2 else ""
        file = site / token / parts[-1] if token else None
        changed = None
        if file is not None and file.is_file():
            changed = datetime.fromtimestamp(file.stat().st_mtime, UTC).replace(microsecond=0)
        fetched, family = fetches.get(token, (None, None))
        found.append(FeedStatus(row.get("id", ""), row.get("name", ""), changed, fetched, family))
    return found


def stale_delegates(
    site: Path, private: Path, after: timedelta, only: Iterable[str] = ()
) -> list[str]:
    """The delegates (of *only*, if given) whose feed no calendar fetched *after* its
    last change: whom ``notify --stale`` writes to."""
    now = datetime.now(UTC)
    chosen = set(only)
    rows = feed_status(site, private)
    return [
        r.delegate for r in rows if r.stale(after, now) and (not chosen or r.delegate in chosen)
    ]
