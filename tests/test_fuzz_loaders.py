"""Every loader, fed random input through the command line (in-process, click's runner).

The property: a run either loads (exit 0) or refuses with one line that names the file
and says how to fix it (exit 2). Any other exception, exit status or message fails.
Hypothesis runs derandomized (a fixed seed), so CI sees the same few hundred examples
each time; a failure prints the input that caused it.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icssi_itinerary.cli import cli
from test_bad_input import GOOD_PROGRAMME, LEGS, ROSTER, ROSTER_TOML, STAYS, csv_text
from test_ics_import import FEED

FUZZ = settings(
    max_examples=120,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Text with what breaks loaders: separators, quotes, escapes, controls, line breaks.
NASTY = st.text(
    st.sampled_from(list(",;\t\"'\\\n\r=[]{}#:.-+Z T0123456789e\x00\x1b\x7f\u2028\u2029é٣"))
    | st.characters(codec="utf-8"),
    max_size=40,
)
TOML_VALUES = st.one_of(
    st.integers().map(str),
    st.sampled_from(["inf", "nan", "-inf", "1e400", "7" * 5000, "0x1F", "1_000", "true"]),
    st.sampled_from(["2014-10-26", "2014-10-26T02:30:00", "09:00", "2014-13-01", "0001-01-01"]),
    st.sampled_from(["9999-12-31T23:59:59", "2014-03-30T02:30:00", "20141026", "[", "{"]),
    NASTY.map(json.dumps),
    NASTY.map(lambda text: f'"""{text}"""'),
    NASTY.map(lambda text: f"'{text}'"),
    st.lists(NASTY.map(json.dumps), max_size=3).map(lambda items: f"[{', '.join(items)}]"),
    st.integers(1, 60).map(lambda depth: "[" * depth + "]" * depth),
)


def outcome(files: dict[str, bytes], args: Callable[[Path], list[str]], named: str) -> None:
    """Write *files*, run the command; assert a load or one line naming *named*."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, content in files.items():
            (root / name).write_bytes(content)
        result = CliRunner().invoke(cli, args(root), catch_exceptions=True)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert result.exit_code in (0, 2), (result.exit_code, result.output)
        if result.exit_code == 2:
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1, result.stderr
            assert lines[0].startswith(f"Error: {root / named}"), lines[0]
            assert re.search(r"; \S", lines[0]), f"no hint: {lines[0]}"


def programme_run(name: str) -> Callable[[Path], list[str]]:
    return lambda root: ["--programme", str(root / name), "events", "--json"]


def roster_run(name: str) -> Callable[[Path], list[str]]:
    return lambda root: ["itinerary", "amal-karim", "--roster", str(root / name)]


@FUZZ
@given(st.binary(max_size=400), st.sampled_from(["programme.toml", "programme.ics"]))
def test_random_bytes_as_a_programme(data: bytes, name: str) -> None:
    outcome({name: data}, programme_run(name), name)


@FUZZ
@given(st.binary(max_size=400), st.sampled_from(["roster.csv", "legs.csv", "roster.toml"]))
def test_random_bytes_in_a_roster(data: bytes, name: str) -> None:
    files = {"roster.csv": csv_text(ROSTER).encode(), name: data}
    outcome(files, roster_run("roster.toml" if name == "roster.toml" else "roster.csv"), name)


def mutated(text: str, changes: list[tuple[int, str]]) -> bytes:
    """*text* with the value on some lines (chosen by *changes*) replaced."""
    lines = text.splitlines()
    for where, value in changes:
        index = where % len(lines)
        key = lines[index].split("=", 1)[0].strip() if "=" in lines[index] else "extra"
        lines[index] = f"{key} = {value}"
    return ("\n".join(lines) + "\n").encode()


CHANGES = st.lists(st.tuples(st.integers(0, 10**6), TOML_VALUES), min_size=1, max_size=4)


@FUZZ
@given(CHANGES)
def test_random_values_in_a_toml_programme(changes: list[tuple[int, str]]) -> None:
    data = mutated(GOOD_PROGRAMME, changes)
    outcome({"programme.toml": data}, programme_run("programme.toml"), "programme.toml")


@FUZZ
@given(CHANGES)
def test_random_values_in_a_toml_roster(changes: list[tuple[int, str]]) -> None:
    data = mutated(ROSTER_TOML, changes)
    outcome({"roster.toml": data}, roster_run("roster.toml"), "roster.toml")


TABLES = {"roster.csv": ROSTER, "legs.csv": LEGS, "stays.csv": STAYS}


@FUZZ
@given(
    st.sampled_from(sorted(TABLES)),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), NASTY), max_size=4),
    st.integers(-1, 2),
)
def test_random_cells_in_a_csv_roster(
    table: str, changes: list[tuple[int, int, str]], extra: int
) -> None:
    rows = [list(row) for row in TABLES[table]]
    for row, column, value in changes:
        cells = rows[row % len(rows)]
        cells[column % len(cells)] = value
    if extra > 0:
        rows[-1] += ["x"] * extra
    elif extra < 0:
        rows[-1] = rows[-1][:-1]
    files = {
        name: csv_text(rows if name == table else body).encode() for name, body in TABLES.items()
    }
    outcome(files, roster_run("roster.csv"), "")


@FUZZ
@given(st.lists(st.tuples(st.integers(0, 10**6), NASTY), min_size=1, max_size=3))
def test_random_values_in_an_ics_programme(changes: list[tuple[int, str]]) -> None:
    lines = FEED.split("\r\n")
    for where, value in changes:
        index = where % len(lines)
        name = lines[index].split(":", 1)[0] if ":" in lines[index] else "X-EXTRA"
        lines[index] = f"{name}:{value}"
    data = "\r\n".join(lines).encode()
    outcome({"programme.ics": data}, programme_run("programme.ics"), "programme.ics")
