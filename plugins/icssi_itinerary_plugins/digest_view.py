"""The built-in digest's words: what changed for a delegate, before → after, in their
language (:mod:`.digest` registers it, and imports this on the first digest).

One view of a :class:`~icssi_itinerary.Digest` (:func:`digest_view`) is written three
ways: the ``changes.html`` page in the delegate's secret folder (``templates/changes.html``),
and the e-mail's plain text and HTML (``templates/digest-mail.html``). Times are the
place's wall clock with its zone in words, as on the delegate's page; invitations are
:mod:`.itip`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from icssi_itinerary import (
    Change,
    DateSpan,
    Digest,
    ItineraryItem,
    Letter,
    Reader,
    TravelLeg,
    reader,
    safe_url,
)

from .formatting import (
    N_,
    day_heading,
    local_day,
    moments_label,
    span_moments,
    zone_label,
)
from .html_page import Link, render_page
from .titles import item_place, item_title

__all__ = ["digest_letter", "digest_page", "digest_view"]

KINDS = {
    "added": N_("New"),
    "moved": N_("Moved"),
    "changed": N_("Changed"),
    "cancelled": N_("Cancelled"),
    "restored": N_("Back on"),
    "joined": N_("Now in your itinerary"),
    "left": N_("No longer in your itinerary"),
}
"""What each kind of change is called."""


@dataclass(frozen=True)
class Side:
    """An item before or after the change, as the reader sees it (its title only where
    it is not the change's)."""

    title: str | None
    when: str
    place: str
    cancelled: bool


@dataclass(frozen=True)
class Entry:
    """One change: what it is called, the item's title, before and after."""

    kind: str
    label: str
    title: str
    before: Side | None
    after: Side | None


@dataclass(frozen=True)
class DigestView:
    """Exactly what the templates and the text see (no e-mail address among it)."""

    lang: str
    dir: str
    title: str
    greeting: str
    intro: str
    entries: tuple[Entry, ...]
    links: tuple[Link, ...]
    labels: dict[str, str]


def when(item: ItineraryItem, words: Reader) -> str:
    """``Monday, November 3, 2014, 10:00–12:30 CET (Geneva time)``; dates alone for
    date-only spans (a stay's nights, an event of a part of the day)."""
    span = item.span
    times = moments_label(span_moments(span, words)[0])
    if isinstance(span, DateSpan):
        if span.first_day != span.last_day:
            return times
        return words.gettext(
            "%(day)s, %(times)s", day=day_heading(span.first_day, words), times=times
        )
    return words.gettext(
        "%(day)s, %(times)s (%(zone)s)",
        day=day_heading(local_day(item), words),
        times=times,
        zone=zone_label(
            span.zone, words, item.origin if isinstance(item, TravelLeg) else item.city
        ),
    )


def _side(item: ItineraryItem | None, words: Reader, shown: str) -> Side | None:
    if item is None:
        return None
    title = item_title(item, words)
    return Side(
        None if title == shown else title,
        when(item, words),
        item_place(item, words),
        item.status == "cancelled",
    )


def _entry(change: Change, words: Reader) -> Entry:
    item = change.after or change.before
    assert item is not None
    label = words.gettext(KINDS.get(change.kind, change.kind))
    title = item_title(item, words)
    before = _side(change.before, words, title) if change.kind != "added" else None
    return Entry(change.kind, label, title, before, _side(change.after, words, title))


_LINKS = {
    "page": N_("Your itinerary"),
    "feed": N_("Your calendar feed"),
    "webcal": N_("Subscribe in your calendar app"),
    "changes": N_("This list of changes, online"),
}


def digest_view(digest: Digest) -> DigestView:
    """What a digest says, in the delegate's language."""
    words = reader(digest.delegate.language)
    published = words.date(digest.published_at.date(), "long")
    if digest.changes:
        intro = words.ngettext(
            "One change to your itinerary was published on %(date)s:",
            "%(count)s changes to your itinerary were published on %(date)s:",
            len(digest.changes),
            date=published,
        )
    else:
        intro = words.gettext("Nothing has changed in your itinerary since it was published.")
    invited = digest.delegate.calendar == "invitations"  # a feed too would show all twice
    links = tuple(
        Link(url, words.gettext(text))
        for key, text in _LINKS.items()
        if (url := digest.links.get(key)) and (key == "webcal" or safe_url(url))
        if not (invited and key in ("feed", "webcal"))
    )
    return DigestView(
        lang=words.tag,
        dir=words.direction,
        title=words.gettext("%(programme)s: changes to your itinerary", programme=digest.programme),
        greeting=words.gettext("Dear %(name)s,", name=digest.delegate.name),
        intro=intro,
        entries=tuple(_entry(change, words) for change in digest.changes),
        links=links,
        labels={
            "before": words.gettext("Before"),
            "after": words.gettext("Now"),
            "cancelled": words.gettext("cancelled"),
        },
    )


def _render(template: str, view: DigestView, language: str) -> bytes:
    context: dict[str, Any] = {"view": view, "lang": view.lang, "dir": view.dir}
    return render_page(template, context | {"title": view.title}, reader(language))


def digest_page(digest: Digest) -> bytes:
    """``changes.html``: the digest as a page of the delegate's secret folder."""
    return _render("changes.html", digest_view(digest), digest.delegate.language)


def _side_text(label: str, side: Side, cancelled: str) -> str:
    state = f" ({cancelled})" if side.cancelled else ""
    title = f" {side.title}" if side.title else ""
    return f"  {label}:{title}{state} {side.when}\n    {side.place}"


def digest_text(view: DigestView) -> str:
    """The digest as plain text, as the e-mail's first part."""
    lines = [view.greeting, "", view.intro, ""]
    labels = view.labels
    for entry in view.entries:
        lines.append(f"* {entry.label}: {entry.title}")
        if entry.before is not None:
            lines.append(_side_text(labels["before"], entry.before, labels["cancelled"]))
        if entry.after is not None:
            lines.append(_side_text(labels["after"], entry.after, labels["cancelled"]))
        lines.append("")
    lines += [f"{link.text}: {link.url}" for link in view.links]
    return "\n".join(lines) + "\n"


def digest_letter(digest: Digest) -> Letter:
    """The digest as a message: subject, plain text and HTML."""
    view = digest_view(digest)
    html = _render("digest-mail.html", view, digest.delegate.language).decode("utf-8")
    return Letter(view.title, digest_text(view), html)
