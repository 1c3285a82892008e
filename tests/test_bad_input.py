"""Bad input, case by case: each case runs the real command in its own process.

The rule (DESIGN.md, CLI): bad input gets one line on stderr saying what is wrong,
where (file, line or spreadsheet row, field) and how to fix it; exit status 2; never
a traceback; and nothing half-written is left behind.

Each case writes its input files into ``tmp_path/in`` and points any output at
``tmp_path/out`` (which already holds a marker file). The whole of ``tmp_path`` must
be byte for byte the same after the failed run. Expected line numbers are computed
from the text the test wrote (the line holding the offending key), expected row
numbers from the rows the test wrote (header = row 1).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

BAD_INPUT = 2
BAGHDAD = ZoneInfo("Asia/Baghdad")
OSLO = ZoneInfo("Europe/Oslo")


# --- helpers ---------------------------------------------------------------------------


def line_of(text: str, needle: str, nth: int | None = None) -> int:
    """The 1-based number of the line of *text* holding *needle* (the *nth* such line;
    without *nth* the needle must occur on exactly one line)."""
    numbers = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    if nth is None:
        assert len(numbers) == 1, f"{needle!r} is on lines {numbers} of the test text"
        return numbers[0]
    return numbers[nth]


def csv_text(rows: list[list[str]]) -> str:
    """Rows as a spreadsheet exports them (quoting cells with commas or newlines)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def changed(rows: list[list[str]], row: int, column: str, value: str) -> list[list[str]]:
    """A copy of *rows* with *column* of spreadsheet row *row* (header = 1) set to *value*."""
    copy = [list(cells) for cells in rows]
    copy[row - 1][copy[0].index(column)] = value
    return copy


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file (with its bytes) and folder under *folder*."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        if path.is_file() and path.stat().st_size < 2**20
        else None
        for path in sorted(folder.rglob("*"))
    }


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m icssi_itinerary ARGS`` in a fresh process, with no third-party plugins."""
    env = {**os.environ, "ICSSI_ITINERARY_LOAD_PLUGINS": "", "PYTHONUTF8": "1"}
    env.pop("ICSSI_ITINERARY_PROGRAMME", None)
    return subprocess.run(
        [sys.executable, "-m", "icssi_itinerary", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


@dataclass(frozen=True)
class Case:
    """One bad input: the files, the command, and what the one-line message must name."""

    id: str
    files: dict[str, str | bytes]
    args: tuple[str, ...]  # "{in}" and "{out}" are the case's input and output folders
    source: str | None  # the file the message names (relative to {in}), if any
    where: int | str | None  # the line number, or "row N", right after the file
    field: str | None  # the field path, as ": field: "
    words: tuple[str, ...] = ()  # further things the message must say
    # makes what files cannot hold (a FIFO, a link, a folder) in the input folder
    make: Callable[[Path], object] | None = None


def check_rejected(case: Case, folder: Path) -> str:
    """Run *case* in *folder*; assert the rule; return the message."""
    inputs, out = folder / "in", folder / "out"
    inputs.mkdir()
    out.mkdir()
    (out / "keep.txt").write_text("written before the run\n")
    for name, content in case.files.items():
        target = inputs / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    if case.make is not None:
        case.make(inputs)
    before = snapshot(folder)

    args = [arg.replace("{in}", str(inputs)).replace("{out}", str(out)) for arg in case.args]
    result = run_cli(*args, cwd=folder)

    assert result.returncode == BAD_INPUT, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    message = lines[0]
    assert message.strip()
    assert snapshot(folder) == before, "the failed run wrote or changed files"

    rest = message
    if case.source is not None:
        path = str(inputs / case.source)
        assert path in message, message
        rest = message.split(path, 1)[1]
        if case.where is not None:
            assert rest.startswith(f":{case.where}: "), message
    if case.field is not None:
        assert f": {case.field}: " in rest, message
    for word in case.words:
        assert word in rest, message
    assert re.search(r"; \S", rest), f"no hint on how to fix it: {message}"
    return message


# --- programme files (TOML) ------------------------------------------------------------

HEAD = """\
[programme]
id = "bad-input-test"
title = "Bad input test"

[[contacts]]
id = "ann"
name = "Ann Contact"

[[venues]]
id = "hall"
name = "Hall"
city = "Oslo"
country = "Norway"
timezone = "Europe/Oslo"

[[venues]]
id = "palace"
name = "Palace"
city = "Geneva"
country = "Switzerland"
timezone = "Europe/Zurich"
"""

CONFERENCE = """
[[events]]
id = "conference"
title = "Conference"
venue = "hall"
start = 2014-10-27
end = 2014-10-29
contacts = ["ann"]
"""

REVIEW = """
[[events]]
id = "review"
title = "Review"
venue = "palace"
start = 2014-11-03T10:00:00
end = 2014-11-03T12:00:00
"""

GOOD_PROGRAMME = HEAD + CONFERENCE + REVIEW


def second_event(**lines: str) -> str:
    """The programme with a second event whose keys are *lines* (raw TOML values)."""
    body = "".join(f"{key} = {value}\n" for key, value in lines.items())
    return HEAD + CONFERENCE + "\n[[events]]\n" + body


def programme_case(
    case_id: str,
    text: str | bytes,
    field: str | None,
    needle: str | None,
    *words: str,
    nth: int | None = None,
) -> Case:
    """A programme that ``export`` must refuse, naming the line holding *needle*."""
    shown = text.decode("latin-1") if isinstance(text, bytes) else text
    return Case(
        id=case_id,
        files={"programme.toml": text},
        args=("--programme", "{in}/programme.toml", "export", "text", "-o", "{out}/p.txt"),
        source="programme.toml",
        where=line_of(shown, needle, nth) if needle is not None else None,
        field=field,
        words=words,
    )


DST_GAP = second_event(
    id='"night"', title='"Night"', venue='"hall"',
    start="2014-03-30T02:30:00", end="2014-03-30T04:00:00",
)  # fmt: skip
FOLD = second_event(
    id='"night"', title='"Night"', venue='"hall"',
    start="2014-10-26T02:30:00", end="2014-10-26T04:00:00",
)  # fmt: skip
FOLLOWS_CYCLE = (
    HEAD
    + CONFERENCE.replace('contacts = ["ann"]', 'follows = "review"')
    + REVIEW.replace('venue = "palace"', 'venue = "palace"\nfollows = "conference"')
)
PARENT_CYCLE = (
    HEAD
    + CONFERENCE
    + '\n[[events]]\nid = "one"\ntitle = "One"\nparent = "two"\nstart = 2014-10-27\n'
    + '\n[[events]]\nid = "two"\ntitle = "Two"\nparent = "one"\nstart = 2014-10-27\n'
)
MISSING_TITLE = second_event(id='"untitled"', venue='"hall"', start="2014-10-28")

PROGRAMME_CASES = [
    programme_case(
        "unknown-venue",
        second_event(id='"session"', title='"S"', venue='"palais"', start="2014-11-03"),
        "events[1].venue",
        'venue = "palais"',
        "unknown venue 'palais'",
    ),
    programme_case(
        # a line of text that looks like a key must not be taken for the key
        "unknown-venue-after-multi-line-text",
        HEAD
        + CONFERENCE
        + '\n[[events]]\nid = "session"\ntitle = "S"\nstart = 2014-11-03\n'
        + 'description = """\nvenue = to be announced\nstart = morning\n"""\n'
        + 'venue = "palais"\n',
        "events[1].venue",
        'venue = "palais"',
        "unknown venue 'palais'",
    ),
    programme_case(
        "unknown-parent",
        second_event(id='"session"', title='"S"', parent='"conferense"', start="2014-10-28"),
        "events[1].parent",
        'parent = "conferense"',
        "'conferense'",
    ),
    programme_case(
        "unknown-follows",
        second_event(id='"later"', title='"L"', venue='"hall"', start="2014-10-30", follows='"x"'),
        "events[1].follows",
        'follows = "x"',
        "'x'",
    ),
    programme_case(
        "unknown-contact",
        HEAD + CONFERENCE.replace('["ann"]', '["ann", "bob"]'),
        "events[0].contacts",
        'contacts = ["ann", "bob"]',
        "'bob'",
    ),
    programme_case(
        "duplicate-event-id",
        second_event(id='"conference"', title='"Again"', venue='"hall"', start="2014-10-30"),
        "events[1].id",
        'id = "conference"',
        "'conference'",
        nth=1,
    ),
    programme_case(
        "duplicate-venue-id",
        HEAD.replace('id = "palace"', 'id = "hall"') + CONFERENCE,
        "venues[1].id",
        'id = "hall"',
        "'hall'",
        nth=1,
    ),
    programme_case(
        "end-before-start-dates",
        HEAD + CONFERENCE.replace("end = 2014-10-29", "end = 2014-10-26"),
        "events[0].end",
        "end = 2014-10-26",
    ),
    programme_case(
        "end-before-start-date-times",
        HEAD + REVIEW.replace("end = 2014-11-03T12:00:00", "end = 2014-11-03T09:30:00"),
        "events[0].end",
        "end = 2014-11-03T09:30:00",
    ),
    programme_case(
        "unknown-zone",
        HEAD.replace('"Europe/Oslo"', '"Europe/Olso"') + CONFERENCE,
        "venues[0].timezone",
        'timezone = "Europe/Olso"',
        "'Europe/Olso'",
    ),
    programme_case(
        "zone-is-offset",
        HEAD.replace('"Europe/Zurich"', '"+03:00"') + CONFERENCE,
        "venues[1].timezone",
        'timezone = "+03:00"',
        "'+03:00'",
        "IANA",
    ),
    programme_case(
        "zone-is-utc-offset",
        HEAD.replace('"Europe/Zurich"', '"UTC+3"') + CONFERENCE,
        "venues[1].timezone",
        'timezone = "UTC+3"',
        "'UTC+3'",
        "IANA",
    ),
    programme_case(
        "offset-date-time-literal",
        HEAD + REVIEW.replace("start = 2014-11-03T10:00:00", "start = 2014-11-03T10:00:00+01:00"),
        "events[0].start",
        "start = 2014-11-03T10:00:00+01:00",
        "offset",
    ),
    programme_case(
        "dst-gap", DST_GAP, "events[1].start", "start = 2014-03-30T02:30", "02:30", "Europe/Oslo"
    ),
    programme_case(
        "ambiguous-without-fold",
        FOLD,
        "events[1].start",
        "start = 2014-10-26T02:30",
        "02:30",
        "Europe/Oslo",
        "fold",
    ),
    programme_case(
        "bad-fold",
        FOLD + 'fold = "second"\n',
        "events[1].fold",
        'fold = "second"',
        "'second'",
    ),
    programme_case(
        "unknown-field-venu",
        HEAD + CONFERENCE.replace('venue = "hall"', 'venu = "hall"'),
        "events[0].venu",
        'venu = "hall"',
        "unknown field",
    ),
    programme_case(
        "toml-syntax-error",
        HEAD + CONFERENCE.replace('venue = "hall"', "venue = hall"),
        None,
        "venue = hall",
        "TOML",
    ),
    programme_case(
        "date-time-start-date-end",
        HEAD + REVIEW.replace("end = 2014-11-03T12:00:00", "end = 2014-11-03"),
        "events[0].end",
        "end = 2014-11-03",
    ),
    programme_case(
        "missing-title",
        MISSING_TITLE,
        "events[1].title",
        "[[events]]",  # no title line: the message points at the event's table
        "missing",
        nth=1,
    ),
    programme_case(
        "bad-part-of-day",
        second_event(
            id='"dinner"', title='"D"', venue='"hall"', start="2014-10-27", part_of_day='"late"'
        ),
        "events[1].part_of_day",
        'part_of_day = "late"',
        "'late'",
    ),
    programme_case(
        "fold-on-date-only-event",
        second_event(
            id='"dinner"', title='"D"', venue='"hall"', start="2014-10-27", fold='"first"'
        ),
        "events[1].fold",
        'fold = "first"',
        "date-only",
    ),
    programme_case(
        "bad-status",
        HEAD + CONFERENCE + 'status = "maybe"\n',
        "events[0].status",
        'status = "maybe"',
        "'maybe'",
    ),
    programme_case(
        "session-outside-parent",
        second_event(id='"session"', title='"S"', parent='"conference"', start="2014-10-30"),
        "events[1].start",
        "start = 2014-10-30",
        "'conference'",
    ),
    programme_case(
        "follows-cycle",
        FOLLOWS_CYCLE,
        "events[0].follows",
        'follows = "review"',
        "circle",
    ),
    programme_case("parent-cycle", PARENT_CYCLE, "events[1].parent", 'parent = "two"', "circle"),
    programme_case(
        "bad-event-id",
        HEAD + CONFERENCE.replace('id = "conference"', 'id = "oslo conference"'),
        "events[0].id",
        'id = "oslo conference"',
        "'oslo conference'",
    ),
    programme_case(
        "unknown-top-level-table",
        GOOD_PROGRAMME + '\n[[sessions]]\nid = "x"\n',
        None,
        "[[sessions]]",
        "'sessions'",
    ),
    programme_case(
        "not-utf-8",
        (HEAD + CONFERENCE.replace('"Conference"', '"Café conference"')).encode("latin-1"),
        None,
        'title = "Caf',
        "UTF-8",
    ),
    Case(
        id="missing-programme-file",
        files={},
        args=("--programme", "{in}/missing.toml", "export", "text", "-o", "{out}/p.txt"),
        source="missing.toml",
        where=None,
        field=None,
        words=("not found",),
    ),
]


# --- rosters (CSV) ---------------------------------------------------------------------

ROSTER = [
    ["id", "name", "name_native", "organisation", "email", "home_timezone", "language", "events"],
    ["amal-karim", "Amal Karim", "أمل كريم", "Tigris Youth Network", "amal@example.org",
     "Asia/Baghdad", "ar", "*"],
    ["sami-noor", "Sami Noor", "", "", "", "Asia/Baghdad", "en",
     "icssi-oslo-conference;upr-iraq"],
]  # fmt: skip
WITH_CALENDAR = [[*row, cell] for row, cell in zip(ROSTER, ["calendar", "feed", ""], strict=True)]
LEGS = [
    ["delegate", "mode", "reference", "from", "from_timezone", "departs", "to", "to_timezone",
     "arrives"],
    ["amal-karim", "flight", "TK 789", "Baghdad", "Asia/Baghdad", "2014-10-26 04:10",
     "Istanbul", "Europe/Istanbul", "2014-10-26 06:25"],
    ["amal-karim", "flight", "TK 1753", "Istanbul", "Europe/Istanbul", "2014-10-26 08:50",
     "Oslo", "Europe/Oslo", "2014-10-26 11:15"],
]  # fmt: skip
STAYS = [
    ["delegate", "name", "address", "city", "timezone", "check_in", "check_out"],
    # a cell over two lines, as spreadsheets export it: row 3 starts on line 4 of the file
    ["amal-karim", "Hotel Akersgata", "Akersgata 1\n0158 Oslo", "Oslo", "Europe/Oslo",
     "2014-10-26", "2014-11-02"],
    ["amal-karim", "Hôtel des Nations", "Rue de Lausanne 1, Geneva", "Geneva", "Europe/Zurich",
     "2014-11-02", "2014-11-04"],
]  # fmt: skip
ITINERARY = ("itinerary", "amal-karim", "--roster", "{in}/roster.csv", "-o", "{out}/amal.txt")


def roster_files(**replace: str | bytes) -> dict[str, str | bytes]:
    """roster.csv, legs.csv and stays.csv, with some replaced (``legs=...``)."""
    files: dict[str, str | bytes] = {
        "roster": csv_text(ROSTER),
        "legs": csv_text(LEGS),
        "stays": csv_text(STAYS),
    }
    files |= replace
    return {f"{name}.csv": content for name, content in files.items()}


def roster_case(
    case_id: str, table: str, rows: list[list[str]], row: int, field: str | None, *words: str
) -> Case:
    """*rows* as ``<table>.csv``; the message must name spreadsheet row *row*."""
    return Case(
        id=case_id,
        files=roster_files(**{table: csv_text(rows)}),
        args=ITINERARY,
        source=f"{table}.csv",
        where=f"row {row}",
        field=field,
        words=words,
    )


# Oslo 10:00 (UTC+1) to Baghdad 11:30 (UTC+3): later on the wall clock, earlier in real time.
BACKWARDS_LEG = ["amal-karim", "flight", "XX 1", "Oslo", "Europe/Oslo", "2014-11-02 10:00",
                 "Baghdad", "Asia/Baghdad", "2014-11-02 11:30"]  # fmt: skip
GAP_LEG = ["amal-karim", "train", "", "Oslo", "Europe/Oslo", "2014-03-30 02:30",
           "Stockholm", "Europe/Stockholm", "2014-03-30 09:00"]  # fmt: skip
UNCLOSED_QUOTE = csv_text(LEGS).replace(",TK 789,", ',"TK 789,')

ROSTER_CSV_CASES = [
    roster_case(
        "missing-column",
        "roster",
        [row[:-1] for row in ROSTER],
        1,
        None,
        "'events'",
    ),
    roster_case(
        "unknown-column",
        "roster",
        [[*ROSTER[0], "phone"], *[[*row, ""] for row in ROSTER[1:]]],
        1,
        None,
        "'phone'",
    ),
    roster_case(
        "unknown-event",
        "roster",
        changed(ROSTER, 3, "events", "icssi-oslo-conference;oslo-dinner"),
        3,
        "events",
        "'oslo-dinner'",
    ),
    roster_case(
        "more-cells-than-columns",
        "roster",
        [*ROSTER[:2], [*ROSTER[2], "Basra, Iraq"]],
        3,
        None,
        "more cells",
    ),
    roster_case(
        "duplicate-delegate-id",
        "roster",
        changed(ROSTER, 3, "id", "amal-karim"),
        3,
        "id",
        "'amal-karim'",
    ),
    roster_case(
        "duplicate-delegate-id-other-case",
        "roster",
        changed(ROSTER, 3, "id", "Amal-Karim"),
        3,
        "id",
        "'Amal-Karim'",
    ),
    roster_case(
        "bad-home-timezone",
        "roster",
        changed(ROSTER, 2, "home_timezone", "Baghdad"),
        2,
        "home_timezone",
        "'Baghdad'",
    ),
    roster_case(
        "fixed-offset-home-timezone",
        "roster",
        changed(ROSTER, 3, "home_timezone", "UTC+3"),
        3,
        "home_timezone",
        "'UTC+3'",
        "IANA",
    ),
    roster_case(
        "bad-language",
        "roster",
        changed(ROSTER, 2, "language", "Arabic"),
        2,
        "language",
        "'Arabic'",
    ),
    roster_case(
        "bad-calendar",
        "roster",
        changed(WITH_CALENDAR, 3, "calendar", "both"),
        3,
        "calendar",
        "'both'",
        "'feed'",
    ),
    roster_case("empty-events", "roster", changed(ROSTER, 3, "events", ""), 3, "events"),
    roster_case(
        "legs-unknown-delegate",
        "legs",
        changed(LEGS, 3, "delegate", "amal-kareem"),
        3,
        "delegate",
        "'amal-kareem'",
    ),
    roster_case(
        # the same flight twice: the same identity, so the second is refused, naming the first
        "legs-same-identity",
        "legs",
        [*LEGS, LEGS[1]],
        4,
        "id",
        "the one at row 2",
        "'id' column value",
    ),
    roster_case(
        "legs-same-id",
        "legs",
        [[*row, cell] for row, cell in zip(LEGS, ["id", "leg-1", "leg-1"], strict=True)],
        3,
        "id",
        "the one at row 2",
        "'leg-1'",
    ),
    roster_case(
        # row 3 spans two lines of the file; the copy of row 2 is row 4
        "stays-same-identity",
        "stays",
        [*STAYS, STAYS[1]],
        4,
        "id",
        "the one at row 2",
    ),
    roster_case(
        "legs-dst-gap-departure",
        "legs",
        [*LEGS, GAP_LEG],
        4,
        "departs",
        "2014-03-30 02:30",
        "Europe/Oslo",
    ),
    roster_case(
        "legs-arrives-before-departs",
        "legs",
        [*LEGS, BACKWARDS_LEG],
        4,
        "arrives",
    ),
    roster_case(
        "legs-time-with-offset",
        "legs",
        changed(LEGS, 2, "departs", "2014-10-26 04:10+03:00"),
        2,
        "departs",
        "offset",
    ),
    roster_case(
        "legs-missing-column",
        "legs",
        [row[:-1] for row in LEGS],
        1,
        None,
        "'arrives'",
    ),
    roster_case(
        # row 3 is on line 4 of the file: the message must count spreadsheet rows
        "stays-check-out-before-check-in",
        "stays",
        changed(STAYS, 3, "check_out", "2014-11-01"),
        3,
        "check_out",
    ),
    roster_case(
        "stays-date-as-spreadsheet-shows-it",
        "stays",
        changed(STAYS, 3, "check_in", "02/11/2014"),
        3,
        "check_in",
        "'02/11/2014'",
    ),
    Case(
        id="legs-unclosed-quote",
        files=roster_files(legs=UNCLOSED_QUOTE),
        args=ITINERARY,
        source="legs.csv",
        where="row 2",
        field=None,
        words=("CSV",),
    ),
    Case(
        id="roster-not-utf-8",
        files=roster_files(
            roster=csv_text(
                changed(changed(ROSTER, 2, "name_native", ""), 3, "name", "José")
            ).encode("latin-1")
        ),
        args=ITINERARY,
        source="roster.csv",
        where=3,  # the line of the file, before any CSV is read
        field=None,
        words=("UTF-8",),
    ),
    Case(
        id="missing-roster-file",
        files={},
        args=ITINERARY,
        source="roster.csv",
        where=None,
        field=None,
        words=("not found",),
    ),
]


# --- rosters (TOML) --------------------------------------------------------------------

ROSTER_TOML = """\
[[delegates]]
id = "amal-karim"
name = "Amal Karim"
home_timezone = "Asia/Baghdad"
language = "ar"
events = ["*"]

[[delegates]]
id = "sami-noor"
name = "Sami Noor"
events = ["icssi-oslo-conference", "upr-iraq"]

[[legs]]
delegate = "amal-karim"
mode = "flight"
from = "Baghdad"
from_timezone = "Asia/Baghdad"
departs = 2014-10-26T04:10:00
to = "Istanbul"
to_timezone = "Europe/Istanbul"
arrives = 2014-10-26T06:25:00

[[stays]]
delegate = "amal-karim"
name = "Hotel Akersgata"
city = "Oslo"
timezone = "Europe/Oslo"
check_in = 2014-10-26
check_out = 2014-11-02
"""


_LEG_TABLE = ROSTER_TOML[ROSTER_TOML.index("[[legs]]") : ROSTER_TOML.index("[[stays]]")]


def toml_roster_case(
    case_id: str, text: str, field: str | None, needle: str, *words: str, nth: int | None = None
) -> Case:
    """A TOML roster ``itinerary`` must refuse, naming the line holding *needle*."""
    return Case(
        id=case_id,
        files={"roster.toml": text},
        args=("itinerary", "amal-karim", "--roster", "{in}/roster.toml", "-o", "{out}/a.txt"),
        source="roster.toml",
        where=line_of(text, needle, nth),
        field=field,
        words=words,
    )


ROSTER_TOML_CASES = [
    toml_roster_case(
        "toml-unknown-table",
        ROSTER_TOML + '\n[[hotels]]\nname = "Hotel Akersgata"\n',
        None,
        "[[hotels]]",
        "'hotels'",
    ),
    toml_roster_case(
        "toml-missing-name",
        ROSTER_TOML.replace('name = "Sami Noor"\n', ""),
        "delegates[1].name",
        "[[delegates]]",
        "missing",
        nth=1,
    ),
    toml_roster_case(
        "toml-unknown-field",
        ROSTER_TOML.replace('language = "ar"', 'langauge = "ar"'),
        "delegates[0].langauge",
        'langauge = "ar"',
        "unknown field",
    ),
    toml_roster_case(
        "toml-unknown-event",
        ROSTER_TOML.replace('"upr-iraq"]', '"upr-irak"]'),
        "delegates[1].events",
        '"upr-irak"]',
        "'upr-irak'",
    ),
    toml_roster_case(
        "toml-leg-same-identity",
        ROSTER_TOML.replace("[[stays]]", _LEG_TABLE + "\n[[stays]]"),
        "legs[1].id",
        "[[legs]]",
        f"the one at line {line_of(ROSTER_TOML, '[[legs]]')}",
        nth=1,
    ),
    toml_roster_case(
        "toml-leg-dst-gap",
        ROSTER_TOML.replace(
            '"Asia/Baghdad"\ndeparts = 2014-10-26T04:10:00',
            '"Europe/Oslo"\ndeparts = 2014-03-30T02:30:00',
        ).replace("arrives = 2014-10-26T06:25:00", "arrives = 2014-03-30T09:00:00"),
        "legs[0].departs",
        "departs = 2014-03-30T02:30:00",
        "02:30",
    ),
    toml_roster_case(
        "toml-leg-offset",
        ROSTER_TOML.replace("departs = 2014-10-26T04:10:00", "departs = 2014-10-26T04:10:00+03:00"),
        "legs[0].departs",
        "departs = 2014-10-26T04:10:00+03:00",
        "offset",
    ),
    toml_roster_case(
        "toml-stay-check-out-before-check-in",
        ROSTER_TOML.replace("check_out = 2014-11-02", "check_out = 2014-10-25"),
        "stays[0].check_out",
        "check_out = 2014-10-25",
    ),
]


# --- command-line arguments ------------------------------------------------------------

CLI_CASES = [
    Case(
        id="unknown-delegate",
        files=roster_files(),
        args=("itinerary", "nobody", "--roster", "{in}/roster.csv", "-o", "{out}/n.txt"),
        source="roster.csv",
        where=None,
        field="id",
        words=("'nobody'",),
    ),
    Case(
        id="unknown-format",
        files=roster_files(),
        args=(*ITINERARY, "--format", "nosuch"),
        source=None,
        where=None,
        field="--format",
        words=("'nosuch'",),
    ),
    Case(
        id="tz-fixed-offset",
        files=roster_files(),
        args=(*ITINERARY, "--tz", "+03:00"),
        source=None,
        where=None,
        field="--zone",
        words=("'+03:00'", "IANA"),
    ),
    Case(
        id="tz-unknown-zone",
        files={},
        args=("export", "text", "--tz", "Asia/Bagdad", "-o", "{out}/p.txt"),
        source=None,
        where=None,
        field="--zone",
        words=("'Asia/Bagdad'",),
    ),
    Case(
        id="events-tz-utc-offset",
        files={},
        args=("events", "--tz", "UTC+3"),
        source=None,
        where=None,
        field="--zone",
        words=("'UTC+3'",),
    ),
    Case(
        id="language-without-a-catalogue",
        files=roster_files(),
        args=(*ITINERARY, "--language", "fr", "-o", "{out}/a.txt"),
        source=None,
        where=None,
        field="--language",
        words=("'fr'", "ar, en"),
    ),
    Case(
        id="language-not-a-tag",
        files={},
        args=("export", "text", "--language", "english please", "-o", "{out}/p.txt"),
        source=None,
        where=None,
        field="--language",
        words=("'english please'",),
    ),
]

ALL_CASES = PROGRAMME_CASES + ROSTER_CSV_CASES + ROSTER_TOML_CASES + CLI_CASES


def test_case_ids_are_unique() -> None:
    ids = [case.id for case in ALL_CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.id)
def test_bad_input_is_one_line_and_exit_2(case: Case, tmp_path: Path) -> None:
    check_rejected(case, tmp_path)


# --- build --out DIR keeps what it had -------------------------------------------------

BUILD_FAILURES = {
    "unknown-event": roster_files(
        roster=csv_text(changed(ROSTER, 3, "events", "icssi-oslo-conference;oslo-dinner"))
    ),
    "legs-dst-gap": roster_files(legs=csv_text([*LEGS, GAP_LEG])),
    "stays-backwards": roster_files(stays=csv_text(changed(STAYS, 3, "check_out", "2014-11-01"))),
}


@pytest.mark.parametrize("files", BUILD_FAILURES.values(), ids=list(BUILD_FAILURES))
def test_failed_build_leaves_out_dir_as_it_was(files: dict[str, str], tmp_path: Path) -> None:
    inputs, parent = tmp_path / "in", tmp_path / "published"
    inputs.mkdir()
    for name, content in files.items():
        (inputs / name).write_text(content, encoding="utf-8")
    site = parent / "site"
    (site / "amal-karim").mkdir(parents=True)
    (site / "index.txt").write_text("last week's build\n")
    (site / "amal-karim" / "itinerary.txt").write_text("last week's itinerary\n")
    before = snapshot(parent)

    result = run_cli(
        "build", "--roster", str(inputs / "roster.csv"), "--out", str(site), cwd=tmp_path
    )

    assert result.returncode == BAD_INPUT, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    # same files, same bytes; and no staging folder beside DIR
    assert snapshot(parent) == before
    assert sorted(path.name for path in parent.iterdir()) == ["site"]


def test_build_with_unknown_format_writes_nothing(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name, content in roster_files().items():
        (inputs / name).write_text(str(content), encoding="utf-8")
    site = tmp_path / "site"

    result = run_cli(
        "build", "--roster", str(inputs / "roster.csv"), "--out", str(site), "--format", "nosuch",
        cwd=tmp_path,
    )  # fmt: skip

    assert result.returncode == BAD_INPUT, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "'nosuch'" in result.stderr
    assert not site.exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in"]


# --- the same inputs, repaired, are accepted: the cases fail for the stated reason -----


def write_inputs(folder: Path, files: dict[str, str | bytes]) -> None:
    folder.mkdir(exist_ok=True)
    for name, content in files.items():
        (folder / name).write_text(str(content), encoding="utf-8")


def test_good_programme_exports(tmp_path: Path) -> None:
    write_inputs(tmp_path, {"programme.toml": GOOD_PROGRAMME})
    out = tmp_path / "out" / "p.txt"
    result = run_cli(
        "--programme", str(tmp_path / "programme.toml"), "export", "text", "-o", str(out),
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Conference" in out.read_text(encoding="utf-8")
    assert [path.name for path in out.parent.iterdir()] == ["p.txt"]  # no temporary left


@pytest.mark.parametrize("roster_name", ["roster.csv", "roster.toml"])
def test_good_rosters_load(roster_name: str, tmp_path: Path) -> None:
    write_inputs(tmp_path, {**roster_files(), "roster.toml": ROSTER_TOML})
    result = run_cli(
        "itinerary", "amal-karim", "--roster", str(tmp_path / roster_name), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "Amal Karim" in result.stdout


@pytest.mark.parametrize(("fold", "utc_hour"), [("earlier", 0), ("later", 1)])
def test_repeated_time_with_fold_loads(fold: str, utc_hour: int, tmp_path: Path) -> None:
    """02:30 on 26 Oct 2014 happens twice in Oslo; ``fold`` says which one is meant."""
    write_inputs(tmp_path, {"programme.toml": FOLD + f'fold = "{fold}"\n'})
    result = run_cli(
        "--programme", str(tmp_path / "programme.toml"), "events", "--json", "--tz", "Asia/Baghdad",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    night = next(row for row in json.loads(result.stdout) if row["id"] == "night")

    expected = datetime(2014, 10, 26, 2, 30, fold=1 if fold == "later" else 0, tzinfo=OSLO)
    assert expected.astimezone(UTC) == datetime(2014, 10, 26, utc_hour, 30, tzinfo=UTC)
    # (compared in UTC: Python never finds a time in the fold equal across zones)
    instant = expected.astimezone(UTC)
    start = datetime.fromisoformat(night["start"])
    assert start.astimezone(UTC) == instant
    assert start.utcoffset() == expected.utcoffset()
    in_baghdad = datetime.fromisoformat(night["start_in_zone"])
    assert in_baghdad.astimezone(UTC) == instant
    assert in_baghdad.replace(tzinfo=None) == datetime(2014, 10, 26, utc_hour + 3, 30)


def test_backwards_leg_is_really_backwards() -> None:
    """The refused leg arrives later on the wall clock but earlier in real time; the
    same trip the other way round (earlier on the wall clock, later in real time) loads."""
    departs = datetime.fromisoformat(BACKWARDS_LEG[5]).replace(tzinfo=ZoneInfo(BACKWARDS_LEG[4]))
    arrives = datetime.fromisoformat(BACKWARDS_LEG[8]).replace(tzinfo=ZoneInfo(BACKWARDS_LEG[7]))
    assert arrives.replace(tzinfo=None) > departs.replace(tzinfo=None)
    assert arrives.astimezone(UTC) < departs.astimezone(UTC)
    assert departs.astimezone(BAGHDAD).replace(tzinfo=None) == datetime(2014, 11, 2, 12, 0)


def test_leg_earlier_on_the_wall_clock_but_later_in_real_time_loads(tmp_path: Path) -> None:
    # Baghdad 10:00 (07:00 UTC) to Oslo 09:30 (08:30 UTC): 90 minutes in the air.
    leg = ["amal-karim", "flight", "XX 2", "Baghdad", "Asia/Baghdad", "2014-10-27 10:00",
           "Oslo", "Europe/Oslo", "2014-10-27 09:30"]  # fmt: skip
    departs = datetime(2014, 10, 27, 10, 0, tzinfo=BAGHDAD)
    arrives = datetime(2014, 10, 27, 9, 30, tzinfo=OSLO)
    assert arrives - departs == timedelta(minutes=90)
    write_inputs(tmp_path, roster_files(legs=csv_text([*LEGS, leg])))
    result = run_cli(
        "itinerary", "amal-karim", "--roster", str(tmp_path / "roster.csv"), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "XX 2" in result.stdout
