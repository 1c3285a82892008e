"""The mail server notify sends through: its URL, its password, and a connection checked
before the first message (a wrong URL, an unreachable host, a refused login or sender
is one line of bad input, and nothing is sent).

``smtp://[user@]host[:port]`` is plain SMTP (port 25; ``starttls`` upgrades it, usually
on port 587); ``smtps://`` is implicit TLS (port 465). The password is never in the URL:
it comes from ``ICSSI_ITINERARY_SMTP_PASSWORD`` or a file.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

__all__ = ["PASSWORD_VARIABLE", "SmtpSettings", "connect", "smtp_settings"]

PASSWORD_VARIABLE = "ICSSI_ITINERARY_SMTP_PASSWORD"
"""The environment variable the SMTP password is read from."""
TIMEOUT = 30.0
"""Seconds to wait for the server at any step."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send (the password is not shown in ``repr``)."""

    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    user: str | None
    password: str | None = None

    def __repr__(self) -> str:
        return f"SmtpSettings({self.host!r}, {self.port}, user={self.user!r})"


def _refuse(what: str, hint: str) -> InputError:
    return InputError(what, field="--smtp", hint=hint)


def smtp_settings(
    url: str, *, starttls: bool = False, password_file: Path | None = None
) -> SmtpSettings:
    """The settings *url* gives, with the password from *password_file* or the
    environment where it names a user."""
    hint = "give smtp://user@host:587 (with --starttls) or smtps://user@host:465"
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise _refuse(f"{url!r} is not an SMTP URL", hint) from None
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise _refuse(f"{url!r} is not an SMTP URL", hint)
    if parts.password is not None:
        raise _refuse(
            "the URL holds a password, which the command line must never carry",
            f"remove it; set {PASSWORD_VARIABLE} or give --password-file",
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise _refuse(f"{url!r} has a path, query or fragment", hint)
    implicit = parts.scheme == "smtps"
    if implicit and starttls:
        raise InputError(
            "smtps:// is already TLS", field="--starttls", hint="use smtp:// with --starttls"
        )
    user = urllib.parse.unquote(parts.username) if parts.username else None
    password = None
    if password_file is not None:
        try:
            password = password_file.read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(
                f"cannot be read ({error})", source=str(password_file), field="--password-file",
                hint="give a file holding the password alone",
            ) from None  # fmt: skip
    elif PASSWORD_VARIABLE in os.environ:
        password = os.environ[PASSWORD_VARIABLE]
    if user is not None and not password:
        raise _refuse(
            f"no password for {user}",
            f"set {PASSWORD_VARIABLE} or give --password-file",
        )
    default = 465 if implicit else (587 if starttls else 25)
    return SmtpSettings(parts.hostname, port or default, implicit, starttls, user, password)


def connect(settings: SmtpSettings, sender: str) -> smtplib.SMTP:
    """A connection, logged in, whose server accepts *sender*: every way the settings
    can be wrong is found here, before any message is sent."""
    where = f"{settings.host}:{settings.port}"
    context = ssl.create_default_context()
    try:
        if settings.implicit_tls:
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=TIMEOUT, context=context
            )
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT)
    except (OSError, smtplib.SMTPException) as error:
        raise _refuse(
            f"cannot reach {where} ({error})", "check the host, port and scheme"
        ) from None
    try:
        server.ehlo()
        if settings.starttls:
            server.starttls(context=context)
            server.ehlo()
        if settings.user is not None:
            server.login(settings.user, settings.password or "")
        code, reply = server.mail(sender)
        if code >= 400:
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        server.rset()
    except smtplib.SMTPAuthenticationError as error:
        server.close()
        raise _refuse(
            f"{where} refused the login of {settings.user} ({error.smtp_code})",
            f"check the user name and {PASSWORD_VARIABLE} or --password-file",
        ) from None
    except smtplib.SMTPSenderRefused as error:
        server.close()
        if error.smtp_code == 530:  # RFC 3207/4954: TLS or a login first
            tls = "starttls" in _text(error.smtp_error).lower() and not settings.starttls
            raise _refuse(
                f"{where} refuses to send before "
                f"{'TLS' if tls else 'a login'} ({error.smtp_code} {_text(error.smtp_error)})",
                "add --starttls" if tls else "give the user in the URL, smtp://user@host",
            ) from None
        raise InputError(
            f"{where} refuses to send from {sender} ({error.smtp_code} {_text(error.smtp_error)})",
            field="--from",
            hint="use an address the server lets this account send from",
        ) from None
    except (OSError, smtplib.SMTPException) as error:
        server.close()
        raise _refuse(f"{where}: {error}", "check the scheme, --starttls and the port") from None
    return server


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
