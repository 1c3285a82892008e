"""Publishing on several machines: each renders its shard of the delegates' files into a
folder of its own, from the same site, secret, ledger and moment; one final ``publish``
merges the folders, writes the public files, commits the ledger and swaps the site in.

Rendering is what takes the time, and it needs nothing from the other shards. Which
changes a publish records, and what each file says, follow from the programme, the
roster, the ledger and the moment alone, so every shard works them out for itself, and
the merge again: it takes a shard's files only for delegates whose data it finds the
same (a key in the shard's record), and refuses shards made from another ledger,
moment, base URL, formats, options or version.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any, NoReturn

from .errors import InputError
from .exporters import Exporter, RenderOptions
from .files import write_atomic
from .fingerprints import fingerprint
from .ledger import Ledger
from .model import Itinerary, Programme, Roster
from .publishing import LEDGER, _content_key, _render, _Site, private_folder
from .shards import Shard
from .tokens import load_secret
from .tracking import Plan, Tracked, track
from .urls import site_base_url

__all__ = ["SHARD_RECORD", "ShardFiles", "publish_shard"]

SHARD_RECORD = "shard.json"
"""In a shard's folder, written last: what it holds and what it was made from."""


def _inputs(base_url: str, exporters: Sequence[Exporter], options: RenderOptions) -> str:
    """What the shards and the merge must share besides the data, on any machine."""
    identity = [(e.name, e.plugin, e.suffix, e.media_type) for e in exporters]
    version = metadata.version("icssi-itinerary")
    return fingerprint((base_url, identity, version, replace(options, ledger=None)))


def _ledger_state(private: Path) -> str | None:
    """The committed ledger the shards must all have started from (``None``: no publish yet)."""
    path = private / LEDGER
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def _existing_secret(private: Path, secret_file: Path | None) -> bytes:
    path = secret_file or private / "secret.key"
    if not path.exists():
        raise InputError(
            "no secret: each shard needs the site's own",
            source=str(path),
            field="--secret-file",
            hint="copy secret.key from the machine that publishes the site (or publish once first)",
        )
    return load_secret(path)


def publish_shard(
    programme: Programme,
    roster: Roster,
    exporters: Sequence[Exporter],
    out: Path,
    base_url: str,
    shard: Shard,
    into: Path,
    at: datetime,
    *,
    secret_file: Path | None = None,
    keep_cancelled: timedelta = timedelta(days=30),
    options: RenderOptions | None = None,
    jobs: int = 1,
    progress: Callable[[Itinerary], None] | None = None,
) -> int:
    """Render shard *shard*'s delegates' files into the new folder *into*, as a publish of
    the site *out* at *at* would. Neither the site nor its ledger is written. Returns
    how many delegates the shard holds."""
    base_url = site_base_url(base_url)
    out = out.absolute()
    private = private_folder(out, secret_file)
    secret = _existing_secret(private, secret_file)
    if into.exists() and (not into.is_dir() or any(into.iterdir())):
        raise InputError("exists and is not empty", source=str(into), hint="name a new folder")
    moment = at.astimezone(UTC).replace(microsecond=0)
    base = options or RenderOptions()
    into.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=into.parent, prefix=f".{into.name}.partial-"))
    try:
        with tempfile.TemporaryDirectory(prefix="icssi-shard-") as scratch:
            ledger = Ledger.working_copy(private / LEDGER, Path(scratch) / LEDGER)
            try:
                tracked = track(programme, roster, secret, ledger, moment, keep_cancelled)
                entries = ledger.entries()
            finally:
                ledger.close()
        rendered = replace(base, base_url=base_url, ledger=entries)
        site = _Site(out, {e.suffix: e.media_type for e in exporters}, folder=staging)
        mine = [plan for plan in tracked.plans if shard.holds(plan.itinerary.delegate.id)]
        tokens = {plan.token for plan in mine}
        _render(
            site, tracked, exporters, rendered, jobs, progress, only=lambda p: p.token in tokens
        )
        record = {
            "format": 1,
            "shard": [shard.index, shard.count],
            "at": moment.isoformat(),
            "ledger": _ledger_state(private),
            "inputs": _inputs(base_url, exporters, base),
            "delegates": _content_keys(tracked, entries, mine),
        }
        write_atomic(staging / SHARD_RECORD, (json.dumps(record, indent=1) + "\n").encode())
        if into.exists():
            into.rmdir()
        staging.replace(into)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return len(mine)


def _content_keys(tracked: Tracked, entries: dict[str, Any], plans: list[Plan]) -> dict[str, str]:
    digest = fingerprint(tracked.public)
    return {plan.token: _content_key(digest, plan, entries) for plan in plans}


@dataclass(frozen=True)
class _Record:
    folder: Path
    shard: Shard
    at: datetime
    ledger: str | None
    inputs: str
    delegates: dict[str, str]


def _read(folder: Path) -> _Record:
    path = folder / SHARD_RECORD
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        index, count = data["shard"]
        return _Record(
            folder,
            Shard(int(index), int(count)),
            datetime.fromisoformat(data["at"]),
            data["ledger"],
            str(data["inputs"]),
            {str(k): str(v) for k, v in data["delegates"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError(
            "not a finished shard folder",
            source=str(folder),
            field="--merge",
            hint="give the folders that publish --shard K/N --into wrote (it writes "
            f"{SHARD_RECORD} last)",
        ) from None


class ShardFiles:
    """The shard folders a merging publish takes delegates' files from, checked to be
    all the shards of one split, made at one moment from this site's ledger."""

    def __init__(self, folders: Sequence[Path]) -> None:
        self.records = [_read(folder) for folder in folders]
        first = self.records[0]
        count = first.shard.count
        seen: dict[int, Path] = {}
        for record in self.records:
            label = f"shard {record.shard.index}/{record.shard.count}"
            if record.shard.count != count:
                self._refuse(record, f"{label} is of another split than shard 1/{count}")
            if record.shard.index in seen:
                self._refuse(record, f"{label} is given twice (also {seen[record.shard.index]})")
            seen[record.shard.index] = record.folder
            if record.at != first.at:
                self._refuse(record, f"{label} was made --at another moment than {first.folder}")
        missing = sorted(set(range(1, count + 1)) - set(seen))
        if missing:
            raise InputError(
                f"shard {missing[0]}/{count} is missing",
                field="--merge",
                hint=f"give all {count} shard folders",
            )
        self.at = first.at
        self._by_index = {record.shard.index: record for record in self.records}
        self._count = count

    @staticmethod
    def _refuse(record: _Record, what: str) -> NoReturn:
        raise InputError(what, source=str(record.folder), field="--merge")

    def check(self, private: Path, base_url: str, exporters: Sequence[Exporter],
              options: RenderOptions) -> None:  # fmt: skip
        """That every shard was made from this site's committed ledger and these inputs."""
        state, inputs = _ledger_state(private), _inputs(base_url, exporters, options)
        for record in self.records:
            if record.ledger != state:
                self._refuse(
                    record,
                    "was made from another state of the ledger (the site was published "
                    "since): run the shards again",
                )
            if record.inputs != inputs:
                self._refuse(
                    record,
                    "was made with another base URL, formats, options or version of "
                    "icssi-itinerary: run it with the same ones",
                )

    def __call__(self, plan: Plan, content: str, names: Sequence[str]) -> list[bytes]:
        """The files of *plan*'s delegate, from the shard that holds them."""
        delegate = plan.itinerary.delegate.id
        record = self._by_index[Shard.of(delegate, self._count).index]
        if record.delegates.get(plan.token) != content:
            self._refuse(
                record,
                f"holds other data for delegate {delegate!r} than this publish (another "
                "roster or programme): run the shards again with these files",
            )
        try:
            return [(record.folder / name).read_bytes() for name in names]
        except OSError as error:
            self._refuse(record, f"lacks {error.filename}: run the shard again")
