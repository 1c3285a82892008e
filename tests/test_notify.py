"""notify against a real SMTP server: aiosmtpd on loopback, started by each test.

What arrived is read back with the standard library's e-mail parser; the calendar parts
are parsed by icalendar and by ``ical`` and compared with the delegate's published feed
(icalendar); who should hear of a change comes from the roster CSV read with the csv
module and the programme TOML; the Arabic words from the catalogue read by Babel.
"""

from __future__ import annotations

import asyncio
import csv
import email
import email.policy
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import icalendar
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from babel.messages.pofile import read_po
from click.testing import CliRunner, Result
from ical.calendar_stream import IcsCalendarStream
from icalendar.cal import Component

from conftest import ROOT, SAMPLE_ROSTER, sequence_of
from icssi_itinerary import Programme, load_programme, load_roster
from icssi_itinerary.cli import cli
from icssi_itinerary.plugins import get_exporters
from icssi_itinerary.publishing import publish
from test_publish import BASE_URL, BUNDLED, GENEVA, T1, T2, _programme_with

COORDINATOR = "ICSSI coordinator <coordinator@example.org>"
INVITED = {"amal-karim", "mustafa-hussein"}
"""Delegates given ``calendar = invitations`` (one reads Arabic, one English)."""
PO = ROOT / "plugins" / "icssi_itinerary_plugins" / "locale" / "ar" / "LC_MESSAGES"


# --- a real SMTP server ----------------------------------------------------------------


@dataclass
class Handler:
    """Keeps what it accepts; refuses recipients in ``refused`` with a 550."""

    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    hang_up_at: int | None = None
    """Refuse the message after this many once with a 421 (the server hangs up)."""
    hold_at: int | None = None
    """Hold the message after this many, until ``released``; then refuse it."""
    holding: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        if self.hang_up_at is not None and len(self.messages) == self.hang_up_at:
            self.hang_up_at = None
            return "421 4.4.2 closing the connection: idle too long"
        if self.hold_at is not None and len(self.messages) == self.hold_at:
            self.hold_at = None
            self.holding.set()  # the client now waits for our reply to its message
            await asyncio.get_running_loop().run_in_executor(None, self.released.wait)
            return "451 4.3.0 not kept: try again later"
        with self.lock:
            self.messages.append((str(envelope.mail_from), list(envelope.rcpt_tos), content))
        return "250 OK"

    def parsed(self) -> list[EmailMessage]:
        with self.lock:
            raw = [content for _, _, content in self.messages]
        return [email.message_from_bytes(data, policy=email.policy.default) for data in raw]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _authenticate(server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                  data: Any) -> AuthResult:  # fmt: skip
    good = isinstance(data, LoginPassword) and (data.login, data.password) == (b"coord", b"right")
    return AuthResult(success=good, handled=False)


@pytest.fixture
def smtp() -> Iterator[tuple[Handler, int]]:
    handler = Handler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def smtp_auth() -> Iterator[tuple[Handler, int]]:
    handler = Handler()
    port = _free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, authenticator=_authenticate,
        auth_require_tls=False,
    )  # fmt: skip
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


# --- a published site --------------------------------------------------------------------


def _roster_folder(tmp_path: Path) -> Path:
    """The sample roster, with ``calendar = invitations`` for :data:`INVITED`."""
    folder = tmp_path / "roster"
    shutil.copytree(SAMPLE_ROSTER.parent, folder)
    with SAMPLE_ROSTER.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    rows[0].append("calendar")
    for row in rows[1:]:
        row.append("invitations" if row[0] in INVITED else "")
    with (folder / "roster.csv").open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(rows)
    return folder / "roster.csv"


MOVED = (
    "start = 2014-11-03T10:00:00\nend = 2014-11-03T12:00:00",
    "start = 2014-11-03T11:00:00\nend = 2014-11-03T13:00:00",
)
"""The Geneva session moved from 10:00 to 11:00 (Geneva time, CET: 09:00 → 10:00 UTC)."""


@dataclass(frozen=True)
class Site:
    out: Path
    roster: Path
    tmp: Path

    @property
    def private(self) -> Path:
        return self.out.parent / f"{self.out.name}.private"

    def publish(self, programme: Programme, now: datetime) -> None:
        exporters = [get_exporters()[name] for name in ("ical", "html")]
        people = load_roster(self.roster, programme)
        publish(programme, people, exporters, self.out, BASE_URL, now=now)

    def rows(self) -> dict[str, dict[str, str]]:
        with (self.private / "links.csv").open(encoding="utf-8") as stream:
            return {row["id"]: row for row in csv.DictReader(stream)}

    def sent(self) -> list[tuple[str, str, str]]:
        with sqlite3.connect(self.private / "ledger.sqlite") as connection:
            rows = connection.execute("select delegate, change, message_id from sent")
            return [(str(a), str(b), str(c)) for a, b, c in rows]


def _site(tmp_path: Path) -> Site:
    site = Site(tmp_path / "site", _roster_folder(tmp_path), tmp_path)
    site.publish(load_programme(BUNDLED), T1)
    return site


def _moved_site(tmp_path: Path, handler: Handler, port: int) -> Site:
    """Published, told of the first publish, then published again with Geneva moved."""
    site = _site(tmp_path)
    assert send(site, port).exit_code == 0
    handler.messages.clear()
    site.publish(_programme_with(tmp_path, *MOVED), T2)
    return site


def send(site: Site, port: int, *args: str) -> Result:
    return CliRunner().invoke(
        cli,
        ["notify", str(site.out), "--smtp", f"smtp://127.0.0.1:{port}", "--from", COORDINATOR,
         *args],
    )  # fmt: skip


def _attendees_of(event_id: str) -> set[str]:
    """Who attends *event_id*, from the roster's events column and the programme TOML
    (``*``: every top-level event and what is nested under it; ``-id`` drops one)."""
    import tomllib

    events = tomllib.loads(BUNDLED.read_text(encoding="utf-8"))["events"]
    parents = {event["id"]: event.get("parent") for event in events}

    def lineage(eid: str) -> list[str]:
        chain = [eid]
        while parents.get(chain[-1]):
            chain.append(str(parents[chain[-1]]))
        return chain

    who = set()
    with SAMPLE_ROSTER.open(encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            entries = row["events"].split(";")
            listed = {e for e in entries if not e.startswith("-")}
            dropped = {e[1:] for e in entries if e.startswith("-")}
            chain = lineage(event_id)
            if ("*" in listed or listed & set(chain)) and not dropped & set(chain):
                who.add(row["id"])
    return who


def _calendar_parts(message: EmailMessage) -> list[EmailMessage]:
    return [part for part in message.walk() if part.get_content_type() == "text/calendar"]


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")


def _feed_vevent(site: Site, delegate: str, uid: str) -> Component:
    token = site.rows()[delegate]["feed_url"].split("/")[-2]
    feed = icalendar.Calendar.from_ical((site.out / token / "itinerary.ics").read_bytes())
    return next(e for e in feed.walk("VEVENT") if str(e["UID"]) == uid)


# --- the messages ------------------------------------------------------------------------


def test_a_move_reaches_exactly_those_who_hold_the_event(tmp_path: Path, smtp: Any) -> None:
    handler, port = smtp
    site = _moved_site(tmp_path, handler, port)
    result = send(site, port)
    assert result.exit_code == 0, result.output
    holders = _attendees_of(GENEVA)
    rows = site.rows()
    recipients = [rcpt for _, rcpts, _ in handler.messages for rcpt in rcpts]
    assert sorted(recipients) == sorted(rows[who]["email"] for who in holders)
    for message in handler.parsed():
        assert message["From"] == COORDINATOR
        assert message["Auto-Submitted"] == "auto-generated"
        assert message.get_content_type() == "multipart/alternative"
        parts = [part.get_content_type() for part in message.iter_parts()]
        delegate = next(d for d in holders if rows[d]["email"] in str(message["To"]))
        expected = ["text/plain", "text/html"] + ["text/calendar"] * (delegate in INVITED)
        assert parts == expected
        text = _text(message)
        assert rows[delegate]["page_url"] in text
        for link in ("feed_url", "webcal_url"):  # never both a feed and invitations
            assert (rows[delegate][link] in text) == (delegate not in INVITED)
    told = {(delegate, change) for delegate, change, _ in site.sent()}
    uid = f"{GENEVA}@icssi-2014.icssi-itinerary"
    assert {(who, f"moved:{uid}") for who in holders} <= told


def test_the_message_id_sent_is_the_one_recorded(tmp_path: Path, smtp: Any) -> None:
    handler, port = smtp
    site = _moved_site(tmp_path, handler, port)
    assert send(site, port).exit_code == 0
    recorded = {(d, m) for d, c, m in site.sent() if c.startswith("moved:")}
    rows = site.rows()
    arrived = set()
    for message in handler.parsed():
        delegate = next(
            d for d in rows if rows[d]["email"] and rows[d]["email"] in str(message["To"])
        )
        arrived.add((delegate, str(message["Message-ID"])))
    assert arrived == recorded


def _invitation(handler: Handler, address: str) -> tuple[EmailMessage, str]:
    message = next(m for m in handler.parsed() if address in str(m["To"]))
    (part,) = _calendar_parts(message)
    return part, part.get_content()


@pytest.mark.parametrize("delegate", sorted(INVITED))
def test_the_invitation_updates_the_feeds_event(tmp_path: Path, smtp: Any, delegate: str) -> None:
    handler, port = smtp
    site = _moved_site(tmp_path, handler, port)
    assert send(site, port).exit_code == 0
    address = site.rows()[delegate]["email"]
    part, text = _invitation(handler, address)
    assert part.get_param("method") == "REQUEST"
    uid = f"{GENEVA}@icssi-2014.icssi-itinerary"
    feed_event = _feed_vevent(site, delegate, uid)

    calendar = icalendar.Calendar.from_ical(text)
    assert str(calendar["METHOD"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == uid
    assert sequence_of(event) == sequence_of(feed_event) == 1
    assert str(event["ORGANIZER"]) == "mailto:coordinator@example.org"
    assert str(event["ATTENDEE"]) == f"mailto:{address}"
    start = event.decoded("DTSTART")
    assert isinstance(start, datetime) and start == feed_event.decoded("DTSTART")
    assert start.astimezone(UTC) == datetime(2014, 11, 3, 10, 0, tzinfo=UTC)

    other = IcsCalendarStream.calendar_from_ics(text)
    assert other.method == "REQUEST"
    (parsed,) = other.events
    assert (parsed.uid, parsed.sequence) == (uid, 1)
    assert parsed.organizer is not None and parsed.organizer.uri == "mailto:coordinator@example.org"
    assert [a.uri for a in parsed.attendees] == [f"mailto:{address}"]
    assert isinstance(parsed.dtstart, datetime)
    assert parsed.dtstart.astimezone(UTC) == datetime(2014, 11, 3, 10, 0, tzinfo=UTC)


def test_a_removed_event_is_cancelled_with_the_feeds_sequence(tmp_path: Path, smtp: Any) -> None:
    import re

    handler, port = smtp
    site = _site(tmp_path)
    assert send(site, port).exit_code == 0
    handler.messages.clear()
    text = BUNDLED.read_text(encoding="utf-8")
    block = re.search(r'\[\[events\]\]\nid = "icssi-geneva-session"\n.*?\n\n', text, re.S)
    assert block is not None
    site.publish(_programme_with(tmp_path, block.group(0), ""), T2)
    assert send(site, port).exit_code == 0
    uid = f"{GENEVA}@icssi-2014.icssi-itinerary"
    for delegate in INVITED:
        part, body = _invitation(handler, site.rows()[delegate]["email"])
        assert part.get_param("method") == "CANCEL"
        calendar = icalendar.Calendar.from_ical(body)
        assert str(calendar["METHOD"]) == "CANCEL"
        (event,) = calendar.walk("VEVENT")
        assert str(event["STATUS"]) == "CANCELLED"
        assert sequence_of(event) == sequence_of(_feed_vevent(site, delegate, uid))
        assert IcsCalendarStream.calendar_from_ics(body).method == "CANCEL"


def test_the_first_message_invites_to_every_item(tmp_path: Path, smtp: Any) -> None:
    handler, port = smtp
    site = _site(tmp_path)
    assert send(site, port).exit_code == 0
    for delegate in INVITED:
        token = site.rows()[delegate]["feed_url"].split("/")[-2]
        feed = icalendar.Calendar.from_ical((site.out / token / "itinerary.ics").read_bytes())
        _, body = _invitation(handler, site.rows()[delegate]["email"])
        invited = icalendar.Calendar.from_ical(body)
        assert {str(e["UID"]) for e in invited.walk("VEVENT")} == {
            str(e["UID"]) for e in feed.walk("VEVENT")
        }


def _catalogue() -> dict[str, str]:
    with (PO / "icssi_itinerary_plugins.po").open("rb") as stream:
        catalogue = read_po(stream)
    return {str(m.id): str(m.string) for m in catalogue if m.id and isinstance(m.id, str)}


def test_the_digest_reads_in_english_and_in_arabic(tmp_path: Path, smtp: Any) -> None:
    handler, port = smtp
    site = _moved_site(tmp_path, handler, port)
    assert send(site, port).exit_code == 0
    rows = site.rows()
    english = _text(
        next(m for m in handler.parsed() if rows["mustafa-hussein"]["email"] in str(m["To"]))
    )
    assert "Dear Mustafa Hussein," in english
    assert "* Moved: ICSSI session at the Palais des Nations\n" in english
    before, after = english.split("Before:")[1].split("Now:")
    assert "10:00" in before and "11:00" not in before and "11:00" in after
    assert "Monday, November 3, 2014" in before and "Geneva time" in after

    words = _catalogue()
    arabic = _text(next(m for m in handler.parsed() if rows["amal-karim"]["email"] in str(m["To"])))
    for message in ("Moved", "Before", "Now"):
        assert words[message] and f"{words[message]}:" in arabic
    assert words["Dear %(name)s,"].replace("%(name)s", "Amal Karim") in arabic
    assert "Moved" not in arabic and "Before" not in arabic
    subject = next(m for m in handler.parsed() if rows["amal-karim"]["email"] in str(m["To"]))[
        "Subject"
    ]
    assert (
        words["%(programme)s: changes to your itinerary"].split("%(programme)s")[-1].strip()
        in subject
    )


def test_no_message_holds_another_delegates_data(tmp_path: Path, smtp: Any) -> None:
    handler, port = smtp
    site = _site(tmp_path)  # the first publish: every item, legs and stays included
    assert send(site, port).exit_code == 0
    rows = site.rows()
    with (SAMPLE_ROSTER.parent / "legs.csv").open(encoding="utf-8") as stream:
        legs = list(csv.DictReader(stream))
    private = {
        who: {row["email"], row["name"], row["feed_url"].split("/")[-2]}
        | {leg["reference"] for leg in legs if leg["delegate"] == who and leg["reference"]}
        for who, row in rows.items()
    }
    assert len(handler.messages) == sum(1 for row in rows.values() if row["email"])
    for _, (recipient,), raw in handler.messages:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        whole = "\n".join(
            str(part.get_content()) for part in message.walk() if not part.is_multipart()
        ) + str(message["To"])
        owner = next(who for who, row in rows.items() if row["email"] == recipient)
        for who, facts in private.items():
            shared = facts & private[owner]
            leaked = {fact for fact in facts - shared if fact and fact in whole}
            assert who == owner or not leaked, (owner, who, leaked)


# --- exactly once -------------------------------------------------------------------------


def test_notify_twice_sends_nothing_new(tmp_path: Path, smtp: Any) -> None:
    handler, port = smtp
    site = _moved_site(tmp_path, handler, port)
    assert send(site, port).exit_code == 0
    count, recorded = len(handler.messages), site.sent()
    again = send(site, port)
    assert again.exit_code == 0
    assert len(handler.messages) == count > 0
    assert site.sent() == recorded
    assert "Nothing to tell" in again.output


def test_an_address_refused_with_550_lets_the_others_through(tmp_path: Path, smtp: Any) -> None:
    handler, port = smtp
    site = _site(tmp_path)
    rows = site.rows()
    refused = rows["zainab-ali"]["email"]
    handler.refused.add(refused)
    result = send(site, port)
    assert result.exit_code == 1
    assert "zainab-ali: not sent: " in result.output and "550" in result.output
    others = sorted(
        row["email"] for who, row in rows.items() if row["email"] and who != "zainab-ali"
    )
    assert sorted(r for _, rcpts, _ in handler.messages for r in rcpts) == others
    assert "zainab-ali" not in {delegate for delegate, _, _ in site.sent()}
    handler.refused.clear()
    assert send(site, port).exit_code == 0  # the mailbox is back: only hers goes now
    assert [r for _, rcpts, _ in handler.messages for r in rcpts].count(refused) == 1
    assert len(handler.messages) == len(others) + 1


def test_a_server_that_hangs_up_part_way_is_called_again(tmp_path: Path, smtp: Any) -> None:
    handler, port = smtp
    site = _site(tmp_path)
    handler.hang_up_at = 3
    result = send(site, port)
    assert result.exit_code == 0, result.output
    recipients = sorted(r for _, rcpts, _ in handler.messages for r in rcpts)
    assert recipients == sorted(row["email"] for row in site.rows().values() if row["email"])


def test_only_picks_delegates_and_leaves_the_rest_for_later(tmp_path: Path, smtp: Any) -> None:
    handler, port = smtp
    site = _site(tmp_path)
    rows = site.rows()
    assert send(site, port, "--only", "amal-karim", "--only", "pieter-claes").exit_code == 0
    assert sorted(r for _, rcpts, _ in handler.messages for r in rcpts) == sorted(
        [rows["amal-karim"]["email"], rows["pieter-claes"]["email"]]
    )
    assert send(site, port).exit_code == 0
    recipients = [r for _, rcpts, _ in handler.messages for r in rcpts]
    assert sorted(recipients) == sorted(row["email"] for row in rows.values() if row["email"])
    unknown = send(site, port, "--only", "nobody")
    assert unknown.exit_code == 2 and "--only: no delegate 'nobody'" in unknown.output


def test_killed_part_way_then_run_again_sends_each_message_once(tmp_path: Path, smtp: Any) -> None:
    handler, port = smtp
    site = _site(tmp_path)
    command = [
        sys.executable, "-m", "icssi_itinerary", "notify", str(site.out),
        "--smtp", f"smtp://127.0.0.1:{port}", "--from", COORDINATOR, "--rate", "6",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # The first message sent and recorded: notify now waits 10 s (--rate 6) before
        # the next one, and is killed in that wait.
        deadline = time.monotonic() + 60
        while len({delegate for delegate, _, _ in site.sent()}) < 1:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "notify sent nothing"
            time.sleep(0.02)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert len(handler.messages) == 1
    delivered = len(handler.messages)
    rows = site.rows()
    expected = sorted(row["email"] for row in rows.values() if row["email"])
    assert delivered < len(expected)  # stopped part-way
    result = send(site, port)
    assert result.exit_code == 0, result.output
    recipients = sorted(r for _, rcpts, _ in handler.messages for r in rcpts)
    assert recipients == expected  # each once: none lost, none twice
    assert sorted({d for d, _, _ in site.sent()}) == sorted(
        w for w, r in rows.items() if r["email"]
    )


def test_killed_while_the_server_holds_a_message_then_run_again_loses_nothing(
    tmp_path: Path, smtp: Any
) -> None:
    handler, port = smtp
    site = _site(tmp_path)
    handler.hold_at = 2
    command = [
        sys.executable, "-m", "icssi_itinerary", "notify", str(site.out),
        "--smtp", f"smtp://127.0.0.1:{port}", "--from", COORDINATOR,
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert handler.holding.wait(60), process.communicate()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
        handler.released.set()
    assert len(handler.messages) == 2 == len({delegate for delegate, _, _ in site.sent()})
    rows = site.rows()
    result = send(site, port)
    assert result.exit_code == 0, result.output
    recipients = sorted(r for _, rcpts, _ in handler.messages for r in rcpts)
    assert recipients == sorted(row["email"] for row in rows.values() if row["email"])


# --- the outbox ----------------------------------------------------------------------------


def test_the_outbox_holds_the_messages_and_nothing_is_recorded(tmp_path: Path, smtp: Any) -> None:
    handler, port = smtp
    site = _site(tmp_path)
    outbox = tmp_path / "outbox"
    result = CliRunner().invoke(
        cli, ["notify", str(site.out), "--outbox", str(outbox), "--from", COORDINATOR]
    )
    assert result.exit_code == 0, result.output
    rows = site.rows()
    assert sorted(p.name for p in outbox.iterdir()) == sorted(
        f"{who}.eml" for who, row in rows.items() if row["email"]
    )
    assert site.sent() == [] and handler.messages == []
    saved = email.message_from_bytes(
        (outbox / "amal-karim.eml").read_bytes(), policy=email.policy.default
    )
    assert rows["amal-karim"]["email"] in str(saved["To"])
    assert [p.get_param("method") for p in _calendar_parts(saved)] == ["REQUEST"]
    assert send(site, port).exit_code == 0  # then sent: the same Message-IDs
    sent_ids = {str(m["Message-ID"]) for m in handler.parsed()}
    assert str(saved["Message-ID"]) in sent_ids


# --- bad configuration ------------------------------------------------------------------


def _one_line(result: Result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://127.0.0.1:{port}", "is not an SMTP URL"),
        ("smtp://", "is not an SMTP URL"),
        ("smtp://coord:secret@127.0.0.1:{port}", "holds a password"),
        ("smtp://127.0.0.1:{closed}", "cannot reach 127.0.0.1:"),
        ("smtp://coord@127.0.0.1:{port}", "no password for coord"),
    ],
)
def test_bad_configuration_is_one_line_before_anything_is_sent(
    tmp_path: Path, smtp: Any, url: str, words: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler, port = smtp
    monkeypatch.delenv("ICSSI_ITINERARY_SMTP_PASSWORD", raising=False)
    site = _site(tmp_path)
    given = url.format(port=port, closed=_free_port())
    result = CliRunner().invoke(
        cli, ["notify", str(site.out), "--smtp", given, "--from", COORDINATOR]
    )
    line = _one_line(result)
    assert line.startswith("Error: --smtp: ") and words in line
    assert "secret" not in line
    assert handler.messages == [] and site.sent() == []


def test_a_refused_login_is_one_line_and_a_good_one_sends(
    tmp_path: Path, smtp_auth: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler, port = smtp_auth
    site = _site(tmp_path)
    url = f"smtp://coord@127.0.0.1:{port}"
    monkeypatch.setenv("ICSSI_ITINERARY_SMTP_PASSWORD", "wrong")
    result = CliRunner().invoke(
        cli, ["notify", str(site.out), "--smtp", url, "--from", COORDINATOR]
    )
    assert "refused the login of coord" in _one_line(result)
    assert handler.messages == [] and site.sent() == []
    monkeypatch.delenv("ICSSI_ITINERARY_SMTP_PASSWORD")
    secret = tmp_path / "password"
    secret.write_text("right\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "notify",
            str(site.out),
            "--smtp",
            url,
            "--from",
            COORDINATOR,
            "--password-file",
            str(secret),
        ],
    )
    assert result.exit_code == 0, result.output
    assert len(handler.messages) == len({d for d, _, _ in site.sent()}) > 0


def test_a_bad_from_address_is_one_line(tmp_path: Path, smtp: Any) -> None:
    handler, port = smtp
    site = _site(tmp_path)
    result = CliRunner().invoke(
        cli,
        ["notify", str(site.out), "--smtp", f"smtp://127.0.0.1:{port}", "--from", "coordinator"],
    )
    assert _one_line(result).startswith("Error: --from: 'coordinator' is not an e-mail address")
    assert handler.messages == []


def test_a_folder_that_is_not_a_site_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["notify", str(tmp_path), "--outbox", str(tmp_path / "o"), "--from", COORDINATOR]
    )
    assert "is not a site published by icssi-itinerary" in _one_line(result)


def test_the_password_never_reaches_the_output(tmp_path: Path, smtp_auth: Any) -> None:
    _, port = smtp_auth
    site = _site(tmp_path)
    env = {**os.environ, "ICSSI_ITINERARY_SMTP_PASSWORD": "wrong-horse"}
    command = [
        sys.executable, "-m", "icssi_itinerary", "notify", str(site.out),
        "--smtp", f"smtp://coord@127.0.0.1:{port}", "--from", COORDINATOR,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 2
    assert "wrong-horse" not in done.stdout + done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_notify_waits_for_no_publish_it_is_refused_while_one_runs(
    tmp_path: Path, smtp: Any
) -> None:
    from icssi_itinerary.publishing import site_lock

    handler, port = smtp
    site = _site(tmp_path)
    with site_lock(site.private):
        line = _one_line(send(site, port))
    assert line == (
        f"Error: {site.private}: another publish or notify of this site is running; "
        "wait for it to finish, then run this again"
    )
    assert handler.messages == [] and site.sent() == []


def test_a_delegate_without_an_address_is_named_and_the_others_get_theirs(
    tmp_path: Path, smtp: Any
) -> None:
    handler, port = smtp
    site = Site(tmp_path / "site", _roster_folder(tmp_path), tmp_path)
    with site.roster.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    email_column = rows[0].index("email")
    silent = next(row for row in rows[1:] if row[0] == "pieter-claes")
    silent[email_column] = ""
    with site.roster.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(rows)
    site.publish(load_programme(BUNDLED), T1)
    result = send(site, port)
    assert result.exit_code == 1
    assert "pieter-claes: not sent: no e-mail address in the roster" in result.output
    assert len(handler.messages) == len(rows) - 2  # every delegate but him
    assert "pieter-claes" not in {delegate for delegate, _, _ in site.sent()}


def test_stale_writes_only_to_those_whose_calendar_has_not_seen_the_change(
    tmp_path: Path, smtp: Any
) -> None:
    """``notify --stale`` goes to exactly the delegates ``status --stale`` flags."""
    from datetime import UTC, datetime, timedelta

    from icssi_itinerary.feedhealth import Fetch, FetchLog, feed_status
    from icssi_itinerary.publishing import private_folder

    handler, port = smtp
    site = _site(tmp_path)
    rows = site.rows()
    private = private_folder(site.out, None)
    statuses = {row.delegate: row for row in feed_status(site.out, private)}
    seen = "amal-karim"
    changed = statuses[seen].changed
    assert changed is not None
    token = urllib.parse.urlsplit(rows[seen]["feed_url"]).path.split("/")[-2]
    log = FetchLog(private)
    log.record(Fetch(token, "Google Calendar", changed + timedelta(seconds=1)))
    log.flush()
    result = send(site, port, "--stale", "0m")
    assert result.exit_code == 0, result.output
    recipients = sorted(r for _, rcpts, _ in handler.messages for r in rcpts)
    assert recipients == sorted(
        row["email"] for who, row in rows.items() if row["email"] and who != seen
    )
    now = datetime.now(UTC)
    flagged = {r.delegate for r in feed_status(site.out, private) if r.stale(timedelta(0), now)}
    assert seen not in flagged and flagged == set(rows) - {seen}
    handler.messages.clear()
    late = send(site, port, "--stale", "2d")  # nobody's change is two days old yet
    assert late.exit_code == 0 and handler.messages == []
