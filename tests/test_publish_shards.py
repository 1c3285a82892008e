"""``publish --shard K/N`` on several machines, then ``publish --merge`` once.

The oracle is one ordinary publish of the same programme and roster at the same moment,
with the same secret: the merged site must hold exactly its files, byte for byte, and
the coordinator's files must say the same, in a first publish and in one after changes
(a moved session, a delegate gone). A shard writes neither the site nor its ledger, and
every way of merging the wrong folders is one line and exit status 2.
"""

from __future__ import annotations

import filecmp
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import SAMPLE_ROSTER
from icssi_itinerary import Programme, Roster, load_programme, publish
from icssi_itinerary.cli import cli
from icssi_itinerary.plugins import get_exporters
from icssi_itinerary.shard_publish import SHARD_RECORD, publish_shard
from icssi_itinerary.shards import Shard

BASE_URL = "https://example.org/forum"
FIRST = datetime(2014, 10, 20, 9, 0, tzinfo=UTC)
SECOND = datetime(2014, 10, 24, 18, 30, tzinfo=UTC)
BUNDLED = Path(__file__).resolve().parents[1] / "src/icssi_itinerary/data/icssi-2014.toml"
SECRET = "5f" * 32 + "\n"


def exporters() -> list[Any]:
    return list(get_exporters().values())


def machine(folder: Path) -> tuple[Path, Path]:
    """A site's folder and its secret (the same secret for every machine here)."""
    folder.mkdir()
    secret = folder / "secret.key"
    secret.write_text(SECRET, encoding="ascii")
    secret.chmod(0o600)
    return folder / "site", secret


def sharded(
    programme: Programme, roster: Roster, site: Path, secret: Path, at: datetime, count: int = 3
) -> list[Path]:
    folders = []
    for index in range(1, count + 1):
        into = site.parent / f"shard-{at:%d}-{index}"
        publish_shard(
            programme,
            roster,
            exporters(),
            site,
            BASE_URL,
            Shard(index, count),
            into,
            at,
            secret_file=secret,
        )
        folders.append(into)
    return folders


def tree(site: Path) -> list[str]:
    folder = site.resolve()
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def same_site(one: Path, other: Path) -> None:
    names = tree(one)
    assert names == tree(other)
    _, mismatch, errors = filecmp.cmpfiles(one.resolve(), other.resolve(), names, shallow=False)
    assert mismatch == [] and errors == []


def report(secret: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((secret.parent / "changes.json").read_text("utf-8"))
    data.pop("site_version")  # the name of the version folder: random
    return data


def moved(tmp_path: Path) -> Programme:
    text = BUNDLED.read_text(encoding="utf-8")
    old = "start = 2014-11-03T10:00:00\nend = 2014-11-03T12:00:00"
    assert text.count(old) == 1
    path = tmp_path / "moved.toml"
    path.write_text(
        text.replace(old, "start = 2014-11-03T11:00:00\nend = 2014-11-03T13:00:00"), "utf-8"
    )
    return load_programme(path)


def test_shards_and_a_merge_publish_what_one_publish_does(
    tmp_path: Path, programme: Programme, roster: Roster
) -> None:
    one, one_secret = machine(tmp_path / "one")
    many, many_secret = machine(tmp_path / "many")
    publish(programme, roster, exporters(), one, BASE_URL, secret_file=one_secret, now=FIRST)
    folders = sharded(programme, roster, many, many_secret, FIRST)
    assert not many.exists()  # the shards publish nothing
    publish(programme, roster, exporters(), many, BASE_URL, secret_file=many_secret, shards=folders)
    same_site(one, many)
    assert report(one_secret) == report(many_secret)
    assert (one_secret.parent / "links.csv").read_bytes() == (
        many_secret.parent / "links.csv"
    ).read_bytes()

    # A session moves and a delegate leaves: the shards reuse what did not change.
    later = moved(tmp_path)
    fewer = Roster(roster.delegates[1:])
    first = publish(later, fewer, exporters(), one, BASE_URL, secret_file=one_secret, now=SECOND)
    ledger = (many_secret.parent / "ledger.sqlite").read_bytes()
    folders = sharded(later, fewer, many, many_secret, SECOND)
    assert (many_secret.parent / "ledger.sqlite").read_bytes() == ledger  # not written
    second = publish(
        later, fewer, exporters(), many, BASE_URL, secret_file=many_secret, shards=folders
    )
    same_site(one, many)
    assert report(one_secret) == report(many_secret)
    assert [c["summary"] for c in first.changes] == [c["summary"] for c in second.changes]
    assert any("moved" in c["summary"] or "11:00" in c["summary"] for c in second.changes)


def cli_publish(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, ["publish", "--roster", str(SAMPLE_ROSTER), "--base-url", BASE_URL, *args]
    )
    return result.exit_code, result.output


def shard_cli(site: Path, secret: Path, shard: str, into: Path, at: str) -> None:
    """``publish --shard`` through the CLI; it must succeed and leave its record."""
    code, output = cli_publish("--out", str(site), "--secret-file", str(secret),
                               "--shard", shard, "--into", str(into), "--at", at)  # fmt: skip
    assert code == 0, output
    assert (into / SHARD_RECORD).is_file()


@pytest.fixture
def shard_folders(tmp_path: Path) -> tuple[Path, Path, list[Path]]:
    site, secret = machine(tmp_path / "site")
    folders = [tmp_path / f"shard{index}" for index in (1, 2)]
    for index, into in enumerate(folders, start=1):
        shard_cli(site, secret, f"{index}/2", into, "2014-10-20T09:00:00Z")
    return site, secret, folders


def merge(site: Path, secret: Path, folders: list[Path], *extra: str) -> tuple[int, str]:
    given = [arg for folder in folders for arg in ("--merge", str(folder))]
    return cli_publish("--out", str(site), "--secret-file", str(secret), *given, *extra)


def one_line_error(code: int, output: str, *words: str) -> None:
    assert code == 2, output
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), output
    assert "Traceback" not in output
    for word in words:
        assert word in lines[0], output


def test_the_cli_merges_the_shards(shard_folders: tuple[Path, Path, list[Path]]) -> None:
    site, secret, folders = shard_folders
    code, output = merge(site, secret, folders)
    assert code == 0, output
    assert len([name for name in tree(site) if name.endswith("/itinerary.ics")]) == 12


def test_a_missing_or_repeated_shard_is_refused(
    shard_folders: tuple[Path, Path, list[Path]],
) -> None:
    site, secret, folders = shard_folders
    one_line_error(*merge(site, secret, folders[:1]), "shard 2/2 is missing", "--merge")
    one_line_error(*merge(site, secret, [folders[0], folders[0]]), "given twice")
    assert not site.exists()


def test_shards_of_another_moment_split_or_ledger_are_refused(
    tmp_path: Path, shard_folders: tuple[Path, Path, list[Path]]
) -> None:
    site, secret, folders = shard_folders
    late = tmp_path / "late"
    shard_cli(site, secret, "2/2", late, "2014-10-21T09:00:00Z")
    one_line_error(*merge(site, secret, [folders[0], late]), "another moment")
    third = tmp_path / "third"
    shard_cli(site, secret, "3/3", third, "2014-10-20T09:00:00Z")
    one_line_error(*merge(site, secret, [*folders, third]), "another split")
    # The site is published meanwhile: the shards were made from the ledger before it.
    code, output = merge(site, secret, folders)
    assert code == 0, output
    code, output = cli_publish(
        "--out", str(site), "--secret-file", str(secret), "--at", "2014-10-20T09:00:00Z"
    )
    assert code == 0, output
    one_line_error(*merge(site, secret, folders), "another state of the ledger")
    code, output = cli_publish("--out", str(site), "--secret-file", str(secret))  # now
    assert code == 0, output
    one_line_error(*merge(site, secret, folders), "is before the last publish")


def test_shards_made_from_another_roster_are_refused(
    tmp_path: Path, shard_folders: tuple[Path, Path, list[Path]]
) -> None:
    site, secret, folders = shard_folders
    edited = tmp_path / "roster.csv"
    text = SAMPLE_ROSTER.read_text(encoding="utf-8").replace("Amal Karim", "Amal Kareem")
    edited.write_text(text, encoding="utf-8")
    for name in ("legs.csv", "stays.csv"):
        shutil.copy(SAMPLE_ROSTER.parent / name, tmp_path / name)
    given = [arg for folder in folders for arg in ("--merge", str(folder))]
    result = CliRunner().invoke(
        cli,
        [
            "publish",
            "--roster",
            str(edited),
            "--base-url",
            BASE_URL,
            "--out",
            str(site),
            "--secret-file",
            str(secret),
            *given,
        ],
    )
    one_line_error(result.exit_code, result.output, "other data for delegate 'amal-karim'")
    assert not site.exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--shard", "1/2", "--at", "2014-10-20T09:00:00Z"], ["--shard", "--into"]),
        (["--shard", "1/2", "--into", "{tmp}/s"], ["--shard", "--at"]),
        (["--into", "{tmp}/s"], ["--into", "only for --shard"]),
        (["--shard", "3/2", "--into", "{tmp}/s", "--at", "2014-10-20T09:00:00Z"], ["shard"]),
        (["--shard", "1/2", "--into", "{tmp}/s", "--at", "2014-10-20 09:00"], ["--at"]),
        (
            [
                "--shard",
                "1/2",
                "--into",
                "{tmp}/s",
                "--at",
                "2014-10-20T09:00:00Z",
                "--to",
                "s3://bucket",
            ],
            ["--to", "final publish"],
        ),
        (["--merge", "{tmp}"], ["--merge", "not a finished shard folder"]),
    ],
)
def test_bad_shard_options_are_one_line(tmp_path: Path, args: list[str], words: list[str]) -> None:
    site, secret = machine(tmp_path / "site")
    filled = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    code, output = cli_publish("--out", str(site), "--secret-file", str(secret), *filled)
    one_line_error(code, output, *words)
    assert not site.exists() and not (tmp_path / "s").exists()


def test_a_shard_without_the_sites_secret_is_refused(tmp_path: Path) -> None:
    code, output = cli_publish(
        "--out",
        str(tmp_path / "site"),
        "--shard",
        "1/2",
        "--into",
        str(tmp_path / "s"),
        "--at",
        "2014-10-20T09:00:00Z",
    )
    one_line_error(code, output, "no secret", "copy secret.key")
    assert not (tmp_path / "site.private" / "secret.key").exists()


def test_a_publish_at_a_moment_before_the_last_one_is_refused(tmp_path: Path) -> None:
    site, secret = machine(tmp_path / "site")
    code, output = cli_publish(
        "--out", str(site), "--secret-file", str(secret), "--at", "2014-10-24T18:30:00Z"
    )
    assert code == 0, output
    live, ledger = site.resolve(), (secret.parent / "ledger.sqlite").read_bytes()
    code, output = cli_publish(
        "--out", str(site), "--secret-file", str(secret), "--at", "2014-10-24T18:29:59Z"
    )
    one_line_error(code, output, "--at", "is before the last publish (2014-10-24T18:30:00Z)")
    assert site.resolve() == live
    assert (secret.parent / "ledger.sqlite").read_bytes() == ledger
    code, output = cli_publish(
        "--out", str(site), "--secret-file", str(secret), "--at", "2014-10-24T20:30:00+02:00"
    )
    assert code == 0, output  # the same moment again, written in another offset
