"""Hostile input, one row per class that used to give a traceback, a hang, silently
wrong data or a message that was not one helpful line (issue 12).

Every row runs the real command in its own process through ``check_rejected`` of
test_bad_input.py: one line on stderr naming file, line or row and field, with a fix;
exit status 2; nothing written. Further tests check what is accepted and made right
(old zone names, line separators), and that loading and PDF line breaking do work in
proportion to their input (counted, not timed).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from icssi_itinerary import load_programme, load_roster
from test_bad_input import (
    CONFERENCE,
    GOOD_PROGRAMME,
    HEAD,
    ITINERARY,
    LEGS,
    REVIEW,
    ROSTER,
    Case,
    changed,
    check_rejected,
    csv_text,
    line_of,
    programme_case,
    roster_case,
    roster_files,
    run_cli,
    second_event,
)
from test_ics_import import FEED

PUBLISH = (
    "publish", "--roster", "{in}/roster.csv", "--out", "{in}/site",
    "--base-url", "https://example.org/icssi", "--format", "text",
)  # fmt: skip
EXPORT = ("--programme", "{in}/programme.toml", "export", "text", "-o", "{out}/p.txt")


def linked(name: str, target: str) -> Callable[[Path], None]:
    """Makes *name* in the input folder a symbolic link to *target*."""
    return lambda folder: (folder / name).symlink_to(target)


def fifo(name: str) -> Callable[[Path], None]:
    return lambda folder: os.mkfifo(folder / name)


def sparse(name: str, size: int) -> Callable[[Path], None]:
    """A file of *size* bytes that takes no room on disk (a hole)."""

    def make(folder: Path) -> None:
        with (folder / name).open("wb") as stream:
            stream.truncate(size)

    return make


def special(case_id: str, make: Callable[[Path], None], *words: str) -> Case:
    """``--programme {in}/programme.toml`` where that is no regular, readable file."""
    return Case(case_id, {}, EXPORT, "programme.toml", None, None, words, make)


def ics_case(case_id: str, old: str, new: str, field: str | None, *words: str) -> Case:
    """The partner feed of test_ics_import.py with *old* replaced by *new*."""
    assert old in FEED
    return Case(
        id=case_id,
        files={"programme.ics": FEED.replace(old, new, 1)},
        args=("--programme", "{in}/programme.ics", "export", "text", "-o", "{out}/p.txt"),
        source="programme.ics",
        where=None,
        field=field,
        words=words,
    )


DEEP = HEAD + CONFERENCE + "deep = " + "[" * 5000 + "]" * 5000 + "\n"
LONG_INTEGER = HEAD.replace("latitude", "x") + CONFERENCE.replace(
    'contacts = ["ann"]', 'contacts = ["ann"]\npriority = ' + "7" * 5000
)
TRIPLE_QUOTE = (
    HEAD
    + CONFERENCE.replace('title = "Conference"', "title = \"Conference ''' 2014\"")
    + REVIEW.replace('venue = "palace"', 'venue = "palais"')
)
INLINE_EVENTS = (
    'events = [{id = "talk", title = "Talk", venue = "nowhere", start = 2014-10-27}]\n' + HEAD
)
CHAINED_SESSIONS = (
    HEAD
    + CONFERENCE.replace('id = "conference"', 'id = "s0"')
    + "".join(
        f'\n[[events]]\nid = "s{n}"\ntitle = "S{n}"\nparent = "s{n - 1}"\nstart = 2014-10-27\n'
        for n in range(1, 40)
    )
)
ROSTER_TOKEN = [[*ROSTER[0], "token_version"], *[[*row, "1"] for row in ROSTER[1:]]]

CASES = [
    # --- tracebacks -----------------------------------------------------------------
    programme_case("toml-nested-5000-deep", DEEP, None, "deep = ", "32"),
    programme_case("toml-5000-digit-integer", LONG_INTEGER, None, "priority = ", "digits"),
    *(
        roster_case(
            f"token-version-{value[:5]}",
            "roster",
            changed(ROSTER_TOKEN, 2, "token_version", value),
            2,
            "token_version",
            "whole number",
        )
        for value in ("inf", "nan", "1e400", "9" * 5000, "1.5", "0")
    ),
    ics_case(
        "ics-date-start-date-time-end",
        "DTSTART:20141105T140000Z",
        "DTSTART;VALUE=DATE:20141105",
        "VEVENT[1].DTEND",
        "one kind",
    ),
    ics_case(
        "ics-date-time-start-date-end",
        "DTEND:20141105T150000Z",
        "DTEND;VALUE=DATE:20141106",
        "VEVENT[1].DTEND",
        "one kind",
    ),
    ics_case("ics-geo-abc", "SUMMARY:Call\r\n", "SUMMARY:Call\r\nGEO:abc\r\n", "VEVENT[1].GEO"),
    ics_case(
        "ics-dtstart-not-a-date",
        "DTSTART:20141105T140000Z",
        "DTSTART:notadate",
        "VEVENT[1].DTSTART",
    ),
    ics_case("ics-duration-pxyz", "DTEND:20141105T150000Z", "DURATION:PXYZ", "VEVENT[1].DURATION"),
    ics_case(
        "ics-second-60",
        "DTSTART:20141105T140000Z",
        "DTSTART:20141105T235960Z",
        "VEVENT[1].DTSTART",
    ),
    ics_case(
        "ics-hour-24", "DTSTART:20141105T140000Z", "DTSTART:20141105T240000Z", "VEVENT[1].DTSTART"
    ),
    ics_case(
        "ics-ends-after-year-9999",
        "DTSTART:20141105T140000Z\r\nDTEND:20141105T150000Z",
        "DTSTART:99991231T230000Z\r\nDURATION:PT5H",
        "VEVENT[1].DTEND",
    ),
    special("endless-dev-zero", linked("programme.toml", "/dev/zero"), "not a regular file"),
    Case(
        "output-folder-is-a-file",
        {"programme.toml": GOOD_PROGRAMME},
        ("--programme", "{in}/programme.toml", "export", "text", "-o", "{in}/programme.toml/p"),
        "programme.toml",
        None,
        None,
        ("in the way",),
    ),
    Case(
        "secret-file-dangling-link",
        roster_files(),
        (*PUBLISH, "--secret-file", "{in}/secret.key"),
        "secret.key",
        None,
        None,
        make=linked("secret.key", "/nonexistent/secret.key"),
    ),
    Case(
        "site-private-is-a-file",
        roster_files(),
        PUBLISH,
        "site.private",
        None,
        None,
        make=lambda folder: (folder / "site.private").write_text("in the way\n"),
    ),
    # --- hangs ------------------------------------------------------------------------
    special("fifo", fifo("programme.toml"), "not a regular file"),
    special("larger-than-64-mib", sparse("programme.toml", 64 * 2**20 + 1), "64 MiB"),
    # --- wrong data accepted silently -------------------------------------------------
    programme_case(
        "zone-est",
        HEAD.replace('"Europe/Zurich"', '"EST"') + CONFERENCE,
        "venues[1].timezone",
        'timezone = "EST"',
        "'EST'",
        "America/New_York",
    ),
    programme_case(
        "zone-est5edt",
        HEAD.replace('"Europe/Zurich"', '"EST5EDT"') + CONFERENCE,
        "venues[1].timezone",
        'timezone = "EST5EDT"',
        "America/New_York",
    ),
    roster_case(
        "csv-duplicated-column",
        "roster",
        [[*row[:-1], row[1]] for row in ROSTER],
        1,
        None,
        "'name' given twice",
    ),
    roster_case(
        "departs-basic-format-date",
        "legs",
        changed(LEGS, 2, "departs", "20141026"),
        2,
        "departs",
        "'20141026'",
    ),
    ics_case(
        "ics-rrule",
        "SUMMARY:Call\r\n",
        "SUMMARY:Call\r\nRRULE:FREQ=DAILY;COUNT=5\r\n",
        "VEVENT[1].RRULE",
        "repeating",
    ),
    programme_case(
        "year-out-of-range",
        HEAD + REVIEW.replace("2014-11-03T12:00:00", "9999-12-31T23:00:00"),
        "events[0].end",
        "9999-12-31T23:00:00",
        "9999",
    ),
    programme_case(
        "sessions-nested-40-deep",
        CHAINED_SESSIONS,
        "events[33].parent",
        'parent = "s32"',
        "32",
    ),
    # --- messages that were not one helpful line --------------------------------------
    Case(
        "roster-is-a-folder",
        roster_files(),
        ("itinerary", "amal-karim", "--roster", "{in}", "-o", "{out}/a.txt"),
        None,
        None,
        "--roster",
        ("directory",),
    ),
    Case(
        "template-dir-is-a-file",
        roster_files(),
        (*ITINERARY, "--option", "html.template_dir={in}/roster.csv", "--format", "html"),
        None,
        None,
        "--option html.template_dir",
        ("not a folder",),
    ),
    Case("serve-missing-site", {}, ("serve", "{in}/site"), None, None, "SITE", ("not exist",)),
    special("programme-dangling-link", linked("programme.toml", "nowhere.toml"), "link"),
    special("programme-is-a-folder", lambda folder: (folder / "programme.toml").mkdir(), "folder"),
    ics_case("ics-no-end", "END:VCALENDAR\r\n", "", None, "VCALENDAR"),
    ics_case(
        "ics-two-calendars",
        "END:VCALENDAR\r\n",
        "END:VCALENDAR\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        None,
        "more than one",
    ),
    programme_case(
        "triple-quote-inside-a-string",
        TRIPLE_QUOTE,
        "events[1].venue",
        'venue = "palais"',
        "'palais'",
    ),
    programme_case("inline-events", INLINE_EVENTS, "events[0].venue", "events = [", "'nowhere'"),
    programme_case(
        "events-is-text",
        'events = "talk"\n' + HEAD,
        "events",
        'events = "talk"',
        "array of tables",
    ),
    programme_case(
        "toml-time-without-seconds",
        HEAD + REVIEW.replace("start = 2014-11-03T10:00:00", "start = 2014-11-03T10:00"),
        None,
        "start = 2014-11-03T10:00",
        "10:00:00",
    ),
    roster_case(
        "csv-semicolons",
        "roster",
        [[";".join(row)] for row in ROSTER],
        1,
        None,
        "semicolons",
    ),
    roster_case(
        "csv-cell-longer-than-the-limit",
        "roster",
        changed(ROSTER, 3, "organisation", "x" * 200_000),
        3,
        None,
        "131,072",
    ),
    # --- what no output may carry -----------------------------------------------------
    programme_case(
        "nul-escape-in-toml",
        HEAD + CONFERENCE.replace('"Conference"', '"Con\\u0000ference"'),
        "events[0].title",
        'title = "Con',
        "U+0000",
    ),
    Case(
        "control-character-in-csv",
        roster_files(roster=csv_text(changed(ROSTER, 3, "name", "Sami\x1bNoor"))),
        ITINERARY,
        "roster.csv",
        3,
        None,
        ("U+001B",),
    ),
]


def test_case_ids_are_unique() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_hostile_input_is_one_line_and_exit_2(case: Case, tmp_path: Path) -> None:
    check_rejected(case, tmp_path)


def test_a_file_that_cannot_be_read_is_one_line(tmp_path: Path) -> None:
    """/proc/self/mem is a regular file that fails on read, even for root."""
    if not Path("/proc/self/mem").exists():
        pytest.skip("no /proc on this system")
    result = run_cli("--programme", "/proc/self/mem", "events", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: /proc/self/mem: cannot read"), line


# --- made right, with a warning -------------------------------------------------------


def test_old_zone_names_are_written_in_their_current_form(tmp_path: Path) -> None:
    text = HEAD.replace('"Europe/Zurich"', '"Europe/Kiev"') + CONFERENCE + REVIEW
    (tmp_path / "programme.toml").write_text(text, encoding="utf-8")
    out = tmp_path / "programme.ics"
    result = run_cli(
        "--programme", str(tmp_path / "programme.toml"), "export", "ical", "-o", str(out),
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    warning = next(line for line in result.stderr.splitlines() if line.startswith("Warning:"))
    where = f"{tmp_path / 'programme.toml'}:{line_of(text, 'Europe/Kiev')}: venues[1].timezone"
    assert where in warning and "Europe/Kyiv" in warning, warning
    feed = out.read_text(encoding="utf-8")
    assert "Europe/Kyiv" in feed and "Kiev" not in feed


@pytest.mark.parametrize(
    ("old", "current"), [("Asia/Calcutta", "Asia/Kolkata"), ("US/Eastern", "America/New_York")]
)
def test_an_old_home_zone_is_read_under_its_current_name(
    old: str, current: str, tmp_path: Path
) -> None:
    for name, content in roster_files(
        roster=csv_text(changed(ROSTER, 3, "home_timezone", old))
    ).items():
        (tmp_path / name).write_text(str(content), encoding="utf-8")
    with pytest.warns(UserWarning, match=rf"roster.csv:row 3: home_timezone: '{old}'"):
        roster = load_roster(tmp_path / "roster.csv")
    zone = roster.delegate("sami-noor").home_zone
    assert zone is not None and zone.key == current


def test_line_separators_become_line_breaks_in_every_output(tmp_path: Path) -> None:
    text = HEAD + CONFERENCE.replace('"Conference"', '"Oslo\u2028Conference\u2029 2014"')
    (tmp_path / "programme.toml").write_text(text, encoding="utf-8")
    programme = load_programme(tmp_path / "programme.toml")
    assert programme.event("conference").title == "Oslo\nConference\n 2014"
    for name in ("ical", "html", "text"):
        out = tmp_path / f"programme.{name}"
        result = run_cli(
            "--programme", str(tmp_path / "programme.toml"), "export", name, "-o", str(out),
            cwd=tmp_path,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        data = out.read_bytes()
        assert "\u2028".encode() not in data and "\u2029".encode() not in data, name


def test_a_utf_16_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    (tmp_path / "programme.toml").write_bytes(GOOD_PROGRAMME.encode("utf-16"))
    assert [e.id for e in load_programme(tmp_path / "programme.toml").events] == [
        "conference",
        "review",
    ]


# --- work in proportion to the input (counted, so that no test asserts a time) --------


@contextmanager
def counting_lines() -> Iterator[list[int]]:
    """Counts the lines of Python the library runs (comprehensions included)."""
    count = [0]
    library = str(Path(load_programme.__code__.co_filename).parent)

    def trace(frame: Any, event: str, arg: Any) -> Any:
        if not frame.f_code.co_filename.startswith(library):
            return None
        count[0] += 1
        return trace

    sys.settrace(trace)
    try:
        yield count
    finally:
        sys.settrace(None)


def lines_run(action: Callable[[], object]) -> int:
    with counting_lines() as count:
        action()
    return count[0]


def many_events(count: int) -> str:
    return HEAD + "".join(
        second_event(id=f'"e{n}"', title='"E"', venue='"hall"', start="2014-10-28")
        .removeprefix(HEAD + CONFERENCE)
        .replace('"E"', f'"Event {n}"')
        for n in range(count)
    )


def roster_of(count: int) -> dict[str, str]:
    people = [ROSTER[0]] + [
        [f"p{n}", f"P {n}", "", "", "", "Asia/Baghdad", "en", "*"] for n in range(count)
    ]
    legs = [LEGS[0]] + [
        [f"p{n}", "flight", f"XX {leg}", "Baghdad", "Asia/Baghdad", f"2014-10-{1 + leg:02d} 04:10",
         "Istanbul", "Europe/Istanbul", f"2014-10-{1 + leg:02d} 06:25"]
        for n in range(count)
        for leg in range(2)
    ]  # fmt: skip
    return {"roster.csv": csv_text(people), "legs.csv": csv_text(legs)}


def test_loading_a_programme_does_work_in_proportion_to_its_events(tmp_path: Path) -> None:
    counts = []
    for size in (200, 400):
        path = tmp_path / f"p{size}.toml"
        path.write_text(many_events(size), encoding="utf-8")
        counts.append(lines_run(partial(load_programme, path)))
    assert counts[1] / counts[0] < 2.3, counts  # quadratic work would give about 4


def test_loading_a_roster_does_work_in_proportion_to_its_delegates(tmp_path: Path) -> None:
    counts = []
    for size in (200, 400):
        folder = tmp_path / str(size)
        folder.mkdir()
        for name, text in roster_of(size).items():
            (folder / name).write_text(text, encoding="utf-8")
        counts.append(lines_run(partial(load_roster, folder / "roster.csv")))
    assert counts[1] / counts[0] < 2.3, counts


class _OverBudget(Exception):
    pass


class _CountingWidths(dict[int, float]):
    """A font's advance widths that count how often they are looked up, and stop the
    run once past ``budget`` lookups (quadratic work would run for hours)."""

    lookups = 0
    budget = 0

    def __getitem__(self, key: int) -> float:
        _CountingWidths.lookups += 1
        if _CountingWidths.lookups > _CountingWidths.budget:
            raise _OverBudget(f"more than {_CountingWidths.budget} width lookups")
        return super().__getitem__(key)


@pytest.mark.parametrize("length", [2_000, 16_000])
def test_pdf_line_breaking_measures_a_long_word_in_linear_work(length: int) -> None:
    from datetime import UTC, datetime

    from icssi_itinerary_plugins.pdf_layout import Document

    document = Document("t", datetime(2014, 1, 1, tzinfo=UTC), "test")
    font = document._latin[""]
    original = font.cw
    font.cw = _CountingWidths(original)
    _CountingWidths.lookups, _CountingWidths.budget = 0, 3 * length
    try:
        lines = document._wrap("x" * length, 60.0, 9.0, False)
    finally:
        font.cw = original
    assert "".join(lines) == "x" * length and len(lines) > 1


# --- permissions (run as an unprivileged user: root may read and write anything) -------


def as_nobody(*args: str) -> subprocess.CompletedProcess[str]:
    """The command as user 'nobody' (root starts it through util-linux's setpriv)."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        if os.environ.get("CI"):
            pytest.fail("CI runs as root with util-linux's setpriv")
        pytest.skip("needs root and setpriv to drop to an unprivileged user")
    nobody = ["--reuid=65534", "--regid=65534", "--clear-groups"]
    env = {**os.environ, "ICSSI_ITINERARY_LOAD_PLUGINS": "", "PYTHONUTF8": "1"}
    probe = [setpriv, *nobody, sys.executable, "-c", "import icssi_itinerary.cli"]
    if subprocess.run(probe, env=env, cwd="/", capture_output=True, check=False).returncode:
        pytest.skip("user 'nobody' cannot run this checkout's Python (a private folder)")
    return subprocess.run(
        [setpriv, *nobody, sys.executable, "-m", "icssi_itinerary", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd="/",
        timeout=120,
        check=False,
    )


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder 'nobody' can enter (pytest's tmp_path is root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="hostile-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


def test_an_unreadable_programme_is_one_line(shared_folder: Path) -> None:
    programme = shared_folder / "programme.toml"
    programme.write_text(GOOD_PROGRAMME, encoding="utf-8")
    programme.chmod(0o200)
    result = as_nobody("--programme", str(programme), "events")
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert (
        line == f"Error: {programme}: cannot read: permission denied; check the file's permissions"
    )


def test_a_read_only_output_folder_is_one_line_and_nothing_written(shared_folder: Path) -> None:
    out = shared_folder / "out"
    out.mkdir(mode=0o555)
    out.chmod(0o555)
    result = as_nobody("export", "text", "-o", str(out / "p.txt"))
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"Error: {out}: permission denied; "), line
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("name", ["html", "text"])
def test_text_and_html_drop_control_characters_of_objects_made_in_code(name: str) -> None:
    """The loaders refuse control characters; an exporter given them by a program
    still writes none (the .ics exporter escapes its own, see test_ical.py)."""
    from dataclasses import replace

    from icssi_itinerary import RenderOptions
    from icssi_itinerary.plugins import get_exporters

    programme = load_programme()
    first = programme.events[0]
    title = "Oslo\x00 conference\x1b[31m\u2028in red\x7f"
    programme = replace(programme, events=(replace(first, title=title), *programme.events[1:]))
    data = get_exporters()[name].render_programme(programme, RenderOptions())
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", data)
    assert "\u2028".encode() not in data
    assert b"Oslo conference[31m" in data


def test_the_loading_benchmark_runs_at_a_small_size() -> None:
    """benchmarks/loading.py --small prints its table (no timing is checked)."""
    script = Path(__file__).resolve().parent.parent / "benchmarks" / "loading.py"
    result = subprocess.run(
        [sys.executable, str(script), "--small"],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    rows = [line.split("|") for line in result.stdout.splitlines()[2:]]
    assert [(row[0].strip().split()[0], row[1].strip()) for row in rows] == [
        ("events", "250"), ("events", "500"), ("events", "1,000"), ("events", "2,000"),
        ("delegates", "125"), ("delegates", "250"), ("delegates", "500"), ("delegates", "1,000"),
    ]  # fmt: skip
    assert all(float(row[4]) > 0 for row in rows)
