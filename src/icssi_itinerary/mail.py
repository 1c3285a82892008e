"""A digest as an e-mail message (MIME): the words and calendar data come from the
digest writer; this module only puts them in the envelope.

The message is ``multipart/alternative`` (plain text, HTML, and the first invitation as
``text/calendar; method=...``, where mail programs look for it); a second invitation (a
CANCEL beside a REQUEST) follows as a ``text/calendar`` attachment, the whole then being
``multipart/mixed``. Its Message-ID is derived from the publish and the delegate, so a
message sent again after a crash carries the same one.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses

from .digests import Digest, DigestWriter
from .errors import InputError, PluginError

__all__ = ["compose", "message_id", "parse_address", "wire_bytes"]

WIRE = SMTP.clone(max_line_length=998)
"""How messages are written out: CRLF, and headers folded only past RFC 5322's 998
characters (the library's folding at 78 drops the spaces between the encoded words of a
non-ASCII subject, so an Arabic subject would lose its spaces)."""


def wire_bytes(message: EmailMessage) -> bytes:
    """*message* as sent, and as an outbox ``.eml`` file holds it."""
    return message.as_bytes(policy=WIRE)


def parse_address(text: str, field: str) -> Address:
    """``Name <user@host>`` or ``user@host`` as an address; one line of bad input if it
    is neither (*field* names where it came from)."""
    found = getaddresses([text])
    try:
        address = Address(found[0][0], addr_spec=found[0][1]) if len(found) == 1 else None
    except (ValueError, IndexError, TypeError):
        address = None
    if (
        address is None
        or not address.username
        or "." not in address.domain
        or not text.isprintable()
    ):
        raise InputError(
            f"{text!r} is not an e-mail address",
            field=field,
            hint="write it as user@example.org or 'Name <user@example.org>'",
        )
    return address


def message_id(publish: str, delegate: str, sender: Address) -> str:
    """The Message-ID of the message telling *delegate* of *publish*: the same every
    time it is made, unique to the two, at the sender's domain."""
    digest = hashlib.sha256(f"{publish}\x00{delegate}".encode()).hexdigest()[:32]
    return f"<{digest}.icssi-itinerary@{sender.domain}>"


def compose(
    digest: Digest,
    writer: DigestWriter,
    sender: Address,
    recipient: Address,
    ident: str,
    now: datetime,
) -> EmailMessage:
    """The message telling the delegate of *digest*: text and HTML, the page, feed and
    webcal links (in the writer's words), and, if they chose invitations, the iTIP parts."""
    try:
        letter = writer.letter(digest)
        invitations = (
            writer.invitations(digest, sender.addr_spec)
            if digest.delegate.calendar == "invitations"
            else []
        )
    except InputError:
        raise
    except Exception as error:
        raise PluginError(
            f"plugin '{writer.plugin}' failed to write the digest of '{digest.delegate.id}': "
            f"{error!r}"
        ) from error
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = letter.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = ident
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = digest.delegate.language
    message.set_content(letter.text, cte="quoted-printable")
    message.add_alternative(letter.html, subtype="html", cte="quoted-printable")
    for index, invitation in enumerate(invitations):
        part = EmailMessage()
        part.set_content(
            invitation.calendar.decode("utf-8"),
            subtype="calendar",
            cte="base64",
            params={"method": invitation.method},
        )
        if index == 0:
            message.attach(part)
        else:
            name = f"{invitation.method.lower()}.ics"
            message.add_attachment(
                invitation.calendar.decode("utf-8"),
                subtype="calendar",
                cte="base64",
                params={"method": invitation.method},
                filename=name,
            )
    return message
