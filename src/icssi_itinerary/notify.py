"""Telling each delegate what changed: the digests a publish kept, as e-mail, exactly once.

:func:`notify` reads the digests in the ledger that no message has told yet. With an
outbox it writes them as ``.eml`` files and records nothing; with a mail server it sends
them one by one, and records each in the ledger (per change, with the Message-ID) the
moment the server has accepted it, in its own transaction. A run stopped at any point
(a crash, a lost connection) is resumed by running it again: what was recorded is not
sent again. A message the server took but whose record the crash prevented is sent
again with the same Message-ID, which mail services show once.

Each message goes to the address the delegate has in the last publish's ``links.csv``;
a delegate no longer on the roster is not written to.
"""

from __future__ import annotations

import csv
import smtplib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

from .digest_records import change_key, digest_from_json
from .digests import Digest, DigestWriter
from .errors import InputError
from .files import write_atomic
from .ledger import Ledger
from .mail import compose, message_id, parse_address, wire_bytes
from .plugins import get_digest_writer
from .publishing import LEDGER, private_folder, settle, site_lock
from .smtp import SmtpSettings, connect

__all__ = ["NotifyResult", "Outcome", "notify"]


@dataclass(frozen=True)
class Outcome:
    """What became of one message."""

    delegate: str
    message_id: str | None
    problem: str | None = None
    """Why it was not sent (``None``: it was sent, or written to the outbox)."""
    path: Path | None = None
    """The outbox file, when writing one."""


@dataclass
class NotifyResult:
    """Every message of a run, in order."""

    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        """The messages not sent."""
        return [outcome for outcome in self.outcomes if outcome.problem is not None]


@dataclass(frozen=True)
class _Pending:
    publish: str
    digest: Digest
    recipient: Address | None
    problem: str | None


def _roster_addresses(private: Path) -> dict[str, str]:
    """Delegate id → e-mail address (blank if none), from the last publish's links.csv."""
    path = private / "links.csv"
    try:
        with path.open(encoding="utf-8", newline="") as stream:
            return {row["id"]: row["email"].removeprefix("'") for row in csv.DictReader(stream)}
    except (OSError, KeyError, UnicodeDecodeError, csv.Error) as error:
        raise InputError(
            f"cannot be read ({error})", source=str(path), hint="publish the site again"
        ) from None


def _pending(ledger: Ledger, addresses: dict[str, str], only: set[str]) -> list[_Pending]:
    found = []
    for publish, delegate, text in ledger.unsent():
        if only and delegate not in only:
            continue
        try:
            digest = digest_from_json(text)
        except (ValueError, KeyError, TypeError) as error:
            raise InputError(
                f"holds an unreadable digest ({error})",
                source=str(ledger.path),
                hint="use the icssi-itinerary version that published it, or a newer one",
            ) from None
        if delegate not in addresses:
            continue  # left the roster since: their links are gone too
        email = addresses[delegate]
        person = replace(digest.delegate, email=email or None)
        digest = replace(digest, delegate=person)
        recipient, problem = None, None
        if not email:
            problem = "no e-mail address in the roster"
        else:
            try:
                recipient = parse_address(f"{person.name} <{email}>", "email")
            except InputError:
                problem = f"bad e-mail address {email!r} in the roster"
        found.append(_Pending(publish, digest, recipient, problem))
    return found


def _outbox_name(pending: _Pending, counts: dict[str, int]) -> str:
    delegate = pending.digest.delegate.id
    counts[delegate] = counts.get(delegate, 0) + 1
    return f"{delegate}.eml" if counts[delegate] == 1 else f"{delegate}-{counts[delegate]}.eml"


def notify(
    site: Path,
    sender: str,
    *,
    outbox: Path | None = None,
    smtp: SmtpSettings | None = None,
    only: Sequence[str] = (),
    rate: float | None = None,
    secret_file: Path | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    progress: Callable[[Outcome], None] | None = None,
) -> NotifyResult:
    """Write to *outbox*, or send through *smtp*, a message per untold digest of the
    site published at *site*; *only* picks delegates by id, *rate* caps messages per
    minute. Bad configuration is an :class:`InputError` before anything is sent."""
    if (outbox is None) == (smtp is None):
        raise InputError("give either an outbox or a mail server", field="--outbox/--smtp")
    if rate is not None and rate <= 0:
        raise InputError(f"{rate} is not a rate", field="--rate", hint="give messages per minute")
    from_address = parse_address(sender, "--from")
    site = site.absolute()
    if not site.is_symlink():
        raise InputError(
            "is not a site published by icssi-itinerary",
            source=str(site),
            hint="give the folder publish --out wrote",
        )
    private = private_folder(site, secret_file)
    result = NotifyResult()
    with site_lock(private):
        settle(site, private)
        addresses = _roster_addresses(private)
        unknown = sorted(set(only) - set(addresses))
        if unknown:
            raise InputError(
                f"no delegate '{unknown[0]}' in the last publish",
                field="--only",
                hint="give delegate ids from the roster",
            )
        ledger = Ledger.in_place(private / LEDGER)
        try:
            todo = _pending(ledger, addresses, set(only))
            writer = get_digest_writer()
            server = connect(smtp, from_address.addr_spec) if smtp else None
            counts: dict[str, int] = {}
            waited = False
            for pending in todo:
                if rate and server is not None and pending.recipient is not None:
                    if waited:
                        time.sleep(60.0 / rate)
                    waited = True
                args = (writer, from_address, now(), ledger, outbox)
                try:
                    outcome = _one(pending, *args, server, counts)
                except smtplib.SMTPServerDisconnected:
                    assert smtp is not None and server is not None
                    server.close()  # it hung up (idle too long): once more, on a new line
                    server = connect(smtp, from_address.addr_spec)
                    outcome = _one(pending, *args, server, counts)
                result.outcomes.append(outcome)
                if progress is not None:
                    progress(outcome)
            if server is not None:
                _quit(server)
        finally:
            ledger.close()
    return result


def _one(pending: _Pending, writer: DigestWriter, sender: Address, moment: datetime, ledger: Ledger,
         outbox: Path | None, server: smtplib.SMTP | None, counts: dict[str, int],
         ) -> Outcome:  # fmt: skip
    delegate = pending.digest.delegate.id
    if pending.recipient is None:
        return Outcome(delegate, None, pending.problem)
    ident = message_id(pending.publish, delegate, sender)
    message = compose(pending.digest, writer, sender, pending.recipient, ident, moment)
    if outbox is not None:
        path = outbox / _outbox_name(pending, counts)
        write_atomic(path, wire_bytes(message), mode=0o600)
        return Outcome(delegate, ident, None, path)
    assert server is not None
    problem = _send(server, message, sender, pending.recipient)
    if problem is None:
        keys = [change_key(change) for change in pending.digest.changes]
        ledger.record_sent(pending.publish, delegate, keys, ident, moment)
    return Outcome(delegate, ident, problem)


def _send(server: smtplib.SMTP, message: EmailMessage, sender: Address, to: Address) -> str | None:
    """``None`` once the server has taken *message*; what it said if it refused it. A
    lost connection is not one delegate's problem: it stops the run (run it again)."""
    try:
        server.sendmail(sender.addr_spec, [to.addr_spec], wire_bytes(message))
    except smtplib.SMTPRecipientsRefused as error:
        code, reply = next(iter(error.recipients.values()))
        return f"{to.addr_spec} refused: {code} {_text(reply)}"
    except smtplib.SMTPDataError as error:
        if error.smtp_code == 421:  # the server is closing the line: not this message's fault
            raise smtplib.SMTPServerDisconnected(_text(error.smtp_error)) from error
        return f"message refused: {error.smtp_code} {_text(error.smtp_error)}"
    except smtplib.SMTPSenderRefused as error:
        return f"sender refused: {error.smtp_code} {_text(error.smtp_error)}"
    except smtplib.SMTPServerDisconnected as error:
        raise smtplib.SMTPServerDisconnected(
            f"the mail server closed the connection ({error}); run notify again to send the rest"
        ) from error
    return None


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _quit(server: smtplib.SMTP) -> None:
    try:
        server.quit()
    except (OSError, smtplib.SMTPException):
        server.close()
