"""The built-in digest: the ``changes.html`` page, the e-mail's words and, for delegates
who chose them, calendar invitations. What it says is :mod:`.digest_view`'s, the
invitations :mod:`.itip`'s; both are imported on the first digest, so that loading
the plugin (``--help``) pays for no time or calendar library.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from icssi_itinerary import hookimpl

if TYPE_CHECKING:
    from icssi_itinerary import Digest, DigestWriter, Invitation, Letter

__all__ = ["digest_invitations", "digest_letter", "digest_page"]


def digest_page(digest: Digest) -> bytes:
    """``changes.html``: the digest as a page of the delegate's secret folder."""
    from . import digest_view

    return digest_view.digest_page(digest)


def digest_letter(digest: Digest) -> Letter:
    """The digest as a message: subject, plain text and HTML."""
    from . import digest_view

    return digest_view.digest_letter(digest)


def digest_invitations(digest: Digest, coordinator: str) -> list[Invitation]:
    """The iTIP REQUEST and CANCEL objects for the digest's changes."""
    from . import itip

    return itip.invitations(digest, coordinator)


@hookimpl
def register_digests(register: Callable[[DigestWriter], None]) -> None:
    """Register the built-in ``digest``."""
    from icssi_itinerary import DigestWriter

    register(DigestWriter("digest", digest_page, digest_letter, digest_invitations))
