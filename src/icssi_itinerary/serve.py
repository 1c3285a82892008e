"""Serving a published site: waitress with whitenoise, following the site's link swaps.

Only a site written by ``publish`` is served (the link it swaps, pointing to one of its
version folders beside it), never a folder that could hold the private files, and no
file whose real path leaves the site version (a link planted in it)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .feedhealth import FetchLog

__all__ = ["CACHE_SECONDS", "make_app", "serve"]

CACHE_SECONDS = 300
"""How long clients and caches may keep a file: feeds refresh every few hours anyway."""


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

    return {e.suffix: e.media_type.split(";")[0] for e in get_exporters().values()}


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


def _headers(headers: Any, path: str, url: str) -> None:
    """One plain ``charset=utf-8`` on text types (``text/calendar; charset=utf-8``):
    whitenoise appends its own quoted charset to whatever media type it is given. An
    ``ETag`` from the bytes: whitenoise's (mtime in seconds, size) is the same for a feed
    republished within a second with an event moved by an hour, and would answer 304.
    A delegate's own files (in their token's folder) are ``private``: a shared cache
    must never hand one delegate's feed to another. No page sends its address (with the
    token in it) to the sites it links to."""
    media_type = headers["Content-Type"].split(";")[0]
    if media_type.startswith("text/"):
        headers["Content-Type"] = f"{media_type}; charset=utf-8"
    headers["ETag"] = '"' + hashlib.sha256(Path(path).read_bytes()).hexdigest()[:32] + '"'
    if url.strip("/").count("/") >= 1:
        headers["Cache-Control"] = f"private, max-age={CACHE_SECONDS}"
    headers["Referrer-Policy"] = "no-referrer"


def make_app(root: Path, fetches: FetchLog | None = None) -> WSGIApp:
    """A WSGI app serving the files under *root* (a published site's link or a folder),
    counting the fetches of personal feeds in *fetches* if given.

    whitenoise gives correct media types, ``ETag``/``Last-Modified`` from the files,
    ``304`` on conditional requests, no directory listings and no path traversal. When
    a publish swaps the link, the next request serves the new site.
    """
    from whitenoise import WhiteNoise

    class _SiteFiles(WhiteNoise):  # type: ignore[misc]
        def __init__(self, application: WSGIApp, root: str, **options: Any) -> None:
            self.site_root = Path(root)  # before whitenoise scans the files, in __init__
            super().__init__(application, root=root, **options)

        def add_file_to_dictionary(self, url: str, path: str, stat_cache: Any = None) -> None:
            if self.site_root in Path(path).resolve().parents:  # no link out of the site
                super().add_file_to_dictionary(url, path, stat_cache=stat_cache)

    loaded: dict[Path, WSGIApp] = {}

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        current = root.resolve()
        if current not in loaded:
            loaded.clear()
            loaded[current] = _SiteFiles(
                _not_found,
                root=str(current),
                max_age=CACHE_SECONDS,
                mimetypes=_media_types(),
                index_file=True,
                allow_all_origins=False,
                add_headers_function=_headers,
            )
        return loaded[current](environ, start_response)

    return app if fetches is None else _recording(app, fetches)


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
    import waitress.server

    from .errors import InputError
    from .feedhealth import FetchLog
    from .publishing import private_folder

    fetches = FetchLog(private or private_folder(root, None))
    app = make_app(published_site(root), fetches)
    try:
        server = waitress.server.create_server(app, host=host, port=port, ident="icssi-itinerary")
    except OSError as error:
        raise InputError(
            f"cannot listen on {host}:{port} ({error.strerror or error})",
            field="--port",
            hint="choose another --port, or stop what is using it",
        ) from None
    if listening is not None:
        listening(f"http://{host}:{server.effective_port}/")
    try:
        server.run()
    finally:
        fetches.flush()
