"""Which S3 library for ``publish --to s3://…``: boto3, s3fs or obstore, measured.

    python benchmarks/s3_libraries.py                     # 2,000 objects, 3 rounds
    python benchmarks/s3_libraries.py --objects 200 --rounds 1
    python benchmarks/s3_libraries.py --s3fs-python /tmp/venv-s3fs/bin/python

Starts moto's S3 server on loopback (``moto_server``, the real HTTP S3 API) and uploads
the same objects with each library, each in a fresh process: many small objects of 5 to
20 KB, as a publish uploads feeds and pages, each with its ``Content-Type`` (with
charset) and ``Cache-Control``. For each way of uploading it prints the import time, the
wall time of the upload, the client's own CPU time (the server's is not counted; moto
is a Python server and may well be the slower side) and the installed size of the
library with everything it pulls in, and the ratio of each time to the fastest in the
same run. Asserts nothing (docs/performance.md keeps the numbers of a run).

s3fs pins botocore to a narrow range (through aiobotocore), which a current boto3 does
not accept, so it may need a virtualenv of its own: ``--s3fs-python`` names that
interpreter (with s3fs installed); without it s3fs is measured only if it imports here.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_publish_s3 import ACCESS_KEY, REGION, SECRET_KEY, moto_server

THREADS = 16
"""Concurrent requests for each concurrent way (boto3's pool, obstore's and s3fs's tasks)."""
TYPE = "text/calendar; charset=utf-8"
CACHE = "private, max-age=300"

WAYS = {
    "boto3 serial": "boto3",
    "boto3 16 threads": "boto3",
    "obstore serial": "obstore",
    "obstore async x16": "obstore",
    "s3fs async x16": "s3fs",
}
"""Each way of uploading and the distribution it needs."""


def objects(count: int) -> Iterator[tuple[str, bytes]]:
    """*count* objects of 5 to 20 KB, as token folders of feeds: the same in every run."""
    for n in range(count):
        seed = hashlib.sha256(str(n).encode()).digest()
        size = 5_000 + int.from_bytes(seed[:2]) % 15_000
        yield f"run/{seed.hex()[:32]}/itinerary.ics", (seed * (size // 32 + 1))[:size]


def _dependency_bytes(distribution: str) -> int:
    """The installed size of *distribution* and of everything it requires, transitively."""
    seen: set[str] = set()
    todo = [distribution]
    total = 0
    while todo:
        name = todo.pop().lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        try:
            found = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        total += sum((f.size or 0) for f in found.files or [])
        for requirement in found.requires or []:
            if "extra ==" in requirement:
                continue
            named = re.match(r"[A-Za-z0-9._-]+", requirement)
            if named:
                todo.append(named.group())
    return total


def _boto3(endpoint: str, bucket: str, threads: int) -> Callable[[list[tuple[str, bytes]]], None]:
    import boto3
    from botocore.config import Config

    config = Config(max_pool_connections=max(threads, 10))
    client = boto3.client("s3", endpoint_url=endpoint, config=config)

    def put(item: tuple[str, bytes]) -> None:
        key, data = item
        client.put_object(Bucket=bucket, Key=key, Body=data, ContentType=TYPE, CacheControl=CACHE)

    def upload(items: list[tuple[str, bytes]]) -> None:
        if threads == 1:
            for item in items:
                put(item)
            return
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(put, items))

    return upload


def _obstore(endpoint: str, bucket: str, threads: int) -> Callable[[list[tuple[str, bytes]]], None]:
    import asyncio

    import obstore
    from obstore.store import S3Store

    store = S3Store(
        bucket,
        endpoint=endpoint,
        region=REGION,
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,
        virtual_hosted_style_request=False,
        client_options={"allow_http": True},
    )
    attributes: Any = {"Content-Type": TYPE, "Cache-Control": CACHE}

    def upload(items: list[tuple[str, bytes]]) -> None:
        if threads == 1:
            for key, data in items:
                obstore.put(store, key, data, attributes=attributes)
            return

        async def run() -> None:
            gate = asyncio.Semaphore(threads)

            async def put(key: str, data: bytes) -> None:
                async with gate:
                    await obstore.put_async(store, key, data, attributes=attributes)

            await asyncio.gather(*(put(key, data) for key, data in items))

        asyncio.run(run())

    return upload


def _s3fs(endpoint: str, bucket: str, threads: int) -> Callable[[list[tuple[str, bytes]]], None]:
    import asyncio

    import s3fs

    def upload(items: list[tuple[str, bytes]]) -> None:
        async def run() -> None:
            fs = s3fs.S3FileSystem(
                asynchronous=True,
                client_kwargs={"endpoint_url": endpoint},
                skip_instance_cache=True,
            )
            session = await fs.set_session()
            gate = asyncio.Semaphore(threads)

            async def put(key: str, data: bytes) -> None:
                async with gate:
                    await fs._pipe_file(
                        f"{bucket}/{key}", data, ContentType=TYPE, CacheControl=CACHE
                    )

            await asyncio.gather(*(put(key, data) for key, data in items))
            await session.close()

        asyncio.run(run())

    return upload


UPLOADERS = {"boto3": _boto3, "obstore": _obstore, "s3fs": _s3fs}


def worker(way: str, endpoint: str, bucket: str, count: int) -> dict[str, float]:
    """One way, in this fresh process: import, upload, and what it cost."""
    library = WAYS[way]
    threads = 1 if "serial" in way else THREADS
    items = list(objects(count))
    started = time.perf_counter()
    upload = UPLOADERS[library](endpoint, bucket, threads)
    imported = time.perf_counter() - started
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    upload(items)
    wall = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return {"import": imported, "wall": wall, "cpu": cpu, "bytes": _dependency_bytes(library)}


def _run_worker(
    python: str, way: str, endpoint: str, bucket: str, count: int
) -> dict[str, float] | str:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": REGION,
    }
    done = subprocess.run(
        [
            python,
            __file__,
            "--worker",
            way,
            "--endpoint",
            endpoint,
            "--bucket",
            bucket,
            "--objects",
            str(count),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        return done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
    result: dict[str, float] = json.loads(done.stdout)
    return result


def _make_bucket(endpoint: str, bucket: str) -> None:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )
    client.create_bucket(Bucket=bucket)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--s3fs-python", help="an interpreter that has s3fs installed")
    parser.add_argument("--worker", choices=WAYS, help=argparse.SUPPRESS)
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    parser.add_argument("--bucket", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.endpoint, args.bucket, args.objects)))
        return
    results: dict[str, list[dict[str, float]]] = {way: [] for way in WAYS}
    failures: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as scratch, moto_server(Path(scratch) / "moto.log") as url:
        for round_ in range(args.rounds):
            for n, way in enumerate(WAYS):
                bucket = f"bench-{round_}-{n}"
                _make_bucket(url, bucket)
                python = sys.executable
                if WAYS[way] == "s3fs" and args.s3fs_python:
                    python = args.s3fs_python
                outcome = _run_worker(python, way, url, bucket, args.objects)
                if isinstance(outcome, str):
                    failures[way] = outcome
                else:
                    results[way].append(outcome)
    print(f"{args.objects} objects of 5-20 KB to moto_server on loopback, {args.rounds} round(s),")
    print(f"median of the rounds; ratios to the fastest of this run; {os.cpu_count()} cores")
    measured = {way: runs for way, runs in results.items() if runs}
    medians = {
        way: {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        for way, runs in measured.items()
    }
    best = {key: min(m[key] for m in medians.values()) for key in ("import", "wall", "cpu")}
    header = f"{'way':<20}{'import s':>10}{'x':>6}{'upload s':>10}{'x':>6}"
    print(header + f"{'client CPU s':>14}{'x':>6}{'installed MB':>14}")
    for way, m in medians.items():
        print(
            f"{way:<20}{m['import']:>10.3f}{m['import'] / best['import']:>6.1f}"
            f"{m['wall']:>10.2f}{m['wall'] / best['wall']:>6.1f}"
            f"{m['cpu']:>14.2f}{m['cpu'] / best['cpu']:>6.1f}{m['bytes'] / 1e6:>14.1f}"
        )
    for way, why in failures.items():
        print(f"{way}: not measured ({why})")


if __name__ == "__main__":
    main()
