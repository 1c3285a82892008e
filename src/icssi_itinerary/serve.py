"""Serving a published site: waitress with whitenoise, following the site's link swaps.

Only a site written by ``publish`` is served (the link it swaps, pointing to one of its
version folders beside it), never a folder that could hold the private files, and no
file whose real path leaves the site version (a link planted in it)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .feedhealth import FetchLog

__all__ = [
    "ACCEPT_AT_ONCE",
    "CACHE_SECONDS",
    "PERSONAL_CACHE",
    "WAITRESS",
    "is_personal",
    "make_app",
    "serve",
]

CACHE_SECONDS = 300
"""How long clients and caches may keep a file: feeds refresh every few hours anyway."""
PERSONAL_CACHE = f"private, max-age={CACHE_SECONDS}"
"""The ``Cache-Control`` of a delegate's own files, wherever they are served from: no
shared cache keeps them."""


def is_personal(name: str) -> bool:
    """Whether *name*, a ``/``-separated path in a published site, is a delegate's own
    file: one in a token's folder (the public files are at the site's root)."""
    return "/" in name.strip("/")


WAITRESS: dict[str, Any] = {
    "ident": "icssi-itinerary",
    "threads": 8,  # files are sent from waitress's buffers, so few threads go far
    "connection_limit": 4000,  # waitress's default, 100, turns a crowd of calendars away
    "backlog": 2048,
    "channel_timeout": 60,  # a silent connection is closed after a minute
    "asyncore_use_poll": True,  # select() cannot watch more than 1024 connections
}
"""How ``serve`` sets up waitress (see docs/publishing.md, "serve under load")."""

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _not_found(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    body = b"Not found\n"
    start_response(
        "404 Not Found",
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]


def _media_types() -> dict[str, str]:
    """Each registered format's suffix and media type, as its exporter declares them."""
    from .plugins import get_exporters

    return {e.suffix: e.media_type for e in get_exporters().values()}


def _recording(app: WSGIApp, log: FetchLog) -> WSGIApp:
    """*app*, counting each successful fetch of a personal feed in *log* (token, client
    family and time only)."""
    from datetime import UTC, datetime

    from .feedhealth import Fetch, client_family, feed_suffixes, feed_token

    suffixes = feed_suffixes()

    def recorded(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        status: list[str] = []

        def starting(code: str, headers: Any, *rest: Any) -> Any:
            status.append(code)
            return start_response(code, headers, *rest)

        body = app(environ, starting)
        token = feed_token(environ.get("PATH_INFO", ""), suffixes)
        if token and status and status[0][:3] in ("200", "304"):
            family = client_family(environ.get("HTTP_USER_AGENT"))
            log.record(Fetch(token, family, datetime.now(UTC)))
        return body

    return recorded


def published_site(root: Path) -> Path:
    """*root* if it is a site ``publish`` wrote: a link to a version folder beside it.
    Anything else (a plain folder, the folder holding the site and its private files)
    is one line of bad input."""
    from .errors import InputError
    from .publishing import SITE_PREFIX

    target = root.resolve()
    if not (
        root.is_symlink()
        and target.is_dir()
        and target.parent == root.absolute().parent.resolve()
        and target.name.startswith(f".{root.name}{SITE_PREFIX}")
    ):
        raise InputError(
            "is not a site written by 'icssi-itinerary publish'",
            source=str(root),
            hint="serve the folder given to publish --out (a link to the current version)",
        )
    return root


def _headers(headers: Any, url: str, etag: str, media_type: str) -> None:
    """The headers a file is sent with besides whitenoise's: its ``ETag`` and
    ``Content-Type`` as the manifest gives them (whitenoise's ETag, from mtime in
    seconds and size, is the same for a feed republished within a second with an event
    moved by an hour, and would answer 304). A delegate's own files (in their token's
    folder) are ``private``: a shared cache must never hand one delegate's feed to
    another. No page sends its address (with the token in it) to the sites it links to."""
    headers["Content-Type"] = media_type
    headers["ETag"] = etag
    if is_personal(url):
        headers["Cache-Control"] = PERSONAL_CACHE
    headers["Referrer-Policy"] = "no-referrer"


def make_app(root: Path, fetches: FetchLog | None = None) -> WSGIApp:
    """A WSGI app serving the files under *root* (a published site's link or a folder),
    counting the fetches of personal feeds in *fetches* if given.

    whitenoise answers: media types, ``ETag``/``Last-Modified``, ``304`` on conditional
    requests, no directory listings and no path traversal. What it knows of each file
    comes from the version's manifest, so a request never reads a file to answer and a
    publish's swap costs one small read, not a walk of the tree; a folder without a
    manifest (a site published before them) is walked once, as whitenoise does.
    """
    import os
    import stat
    import threading

    from whitenoise import WhiteNoise

    from .manifest import FileFacts, facts_of, read_manifest

    types = _media_types()

    class _SiteFiles(WhiteNoise):  # type: ignore[misc]
        def __init__(self, application: WSGIApp, root: str, **options: Any) -> None:
            self.site_root = Path(root)  # before whitenoise scans the files, in __init__
            self.facts: dict[str, FileFacts] = {}
            super().__init__(
                application, root=root, add_headers_function=self.headers_of, **options
            )

        def update_files_dictionary(self, root: str, prefix: str) -> None:
            listed = read_manifest(self.site_root)
            if listed is None:  # walked once; only the files inside the site
                super().update_files_dictionary(root, prefix)
                return
            stats: dict[str, os.stat_result] = {}
            for name, facts in listed.items():
                when = int(facts["mtime"])
                path = str(Path(root) / name)
                stats[path] = os.stat_result(
                    (stat.S_IFREG | 0o644, 0, 0, 1, 0, 0, facts["size"], when, when, when)
                )
                self.facts[path] = facts
            for path in stats:
                self.add_file_to_dictionary(prefix + path[len(root) :], path, stat_cache=stats)

        def add_file_to_dictionary(self, url: str, path: str, stat_cache: Any = None) -> None:
            # A file the manifest lists was written by publish; any other must not be
            # reached through a link out of the site.
            if path in self.facts or self.site_root in Path(path).resolve().parents:
                super().add_file_to_dictionary(url, path, stat_cache=stat_cache)

        def headers_of(self, headers: Any, path: str, url: str) -> None:
            facts = self.facts.get(path) or facts_of(Path(path), types.get(Path(path).suffix))
            _headers(headers, url, facts["etag"], facts["type"])

    loaded: dict[str, WSGIApp] = {}  # the version being served, by its link's target
    loading = threading.Lock()
    beside = root.absolute().parent.resolve()

    def site_of(version: str) -> WSGIApp:
        """The files of *version* (read from its manifest once, by one thread)."""
        with loading:
            if version not in loaded:
                where = (beside / version).resolve() if version else root.resolve()
                site = _SiteFiles(
                    _not_found,
                    root=str(where),
                    max_age=CACHE_SECONDS,
                    mimetypes={suffix: kind.split(";")[0] for suffix, kind in types.items()},
                    index_file=True,
                    allow_all_origins=False,
                )
                loaded.clear()
                loaded[version] = site
            return loaded[version]

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        # One system call a request: where the site's link points now (publish swaps
        # the link). A plain folder is served as it is.
        try:
            version = str(root.readlink())
        except OSError:
            version = ""
        site = loaded.get(version)
        if site is None:
            site = site_of(version)
        return site(environ, start_response)

    return app if fetches is None else _recording(app, fetches)


def _allow_open_files(wanted: int) -> None:
    """Raise this process's limit of open files towards *wanted* (each connection is
    one), as far as the hard limit allows."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


ACCEPT_AT_ONCE = 64
"""Connections taken from the queue each time the listening socket is ready."""


def _server(app: WSGIApp, host: str, port: int) -> tuple[Any, int]:
    """waitress set up as :data:`WAITRESS` says, and the port it listens on. Its
    listener takes every waiting connection (up to :data:`ACCEPT_AT_ONCE`) when the
    socket is ready, where waitress's own takes one per turn of its loop, which, with
    700 connections to watch, left the last of 500 clients connecting at once waiting
    two seconds."""
    from waitress.adjustments import Adjustments
    from waitress.server import MultiSocketServer, TcpWSGIServer
    from waitress.task import ThreadedTaskDispatcher

    class Listener(TcpWSGIServer):  # type: ignore[misc]
        def handle_accept(self) -> None:
            for _ in range(ACCEPT_AT_ONCE):
                open_now = len(self._map)
                if open_now >= self.adj.connection_limit:
                    return
                super().handle_accept()
                if len(self._map) == open_now:  # none was waiting (or it failed)
                    return

    adj = Adjustments(host=host, port=port, **WAITRESS)
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    sockets: dict[int, Any] = {}
    listeners = [
        Listener(app, sockets, dispatcher=dispatcher, adj=adj, sockinfo=sockinfo)
        for sockinfo in adj.listen
    ]
    bound = int(listeners[0].effective_port)
    if len(listeners) == 1:
        return listeners[0], bound
    where = [(each.effective_host, each.effective_port) for each in listeners]
    return MultiSocketServer(sockets, adj, where, dispatcher, listeners[0].log_info), bound


def serve(
    root: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    listening: Callable[[str], None] | None = None,
    private: Path | None = None,
) -> None:
    """Serve the published site *root* with waitress until interrupted; *listening*
    gets the site's address once the port is open. Fetches of personal feeds are
    counted in the *private* folder (default: the site's, ``<site>.private``)."""
    import logging

    from .errors import InputError
    from .feedhealth import FetchLog
    from .publishing import private_folder

    _allow_open_files(WAITRESS["connection_limit"] + 256)
    # waitress warns "Task queue depth is N" for each request that waits for a thread:
    # under a crowd, thousands of lines for the queue doing its job.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    fetches = FetchLog(private or private_folder(root, None))
    app = make_app(published_site(root), fetches)
    try:
        server, bound = _server(app, host, port)
    except OSError as error:
        raise InputError(
            f"cannot listen on {host}:{port} ({error.strerror or error})",
            field="--port",
            hint="choose another --port, or stop what is using it",
        ) from None
    if listening is not None:
        listening(f"http://{host}:{bound}/")
    try:
        server.run()
    finally:
        fetches.flush()
