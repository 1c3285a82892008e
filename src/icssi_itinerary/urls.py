"""The web address a site is published at, checked before anything uses it."""

from __future__ import annotations

import urllib.parse

from .errors import InputError

__all__ = ["google_subscribe_url", "safe_url", "site_base_url", "webcal_url"]


def site_base_url(text: str) -> str:
    """*text* as a base URL without its trailing ``/``: ``http(s)://host[:port][/path]``,
    printable ASCII with no space, query, fragment or user name (a token belongs in the
    path, and a URL goes into calendars, CSV files and QR codes as it is)."""

    def refuse(what: str) -> InputError:
        shown = text.encode("unicode_escape").decode("ascii")
        return InputError(
            f"'{shown}' {what}",
            field="--base-url",
            hint="give the https:// address the site will be served at, e.g. "
            "https://example.org/icssi",
        )

    if not text.isascii() or not text.isprintable() or any(c.isspace() for c in text):
        raise refuse("has spaces, line breaks or characters a web address cannot hold")
    base = text.rstrip("/")
    try:
        parts = urllib.parse.urlsplit(base)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        raise refuse("is not a web address") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise refuse("is not a web address")
    if parts.query or parts.fragment or "?" in base or "#" in base:
        raise refuse("has a query or fragment")
    if parts.username is not None or parts.password is not None:
        raise refuse("has a user name or password")
    return base


def webcal_url(feed_url: str) -> str:
    """The ``webcal://`` form of an ``http(s)://`` feed URL, which calendar apps and
    phones open as a subscription rather than a one-off download."""
    scheme, sep, rest = feed_url.partition("://")
    if scheme not in ("https", "http") or not sep:
        raise ValueError(f"not an http(s) URL: {feed_url!r}")
    return f"webcal://{rest}"


def google_subscribe_url(feed_url: str) -> str:
    """Google Calendar's page that subscribes to the feed at *feed_url* (what an Android
    phone's camera opens from a QR code): its ``cid`` takes the ``webcal://`` address,
    since an ``https://`` one is read as the name of a Google account."""
    return "https://calendar.google.com/calendar/render?cid=" + urllib.parse.quote_plus(
        webcal_url(feed_url)
    )


def safe_url(url: str | None) -> str | None:
    """*url* if it is an absolute ``http``/``https`` URL that can be a link, else ``None``.

    Input URLs (an event's, a venue's or the programme's ``url``) reach a link, a feed's
    organizer or a conference app only through this: ``javascript:``, ``data:``,
    relative or malformed addresses stay text or vanish.
    """
    if not url:
        return None
    text = url.strip()
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        return None
    try:
        parts = urllib.parse.urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return text
