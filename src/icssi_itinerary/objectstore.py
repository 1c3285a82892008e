"""Uploading a published site to an S3 bucket (AWS, R2, MinIO, Ceph…) with boto3.

The local site stays the source of truth: ``sync`` uploads the version the site link
points to, using its manifest (:mod:`.manifest`), in the order of :mod:`.uploadplan`.
What the bucket holds is recorded in the private folder (never in the bucket: it names
every token), written before each stage (the names about to be uploaded, marked as under
way) and as uploads succeed, so a sync stopped at any point is finished by the next one,
which also checks the record against a listing of the bucket.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError
from .files import write_atomic
from .manifest import FileFacts, read_manifest
from .publishing import site_lock
from .uploadplan import Stored, cache_control, plan_sync

if TYPE_CHECKING:
    from types_boto3_s3.client import S3Client

__all__ = ["SyncResult", "Target", "sync"]

THREADS = 16
"""Uploads under way at once: each object is small, so the time is the round trips."""
SAVE_EVERY = 100
"""The record is written again after this many uploads (and after each stage)."""
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_LATER = "the site was published locally; run the same publish --to again to finish the upload"


@dataclass(frozen=True)
class Target:
    """A bucket and a key prefix (empty, or ending in ``/``)."""

    bucket: str
    prefix: str = ""

    @classmethod
    def parse(cls, url: str) -> Target:
        """``s3://bucket`` or ``s3://bucket/prefix``; anything else is bad input."""
        scheme, _, rest = url.partition("://")
        bucket, _, prefix = rest.partition("/")
        prefix = prefix.strip("/")
        if (
            scheme != "s3"
            or not _BUCKET.fullmatch(bucket)
            or ".." in bucket
            or any(part in ("", ".", "..") for part in prefix.split("/") if prefix)
            or any(ord(c) < 0x20 or c in "\\?#" for c in prefix)
        ):
            raise InputError(
                f"not a bucket address: {url!r}",
                field="--to",
                hint="give s3://BUCKET or s3://BUCKET/PREFIX (a bucket name is 3-63 "
                "lower-case letters, digits, dots and hyphens)",
            )
        return cls(bucket, f"{prefix}/" if prefix else "")

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


@dataclass
class SyncResult:
    """What a sync did: names are paths in the site, keys are the bucket's."""

    uploaded: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    changed_keys: Path = Path()
    """A file in the private folder listing every key this sync (and an unfinished one
    before it) uploaded or deleted, one a line: what to purge from a CDN."""


def _record_path(private: Path, target: Target, endpoint_url: str | None) -> Path:
    where = json.dumps([endpoint_url or "", target.bucket, target.prefix])
    return private / f"s3-{hashlib.sha256(where.encode()).hexdigest()[:16]}.json"


class _Record:
    """What this publisher wrote to one target, by name in the site (mode 0600)."""

    def __init__(self, path: Path, target: Target) -> None:
        self.path = path
        self.target = target
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        self.objects: dict[str, Stored] = dict(data.get("objects", {}))
        # The keys changed since the last sync that finished, kept for the CDN purge.
        self.changed: set[str] = set(data.get("changed", [])) if not data.get("done") else set()

    def save(self, done: bool = False) -> None:
        data = {
            "format": 1,
            "target": str(self.target),
            "done": done,
            "changed": sorted(self.changed),
            "objects": dict(sorted(self.objects.items())),
        }
        write_atomic(self.path, json.dumps(data, indent=0).encode("utf-8"), mode=0o600)


def _fix(
    what: str, hint: str, *, field: str | None = None, source: str | None = None
) -> InputError:
    return InputError(what, source=source, field=field, hint=f"{hint}; {_LATER}")


@contextmanager
def _errors(target: Target, endpoint_url: str | None) -> Iterator[None]:
    """boto3's errors as one line each: what is wrong and how to fix it."""
    from botocore import exceptions as boto

    where = endpoint_url or "the AWS endpoint"
    try:
        yield
    except (boto.NoCredentialsError, boto.PartialCredentialsError):
        raise _fix(
            "no credentials for object storage",
            "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with a "
            "profile in ~/.aws/credentials or ~/.aws/config",
            source=str(target),
        ) from None
    except boto.ProfileNotFound as error:
        raise _fix(str(error), "name a profile of ~/.aws/config", field="AWS_PROFILE") from None
    except (boto.EndpointConnectionError, boto.ConnectTimeoutError, boto.ReadTimeoutError):
        raise _fix(
            f"cannot reach {where}",
            "check --endpoint-url and the network",
            field="--endpoint-url",
        ) from None
    except boto.ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in ("NoSuchBucket", "404"):
            raise _fix(
                f"no bucket {target.bucket!r} at {where}",
                "create it, or check --to and --endpoint-url",
                field="--to",
            ) from None
        if code in ("AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            raise _fix(
                f"access denied to {target} ({code})",
                "check the credentials and that they may list, put and delete objects there",
                source=str(target),
            ) from None
        raise _fix(f"object storage refused: {error}", "check --to and --endpoint-url") from None
    except boto.BotoCoreError as error:
        raise _fix(f"object storage: {error}", "check --endpoint-url and the credentials") from None


def _client(endpoint_url: str | None) -> S3Client:
    """An S3 client from the AWS SDK's own configuration: credentials and region from the
    environment, ``AWS_PROFILE`` and ``~/.aws/config`` / ``credentials`` (region
    ``us-east-1`` where none is set), at *endpoint_url* if given."""
    import boto3
    from botocore.config import Config

    if endpoint_url is not None and not re.fullmatch(r"https?://[^\s/?#]+/?", endpoint_url):
        raise _fix(
            f"not an endpoint address: {endpoint_url!r}",
            "give http(s)://HOST[:PORT], e.g. https://ACCOUNT.r2.cloudflarestorage.com",
            field="--endpoint-url",
        )
    session = boto3.session.Session()
    config = Config(
        max_pool_connections=THREADS,
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=10,
        read_timeout=60,
        # Other S3 services than AWS may refuse the checksums boto3 sends by default.
        request_checksum_calculation="when_required" if endpoint_url else "when_supported",
        response_checksum_validation="when_required" if endpoint_url else "when_supported",
    )
    region = session.region_name or "us-east-1"
    client: S3Client = session.client(
        "s3", endpoint_url=endpoint_url, region_name=region, config=config
    )
    if session.get_credentials() is None:
        from botocore.exceptions import NoCredentialsError

        raise NoCredentialsError()
    return client


def _listing(client: S3Client, target: Target) -> dict[str, str]:
    """The store's ETag of every object under the prefix, by name in the site."""
    found: dict[str, str] = {}
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=target.bucket, Prefix=target.prefix
    )
    for page in pages:
        for item in page.get("Contents", []):
            found[item["Key"][len(target.prefix) :]] = item["ETag"]
    return found


def _put(client: S3Client, target: Target, name: str, data: bytes, facts: FileFacts) -> str:
    """Upload one object; returns the store's ETag of it."""
    answer = client.put_object(
        Bucket=target.bucket,
        Key=target.prefix + name,
        Body=data,
        ContentType=facts["type"],
        CacheControl=cache_control(name),
    )
    return answer["ETag"]


def _delete(client: S3Client, target: Target, names: list[str]) -> None:
    """Delete *names* (at most 1,000: one request)."""
    answer = client.delete_objects(
        Bucket=target.bucket,
        Delete={"Objects": [{"Key": target.prefix + name} for name in names], "Quiet": True},
    )
    failed = [e for e in answer.get("Errors", []) if e.get("Code") != "NoSuchKey"]
    if failed:
        from botocore.exceptions import ClientError

        first = failed[0]
        error = {"Error": {"Code": first.get("Code", ""), "Message": first.get("Message", "")}}
        raise ClientError(error, "DeleteObjects")  # type: ignore[arg-type]


def sync(
    out: Path,
    private: Path,
    target: Target,
    *,
    endpoint_url: str | None = None,
) -> SyncResult:
    """Make *target* hold exactly the files of the site version *out* links to.

    Only objects whose bytes, ``Content-Type`` or ``Cache-Control`` differ from what the
    bucket holds are uploaded (delegates' folders ``private, max-age=300``, the public
    programme ``public, max-age=3600``); names the site no longer has are deleted last.
    Nothing personal of the private
    folder is uploaded: only the version folder's files, as the manifest lists them.
    """
    with site_lock(private), _errors(target, endpoint_url):
        version = out.resolve()
        files = read_manifest(version)
        if files is None:
            raise InputError(
                "has no manifest of its files",
                source=str(out),
                hint="publish it again with this version of icssi-itinerary",
            )
        client = _client(endpoint_url)
        listed = _listing(client, target)
        record = _Record(_record_path(private, target, endpoint_url), target)
        plan = plan_sync(files, record.objects, listed)
        result = SyncResult(
            unchanged=plan.unchanged, changed_keys=record.path.with_suffix(".changed.txt")
        )

        def upload(name: str) -> tuple[str, str]:
            return name, _put(client, target, name, (version / name).read_bytes(), files[name])

        with ThreadPoolExecutor(THREADS) as pool:
            for stage in plan.stages:
                if not stage:
                    continue
                for name in stage:  # under way: uploaded again, or deleted, if stopped
                    facts = files[name]
                    record.objects[name] = Stored(
                        etag=facts["etag"],
                        type=facts["type"],
                        cache=cache_control(name),
                        stored=None,
                    )
                    record.changed.add(target.prefix + name)
                record.save()
                for name, stored in pool.map(upload, stage):
                    record.objects[name]["stored"] = stored
                    result.uploaded.append(name)
                    if len(result.uploaded) % SAVE_EVERY == 0:
                        record.save()
                record.save()
        for start in range(0, len(plan.deletes), 1000):
            batch = plan.deletes[start : start + 1000]
            record.changed.update(target.prefix + name for name in batch)
            record.save()
            _delete(client, target, batch)
            for name in batch:
                del record.objects[name]
            result.deleted.extend(batch)
        text = "".join(f"{key}\n" for key in sorted(record.changed))
        write_atomic(result.changed_keys, text.encode("utf-8"), mode=0o600)
        record.save(done=True)
    return result
