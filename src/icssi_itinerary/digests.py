"""What changed for one delegate at one publish, and who writes it for them.

A :class:`Digest` is made per delegate at each publish that changes something for
them, kept in the ledger until ``notify`` has told them (:mod:`.digest_records`). How
it reads — the ``changes.html`` page, the e-mail's subject and text, its calendar
invitations — is a plugin's: a :class:`DigestWriter`, registered through the
``register_digests`` hook. The core only carries the words and calendar data it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from datetime import datetime

    from .changes import Change
    from .model import Delegate

__all__ = ["Digest", "DigestWriter", "Invitation", "Letter"]


@dataclass(frozen=True)
class Digest:
    """The changes that affect one delegate at one publish, with what a message needs."""

    delegate: Delegate
    """The delegate (their id, names, address, language and calendar choice; no travel)."""
    programme: str
    """The programme's title."""
    published_at: datetime
    changes: tuple[Change, ...]
    """What changed for them: each item added, moved, changed, cancelled or restored, or
    an event they joined or left. A delegate new to the roster gets every item as added."""
    sequences: Mapping[str, int] = field(default_factory=dict)
    """Per UID in :attr:`changes`, the SEQUENCE their feed gives it at this publish."""
    links: Mapping[str, str] = field(default_factory=dict)
    """Their ``page``, ``feed``, ``webcal`` and ``changes`` URLs, as far as published."""


@dataclass(frozen=True)
class Letter:
    """A digest as a message: subject, plain text and an HTML document."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Invitation:
    """One iTIP object (RFC 5546) for a message: its METHOD and the iCalendar bytes."""

    method: Literal["REQUEST", "CANCEL"]
    calendar: bytes


@dataclass(frozen=True)
class DigestWriter:
    """How digests read, registered through the ``register_digests`` hook."""

    name: str
    page: Callable[[Digest], bytes]
    """The ``changes.html`` page in the delegate's secret folder."""
    letter: Callable[[Digest], Letter]
    """The message's subject, text and HTML."""
    invitations: Callable[[Digest, str], list[Invitation]]
    """For a delegate who chose invitations: the iTIP objects, organised by the
    coordinator's address (the second argument, ``name@host``)."""
    plugin: str = ""
    """The plugin that registered it (filled in on registration)."""
