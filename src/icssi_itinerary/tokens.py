"""Secret per-delegate tokens for feed URLs, and the secret they are made with."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from .errors import InputError
from .model import Delegate

__all__ = ["delegate_token", "load_secret"]

SECRET_BYTES = 32
TOKEN_BYTES = 20
"""160 bits of the HMAC are kept: 32 characters of lower-case base32 (a-z, 2-7), safe in
URLs, on case-insensitive file systems and in shell commands."""


def load_secret(path: Path) -> bytes:
    """The secret in *path*, created (mode 0600, 256 random bits) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "w", encoding="ascii") as stream:
            stream.write(secrets.token_hex(SECRET_BYTES) + "\n")
    try:
        secret = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (ValueError, UnicodeDecodeError):
        raise InputError(
            "not a secret written by icssi-itinerary",
            source=str(path),
            hint="remove it to create a new one (this revokes every link)",
        ) from None
    if len(secret) < 16:
        raise InputError(
            "secret too short",
            source=str(path),
            hint="remove it to create a new one (this revokes every link)",
        )
    return secret


def delegate_token(secret: bytes, delegate: Delegate) -> str:
    """The delegate's URL token: HMAC-SHA256 of id and token version, URL-safe.

    Deterministic for the same secret; a new secret or a new ``token_version`` gives a
    new token, which revokes the old link.
    """
    message = f"{delegate.id}\x00{delegate.token_version}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()[:TOKEN_BYTES]
    return base64.b32encode(digest).decode("ascii").lower()
