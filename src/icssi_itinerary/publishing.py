"""Publishing a site: the public programme, secret per-delegate folders, safe updates.

The site is built in a sibling folder and swapped in by replacing a symbolic link. The
ledger, ``changes.json`` and ``links.csv`` of the new version are written first to a
pending folder in the private folder; the swap is the one moment the publish takes
effect, and the pending files are put in place right after it (or, if the run was
stopped in between, at the start of the next one). So a publish stopped at any point
leaves the site and the ledger both as they were, or both as the new version.

Files whose bytes did not change are hard-linked from the previous site, keeping their
modification time. Everything personal — the secret, the ledger, ``links.csv``,
``changes.json`` — goes to a private folder outside the site.
"""

from __future__ import annotations

import csv
import fcntl
import inspect
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .build import output_name
from .changes import change_report
from .digest_records import digest_to_json, make_digests
from .digests import Digest
from .errors import InputError
from .exporters import Exporter, RenderOptions, render_itinerary, render_programme
from .files import write_atomic
from .fingerprints import fingerprint
from .identity import item_uid
from .ledger import Ledger
from .manifest import FileFacts, facts_of, manifest_path, read_manifest, write_manifest
from .model import Itinerary, Programme, Roster
from .parallel import run_parallel
from .plugins import get_digest_writer
from .spreadsheet import spreadsheet_cell
from .tokens import load_secret
from .tracking import Plan, Tracked, track
from .urls import site_base_url, webcal_url

__all__ = ["PublishResult", "private_folder", "publish"]

SITE_PREFIX = ".version-"
ROBOTS = "User-agent: *\nAllow: /$\nAllow: /index.\nAllow: /programme.\nDisallow: /\n"
LEDGER = "ledger.sqlite"
PRIVATE_FILES = (LEDGER, "changes.json", "links.csv")
"""What a publish leaves in the private folder besides the secret, all committed together."""
PENDING = "pending"


@dataclass
class PublishResult:
    """What a publish did."""

    site: Path
    """The folder the site link now points to."""
    written: int = 0
    unchanged: int = 0
    changes: list[dict[str, Any]] = field(default_factory=list)
    first: bool = False
    private: Path = Path()
    recovered: list[dict[str, Any]] = field(default_factory=list)
    """The changes of an earlier publish that took effect but was stopped before it
    could report them (put in place by this one)."""


def private_folder(out: Path, secret_file: Path | None) -> Path:
    """Where the secret, ledger and coordinator files live: beside the secret file, by
    default ``<out>.private`` next to the site; never inside the site."""
    private = secret_file.parent if secret_file else out.parent / f"{out.name}.private"
    site = out.absolute()
    if private.absolute() == site or site in private.absolute().parents:
        raise InputError(
            "the secret would be inside the published site",
            source=str(private),
            field="--secret-file",
            hint="keep it outside --out",
        )
    return private


class _Site:
    """A new site folder, reusing the previous site's file where the bytes are equal,
    and its manifest (:mod:`.manifest`): what a server needs to know of each file."""

    def __init__(
        self, out: Path, media_types: Mapping[str, str], folder: Path | None = None
    ) -> None:
        """A new version of the site *out*, in a new folder beside it (or in *folder*)."""
        self.previous = out.resolve() if out.is_symlink() else None
        prefix = f".{out.name}{SITE_PREFIX}"
        self.folder = folder or Path(tempfile.mkdtemp(dir=out.parent, prefix=prefix))
        self.folder.chmod(0o755)
        self.written = self.unchanged = 0
        self.media_types = media_types
        self.files: dict[str, FileFacts] = {}
        self.known = (read_manifest(self.previous) if self.previous else None) or {}

    def _media_type(self, name: str) -> str | None:
        return self.media_types.get(Path(name).suffix)

    def _linked(self, name: str) -> None:
        """Hard-link *name* from the previous site, with its facts."""
        assert self.previous is not None
        target = self.folder / name
        target.parent.mkdir(mode=0o755, exist_ok=True)
        try:
            os.link(self.previous / name, target)
        except OSError:  # another file system (a shard's folder)
            shutil.copy2(self.previous / name, target)
        self.files[name] = self.known.get(name) or facts_of(target, self._media_type(name))
        self.unchanged += 1

    def reuse(self, names: Sequence[str]) -> bool:
        """Hard-link *names* from the previous site, if it has them all."""
        old = self.previous
        if old is None or not all((old / name).is_file() for name in names):
            return False
        for name in names:
            self._linked(name)
        return True

    def put(self, name: str, data: bytes) -> None:
        old = self.previous / name if self.previous else None
        if old is not None and old.is_file() and old.read_bytes() == data:
            self._linked(name)
            return
        target = self.folder / name
        target.parent.mkdir(mode=0o755, exist_ok=True)
        target.write_bytes(data)
        target.chmod(0o644)
        self.files[name] = facts_of(target, self._media_type(name), data)
        self.written += 1

    def finish(self) -> None:
        """Write the manifest of what the folder holds."""
        write_manifest(self.folder, self.files)

    def discard(self) -> None:
        """Remove the folder and its manifest (a publish that did not take effect)."""
        shutil.rmtree(self.folder, ignore_errors=True)
        manifest_path(self.folder).unlink(missing_ok=True)


def _swap(out: Path, folder: Path) -> None:
    """Point *out* at *folder* in one rename; drop older sites but the previous one."""
    previous = out.resolve() if out.is_symlink() else None
    link = out.parent / f".{out.name}.link-{folder.name}"
    link.unlink(missing_ok=True)
    link.symlink_to(folder.name)
    link.replace(out)
    keep = {folder, previous, *(manifest_path(f) for f in (folder, previous) if f is not None)}
    for stale in out.parent.glob(f".{out.name}{SITE_PREFIX}*"):
        if stale in keep:
            continue
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)  # a version's manifest
    for stale in out.parent.glob(f".{out.name}.link-*"):
        stale.unlink(missing_ok=True)  # left by a publish stopped just before its rename


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_symlink():
        if out.is_dir() and not any(out.iterdir()):
            out.rmdir()
            return
        raise InputError(
            "exists and is not a site published by icssi-itinerary",
            source=str(out),
            field="--out",
            hint="choose a new folder",
        )


LINKED = ("feed", "page", "printout")
"""The purposes an output may link to (a page to its feed, a printout to the page)."""


def _public_name(exporter: Exporter) -> str:
    """The programme's file: ``index.<suffix>`` for the page, served at the site's root."""
    return output_name("index" if exporter.purpose == "page" else "programme", exporter)


def _links(base: str, names: Sequence[str], exporters: Sequence[Exporter]) -> dict[str, str]:
    """Purpose → URL of the first published output for it (``names`` in exporter order)."""
    found: dict[str, str] = {}
    for name, exporter in zip(names, exporters, strict=True):
        if exporter.purpose in LINKED:
            found.setdefault(exporter.purpose, f"{base}/{name}")
    return found


def _personal_names(token: str, exporters: Sequence[Exporter]) -> list[str]:
    return [f"{token}/{output_name('itinerary', exporter)}" for exporter in exporters]


def publish(
    programme: Programme,
    roster: Roster,
    exporters: Sequence[Exporter],
    out: Path,
    base_url: str,
    *,
    secret_file: Path | None = None,
    keep_cancelled: timedelta = timedelta(days=30),
    now: datetime | None = None,
    progress: Callable[[Itinerary], None] | None = None,
    options: RenderOptions | None = None,
    jobs: int = 1,
    shards: Sequence[Path] = (),
) -> PublishResult:
    """Publish the programme and every delegate's itinerary under secret URLs.

    *options* carries per-format settings (``extra``, e.g. a template folder); the base
    URL, feed URLs and ledger are filled in here. Itineraries render in *jobs*
    processes. Returns what was written and what changed since the last publish (also
    written as ``changes.json`` with ``links.csv`` in the private folder). Nothing of a
    publish that fails or is stopped remains: not in the site, not in the ledger.

    With *shards*, the folders :func:`.shard_publish.publish_shard` wrote for every
    shard: delegates' files are taken from them, and the moment is theirs.
    """
    base_url = site_base_url(base_url)
    out = out.absolute()  # the swap compares version folders by path
    _check_out(out)
    merged = None
    if shards:
        from .shard_publish import ShardFiles

        merged = ShardFiles(shards)
    out.parent.mkdir(parents=True, exist_ok=True)
    private = private_folder(out, secret_file)
    secret = load_secret(secret_file or private / "secret.key")
    moment = merged.at if merged is not None else now or datetime.now(UTC)
    moment = moment.astimezone(UTC).replace(microsecond=0)
    with site_lock(private):
        recovered = settle(out, private)
        if now is not None or merged is not None:
            _check_after_last(private, moment, "--merge" if merged else "--at")
        if merged is not None:
            merged.check(private, base_url, exporters, options or RenderOptions())
        first = not (private / LEDGER).exists()
        media_types = {e.suffix: e.media_type for e in exporters}
        site = _Site(out, media_types)
        pending = private / PENDING / site.folder.name
        try:
            pending.parent.mkdir(mode=0o700, exist_ok=True)
            pending.mkdir(mode=0o700)
            ledger = Ledger.working_copy(private / LEDGER, pending / LEDGER)
            try:
                tracked = track(programme, roster, secret, ledger, moment, keep_cancelled)
                base = replace(
                    options or RenderOptions(), base_url=base_url, ledger=ledger.entries()
                )
                keys = _render(site, tracked, exporters, base, jobs, progress, rendered=merged)
                ledger.remember_render(keys)
                _write_digests(site, tracked, exporters, base, moment, ledger)
                site.finish()
                report = change_report(tracked.changes, moment, site.folder.name)
                _write_private(pending, tracked.plans, base_url, exporters, report)
                ledger.commit()
            except BaseException:
                ledger.close()
                raise
        except BaseException:
            site.discard()
            shutil.rmtree(pending, ignore_errors=True)
            with suppress(OSError):
                pending.parent.rmdir()
            raise
        _swap(out, site.folder)  # the publish takes effect here, ledger and all
        settle(out, private)
    return PublishResult(
        site.folder,
        site.written,
        site.unchanged,
        report["changes"],
        first,
        private,
        [] if recovered is None else recovered.get("changes", []),
    )


@contextmanager
def site_lock(private: Path) -> Iterator[None]:
    """One publish or notify at a time per private folder (a lock on the folder itself,
    so no lock file is left behind); a second one is refused at once."""
    private.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(private, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(
                "another publish or notify of this site is running",
                source=str(private),
                hint="wait for it to finish, then run this again",
            ) from None
        yield
    finally:
        os.close(descriptor)


def settle(out: Path, private: Path) -> dict[str, Any] | None:
    """Put in place the private files of the site version *out* points to, if a publish
    was stopped between its swap and doing so, and return that publish's change report
    (it never reached the coordinator); drop the files of publishes that failed."""
    pending = private / PENDING
    if not pending.is_dir():
        return None
    current = out.resolve().name if out.is_symlink() else None
    report = None
    for folder in sorted(pending.iterdir()):
        if folder.name == current:
            # already moved, if a settle was stopped half-way: then it is the one in place
            report = _read_report(folder / "changes.json") or _read_report(private / "changes.json")
            for name in PRIVATE_FILES:
                if (folder / name).exists():
                    (folder / name).replace(private / name)
        shutil.rmtree(folder, ignore_errors=True)
    pending.rmdir()
    return report


def _check_after_last(private: Path, moment: datetime, field: str) -> None:
    """A publish at a given moment must not come before the last one: the ledger's
    times, the feeds' LAST-MODIFIED and the change reports would run backwards."""
    last = _read_report(private / "changes.json")
    if last is None or "published_at" not in last:
        return
    when = datetime.fromisoformat(str(last["published_at"]))
    if moment < when:
        raise InputError(
            f"{moment.isoformat().replace('+00:00', 'Z')} is before the last publish "
            f"({last['published_at']})",
            field=field,
            hint="give a later moment (for shards: run them again with a later --at)",
        )


def _read_report(path: Path) -> dict[str, Any] | None:
    try:
        report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return report


def _files_on_disk(folder: Path) -> list[tuple[str, int, int]]:
    """Name, size and modification time of every file under *folder* (not the
    interpreter's byte-code caches, which come and go without changing the code)."""
    return sorted(
        (str(path.relative_to(folder)), path.stat().st_size, path.stat().st_mtime_ns)
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )


def _code_and_files(exporters: Sequence[Exporter], options: RenderOptions) -> str:
    """A digest of what, besides the data, shapes the output: the exporters' code and
    package files (templates, fonts), the core library, and folders named in the
    per-format options (a template folder)."""
    folders = {Path(__file__).parent}
    for exporter in exporters:
        source = Path(inspect.getfile(exporter.render_itinerary))
        folders.add(source.parent if (source.parent / "__init__.py").exists() else source)
    folders.update(
        Path(value)
        for settings in options.extra.values()
        if isinstance(settings, dict)
        for value in settings.values()
        if isinstance(value, str) and Path(value).is_dir()
    )
    described = [
        (str(folder), _files_on_disk(folder) if folder.is_dir() else folder.stat().st_mtime_ns)
        for folder in sorted(folders)
    ]
    identity = [(e.name, e.plugin, e.suffix, e.media_type) for e in exporters]
    return fingerprint((identity, described, replace(options, ledger=None)))


Rendered = Callable[[Plan, str, Sequence[str]], Sequence[bytes]]
"""Where a delegate's files come from, instead of rendering them: given their plan, the
key of their data (:func:`_content_key`) and the files' names, the files' bytes (from
a shard's folder)."""


def _delegate_data(programme_digest: str, plan: Plan, entries: Mapping[str, Any]) -> list[Any]:
    """What a delegate's files say, the same on every machine: the programme, their data,
    token and the ledger entries of their items (the render key adds, after the token,
    the code and files on this machine)."""
    programme = plan.itinerary.programme
    uids = sorted(item_uid(programme, item.id) for item in plan.itinerary.items)
    return [
        programme_digest,
        fingerprint(plan.itinerary.delegate),
        plan.token,
        [(uid, entries.get(uid)) for uid in uids],
        sorted(plan.dropped.items()),
    ]


def _content_key(programme_digest: str, plan: Plan, entries: Mapping[str, Any]) -> str:
    """The key of :func:`_delegate_data`: what a shard's record holds for a delegate."""
    return fingerprint(_delegate_data(programme_digest, plan, entries))


def _render(
    site: _Site,
    tracked: Tracked,
    exporters: Sequence[Exporter],
    options: RenderOptions,
    jobs: int,
    progress: Callable[[Itinerary], None] | None,
    *,
    only: Callable[[Plan], bool] | None = None,
    rendered: Rendered | None = None,
) -> dict[str, str]:
    """Write the public files, then every delegate's, rendered in *jobs* processes.

    A delegate whose inputs (programme, their own data, the ledger entries of their
    items, the exporters' code and files) are those of the last publish keeps their
    files: they are hard-linked, not rendered again. Returns the new input keys.

    With *only*, just the delegates it accepts and no public files (a shard's part);
    with *rendered*, the files of those whose inputs changed come from there.
    """
    base_url = options.base_url or ""
    entries = options.ledger or {}
    shaping = _code_and_files(exporters, options)
    programme_digest = fingerprint(tracked.public)
    keys = {"": fingerprint((programme_digest, sorted(entries.items()), shaping))}
    public = [_public_name(exporter) for exporter in exporters]
    if only is None:
        if not (tracked.last_keys.get("") == keys[""] and site.reuse(public)):
            shown = replace(options, links=_links(base_url, public, exporters))
            for name, exporter in zip(public, exporters, strict=True):
                site.put(name, render_programme(exporter, tracked.public, shown))
        site.put("robots.txt", ROBOTS.encode())

    def personal_options(plan: Plan) -> RenderOptions:
        return replace(
            options,
            links=_links(base_url, names(plan), exporters),
            ledger={
                **entries,
                **{
                    uid: {"sequence": entries[uid]["sequence"] + 1, "last_modified": when}
                    for uid, when in plan.dropped.items()
                },
            },
        )

    def names(plan: Plan) -> list[str]:
        return _personal_names(plan.token, exporters)

    todo = []
    for index, plan in enumerate(tracked.plans):
        data = _delegate_data(programme_digest, plan, entries)
        keys[plan.token] = fingerprint((*data[:3], shaping, *data[3:]))
        if only is not None and not only(plan):
            continue
        if tracked.last_keys.get(plan.token) == keys[plan.token] and site.reuse(names(plan)):
            if progress is not None:
                progress(plan.itinerary)
        elif rendered is not None:
            given = rendered(plan, fingerprint(data), names(plan))
            for name, content in zip(names(plan), given, strict=True):
                site.put(name, content)
            if progress is not None:
                progress(plan.itinerary)
        else:
            todo.append(index)

    def work(index: int) -> tuple[int, list[tuple[str, bytes]]]:
        plan = tracked.plans[index]
        personal = personal_options(plan)
        rendered = [render_itinerary(exporter, plan.itinerary, personal) for exporter in exporters]
        return index, list(zip(names(plan), rendered, strict=True))

    def done(result: tuple[int, list[tuple[str, bytes]]]) -> None:
        index, files = result
        for name, data in files:
            site.put(name, data)
        if progress is not None:
            progress(tracked.plans[index].itinerary)

    run_parallel(work, todo, jobs, done)
    return keys


DIGEST_PAGE = "changes.html"
"""Each delegate's digest page, in their secret folder."""


def _digest_links(base_url: str, plan: Plan, exporters: Sequence[Exporter]) -> dict[str, str]:
    links = _links(base_url, _personal_names(plan.token, exporters), exporters)
    if "feed" in links:
        links["webcal"] = webcal_url(links["feed"])
    return links | {"changes": f"{base_url}/{plan.token}/{DIGEST_PAGE}"}


def _write_digests(
    site: _Site,
    tracked: Tracked,
    exporters: Sequence[Exporter],
    options: RenderOptions,
    moment: datetime,
    ledger: Ledger,
) -> None:
    """Each delegate's ``changes.html`` (what this publish changed for them; else the
    page of the last publish that did), and the digests ``notify`` sends, in the ledger."""
    base_url = options.base_url or ""
    digests = make_digests(
        tracked, options.ledger or {}, moment, lambda plan: _digest_links(base_url, plan, exporters)
    )
    writer = get_digest_writer()
    for plan in tracked.plans:
        person = plan.itinerary.delegate
        name = f"{plan.token}/{DIGEST_PAGE}"
        digest = digests.get(person.id)
        kept = site.previous / name if site.previous else None
        if digest is None and kept is not None and kept.is_file():
            site.put(name, kept.read_bytes())  # the same bytes: linked, not written
            continue
        if digest is None:
            title = plan.itinerary.programme.title
            digest = Digest(person, title, moment, (), {}, _digest_links(base_url, plan, exporters))
        site.put(name, writer.page(digest))
    ledger.remember_digests(
        site.folder.name, {who: digest_to_json(digest) for who, digest in digests.items()}
    )


def _write_private(
    private: Path,
    plans: list[Plan],
    base_url: str,
    exporters: Sequence[Exporter],
    report: dict[str, Any],
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "name", "email", "page_url", "feed_url", "webcal_url", "printout_url"])
    for plan in plans:
        links = _links(base_url, _personal_names(plan.token, exporters), exporters)
        feed = links.get("feed", "")
        delegate = plan.itinerary.delegate
        cells = [
            delegate.id,
            delegate.name,
            delegate.email or "",
            links.get("page", ""),
            feed,
            webcal_url(feed) if feed else "",
            links.get("printout", ""),
        ]
        writer.writerow([spreadsheet_cell(cell) for cell in cells])
    write_atomic(private / "links.csv", buffer.getvalue().encode("utf-8"), mode=0o600)
    text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    write_atomic(private / "changes.json", text.encode("utf-8"), mode=0o600)
