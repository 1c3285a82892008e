"""Serving a published site: waitress with whitenoise, following the site's link swaps."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

__all__ = ["CACHE_SECONDS", "make_app", "serve"]

CACHE_SECONDS = 300
"""How long clients and caches may keep a file: feeds refresh every few hours anyway."""

_MEDIA_TYPES = {".ics": "text/calendar", ".html": "text/html"}

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _not_found(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    start_response(
        "404 Not Found",
        [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")],
    )
    return [b"Not found\n"]


def _headers(headers: Any, path: str, url: str) -> None:
    """One plain ``charset=utf-8`` on text types (``text/calendar; charset=utf-8``):
    whitenoise appends its own quoted charset to whatever media type it is given. And an
    ``ETag`` from the bytes: whitenoise's (mtime in seconds, size) is the same for a feed
    republished within a second with an event moved by an hour, and would answer 304."""
    media_type = headers["Content-Type"].split(";")[0]
    if media_type.startswith("text/"):
        headers["Content-Type"] = f"{media_type}; charset=utf-8"
    headers["ETag"] = '"' + hashlib.sha256(Path(path).read_bytes()).hexdigest()[:32] + '"'


def make_app(root: Path) -> WSGIApp:
    """A WSGI app serving the files under *root* (a published site's link or a folder).

    whitenoise gives correct media types, ``ETag``/``Last-Modified`` from the files,
    ``304`` on conditional requests, no directory listings and no path traversal. When
    a publish swaps the link, the next request serves the new site.
    """
    from whitenoise import WhiteNoise

    loaded: dict[Path, WSGIApp] = {}

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        current = root.resolve()
        if current not in loaded:
            loaded.clear()
            loaded[current] = WhiteNoise(
                _not_found,
                root=str(current),
                max_age=CACHE_SECONDS,
                mimetypes=_MEDIA_TYPES,
                index_file=True,
                allow_all_origins=False,
                add_headers_function=_headers,
            )
        return loaded[current](environ, start_response)

    return app


def serve(root: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve *root* with waitress until interrupted."""
    import waitress

    waitress.serve(make_app(root), host=host, port=port, ident="icssi-itinerary")
