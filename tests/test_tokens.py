"""Tokens and the secret they come from: the HMAC computed independently (hashlib,
base64), the secret file's size, mode and reuse, and damaged secrets refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import stat
from pathlib import Path

import pytest

from icssi_itinerary import Delegate, EventSelection, InputError
from icssi_itinerary.tokens import delegate_token, load_secret

EVERYTHING = EventSelection(everything=True)


def _oracle(secret: bytes, delegate_id: str, version: int) -> str:
    digest = hmac.new(secret, f"{delegate_id}\0{version}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode().lower()


def test_the_token_is_160_bits_of_the_hmac_of_id_and_version() -> None:
    secret = bytes(range(32))
    amal = Delegate("amal-karim", "Amal Karim", EVERYTHING)
    token = delegate_token(secret, amal)
    assert token == _oracle(secret, "amal-karim", 1)
    assert len(token) == 32 and set(token) <= set("abcdefghijklmnopqrstuvwxyz234567")
    again = Delegate("amal-karim", "Amal Karim", EVERYTHING, token_version=2)
    assert delegate_token(secret, again) == _oracle(secret, "amal-karim", 2) != token
    other = Delegate("amal-karima", "Amal Karima", EVERYTHING)
    assert delegate_token(secret, other) != token
    assert delegate_token(bytes(32), amal) != token


def test_the_secret_is_created_once_with_256_random_bits_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "site" / "private" / "secret.key"  # folders created as needed
    first = load_secret(path)
    assert len(first) == 32 and first != bytes(32)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.read_text(encoding="ascii") == first.hex() + "\n"
    assert load_secret(path) == first  # reused, not replaced
    assert load_secret(tmp_path / "other.key") != first


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"not hex at all\n", "not a secret written by icssi-itinerary"),
        ("é".encode(), "not a secret written by icssi-itinerary"),
        (b"00ff\n", "secret too short"),
        ((b"ab" * 15) + b"\n", "secret too short"),
    ],
)
def test_a_damaged_secret_is_refused(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "secret.key"
    path.write_bytes(content)
    with pytest.raises(InputError) as raised:
        load_secret(path)
    hint = "remove it to create a new one (this revokes every link)"
    assert str(raised.value) == f"{path}: {words}; {hint}"


def test_a_16_byte_secret_is_the_shortest_accepted(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    path.write_text("ab" * 16 + "\n", encoding="ascii")
    assert load_secret(path) == bytes.fromhex("ab" * 16)
