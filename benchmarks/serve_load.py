"""``serve`` under load, beside nginx serving the same folder, in one run.

    python benchmarks/serve_load.py [--delegates 300] [--clients 500] [--slow 200]

Publishes a synthetic forum, then for each server (ours, and Debian's nginx where it is
installed) sends ``--clients`` concurrent clients' plain and conditional GETs of
personal feeds, half over keep-alive connections, while ``--slow`` clients trickle
their requests a byte at a time and the site is republished every few seconds. Prints
errors (no answer, 5xx, timeouts), torn or wrong bodies (a 200 whose bytes do not match
its ETag), p50/p99 latency and throughput, and ours as a ratio of nginx's.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import http.client
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import synthetic

NGINX = Path("/usr/sbin/nginx")
CLI = [sys.executable, "-m", "icssi_itinerary"]


@dataclass
class Tally:
    """What the clients saw."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    torn: int = 0
    not_modified: int = 0
    publishes: int = 0
    """Publishes that swapped the site while the clients were running."""
    lock: threading.Lock = field(default_factory=threading.Lock)


def publish(folder: Path, out: Path, retitle: bool = False) -> None:
    programme = folder / "programme.toml"
    if retitle:  # one event retitled: the feeds of everyone attending it change
        text = programme.read_text(encoding="utf-8")
        flipped = "Session 1 (again)" if '"Session 1"' in text else "Session 1"
        text = re.sub(r'title = "Session 1(?: \(again\))?"', f'title = "{flipped}"', text, count=1)
        programme.write_text(text, encoding="utf-8")
    args = ["--programme", str(programme), "publish", "--roster", str(folder / "roster.csv")]
    args += ["--out", str(out), "--base-url", "https://example.org", "--format", "ical"]
    subprocess.run([*CLI, *args], check=True, capture_output=True)


def feed_paths(out: Path) -> list[str]:
    with (out.parent / f"{out.name}.private" / "links.csv").open(encoding="utf-8") as rows:
        return [urllib.parse.urlsplit(row["feed_url"]).path for row in csv.DictReader(rows)]


@contextmanager
def ours(out: Path) -> Iterator[int]:
    process = subprocess.Popen(
        [*CLI, "serve", str(out), "--port", "0"], stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    port = int(re.search(r":(\d+)/", process.stderr.readline())[1])  # type: ignore[index]
    # Read what else it says, as a terminal or a service manager would: a pipe nobody
    # reads fills, and the server stops at its next line.
    threading.Thread(target=process.stderr.read, daemon=True).start()
    try:
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def nginx(out: Path, work: Path) -> Iterator[int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    conf = work / "nginx.conf"
    conf.write_text(
        f"""worker_processes 2; daemon off; pid {work}/nginx.pid; error_log {work}/error.log;
events {{ worker_connections 4096; }}
http {{ access_log off; client_body_temp_path {work}; proxy_temp_path {work};
  fastcgi_temp_path {work}; uwsgi_temp_path {work}; scgi_temp_path {work};
  types {{ text/calendar ics; }} charset utf-8; charset_types text/calendar;
  server {{ listen 127.0.0.1:{port}; root {out}; etag on;
    location / {{ try_files $uri =404; }} }} }}
""",
        encoding="utf-8",
    )
    process = subprocess.Popen([str(NGINX), "-c", str(conf), "-p", str(work)])
    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    try:
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def client(port: int, paths: list[str], count: int, keep_alive: bool, tally: Tally) -> None:
    rng = random.Random()
    connection = None
    etags: dict[str, str] = {}
    for _ in range(count):
        path = rng.choice(paths)
        headers = {"If-None-Match": etags[path]} if path in etags and rng.random() < 0.5 else {}
        started = time.perf_counter()
        try:
            if connection is None or not keep_alive:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            elapsed = time.perf_counter() - started
        except (OSError, http.client.HTTPException):
            with tally.lock:
                tally.errors += 1
            connection = None
            continue
        with tally.lock:
            tally.latencies.append(elapsed)
            if response.status == 304:
                tally.not_modified += 1
            elif response.status != 200:
                tally.errors += 1
            else:
                etag = response.getheader("ETag", "")
                nginx_etag = not etag.startswith('"') or len(etag) < 30  # nginx: mtime-size
                if not nginx_etag and etag != '"' + hashlib.sha256(body).hexdigest()[:32] + '"':
                    tally.torn += 1
                if not body.startswith(b"BEGIN:VCALENDAR") or not body.endswith(
                    b"END:VCALENDAR\r\n"
                ):
                    tally.torn += 1
                etags[path] = etag
        if not keep_alive:
            connection.close()


def slow_client(port: int, path: str, stop: threading.Event) -> None:
    """Sends its request one byte every 50 ms, then reads the answer a byte at a time."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            for byte in f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode():
                if stop.is_set():
                    return
                sock.sendall(bytes([byte]))
                time.sleep(0.05)
            while not stop.is_set() and sock.recv(1):
                time.sleep(0.05)
    except OSError:
        pass


def load(
    port: int, paths: list[str], args: argparse.Namespace, republish: Path, folder: Path
) -> tuple[Tally, float]:
    tally, stop = Tally(), threading.Event()
    slow = [
        threading.Thread(target=slow_client, args=(port, paths[i % len(paths)], stop))
        for i in range(args.slow)
    ]
    for thread in slow:
        thread.start()

    def publisher() -> None:
        while not stop.wait(args.every):
            publish(folder, republish, retitle=True)
            if not stop.is_set():  # swapped while the clients ran
                tally.publishes += 1

    publishing = threading.Thread(target=publisher)
    publishing.start()
    clients = [
        threading.Thread(target=client, args=(port, paths, args.requests, n % 2 == 0, tally))
        for n in range(args.clients)
    ]
    started = time.perf_counter()
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    elapsed = time.perf_counter() - started
    stop.set()
    publishing.join()
    for thread in slow:
        thread.join()
    return tally, elapsed


@dataclass(frozen=True)
class Measured:
    """One server's run: what its clients saw."""

    answers: int
    not_modified: int
    errors: int
    torn: int
    p50: float
    p99: float
    rate: float
    publishes: int

    def line(self, name: str) -> str:
        return (
            f"{name:<8} {self.answers:>6} answers ({self.not_modified} × 304)  "
            f"errors {self.errors}  torn {self.torn}  p50 {self.p50 * 1000:.0f} ms  "
            f"p99 {self.p99 * 1000:.0f} ms  {self.rate:.0f} req/s  "
            f"({self.publishes} publishes during the run)"
        )


def _measured(tally: Tally, elapsed: float) -> Measured:
    done = len(tally.latencies)
    cuts = statistics.quantiles(tally.latencies, n=100) if done > 1 else [0.0] * 99
    return Measured(
        done, tally.not_modified, tally.errors, tally.torn, cuts[49], cuts[98],
        done / elapsed, tally.publishes,
    )  # fmt: skip


def measure(args: argparse.Namespace) -> tuple[Measured, Measured | None]:
    """serve, then nginx where it is installed (else None), under the load *args*
    describe (the options of :func:`main`), in one run."""
    work = Path(tempfile.mkdtemp(prefix="serve-load-"))
    try:
        folder = synthetic.write(work / "forum", args.events, args.delegates).parent
        out = work / "site"
        publish(folder, out)
        paths = feed_paths(out)
        with ours(out) as port:
            mine = _measured(*load(port, paths, args, out, folder))
        if not NGINX.exists():
            return mine, None
        with nginx(out, work) as port:
            return mine, _measured(*load(port, paths, args, out, folder))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delegates", type=int, default=300)
    parser.add_argument("--events", type=int, default=60)
    parser.add_argument("--clients", type=int, default=500)
    # 40 a client: the run lasts several publishes (at 4, it ended before the first).
    parser.add_argument("--requests", type=int, default=40, help="per client")
    parser.add_argument("--slow", type=int, default=200)
    parser.add_argument("--every", type=float, default=3.0, help="seconds between publishes")
    return parser.parse_args(argv)


def main() -> None:
    mine, theirs = measure(options())
    print(mine.line("serve"))
    if theirs is None:
        print("nginx is not installed (apt-get install nginx-light): no ratio")
        return
    print(theirs.line("nginx"))
    print(f"serve's throughput is {mine.rate / theirs.rate:.2f} × nginx's")


if __name__ == "__main__":
    main()
