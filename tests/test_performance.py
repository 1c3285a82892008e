"""Parallel work gives the same bytes as serial work, and the benchmarks keep running.

Nothing here asserts a time: benchmarks/run.py prints ratios for people to read.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT, SAMPLE_ROSTER
from icssi_itinerary.cli import cli


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under *folder* with its bytes."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def synthetic(folder: Path, events: int, delegates: int) -> Path:
    """A generated conference (the benchmarks' own generator); returns its roster."""
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "synthetic.py"),
            "--events",
            str(events),
            "--delegates",
            str(delegates),
            "--out",
            str(folder),
        ],
        check=True,
    )
    return folder / "roster.csv"


@pytest.mark.parametrize("source", ["sample", "synthetic"])
def test_build_with_two_jobs_writes_the_same_bytes_as_with_one(tmp_path: Path, source: str) -> None:
    if source == "sample":
        args = ["build", "--roster", str(SAMPLE_ROSTER)]
    else:
        roster = synthetic(tmp_path / "forum", 60, 25)
        args = [
            "--programme",
            str(roster.parent / "programme.toml"),
            "build",
            "--roster",
            str(roster),
            "--format",
            "text",
            "--format",
            "ical",
            "--format",
            "html",
        ]
    outputs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs-{jobs}"
        result = CliRunner().invoke(cli, [*args, "--out", str(out), "--jobs", jobs])
        assert result.exit_code == 0, result.output
        outputs[jobs] = tree(out)
    delegates = len((SAMPLE_ROSTER if source == "sample" else roster).read_text().splitlines())
    assert len(outputs["1"]) >= delegates - 1  # a file per delegate at least
    assert outputs["2"] == outputs["1"]


def test_publish_with_two_jobs_writes_the_same_site_as_with_one(tmp_path: Path) -> None:
    sites = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs-{jobs}" / "site"
        secret = tmp_path / "secret.key"  # one secret: the same tokens
        result = CliRunner().invoke(
            cli,
            [
                "publish",
                "--roster",
                str(SAMPLE_ROSTER),
                "--out",
                str(out),
                "--base-url",
                "https://example.org/icssi",
                "--secret-file",
                str(secret),
                "--format",
                "ical",
                "--format",
                "html",
                "--jobs",
                jobs,
            ],
        )
        assert result.exit_code == 0, result.output
        sites[jobs] = tree(out.resolve())
    # The second publish shares the first one's ledger, so it changed nothing: its
    # digest pages (changes.html) say so, where the first one's list every item as new.
    for files in sites.values():
        for name in [name for name in files if name.endswith("/changes.html")]:
            del files[name]
    assert sites["2"] == sites["1"]
    assert len(sites["1"]) > 2 * 12


def test_the_benchmark_script_runs_at_a_small_size() -> None:
    """benchmarks/run.py --small runs end to end and prints every measure (no timings
    are checked: they depend on the machine)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--small"],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.startswith("measure"))
    assert [cell.strip() for cell in header.split("|")] == [
        "measure",
        "ours",
        "reference (same run)",
        "ratio",
        "target",
    ]
    body = "\n".join(lines)
    for measure in (
        "ICS, 100-event programme",
        "build (",
        "PDF itineraries",
        "republish, no change (0 files rewritten)",
        "icssi-itinerary --help",
        "serve, 50 clients + 20 slow",
        "forum build, every format, 40 delegates",
    ):
        assert measure in body, body
