"""``build --shard K/N``: several machines build one folder between them.

The oracle is a single full build: the shards together must write exactly its files,
byte for byte, each delegate in exactly one shard.
"""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SAMPLE_ROSTER
from icssi_itinerary import InputError, Roster
from icssi_itinerary.cli import cli
from icssi_itinerary.shards import Shard


def build(out: Path, *args: str) -> None:
    result = CliRunner().invoke(
        cli, ["build", "--roster", str(SAMPLE_ROSTER), "--out", str(out), "--jobs", "1", *args]
    )
    assert result.exit_code == 0, result.output


def files(folder: Path) -> set[str]:
    return {
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.is_file() and not path.name.startswith(".icssi-itinerary-build")
    }


@pytest.mark.parametrize("count", [1, 2, 5, 40])
def test_every_delegate_is_in_exactly_one_shard(roster: Roster, count: int) -> None:
    for delegate in roster.delegates:
        holding = [k for k in range(1, count + 1) if Shard(k, count).holds(delegate.id)]
        assert len(holding) == 1, (delegate.id, holding)


def test_the_shards_together_write_the_full_build_byte_for_byte(tmp_path: Path) -> None:
    build(tmp_path / "full")
    for index in (1, 2, 3):
        build(tmp_path / "shared", "--shard", f"{index}/3")  # one folder, as one bucket
        build(tmp_path / f"alone-{index}", "--shard", f"{index}/3")
    full, shared = tmp_path / "full", tmp_path / "shared"
    assert files(shared) == files(full)
    _, mismatch, errors = filecmp.cmpfiles(full, shared, sorted(files(full)), shallow=False)
    assert mismatch == [] and errors == []
    alone = [files(tmp_path / f"alone-{index}") for index in (1, 2, 3)]
    delegates = [{name.split("/")[0] for name in shard if "/" in name} for shard in alone]
    assert not (delegates[0] & delegates[1] or delegates[0] & delegates[2])
    assert set().union(*alone) == files(full)


def test_rebuilding_a_shard_removes_only_its_own_stale_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for index in (1, 2):
        build(out, "--shard", f"{index}/2")
    before = files(out)
    build(out, "--shard", "1/2", "--format", "text")  # shard 1 drops every other format
    after = files(out)
    second = {name for name in before if "/" in name and Shard(2, 2).holds(name.split("/")[0])}
    assert second <= after  # shard 2's files are untouched
    first = {name for name in after if "/" in name and Shard(1, 2).holds(name.split("/")[0])}
    assert first and all(name.endswith(".txt") for name in first)


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "a/b", "2", "-1/3", "1/3/5"])
def test_a_bad_shard_is_one_line(tmp_path: Path, text: str) -> None:
    with pytest.raises(InputError, match="is not a shard"):
        Shard.parse(text)
    result = CliRunner().invoke(
        cli, ["build", "--roster", str(SAMPLE_ROSTER), "--out", str(tmp_path), "--shard", text]
    )
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert "--shard" in line and "K/N" in line
    assert not any(tmp_path.iterdir())
