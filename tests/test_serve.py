"""Serving a published site: media types, validators, 304s, no listings, no way out of the
site, link swaps picked up without a restart, and many clients at once.

Requests use only http.client from the standard library, on loopback.
"""

from __future__ import annotations

import csv
import http.client
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from waitress import wasyncore

import icssi_itinerary
from conftest import SAMPLE_ROSTER
from icssi_itinerary import Programme, Roster, load_programme, load_roster
from icssi_itinerary.plugins import get_exporters
from icssi_itinerary.publishing import publish
from icssi_itinerary.serve import ACCEPT_AT_ONCE, _server, make_app, published_site

BASE_URL = "https://itinerary.example.org"
FORMATS = ("text", "ical", "html")
T1 = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)


def _publish(programme: Programme, roster: Roster, out: Path, now: datetime) -> None:
    exporters = [get_exporters()[name] for name in FORMATS]
    publish(programme, roster, exporters, out, BASE_URL, now=now)


@contextmanager
def _serving(root: Path) -> Iterator[int]:
    """make_app(root) under serve's waitress on a free loopback port, for the block's duration."""
    server, bound = _server(make_app(root), "127.0.0.1", 0)  # as serve sets waitress up
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield bound
    finally:
        # Closed from the server's own loop (woken by its trigger), so that no socket
        # is closed under a select() running in the other thread.
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        thread.join(timeout=10)
        assert not thread.is_alive()


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, Message, bytes]:
    """One GET of *path*, sent exactly as written (no normalising, no re-encoding)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        # Header names are case-insensitive: the Message answers either spelling.
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def _tokens(out: Path) -> dict[str, str]:
    with (out.parent / f"{out.name}.private" / "links.csv").open(encoding="utf-8") as stream:
        return {
            row["id"]: urllib.parse.urlsplit(row["feed_url"]).path.split("/")[-2]
            for row in csv.DictReader(stream)
        }


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, programme: Programme, roster: Roster) -> Path:
    out = tmp_path_factory.mktemp("serve") / "site"
    _publish(programme, roster, out, T1)
    return out


@pytest.fixture(scope="module")
def port(site: Path) -> Iterator[int]:
    with _serving(site) as number:
        yield number


def test_feed_has_calendar_type_and_validators_from_the_file(site: Path, port: int) -> None:
    status, headers, body = _get(port, "/programme.ics")
    assert status == 200
    assert body == (site / "programme.ics").read_bytes()
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert headers["ETag"]
    modified = parsedate_to_datetime(headers["Last-Modified"])
    on_disk = datetime.fromtimestamp((site / "programme.ics").stat().st_mtime, UTC)
    assert abs(modified - on_disk) < timedelta(seconds=1)
    # Feeds change: caches may keep them minutes, never for good.
    cache = headers["Cache-Control"]
    assert "immutable" not in cache and "max-age=" in cache
    assert 0 < int(cache.split("max-age=")[1].split(",")[0]) <= 86400


def test_personal_feed_and_page_are_served_with_their_types(site: Path, port: int) -> None:
    token = next(iter(_tokens(site).values()))
    status, headers, body = _get(port, f"/{token}/itinerary.ics")
    assert status == 200 and body == (site / token / "itinerary.ics").read_bytes()
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    status, headers, _ = _get(port, f"/{token}/itinerary.html")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"


def test_conditional_get_gives_304(port: int) -> None:
    _, headers, _ = _get(port, "/programme.ics")
    status, again, body = _get(port, "/programme.ics", {"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")
    assert again["ETag"] == headers["ETag"]
    status, _, body = _get(port, "/programme.ics", {"If-Modified-Since": headers["Last-Modified"]})
    assert (status, body) == (304, b"")
    status, _, body = _get(port, "/programme.ics", {"If-None-Match": '"not-this-one"'})
    assert status == 200 and body


def test_index_is_served_at_the_root(site: Path, port: int) -> None:
    status, headers, body = _get(port, "/")
    assert status == 200
    assert body == (site / "index.html").read_bytes()
    assert headers["Content-Type"] == "text/html; charset=utf-8"


def test_a_wrong_or_revoked_token_is_404(site: Path, port: int) -> None:
    token = next(iter(_tokens(site).values()))
    wrong = ("a" if token[0] != "a" else "b") + token[1:]
    assert not (site / wrong).exists()
    for path in (f"/{wrong}/itinerary.ics", f"/{'x' * 32}/itinerary.ics", "/nope.ics"):
        assert _get(port, path)[0] == 404, path


def test_no_directory_listing_for_a_token_folder(site: Path, port: int) -> None:
    tokens = _tokens(site)
    token = next(iter(tokens.values()))
    for path in (f"/{token}/", f"/{token}", f"/{token}/?C=M;O=D"):
        status, _, body = _get(port, path)
        assert status in (403, 404), path
        assert b"itinerary" not in body and token.encode() not in body
    # Nor a listing of the tokens from the site root.
    _, _, body = _get(port, "/")
    assert not any(t.encode() in body for t in tokens.values())


TRAVERSALS = [
    "/../{secret}",
    "/%2e%2e/{secret}",
    "/%2E%2E/{secret}",
    "/..%2f{secret}",
    "/..%2F{secret_encoded}",
    "/%2e%2e%2f{secret_encoded}",
    "/.%2e/{secret}",
    "/%252e%252e/{secret}",
    "/..\\{secret}",
    "/..%5c{secret}",
    "/static/../../{secret}",
    "/x/../../{secret}",
    "//{absolute}",
    "/{absolute}",
    "/%2f{absolute_encoded}",
    "http://127.0.0.1/../{secret}",
]


@pytest.mark.parametrize("pattern", TRAVERSALS)
def test_traversal_out_of_the_site_is_refused(site: Path, port: int, pattern: str) -> None:
    private = site.parent / f"{site.name}.private"
    secret = f"{private.name}/secret.key"
    absolute = (private / "secret.key").as_posix().lstrip("/")
    path = pattern.format(
        secret=secret,
        secret_encoded=secret.replace("/", "%2f"),
        absolute=absolute,
        absolute_encoded=absolute.replace("/", "%2f"),
    )
    status, _, body = _get(port, path)
    assert status in (400, 404), path
    key = (private / "secret.key").read_text(encoding="ascii").strip()
    assert key.encode() not in body
    assert b"Tigris" not in body  # nothing of links.csv either


def _republish_with_an_event_moved(tmp_path: Path, out: Path) -> None:
    """Publish the bundled programme again into *out*, a day after T1, with one event
    starting an hour later (the previous version stays beside the new one)."""
    bundled = Path(icssi_itinerary.__file__).parent / "data" / "icssi-2014.toml"
    source = bundled.read_text(encoding="utf-8")
    moved = tmp_path / "programme.toml"
    assert source.count("start = 2014-11-03T10:00:00") == 1
    moved.write_text(
        source.replace("start = 2014-11-03T10:00:00", "start = 2014-11-03T11:00:00"),
        encoding="utf-8",
    )
    changed = load_programme(moved)
    _publish(changed, load_roster(SAMPLE_ROSTER, changed), out, T1 + timedelta(days=1))


def test_a_republish_is_served_without_restart(
    tmp_path: Path, programme: Programme, roster: Roster
) -> None:
    out = tmp_path / "site"
    _publish(programme, roster, out, T1)
    with _serving(out) as port:
        old = _get(port, "/programme.ics")
        assert old[0] == 200 and old[2] == (out / "programme.ics").read_bytes()
        before = (out / "programme.ics").stat()
        _republish_with_an_event_moved(tmp_path, out)
        # A republish within the same second as the last one (the moved feed has the
        # same size): the validators must still tell the two feeds apart.
        os.utime(out / "programme.ics", ns=(before.st_atime_ns, before.st_mtime_ns))
        new = _get(port, "/programme.ics")
        assert new[0] == 200
        assert new[2] == (out / "programme.ics").read_bytes() != old[2]
        assert new[1]["ETag"] != old[1]["ETag"]
        # A calendar asking with the old ETag gets the new feed, not a 304.
        status, _, body = _get(port, "/programme.ics", {"If-None-Match": old[1]["ETag"]})
        assert status == 200 and body == new[2]


def test_requests_while_the_link_swaps_back_and_forth_each_get_one_whole_version(
    tmp_path: Path, programme: Programme, roster: Roster
) -> None:
    """Clients fetching while publish swaps the site (here, the link flipped between
    two versions as fast as it can be) each get a whole file of one version, with
    that version's ETag: no error, no mix."""
    out = tmp_path / "site"
    _publish(programme, roster, out, T1)
    first = out.resolve()
    _republish_with_an_event_moved(tmp_path, out)
    second = out.resolve()
    versions = {(v / "programme.ics").read_bytes() for v in (first, second)}
    assert len(versions) == 2
    stop = threading.Event()

    def flip() -> None:
        for number in range(10_000):
            if stop.is_set():
                return
            link = out.parent / f".flip-{number}"
            link.symlink_to((first, second)[number % 2].name)
            link.replace(out)

    with _serving(out) as port:
        flipper = threading.Thread(target=flip)
        flipper.start()
        try:
            with ThreadPoolExecutor(max_workers=8) as pool:
                answers = list(pool.map(lambda _: _get(port, "/programme.ics"), range(400)))
        finally:
            stop.set()
            flipper.join()
    assert [status for status, _, _ in answers] == [200] * 400
    etags: dict[bytes, set[str]] = {}
    for _, headers, body in answers:
        etags.setdefault(body, set()).add(headers["ETag"])
    assert set(etags) == versions  # both versions served, each whole
    assert [len(tags) for tags in etags.values()] == [1, 1]  # one ETag each, always
    assert len(set.union(*etags.values())) == 2


def test_200_concurrent_conditional_gets_all_succeed(site: Path, port: int) -> None:
    tokens = list(_tokens(site).values())
    paths = ["/programme.ics", "/"] + [f"/{t}/itinerary.ics" for t in tokens]
    etags = {path: _get(port, path)[1]["ETag"] for path in paths}

    def fetch(number: int) -> int:
        path = paths[number % len(paths)]
        # Every other request is unconditional, so full bodies are served under load too.
        headers = {"If-None-Match": etags[path]} if number % 2 else {}
        status, _, body = _get(port, path, headers)
        expected = 304 if number % 2 else 200
        return 0 if status == expected and (status == 304 or body) else 1

    with ThreadPoolExecutor(max_workers=20) as pool:
        errors = list(pool.map(fetch, range(200), timeout=120))
    assert len(errors) == 200 and sum(errors) == 0


@pytest.mark.parametrize(
    ("waiting", "room", "taken"),
    [(20, None, 20), (ACCEPT_AT_ONCE + 6, None, ACCEPT_AT_ONCE), (20, 5, 5)],
    ids=["all-waiting", "at-most-a-batch", "up-to-the-connection-limit"],
)
def test_connections_waiting_together_are_taken_together(
    site: Path, monkeypatch: pytest.MonkeyPatch, waiting: int, room: int | None, taken: int
) -> None:
    """A crowd connecting at once is let in at once (waitress's listener takes one
    connection each turn of its loop, and the last of 500 waited two seconds), but
    never beyond the connection limit."""
    server, port = _server(make_app(site), "127.0.0.1", 0)
    watched = len(server._map)  # the listener and waitress's trigger
    if room is not None:
        monkeypatch.setitem(server.adj.__dict__, "connection_limit", watched + room)
    clients = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(waiting)]
    try:
        time.sleep(0.2)  # the last handshakes reach the listening queue
        server.handle_accept()
        assert len(server._map) - watched == taken
    finally:
        for client in clients:
            client.close()
        wasyncore.close_all(server._map)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_crowd_leaves_nothing_on_the_console_but_the_address(site: Path, tmp_path: Path) -> None:
    """waitress warns of its queue's depth for every request that waits for a thread: a
    crowd wrote thousands of lines, and a console nobody read (a pipe) stopped the
    server when it filled. The queue is how a crowd is held; only real trouble is told."""
    port = _free_port()
    env = {**os.environ, "ICSSI_ITINERARY_LOAD_PLUGINS": ""}
    command = [sys.executable, "-m", "icssi_itinerary", "serve", str(site), "--port", str(port)]
    console = tmp_path / "stderr.txt"
    with console.open("wb") as stderr:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        deadline = time.monotonic() + 30
        while not console.read_bytes():
            assert process.poll() is None and time.monotonic() < deadline, "serve did not start"
            time.sleep(0.1)
        with ThreadPoolExecutor(max_workers=64) as pool:
            statuses = list(pool.map(lambda _: _get(port, "/programme.ics")[0], range(640)))
        assert statuses == [200] * 640
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert console.read_text(encoding="utf-8").splitlines() == [
        f"Serving {site} on http://127.0.0.1:{port}/"
    ]


def test_serve_command_serves_the_site(site: Path) -> None:
    port = _free_port()
    env = {**os.environ, "ICSSI_ITINERARY_LOAD_PLUGINS": ""}
    command = [sys.executable, "-m", "icssi_itinerary", "serve", str(site), "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, headers, body = _get(port, "/programme.ics")
                break
            except OSError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        assert status == 200 and body == (site / "programme.ics").read_bytes()
        assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _serve_command(root: Path, port: int) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ICSSI_ITINERARY_LOAD_PLUGINS": ""}
    return subprocess.run(
        [sys.executable, "-m", "icssi_itinerary", "serve", str(root), "--port", str(port)],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize("which", ["parent", "version-folder", "private", "plain-folder"])
def test_serve_refuses_what_publish_did_not_write(site: Path, tmp_path: Path, which: str) -> None:
    """Pointed one folder too high it would serve secret.key and links.csv: refused."""
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "index.html").write_text("<p>hello</p>")
    root = {
        "parent": site.parent,
        "version-folder": site.resolve(),
        "private": site.parent / f"{site.name}.private",
        "plain-folder": plain,
    }[which]
    result = _serve_command(root, _free_port())
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "not a site written by" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_serve_on_a_port_in_use_is_one_line(site: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = _serve_command(site, taken.getsockname()[1])
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--port" in lines[0] and "Traceback" not in result.stderr


def test_a_link_planted_in_the_site_is_not_followed(
    tmp_path: Path, programme: Programme, roster: Roster
) -> None:
    out = tmp_path / "site"
    _publish(programme, roster, out, now=datetime(2026, 1, 10, tzinfo=UTC))
    secret = tmp_path / "site.private" / "secret.key"
    (out.resolve() / "leak.txt").symlink_to(secret)
    (out.resolve() / "private").symlink_to(secret.parent, target_is_directory=True)
    with _serving(published_site(out)) as port:
        assert _get(port, "/leak.txt")[0] == 404
        assert _get(port, "/private/secret.key")[0] == 404
        assert _get(port, "/programme.ics")[0] == 200


def test_head_of_a_missing_path_sends_no_body_on_a_kept_alive_connection(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("HEAD", "/no-such-file.ics")
        missing = connection.getresponse()
        assert missing.status == 404 and missing.read() == b""
        connection.request("GET", "/programme.ics")  # the same connection goes on cleanly
        feed = connection.getresponse()
        assert feed.status == 200 and feed.read().startswith(b"BEGIN:VCALENDAR")
    finally:
        connection.close()


def test_etags_and_types_come_from_the_manifest_beside_the_version(site: Path, port: int) -> None:
    """publish lists each file's ETag (from its bytes), size, time and type beside the
    version folder, never inside it, and serve answers from that list."""
    import hashlib
    import json

    from icssi_itinerary.manifest import manifest_path

    version = site.resolve()
    listed = json.loads(manifest_path(version).read_text(encoding="utf-8"))["files"]
    on_disk = sorted(
        str(path.relative_to(version)) for path in version.rglob("*") if path.is_file()
    )
    assert sorted(listed) == on_disk  # every file, and nothing else
    assert not any(path.name.endswith(".manifest.json") for path in version.rglob("*"))
    token = next(iter(_tokens(site).values()))
    for name in ("programme.ics", f"{token}/itinerary.ics", f"{token}/itinerary.html"):
        status, headers, body = _get(port, f"/{name}")
        assert status == 200
        assert headers["ETag"] == '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        assert headers["ETag"] == listed[name]["etag"]
        assert headers["Content-Type"] == listed[name]["type"]
        assert int(headers["Content-Length"]) == listed[name]["size"] == len(body)
    status, _, _ = _get(port, f"/../{manifest_path(version).name}")
    assert status == 404


def test_a_site_without_a_manifest_is_still_served(
    tmp_path: Path, programme: Programme, roster: Roster
) -> None:
    """A site published before manifests: serve looks at the files themselves."""
    import hashlib

    from icssi_itinerary.manifest import manifest_path

    out = tmp_path / "site"
    _publish(programme, roster, out, T1)
    manifest_path(out.resolve()).unlink()
    with _serving(out) as port:
        status, headers, body = _get(port, "/programme.ics")
    assert status == 200 and body == (out / "programme.ics").read_bytes()
    assert headers["ETag"] == '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"


def test_a_republish_keeps_the_facts_of_unchanged_files_and_removes_old_manifests(
    tmp_path: Path, programme: Programme, roster: Roster
) -> None:
    import json

    from icssi_itinerary.manifest import manifest_path

    out = tmp_path / "site"
    _publish(programme, roster, out, T1)
    first = json.loads(manifest_path(out.resolve()).read_text(encoding="utf-8"))["files"]
    for hour in (1, 2):
        _publish(programme, roster, out, T1 + timedelta(hours=hour))
    again = json.loads(manifest_path(out.resolve()).read_text(encoding="utf-8"))["files"]
    assert again == first  # nothing changed: same bytes, same times (hard links)
    manifests = sorted(p.name for p in tmp_path.glob(".site.version-*.manifest.json"))
    versions = sorted(p.name for p in tmp_path.glob(".site.version-*") if p.is_dir())
    assert manifests == [f"{name}.manifest.json" for name in versions] and len(versions) == 2
