"""``icssi-itinerary build`` and ``itinerary -o``: every file written whole, or not at all."""

from __future__ import annotations

import csv
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import ROOT, SAMPLE_ROSTER
from icssi_itinerary.build import MANIFEST
from icssi_itinerary.cli import cli


def sample_ids() -> list[str]:
    with SAMPLE_ROSTER.open(encoding="utf-8", newline="") as stream:
        return [row["id"] for row in csv.DictReader(stream)]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under *folder* (hidden ones included), by relative path, but the
    record of what the build wrote."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }


@pytest.fixture(scope="module")
def printed() -> dict[str, bytes]:
    """What ``itinerary <id>`` prints for each sample delegate, and ``export text``."""
    found = {}
    for delegate_id in sample_ids():
        result = invoke("itinerary", delegate_id, "--roster", str(SAMPLE_ROSTER))
        assert result.exit_code == 0, result.output
        found[delegate_id] = result.stdout_bytes
    result = invoke("export", "text")
    assert result.exit_code == 0, result.output
    found["programme"] = result.stdout_bytes
    return found


def build(out: Path, *formats: str) -> Result:
    args = ["build", "--roster", str(SAMPLE_ROSTER), "--out", str(out)]
    for name in formats:
        args += ["--format", name]
    return invoke(*args)


def test_build_writes_the_programme_and_one_itinerary_per_delegate(
    tmp_path: Path, printed: dict[str, bytes]
) -> None:
    out = tmp_path / "site"
    result = build(out, "text")
    assert result.exit_code == 0, result.output
    ids = sample_ids()
    assert len(ids) == 12
    expected = {"programme.txt", *(f"{i}/itinerary.txt" for i in ids)}
    assert set(tree(out)) == expected
    assert (out / "programme.txt").read_bytes() == printed["programme"]
    for delegate_id in ids:
        assert (out / delegate_id / "itinerary.txt").read_bytes() == printed[delegate_id]
    # nothing but the output folder beside it: no staging folder left behind
    assert [p.name for p in tmp_path.iterdir()] == ["site"]
    assert "12" in result.stderr


def test_build_with_every_format_by_default(tmp_path: Path, printed: dict[str, bytes]) -> None:
    out = tmp_path / "site"
    result = build(out)
    assert result.exit_code == 0, result.output
    files = tree(out)
    for delegate_id in sample_ids():
        assert files[f"{delegate_id}/itinerary.txt"] == printed[delegate_id]
    assert files["programme.txt"] == printed["programme"]
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_rebuilding_overwrites_cleanly(tmp_path: Path, printed: dict[str, bytes]) -> None:
    out = tmp_path / "site"
    assert build(out, "text").exit_code == 0
    first = tree(out)
    (out / "amal-karim" / "itinerary.txt").write_text("stale", encoding="utf-8")
    (out / "programme.txt").unlink()
    result = build(out, "text")
    assert result.exit_code == 0, result.output
    assert tree(out) == first
    assert (out / "amal-karim" / "itinerary.txt").read_bytes() == printed["amal-karim"]
    assert [p.name for p in tmp_path.iterdir()] == ["site"]
    hidden = [path.name for path in out.rglob("*") if path.name.startswith(".")]
    assert hidden == [MANIFEST]  # no staging folder or temporary file left


def test_an_unknown_format_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = build(out, "nosuch")
    assert result.exit_code == 2
    assert "nosuch" in result.stderr
    assert "text" in result.stderr  # says which formats there are
    assert list(tmp_path.iterdir()) == []

    # and into an existing folder, nothing is touched
    assert build(out, "text").exit_code == 0
    before = tree(out)
    assert build(out, "text", "nosuch").exit_code == 2
    assert tree(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_an_unknown_format_in_a_real_process_is_one_line_and_exit_2(tmp_path: Path) -> None:
    out = tmp_path / "site"
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "icssi_itinerary",
            "build",
            "--roster",
            str(SAMPLE_ROSTER),
            "--out",
            str(out),
            "--format",
            "nosuch",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert process.returncode == 2
    assert "Traceback" not in process.stderr
    assert len(process.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_itinerary_to_a_file_is_written_whole_with_no_temporary_left(
    tmp_path: Path, printed: dict[str, bytes]
) -> None:
    target = tmp_path / "out" / "amal.txt"
    args = ["itinerary", "amal-karim", "--roster", str(SAMPLE_ROSTER), "-o", str(target)]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert target.read_bytes() == printed["amal-karim"]
    assert [p.name for p in target.parent.iterdir()] == ["amal.txt"]
    assert target.stat().st_mode & 0o777 == 0o644

    # writing again replaces the file (a new inode: renamed into place, not rewritten)
    target.write_text("old", encoding="utf-8")
    inode = target.stat().st_ino
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == printed["amal-karim"]
    assert target.stat().st_ino != inode
    assert [p.name for p in target.parent.iterdir()] == ["amal.txt"]


def test_itinerary_to_a_file_for_an_unknown_delegate_leaves_the_file_alone(
    tmp_path: Path,
) -> None:
    target = tmp_path / "amal.txt"
    target.write_text("keep me", encoding="utf-8")
    args = ["itinerary", "nobody", "--roster", str(SAMPLE_ROSTER), "-o", str(target)]
    result = invoke(*args)
    assert result.exit_code == 2
    assert "nobody" in result.stderr
    assert target.read_text(encoding="utf-8") == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["amal.txt"]


def test_a_failing_format_leaves_the_output_folder_as_it_was(tmp_path: Path) -> None:
    from icssi_itinerary import Exporter, PluginError, RenderOptions, load_programme, load_roster
    from icssi_itinerary.build import build_all
    from icssi_itinerary.plugins import get_exporters

    programme = load_programme()
    roster = load_roster(SAMPLE_ROSTER, programme)
    text = get_exporters()["text"]
    rendered: list[str] = []

    def fails_on_the_fifth(itinerary: object, options: RenderOptions) -> bytes:
        rendered.append("x")
        if len(rendered) == 5:
            raise RuntimeError("disk of the imagination is full")
        return b"partial"

    broken = Exporter(
        name="broken",
        suffix=".brk",
        media_type="text/plain",
        render_programme=lambda programme, options: b"programme",
        render_itinerary=fails_on_the_fifth,
        plugin="test-plugin",
    )
    out = tmp_path / "new" / "site"
    with pytest.raises(PluginError, match="test-plugin"):
        build_all(programme, roster, [text, broken], out, RenderOptions())
    assert not out.exists()
    assert [p.name for p in (tmp_path / "new").iterdir()] == []

    existing = tmp_path / "site"
    build_all(programme, roster, [text], existing, RenderOptions())
    before = tree(existing)
    rendered.clear()
    with pytest.raises(PluginError):
        build_all(programme, roster, [text, broken], existing, RenderOptions())
    assert tree(existing) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new", "site"]


def test_a_rebuild_removes_what_it_no_longer_writes_and_nothing_else(tmp_path: Path) -> None:
    """A delegate who left the roster leaves no stale personal files behind; files the
    coordinator put in the folder stay."""
    out = tmp_path / "out"
    roster = tmp_path / "roster.csv"
    shutil.copy(SAMPLE_ROSTER, roster)
    for name in ("legs.csv", "stays.csv"):
        shutil.copy(SAMPLE_ROSTER.with_name(name), tmp_path / name)
    args = ["build", "--roster", str(roster), "--out", str(out), "--format", "text"]
    assert CliRunner().invoke(cli, [*args, "--format", "ical"]).exit_code == 0
    (out / "notes.txt").write_text("the coordinator's own file\n")
    (out / "amal-karim" / "visa.txt").write_text("kept\n")
    rows = roster.read_text(encoding="utf-8").splitlines()
    gone = rows[2].split(",")[0]  # the second delegate
    roster.write_text("\n".join([rows[0], rows[1], *rows[3:]]) + "\n", encoding="utf-8")
    for name in ("legs.csv", "stays.csv"):  # their travel goes with them
        lines = (tmp_path / name).read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if not line.startswith(gone + ",")]
        (tmp_path / name).write_text("\n".join(kept) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, args)  # and iCalendar is no longer built
    assert result.exit_code == 0, result.output
    assert not (out / gone).exists()
    assert (out / "notes.txt").exists() and (out / "amal-karim" / "visa.txt").exists()
    assert not list(out.rglob("*.ics"))
    assert (out / "amal-karim" / "itinerary.txt").exists()


def test_built_files_are_readable_by_a_web_server_whatever_the_umask(tmp_path: Path) -> None:
    """A coordinator whose umask keeps new files private still publishes pages the
    server (another user) can read: every file built is rw-r--r--, every folder
    rwxr-xr-x."""
    out = tmp_path / "site"
    previous = os.umask(0o077)
    try:
        result = build(out, "text", "ical")
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    modes = {
        str(path.relative_to(out)): stat.S_IMODE(path.stat().st_mode)
        for path in out.rglob("*")
        if path.is_file() and path.name != MANIFEST
    }
    assert len(modes) == 2 * (len(sample_ids()) + 1)
    assert set(modes.values()) == {0o644}
    folders = {stat.S_IMODE(path.stat().st_mode) for path in [out, *out.iterdir()] if path.is_dir()}
    assert folders == {0o755}
