"""notify over TLS: ``smtps://`` (implicit TLS) and ``smtp://`` with ``--starttls``,
against aiosmtpd on loopback with a certificate made here (trusted through
``SSL_CERT_FILE``, which Python's default TLS context reads); an untrusted certificate
is one line of bad configuration, before anything is sent."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from icssi_itinerary.cli import cli
from test_notify import COORDINATOR, Handler, _free_port, _one_line, _site


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def tls(tmp_path: Path) -> Iterator[tuple[Path, ssl.SSLContext]]:
    folder = tmp_path / "tls"
    folder.mkdir()
    cert_file, key_file = _certificate(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    yield cert_file, context


@contextmanager
def _serving(**kwargs: Any) -> Iterator[tuple[Handler, int]]:
    """An aiosmtpd server on loopback with *kwargs* (its TLS settings), while in use."""
    handler, port = Handler(), _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _notify(site: Path, url: str, *args: str) -> Any:
    return CliRunner().invoke(
        cli, ["notify", str(site), "--smtp", url, "--from", COORDINATOR, *args]
    )


def test_smtps_sends_over_implicit_tls(
    tmp_path: Path, tls: tuple[Path, ssl.SSLContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    cert_file, context = tls
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    with _serving(ssl_context=context) as (handler, port):
        site = _site(tmp_path)
        result = _notify(site.out, f"smtps://127.0.0.1:{port}")
        assert result.exit_code == 0, result.output
        assert len(handler.messages) == len({d for d, _, _ in site.sent()}) > 0


def test_starttls_upgrades_before_anything_is_sent(
    tmp_path: Path, tls: tuple[Path, ssl.SSLContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    cert_file, context = tls
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    with _serving(tls_context=context, require_starttls=True) as (handler, port):
        site = _site(tmp_path)
        plain = _notify(site.out, f"smtp://127.0.0.1:{port}")  # the server insists on TLS
        line = _one_line(plain)
        assert line.startswith(f"Error: --smtp: 127.0.0.1:{port} refuses to send before TLS (530 ")
        assert line.endswith("; add --starttls")
        assert handler.messages == []
        result = _notify(site.out, f"smtp://127.0.0.1:{port}", "--starttls")
        assert result.exit_code == 0, result.output
        assert len(handler.messages) == len({d for d, _, _ in site.sent()}) > 0


def test_an_untrusted_certificate_is_one_line_and_nothing_is_sent(
    tmp_path: Path, tls: tuple[Path, ssl.SSLContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, context = tls
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with _serving(ssl_context=context) as (handler, port):
        site = _site(tmp_path)
        line = _one_line(_notify(site.out, f"smtps://127.0.0.1:{port}"))
        assert line.startswith(f"Error: --smtp: cannot reach 127.0.0.1:{port}")
        assert "CERTIFICATE_VERIFY_FAILED" in line
        assert handler.messages == [] and site.sent() == []


def test_smtps_with_starttls_is_refused(tmp_path: Path) -> None:
    site = _site(tmp_path)
    line = _one_line(_notify(site.out, "smtps://127.0.0.1:465", "--starttls"))
    assert line == "Error: --starttls: smtps:// is already TLS; use smtp:// with --starttls"
