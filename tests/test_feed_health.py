"""Which calendars have seen each delegate's latest feed: fetches counted by ``serve`` or
read from an access log, and ``status`` comparing them with each feed's last change.

Oracles: the published files themselves (their tokens in ``links.csv``, their mtimes),
User-Agent strings as the clients send them, and nginx's documented combined format.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from icssi_itinerary import Programme, Roster
from icssi_itinerary.cli import cli
from icssi_itinerary.feedhealth import (
    FAMILIES,
    FETCHES,
    Fetch,
    FetchLog,
    client_family,
    feed_status,
)
from icssi_itinerary.plugins import get_exporters
from icssi_itinerary.publishing import publish

BASE_URL = "https://itinerary.example.org/icssi"
T1 = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)

USER_AGENTS = {
    "Google-Calendar-Importer": "Google Calendar",
    "iOS/17.1.1 (21B91) dataaccessd/1.0": "iOS",
    "macOS/14.1.1 (23B81) CalendarAgent/988": "macOS",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17029; Pro)": "Outlook",
    "DAVx5/4.3.9-ose (2023/10/03; dav4jvm; okhttp/4.11.0) Android/14": "DAVx⁵",
    "ICSx5/2.1.3 (ical4j/3.2.14; okhttp/4.11.0) Android/13": "DAVx⁵",
    "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.4.1": "Thunderbird",
    "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0": "other",
    "": "other",
}


@pytest.mark.parametrize(("agent", "family"), sorted(USER_AGENTS.items()))
def test_client_families_from_real_user_agents(agent: str, family: str) -> None:
    assert client_family(agent) == family
    assert family in FAMILIES


def _site(tmp_path: Path, programme: Programme, roster: Roster) -> Path:
    out = tmp_path / "site"
    exporters = [get_exporters()[name] for name in ("ical", "html")]
    publish(programme, roster, exporters, out, BASE_URL, now=T1)
    return out


def _tokens(out: Path) -> dict[str, str]:
    with (out.parent / f"{out.name}.private" / "links.csv").open(encoding="utf-8") as stream:
        return {
            row["id"]: urllib.parse.urlsplit(row["feed_url"]).path.split("/")[-2]
            for row in csv.DictReader(stream)
        }


def _serve(site: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "icssi_itinerary", "serve", str(site), "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stderr is not None
    line = process.stderr.readline()
    found = re.search(r"on (http://\S+)", line)
    assert found, line
    return process, found[1]


def _fetch(url: str, agent: str) -> int:
    request = urllib.request.Request(url, headers={"User-Agent": agent})
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
        return int(response.status)


def test_serve_counts_feed_fetches_and_status_compares_them(
    tmp_path: Path, programme: Programme, roster: Roster
) -> None:
    site = _site(tmp_path, programme, roster)
    tokens = _tokens(site)
    amal, haider = tokens["amal-karim"], tokens["haider-jabbar"]
    before = datetime.now(UTC).replace(microsecond=0)
    process, url = _serve(site)
    try:
        assert _fetch(f"{url}{amal}/itinerary.ics", "Google-Calendar-Importer") == 200
        assert _fetch(f"{url}{haider}/itinerary.html", "Google-Calendar-Importer") == 200  # a page
        assert _fetch(f"{url}programme.ics", "iOS/17.1.1 (21B91) dataaccessd/1.0") == 200
    finally:
        process.send_signal(2)  # Ctrl-C: the server writes what it counted, then stops
        process.communicate(timeout=30)
    rows = {row.delegate: row for row in feed_status(site, site.parent / "site.private")}
    assert rows["amal-karim"].family == "Google Calendar" and rows["amal-karim"].seen
    assert rows["amal-karim"].fetched is not None and rows["amal-karim"].fetched >= before
    assert rows["haider-jabbar"].fetched is None and not rows["haider-jabbar"].seen
    assert set(rows) == set(tokens)
    result = CliRunner().invoke(cli, ["status", str(site), "--json", "--stale", "1m"])
    assert result.exit_code == 0, result.output
    listed = {row["delegate"]: row for row in json.loads(result.output)}
    assert listed["amal-karim"]["client"] == "Google Calendar" and not listed["amal-karim"]["stale"]
    assert listed["haider-jabbar"]["seen"] is False and listed["haider-jabbar"]["fetched"] is None


def test_a_change_after_the_last_fetch_is_not_seen_and_goes_stale(
    tmp_path: Path, programme: Programme, roster: Roster
) -> None:
    site = _site(tmp_path, programme, roster)
    token = _tokens(site)["amal-karim"]
    feed = site / token / "itinerary.ics"
    private = site.parent / "site.private"
    changed = datetime.fromtimestamp(feed.stat().st_mtime, UTC)
    log = FetchLog(private)
    log.record(Fetch(token, "Outlook", changed - timedelta(hours=8)))
    log.flush()
    (row,) = [r for r in feed_status(site, private) if r.delegate == "amal-karim"]
    assert not row.seen
    assert row.stale(timedelta(hours=6), changed + timedelta(hours=7))
    assert not row.stale(timedelta(hours=6), changed + timedelta(hours=5))
    log.record(Fetch(token, "iOS", changed + timedelta(minutes=3)))
    log.flush()
    (row,) = [r for r in feed_status(site, private) if r.delegate == "amal-karim"]
    assert row.seen and row.family == "iOS"
    assert not row.stale(timedelta(hours=6), changed + timedelta(hours=7))


# nginx's default "combined" format; {amal} and {haider} stand for the two tokens.
ACCESS_LOG = (Path(__file__).parent / "data" / "access-combined.log").read_text(encoding="utf-8")


def _site_and_log(tmp_path: Path, programme: Programme, roster: Roster) -> tuple[Path, Path]:
    """A published site, and an access log of fetches of two of its delegates' files."""
    site = _site(tmp_path, programme, roster)
    tokens = _tokens(site)
    log = tmp_path / "access.log"
    text = ACCESS_LOG.format(amal=tokens["amal-karim"], haider=tokens["haider-jabbar"])
    log.write_text(text, encoding="utf-8")
    return site, log


def test_an_access_log_gives_the_same_facts(
    tmp_path: Path, programme: Programme, roster: Roster
) -> None:
    site, log = _site_and_log(tmp_path, programme, roster)
    result = CliRunner().invoke(cli, ["fetches", str(site), "--log", str(log)])
    assert result.exit_code == 0, result.output
    assert "Counted 2 feed fetches" in result.output
    rows = {row.delegate: row for row in feed_status(site, site.parent / "site.private")}
    assert rows["amal-karim"].fetched == datetime(2026, 1, 10, 8, 20, tzinfo=UTC)  # +0100
    assert rows["amal-karim"].family == "iOS"
    assert rows["haider-jabbar"].fetched is None  # 404, POST and the page do not count


def test_no_ip_address_or_user_agent_is_stored(
    tmp_path: Path, programme: Programme, roster: Roster
) -> None:
    site, log = _site_and_log(tmp_path, programme, roster)
    assert CliRunner().invoke(cli, ["fetches", str(site), "--log", str(log)]).exit_code == 0
    private = site.parent / "site.private"
    assert (private / FETCHES).exists()
    assert oct((private / FETCHES).stat().st_mode & 0o777) == "0o600"
    for path in private.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for address in (b"203.0.113.7", b"203.0.113.8", b"198.51.100.4", b"198.51.100.5"):
                assert address not in data, path
            assert b"dataaccessd" not in data and b"curl" not in data, path


@pytest.mark.parametrize(
    "line",
    [
        "not a log line at all",
        '203.0.113.7 - - [10/Jan/2026:09:15:02] "GET /a/b.ics HTTP/1.1" 200 1 "-" "x"',
    ],
)
def test_a_line_that_is_not_combined_format_is_one_line_naming_the_log_and_line(
    tmp_path: Path, programme: Programme, roster: Roster, line: str
) -> None:
    site = _site(tmp_path, programme, roster)
    log = tmp_path / "access.log"
    log.write_text(f"\n{line}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["fetches", str(site), "--log", str(log)])
    assert result.exit_code == 2
    (message,) = result.output.strip().splitlines()
    assert f"{log}:2" in message and "Traceback" not in result.output
    assert not (site.parent / "site.private" / FETCHES).exists()


@pytest.mark.parametrize("stale", ["6", "six hours", "6y", "-6h"])
def test_a_bad_stale_duration_is_one_line(tmp_path: Path, stale: str) -> None:
    result = CliRunner().invoke(cli, ["status", str(tmp_path), "--stale", stale])
    assert result.exit_code == 2
    assert "--stale" in result.output and "6h" in result.output


def test_personal_files_are_private_to_caches_and_pages_send_no_referrer(
    tmp_path: Path, programme: Programme, roster: Roster
) -> None:
    site = _site(tmp_path, programme, roster)
    token = _tokens(site)["amal-karim"]
    process, url = _serve(site)
    try:
        for path, private in (
            (f"{token}/itinerary.ics", True),
            (f"{token}/itinerary.html", True),
            ("programme.ics", False),
            ("index.html", False),
        ):
            with urllib.request.urlopen(url + path, timeout=10) as response:
                cache = response.headers["Cache-Control"]
                assert ("private" in cache) is private, (path, cache)
                assert ("public" in cache) is not private, (path, cache)
                assert response.headers["Referrer-Policy"] == "no-referrer"
    finally:
        process.send_signal(2)
        process.communicate(timeout=30)


def test_the_fetch_log_gathers_and_writes_in_batches(tmp_path: Path) -> None:
    log = FetchLog(tmp_path, flush_seconds=3600)
    log.record(Fetch("A" * 32, "iOS", T1))
    assert not (tmp_path / FETCHES).exists()  # gathered, not yet written
    log.record(Fetch("A" * 32, "iOS", T1 + timedelta(hours=1)))
    log.flush()
    assert log.last_fetches() == {"A" * 32: (T1 + timedelta(hours=1), "iOS")}


def test_pages_ask_browsers_to_send_no_referrer(programme: Programme, roster: Roster) -> None:
    """A page opened from a file or a static host (no header) still keeps its token
    address from the map and web sites it links to."""
    import html5lib

    from icssi_itinerary import RenderOptions, build_itinerary, render_itinerary, render_programme

    html = get_exporters()["html"]
    pages = [render_programme(html, programme, RenderOptions())]
    pages += [
        render_itinerary(html, build_itinerary(programme, d), RenderOptions())
        for d in roster.delegates
    ]
    for page in pages:
        root = html5lib.parse(page, namespaceHTMLElements=False)
        metas = [m for m in root.iter("meta") if m.get("name") == "referrer"]
        assert [m.get("content") for m in metas] == ["no-referrer"]
