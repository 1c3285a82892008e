"""Publishing to object storage, against moto's S3 server on loopback (``moto_server``)
through the real HTTP S3 API.

Oracles are independent of the library's S3 client: objects, headers and listings are
read with plain HTTP GETs (urllib and ElementTree), uploads counted from moto's own
request log, and the bucket compared with the files of the local site.
"""

from __future__ import annotations

import csv
import html.parser
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from conftest import SAMPLE_ROSTER

ACCESS_KEY = "testing-access-key"
SECRET_KEY = "testing-secret-key"
REGION = "us-east-1"


@contextmanager
def moto_server(log: Path) -> Iterator[str]:
    """moto's S3 server (``moto_server``, beside this interpreter) on a free loopback
    port, its request log in *log*; yields its URL."""
    executable = Path(sys.executable).parent / "moto_server"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with log.open("wb") as stream:
        process = subprocess.Popen(
            [str(executable), "-H", "127.0.0.1", "-p", str(port)],
            stdout=stream,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log.read_text(errors="replace")) from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


BASE_URL = "https://itinerary.example.org/icssi"
FORMATS = ["--format", "text", "--format", "ical", "--format", "html"]
EXAMPLES = SAMPLE_ROSTER.parent
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """moto's S3 server: its URL and its request log."""
    if importlib.util.find_spec("moto") is None:
        pytest.skip("moto[server] is not installed (the test extra)")
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with moto_server(log) as url:
        yield url, log


def _env(**extra: str) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {
        **kept,
        "ICSSI_ITINERARY_LOAD_PLUGINS": "",
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        **extra,
    }


def _client(url: str) -> Any:
    import boto3

    return boto3.client("s3", endpoint_url=url, aws_access_key_id=ACCESS_KEY,
                        aws_secret_access_key=SECRET_KEY, region_name=REGION)  # fmt: skip


def _bucket(url: str, name: str) -> str:
    _client(url).create_bucket(Bucket=name)
    return name


def _args(out: Path, roster: Path, to: str, url: str) -> list[str]:
    return ["publish", "--roster", str(roster), "--out", str(out), "--base-url", BASE_URL,
            *FORMATS, "--to", to, "--endpoint-url", url]  # fmt: skip


def _run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "icssi_itinerary", *args],
        capture_output=True, text=True, env=env or _env(), timeout=300, check=False,
    )  # fmt: skip


def _listing(url: str, bucket: str, prefix: str) -> set[str]:
    """Every key under *prefix*."""
    pages = _client(url).get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


def _get(url: str, bucket: str, key: str) -> tuple[bytes, dict[str, str]]:
    answer = _client(url).get_object(Bucket=bucket, Key=key)
    headers = answer["ResponseMetadata"]["HTTPHeaders"]
    return answer["Body"].read(), {k.lower(): v for k, v in headers.items()}


def _site_files(out: Path) -> dict[str, Path]:
    folder = out.resolve()
    return {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}


def _puts(log: Path, bucket: str) -> list[str]:
    """The keys moto was asked to PUT in *bucket*, from its request log."""
    found = []
    for line in log.read_text(errors="replace").splitlines():
        if f'"PUT /{bucket}/' in line:
            found.append(line.split(f"PUT /{bucket}/", 1)[1].split(" ", 1)[0])
    return found


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.found.append(value)


def _dangling(url: str, bucket: str, prefix: str) -> dict[str, list[str]]:
    """Per HTML object of the bucket, its links into the site that name no object."""
    keys = _listing(url, bucket, prefix)
    missing: dict[str, list[str]] = {}
    for key in sorted(k for k in keys if k.endswith(".html")):
        parser = _Links()
        parser.feed(_get(url, bucket, key)[0].decode("utf-8"))
        for link in parser.found:
            if link.startswith("webcal://"):
                link = "https://" + link.removeprefix("webcal://")
            if not link.startswith(BASE_URL + "/"):
                continue
            path = urllib.parse.urlsplit(link).path.removeprefix(
                urllib.parse.urlsplit(BASE_URL).path
            )
            name = path.strip("/") or "index.html"
            if prefix + name not in keys:
                missing.setdefault(key, []).append(link)
    return missing


def _roster_with_versions(folder: Path, versions: dict[str, int], drop: str = "") -> Path:
    """The sample roster with some ``token_version``s raised and one delegate dropped."""
    folder.mkdir(exist_ok=True)
    for name in ("legs.csv", "stays.csv"):
        rows = list(csv.DictReader((EXAMPLES / name).open(encoding="utf-8", newline="")))
        with (folder / name).open("w", encoding="utf-8", newline="") as stream:
            writer = csv.DictWriter(stream, list(rows[0]))
            writer.writeheader()
            writer.writerows(row for row in rows if row["delegate"] != drop)
    with (EXAMPLES / "roster.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    with (folder / "roster.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, [*rows[0], "token_version"])
        writer.writeheader()
        for row in rows:
            if row["id"] != drop:
                writer.writerow({**row, "token_version": versions.get(row["id"], 1)})
    return folder / "roster.csv"


def _tokens(out: Path) -> dict[str, str]:
    with (out.parent / f"{out.name}.private" / "links.csv").open(encoding="utf-8") as stream:
        return {row["id"]: row["feed_url"].split("/")[-2] for row in csv.DictReader(stream)}


def _assert_bucket_is_the_site(url: str, bucket: str, prefix: str, out: Path) -> None:
    files = _site_files(out)
    assert _listing(url, bucket, prefix) == {prefix + name for name in files}
    for name, path in files.items():
        body, _ = _get(url, bucket, prefix + name)
        assert body == path.read_bytes(), name
    assert _dangling(url, bucket, prefix) == {}


# --- what is uploaded ----------------------------------------------------------------------


def test_objects_have_the_sites_bytes_types_and_cache_by_kind(
    s3: tuple[str, Path], tmp_path: Path
) -> None:
    url, _ = s3
    bucket = _bucket(url, "headers")
    out = tmp_path / "site"
    result = _run(_args(out, SAMPLE_ROSTER, f"s3://{bucket}/forum/2014", url))
    assert result.returncode == 0, result.stderr
    prefix = "forum/2014/"
    _assert_bucket_is_the_site(url, bucket, prefix, out)
    files = _site_files(out)
    tokens = set(_tokens(out).values())
    kinds = {".ics": "text/calendar; charset=utf-8", ".html": "text/html; charset=utf-8",
             ".txt": "text/plain; charset=utf-8"}  # fmt: skip
    for name in files:
        _, headers = _get(url, bucket, prefix + name)
        assert headers["content-type"] == kinds[Path(name).suffix], name
        folder = name.split("/")[0] if "/" in name else None
        if folder is not None:
            assert folder in tokens
            assert headers["cache-control"] == "private, max-age=300", name
        else:
            assert headers["cache-control"] == "public, max-age=3600", name
    # Nothing of the private folder went up.
    private = out.parent / "site.private"
    secret = (private / "secret.key").read_bytes()
    for name in files:
        assert secret not in _get(url, bucket, prefix + name)[0]
    assert not any(Path(name).name in {"links.csv", "changes.json", "ledger.sqlite"}
                   for name in _listing(url, bucket, ""))  # fmt: skip


def test_nothing_is_uploaded_again_when_nothing_changed(
    s3: tuple[str, Path], tmp_path: Path
) -> None:
    url, log = s3
    bucket = _bucket(url, "again")
    out = tmp_path / "site"
    args = _args(out, SAMPLE_ROSTER, f"s3://{bucket}", url)
    assert _run(args).returncode == 0
    first = _puts(log, bucket)
    assert sorted(first) == sorted(_site_files(out))  # each object once
    again = _run(args)
    assert again.returncode == 0, again.stderr
    assert _puts(log, bucket) == first  # no PUT at all the second time
    assert "0 objects uploaded, 0 deleted" in again.stderr
    _assert_bucket_is_the_site(url, bucket, "", out)


def test_revoked_tokens_and_removed_delegates_are_deleted_and_only_changes_go_up(
    s3: tuple[str, Path], tmp_path: Path
) -> None:
    url, log = s3
    bucket = _bucket(url, "revoke")
    out = tmp_path / "site"
    assert _run(_args(out, SAMPLE_ROSTER, f"s3://{bucket}", url)).returncode == 0
    before = _tokens(out)
    # An object the publisher did not write is left alone.
    _client(url).put_object(Bucket=bucket, Key="notes/readme.txt", Body=b"x")
    puts = len(_puts(log, bucket))
    revoked, dropped = "zainab-ali", sorted(before)[0]
    roster = _roster_with_versions(tmp_path / "people", {revoked: 2}, drop=dropped)
    result = _run(_args(out, roster, f"s3://{bucket}", url))
    assert result.returncode == 0, result.stderr
    after = _tokens(out)
    keys = _listing(url, bucket, "")
    assert not any(k.startswith(before[revoked] + "/") for k in keys)
    assert not any(k.startswith(before[dropped] + "/") for k in keys)
    assert any(k.startswith(after[revoked] + "/") for k in keys)
    assert "notes/readme.txt" in keys
    new_puts = _puts(log, bucket)[puts:]
    assert all(key.startswith(after[revoked] + "/") or "/" not in key or
               key.endswith("/changes.html") for key in new_puts), new_puts  # fmt: skip
    keys.discard("notes/readme.txt")
    assert keys == set(_site_files(out))
    _client(url).delete_object(Bucket=bucket, Key="notes/readme.txt")
    _assert_bucket_is_the_site(url, bucket, "", out)
    changed = (tmp_path / "site.private").glob("s3-*.changed.txt")
    purge = set(next(changed).read_text().split())
    assert {f"{before[revoked]}/itinerary.ics", f"{before[dropped]}/itinerary.ics"} <= purge


# --- a publish stopped half-way ------------------------------------------------------------

KILLER = r"""
import os, signal, sys
from icssi_itinerary import objectstore

after = int(sys.argv[1])
calls = 0
original = objectstore._put

def put(*args, **kwargs):
    global calls
    calls += 1
    if calls > after:
        os.kill(os.getpid(), signal.SIGKILL)
    return original(*args, **kwargs)

objectstore._put = put
from icssi_itinerary.cli import cli
cli(sys.argv[2:], prog_name="icssi-itinerary")
"""


@pytest.mark.parametrize("after", [0, 5, 20])
def test_a_publish_killed_half_way_is_finished_by_the_next_run(
    s3: tuple[str, Path], tmp_path: Path, after: int
) -> None:
    url, _ = s3
    bucket = _bucket(url, f"killed-{after}")
    out = tmp_path / "site"
    assert _run(_args(out, SAMPLE_ROSTER, f"s3://{bucket}/p", url)).returncode == 0
    before = _tokens(out)
    moved = dict.fromkeys(sorted(before)[::2], 2)  # half the delegates get new links
    roster = _roster_with_versions(tmp_path / "people", moved)
    args = _args(out, roster, f"s3://{bucket}/p", url)
    killed = subprocess.run([sys.executable, "-c", KILLER, str(after), *args],
                            capture_output=True, text=True, env=_env(), timeout=300,
                            check=False)  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    # Stopped: some new objects are up, nothing is deleted, nothing links to a gap.
    keys = _listing(url, bucket, "p/")
    assert all(f"p/{before[who]}/itinerary.html" in keys for who in moved)
    assert _dangling(url, bucket, "p/") == {}
    finished = _run(args)
    assert finished.returncode == 0, finished.stderr
    _assert_bucket_is_the_site(url, bucket, "p/", out)
    assert not any(
        k.startswith(f"p/{before[who]}/") for who in moved for k in _listing(url, bucket, "p/")
    )


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "to", ["https://bucket/x", "s3://", "s3://Bad_Bucket", "s3://b", "s3://bucket/../x", "bucket"]
)
def test_a_to_that_is_not_a_bucket_address_is_one_line_before_anything(
    tmp_path: Path, to: str
) -> None:
    result = _run(["publish", "--roster", str(SAMPLE_ROSTER), "--out", str(tmp_path / "site"),
                   "--base-url", BASE_URL, "--to", to])  # fmt: skip
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "--to" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing was published


def _bad(url: str, case: str) -> tuple[list[str], dict[str, str], str]:
    """Arguments to add, environment and the words the error must name."""
    if case == "no credentials":
        env = {k: v for k, v in _env().items() if not k.startswith("AWS_ACCESS") and
               not k.startswith("AWS_SECRET")}  # fmt: skip
        return ["--to", "s3://creds", "--endpoint-url", url], env, "AWS_ACCESS_KEY_ID"
    if case == "unknown profile":
        return (
            ["--to", "s3://creds", "--endpoint-url", url],
            _env(AWS_PROFILE="nobody"),
            "AWS_PROFILE",
        )
    if case == "no bucket":
        return ["--to", "s3://no-such-bucket", "--endpoint-url", url], _env(), "no-such-bucket"
    if case == "unreachable":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            closed = probe.getsockname()[1]
        return (
            ["--to", "s3://creds", "--endpoint-url", f"http://127.0.0.1:{closed}"],
            _env(),
            "--endpoint-url",
        )
    assert case == "bad endpoint"
    return ["--to", "s3://creds", "--endpoint-url", "ftp://x y"], _env(), "--endpoint-url"


@pytest.mark.parametrize(
    "case", ["no credentials", "unknown profile", "no bucket", "unreachable", "bad endpoint"]
)
def test_storage_problems_are_one_line_and_the_local_publish_stays(
    s3: tuple[str, Path], tmp_path: Path, case: str
) -> None:
    url, _ = s3
    extra, env, named = _bad(url, case)
    out = tmp_path / "site"
    args = ["publish", "--roster", str(SAMPLE_ROSTER), "--out", str(out), "--base-url", BASE_URL,
            "--format", "ical", *extra]  # fmt: skip
    result = _run(args, env)
    assert result.returncode == 2, result.stderr
    error = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(error) == 1 and "Traceback" not in result.stderr, result.stderr
    assert named in error[0]
    assert "run the same publish --to again" in error[0]
    assert out.is_symlink() and (tmp_path / "site.private" / "ledger.sqlite").is_file()
