"""The third-party plugin example, ``examples/icssi-itinerary-markdown``, installed and run.

The package is "installed" the way an installer lays out a wheel: its module beside a
``*.dist-info`` folder whose ``entry_points.txt`` is made from the package's own
``pyproject.toml``. The tool then runs in a subprocess with that folder on
``PYTHONPATH`` and ``ICSSI_ITINERARY_LOAD_PLUGINS=markdown``. Expected times are
computed here with :mod:`zoneinfo` from the press statement, the sample ``legs.csv``
and crafted inputs, not with the library.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from datetime import datetime, timedelta
from html import unescape
from importlib.util import find_spec
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import icssi_itinerary
from conftest import ROOT, SAMPLE_ROSTER, press_statement

PACKAGE = ROOT / "examples" / "icssi-itinerary-markdown"
MODULE = "icssi_itinerary_markdown"
BAGHDAD = ZoneInfo("Asia/Baghdad")
UTC = ZoneInfo("UTC")


# --- installing it ----------------------------------------------------------------------


def _pyproject() -> dict[str, Any]:
    return tomllib.loads((PACKAGE / "pyproject.toml").read_text(encoding="utf-8"))


def _entry_points_txt(project: dict[str, Any]) -> str:
    lines = []
    for group, entries in project.get("entry-points", {}).items():
        lines.append(f"[{group}]")
        lines += [f"{name} = {value}" for name, value in entries.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site-packages-like folder holding the example package, as an installer lays it out."""
    root = tmp_path_factory.mktemp("site")
    project = _pyproject()["project"]
    shutil.copy(PACKAGE / f"{MODULE}.py", root)
    info = root / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir()
    metadata = [
        "Metadata-Version: 2.1",
        f"Name: {project['name']}",
        f"Version: {project['version']}",
        *(f"Requires-Dist: {requirement}" for requirement in project["dependencies"]),
    ]
    (info / "METADATA").write_text("\n".join(metadata) + "\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(_entry_points_txt(project), encoding="utf-8")
    return root


def run(
    site: Path | None,
    *args: str,
    allow: str | None = "markdown",
    under_tests: bool = False,
    cwd: Path = ROOT,
) -> subprocess.CompletedProcess[str]:
    """``icssi-itinerary ARGS`` in a fresh process, with *site* on the path."""
    env = {k: v for k, v in os.environ.items() if k != "ICSSI_ITINERARY_LOAD_PLUGINS"}
    if site is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH")]))
    if allow is not None:
        env["ICSSI_ITINERARY_LOAD_PLUGINS"] = allow
    if under_tests:  # what pytest's conftest does in this process
        command = [
            sys.executable,
            "-c",
            "import sys; sys._called_from_test = True\n"
            "from icssi_itinerary.cli import main; main()",
        ]
    else:
        command = [sys.executable, "-m", "icssi_itinerary"]
    return subprocess.run(
        [*command, *args], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )


def format_names(result: subprocess.CompletedProcess[str]) -> set[str]:
    assert result.returncode == 0, result.stderr
    return {line.split()[0] for line in result.stdout.splitlines() if line.strip()}


def test_pyproject_declares_the_plugin_for_the_icssi_itinerary_entry_point_group() -> None:
    config = _pyproject()
    assert config["build-system"]["build-backend"] == "hatchling.build"
    project = config["project"]
    assert project["name"] == "icssi-itinerary-markdown"
    assert [re.split(r"[<>=!~ \[]", dep)[0] for dep in project["dependencies"]] == [
        "icssi-itinerary"
    ]
    assert project["entry-points"] == {"icssi_itinerary": {"markdown": MODULE}}
    assert len((PACKAGE / "pyproject.toml").read_text().splitlines()) <= 15
    assert (PACKAGE / "README.md").exists()


def test_the_plugin_imports_only_the_public_api() -> None:
    tree = ast.parse((PACKAGE / f"{MODULE}.py").read_text(encoding="utf-8"))
    imported: list[tuple[str, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported += [(node.module or "", alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            imported += [(alias.name, "") for alias in node.names]
    ours = [(module, name) for module, name in imported if module.startswith("icssi_itinerary")]
    assert ours, "the plugin should use icssi_itinerary"
    for module, name in ours:
        assert module == "icssi_itinerary", f"imports from {module}, not the public API"
        assert name in icssi_itinerary.__all__, f"{name} is not public"


@pytest.mark.skipif(find_spec("hatchling") is None, reason="hatchling is not installed")
def test_the_package_builds_into_a_wheel_that_carries_the_entry_point(tmp_path: Path) -> None:
    # hatchling's PEP 517 hook, as `pip install --no-build-isolation` calls it: no network
    code = "import sys, hatchling.build as b; print(b.build_wheel(sys.argv[1]))"
    source = tmp_path / "source"
    shutil.copytree(PACKAGE, source)  # leave the checkout untouched
    built = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        cwd=source,
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    wheel = tmp_path / built.stdout.strip().splitlines()[-1]
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert f"{MODULE}.py" in names
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        text = archive.read(entry_points).decode()
        assert re.search(rf"^\[icssi_itinerary\]\s*\nmarkdown = {MODULE}\s*$", text, re.M)
        archive.extractall(tmp_path / "site")  # a pure-Python wheel installs by unpacking
    assert "markdown" in format_names(run(tmp_path / "site", "formats"))


# --- loading it -------------------------------------------------------------------------


def test_allowed_it_loads_and_lists_its_format_and_hooks(site: Path) -> None:
    formats = run(site, "formats")
    line = next(line for line in formats.stdout.splitlines() if line.split()[0] == "markdown")
    assert line.split()[1:3] == [".md", "text/markdown;"]
    assert "charset=utf-8" in line
    plugins = run(site, "plugins")
    assert plugins.returncode == 0, plugins.stderr
    assert json.loads(plugins.stdout) == [
        {"name": "markdown", "hooks": ["register_checks", "register_exporters"]}
    ]


@pytest.mark.parametrize(
    ("allow", "under_tests"),
    [(None, True), ("", False), ("", True), ("something-else", False)],
    ids=["unset-under-tests", "empty", "empty-under-tests", "other-plugin-only"],
)
def test_not_allowed_it_does_not_load(site: Path, allow: str | None, under_tests: bool) -> None:
    names = format_names(run(site, "formats", allow=allow, under_tests=under_tests))
    assert "text" in names
    assert "markdown" not in names


def test_unset_outside_tests_every_installed_plugin_loads(site: Path) -> None:
    assert "markdown" in format_names(run(site, "formats", allow=None))


def test_without_the_package_the_format_is_unknown() -> None:
    result = run(None, "export", "markdown")
    assert result.returncode == 2
    assert "markdown" in result.stderr
    assert "Traceback" not in result.stderr


# --- the markdown format ------------------------------------------------------------------


def items(markdown: str) -> list[tuple[str, list[str]]]:
    """Each list item with the ``##`` day heading it sits under: (heading, its lines)."""
    found: list[tuple[str, list[str]]] = []
    heading = ""
    for line in markdown.splitlines():
        if line.startswith("## "):
            heading = line[3:].strip()
        elif line.startswith("- "):
            found.append((heading, [line.rstrip()]))
        elif line.startswith("  ") and found and line.strip():
            found[-1][1].append(line.strip())
    return found


def item(markdown: str, title: str) -> tuple[str, list[str]]:
    matches = [(heading, lines) for heading, lines in items(markdown) if title in lines[0]]
    assert len(matches) == 1, f"{title!r} should be one item of:\n{markdown}"
    return matches[0]


def day_heading(moment: datetime) -> str:
    return f"{moment:%A} {moment.day} {moment:%B %Y}"


def wall(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def hhmm(start: datetime, end: datetime) -> str:
    return f"{start:%H:%M}–{end:%H:%M} {end.tzname()}"


def _press_statement_hours(pattern: str) -> tuple[int, int]:
    found = re.search(pattern, press_statement())
    assert found, pattern
    return int(found.group(1)), int(found.group(2))


def geneva_and_brussels() -> list[tuple[str, datetime, datetime]]:
    """The two timed sessions of the tour, from the press statement, at the venue."""
    geneva = ZoneInfo("Europe/Zurich")
    brussels = ZoneInfo("Europe/Brussels")
    g_from, g_to = _press_statement_hours(r"Palais des Nations, from (\d+)-(\d+) a\.m\.")
    b_from, b_to = _press_statement_hours(r"Spaak Building from (\d+)-(\d+) p\.m\.")
    return [
        (
            "ICSSI session at the Palais des Nations",
            datetime(2014, 11, 3, g_from, tzinfo=geneva),
            datetime(2014, 11, 3, g_to, tzinfo=geneva),
        ),
        (
            "Meeting with Members of the European Parliament",
            datetime(2014, 11, 5, b_from + 12, tzinfo=brussels),
            datetime(2014, 11, 5, b_to + 12, tzinfo=brussels),
        ),
    ]


def test_the_oracle_matches_the_brief() -> None:
    (_, start, end), _ = geneva_and_brussels()
    assert hhmm(start, end) == "10:00–12:00 CET"
    assert start.astimezone(UTC).hour == 9
    assert hhmm(start.astimezone(BAGHDAD), end.astimezone(BAGHDAD)) == "12:00–14:00 +03"


def test_export_markdown_shows_venue_time_and_the_second_clock(site: Path) -> None:
    result = run(site, "export", "markdown", "--tz", "Asia/Baghdad")
    assert result.returncode == 0, result.stderr
    markdown = result.stdout
    assert markdown.startswith("# ICSSI 2014")
    for title, start, end in geneva_and_brussels():
        heading, lines = item(markdown, title)
        assert heading == day_heading(start)
        assert f"**{hhmm(start, end)}**" in lines[0]
        there = hhmm(start.astimezone(BAGHDAD), end.astimezone(BAGHDAD))
        assert lines[-1] == f"*{there} in Asia/Baghdad*"
    # a date-only event stays a date: no hour, and nothing on the second clock
    heading, lines = item(markdown, "ICSSI 2014 Oslo Conference")
    assert heading == "Monday 27 October 2014"
    assert not re.search(r"\d\d:\d\d", "\n".join(lines))
    assert "Asia/Baghdad" not in "\n".join(lines)
    # the programme is public: nothing from the roster
    for row in csv.DictReader(SAMPLE_ROSTER.open(encoding="utf-8")):
        assert row["name"] not in markdown


def test_export_markdown_without_a_second_zone_shows_one_clock(site: Path) -> None:
    result = run(site, "export", "markdown")
    assert result.returncode == 0, result.stderr
    _, lines = item(result.stdout, "ICSSI session at the Palais des Nations")
    assert "10:00–12:00 CET" in lines[0]
    assert not any("Asia/Baghdad" in line or "12:00–14:00" in line for line in lines)


def sample_legs(delegate: str) -> list[dict[str, str]]:
    with (SAMPLE_ROSTER.parent / "legs.csv").open(encoding="utf-8") as legs:
        return [row for row in csv.DictReader(legs) if row["delegate"] == delegate]


def test_itinerary_markdown_shows_each_item_on_both_clocks(site: Path) -> None:
    result = run(
        site, "itinerary", "amal-karim", "--roster", str(SAMPLE_ROSTER), "--format", "markdown"
    )
    assert result.returncode == 0, result.stderr
    markdown = result.stdout
    assert markdown.startswith("# Itinerary for Amal Karim\n")
    assert "أمل كريم" in markdown  # the native name, as written
    for title, start, end in geneva_and_brussels():  # home_timezone: Asia/Baghdad
        heading, lines = item(markdown, title)
        assert heading == day_heading(start)
        assert f"**{hhmm(start, end)}**" in lines[0]
        there = hhmm(start.astimezone(BAGHDAD), end.astimezone(BAGHDAD))
        assert lines[-1] == f"*{there} in Asia/Baghdad*"
    legs = sample_legs("amal-karim")
    assert legs
    for leg in legs:
        departs = datetime.fromisoformat(leg["departs"]).replace(
            tzinfo=ZoneInfo(leg["from_timezone"])
        )
        arrives = datetime.fromisoformat(leg["arrives"]).replace(
            tzinfo=ZoneInfo(leg["to_timezone"])
        )
        heading, lines = item(markdown, f"{leg['reference']} {leg['from']} → {leg['to']}")
        assert heading == day_heading(departs)  # the day on the clocks where it leaves
        assert f"{departs:%H:%M}" in lines[0] and f"{arrives:%H:%M} {arrives.tzname()}" in lines[0]
        home = departs.astimezone(BAGHDAD), arrives.astimezone(BAGHDAD)
        if [wall(t) for t in home] == [wall(departs), wall(arrives)]:  # the clocks agree
            assert "Asia/Baghdad" not in "\n".join(lines)
        else:
            assert lines[-1] == f"*{hhmm(*home)} in Asia/Baghdad*"


def test_itinerary_markdown_renders_as_markdown(site: Path) -> None:
    markdown_lib = pytest.importorskip("markdown")  # comes with mkdocs (the docs extra)
    result = run(
        site, "itinerary", "amal-karim", "--roster", str(SAMPLE_ROSTER), "--format", "markdown"
    )
    html = markdown_lib.markdown(result.stdout)
    assert html.count("<h1>") == 1
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    assert headings == sorted(set(headings), key=headings.index)  # each day once
    assert "<strong>10:00–12:00 CET</strong>" in html
    assert "<em>12:00–14:00 +03 in Asia/Baghdad</em>" in html
    assert "<br />" in html  # one item, several lines


_PROGRAMME = """\
[programme]
id = "crafted"
title = "A *crafted* [programme] <b> & #1"

[[venues]]
id = "hall"
name = "Hall_One | Two"
city = "Oslo"
timezone = "Europe/Oslo"

[[events]]
id = "summer-time"
title = "Saturday session"
kind = "session"
venue = "hall"
start = 2014-10-25T10:00:00
end = 2014-10-25T12:00:00

[[events]]
id = "late"
title = "Late *session* <script>"
kind = "session"
venue = "hall"
start = 2014-10-27T23:00:00
end = 2014-10-27T23:30:00
"""


def test_times_follow_daylight_saving_time_and_dates_change_on_the_second_clock(
    site: Path, tmp_path: Path
) -> None:
    (tmp_path / "programme.toml").write_text(_PROGRAMME, encoding="utf-8")
    result = run(
        site, "--programme", str(tmp_path / "programme.toml"), "export", "markdown",
        "--tz", "Asia/Baghdad",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    oslo = ZoneInfo("Europe/Oslo")
    # 25 Oct 2014: still summer time in Oslo (CEST, UTC+2): one hour behind Baghdad
    start, end = datetime(2014, 10, 25, 10, tzinfo=oslo), datetime(2014, 10, 25, 12, tzinfo=oslo)
    _, lines = item(result.stdout, "Saturday session")
    assert f"**{hhmm(start, end)}**" in lines[0] and start.tzname() == "CEST"
    there = hhmm(start.astimezone(BAGHDAD), end.astimezone(BAGHDAD))
    assert lines[-1] == f"*{there} in Asia/Baghdad*"
    # 27 Oct 23:00 CET is already the 28th in Baghdad: the second clock says which day
    start = datetime(2014, 10, 27, 23, tzinfo=oslo)
    baghdad = start.astimezone(BAGHDAD)
    assert baghdad.date() == start.date() + timedelta(days=1)
    heading, lines = item(result.stdout, "Late")
    assert heading == day_heading(start)
    assert f"{baghdad.day} {baghdad:%b} {baghdad:%H:%M}–" in lines[-1]


def test_markdown_characters_in_titles_are_text_not_markup(site: Path, tmp_path: Path) -> None:
    markdown_lib = pytest.importorskip("markdown")
    (tmp_path / "programme.toml").write_text(_PROGRAMME, encoding="utf-8")
    result = run(site, "--programme", str(tmp_path / "programme.toml"), "export", "markdown")
    assert result.returncode == 0, result.stderr
    html = markdown_lib.markdown(result.stdout)
    assert "<script>" not in html and "<b>" not in html
    text = unescape(re.sub(r"<[^>]+>", "", html))
    for literal in (
        "A *crafted* [programme] <b> & #1",
        "Late *session* <script>",
        "Hall_One | Two",
    ):
        assert literal in text


def test_build_writes_a_markdown_file_per_delegate(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(
        site, "build", "--roster", str(SAMPLE_ROSTER), "--out", str(out), "--format", "markdown",
        "--jobs", "1",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (out / "programme.md").read_text(encoding="utf-8").startswith("# ICSSI 2014")
    for row in csv.DictReader(SAMPLE_ROSTER.open(encoding="utf-8")):
        page = (out / row["id"] / "itinerary.md").read_text(encoding="utf-8")
        assert page.startswith(f"# Itinerary for {row['name']}\n")


# --- the early-start check ------------------------------------------------------------------

_ROSTER = """\
id,name,home_timezone,events
late-lander,Late Lander,Asia/Baghdad,mep-meeting
past-midnight,Past Midnight,Asia/Baghdad,mep-meeting
late-only-at-home,Late Only At Home,Asia/Baghdad,mep-meeting
rested,Rested,Asia/Baghdad,mep-meeting
"""

# (delegate, from, zone, departs, to, zone, arrives): local clocks at each end
_LEGS = [
    # lands 23:40 in Geneva, leaves 06:30 the next morning: an early start
    ("late-lander", "Oslo", "Europe/Oslo", "2014-11-03 21:10",
     "Geneva", "Europe/Zurich", "2014-11-03 23:40"),
    ("late-lander", "Geneva", "Europe/Zurich", "2014-11-04 06:30",
     "Brussels", "Europe/Brussels", "2014-11-04 07:55"),
    # lands 00:20, leaves 06:00 the same date: an early start
    ("past-midnight", "Oslo", "Europe/Oslo", "2014-11-03 21:50",
     "Geneva", "Europe/Zurich", "2014-11-04 00:20"),
    ("past-midnight", "Geneva", "Europe/Zurich", "2014-11-04 06:00",
     "Brussels", "Europe/Brussels", "2014-11-04 07:25"),
    # lands 21:30 in Geneva, which is 23:30 in Baghdad: not late where it lands
    ("late-only-at-home", "Oslo", "Europe/Oslo", "2014-11-03 19:00",
     "Geneva", "Europe/Zurich", "2014-11-03 21:30"),
    ("late-only-at-home", "Geneva", "Europe/Zurich", "2014-11-04 06:30",
     "Brussels", "Europe/Brussels", "2014-11-04 07:55"),
    # lands late, but the next commitment is at 07:30
    ("rested", "Oslo", "Europe/Oslo", "2014-11-03 21:10",
     "Geneva", "Europe/Zurich", "2014-11-03 23:40"),
    ("rested", "Geneva", "Europe/Zurich", "2014-11-04 07:30",
     "Brussels", "Europe/Brussels", "2014-11-04 08:55"),
]  # fmt: skip


@pytest.fixture
def crafted_roster(tmp_path: Path) -> Path:
    (tmp_path / "roster.csv").write_text(_ROSTER, encoding="utf-8")
    with (tmp_path / "legs.csv").open("w", encoding="utf-8", newline="") as legs:
        writer = csv.writer(legs)
        writer.writerow(
            ["delegate", "mode", "from", "from_timezone", "departs", "to", "to_timezone", "arrives"]
        )
        for delegate, origin, from_zone, departs, to, to_zone, arrives in _LEGS:
            writer.writerow([delegate, "flight", origin, from_zone, departs, to, to_zone, arrives])
    return tmp_path / "roster.csv"


def _local(text: str, zone: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def test_the_crafted_legs_are_what_the_cases_say() -> None:
    """The cases hold on the clocks at each place, checked independently of the plugin."""
    by_delegate: dict[str, list[tuple[datetime, datetime]]] = {}
    for delegate, _, from_zone, departs, _, to_zone, arrives in _LEGS:
        by_delegate.setdefault(delegate, []).append(
            (_local(departs, from_zone), _local(arrives, to_zone))
        )
    (_, landed), (left, _) = by_delegate["late-only-at-home"]
    assert landed.hour < 23 and landed.astimezone(BAGHDAD).hour == 23
    assert left.hour < 7
    (_, landed), (left, _) = by_delegate["past-midnight"]
    assert landed.hour == 0 and left.date() == landed.date() and left.hour < 7
    for legs in by_delegate.values():
        (_, landed), (left, _) = legs
        assert left.astimezone(UTC) > landed.astimezone(UTC)


def test_validate_reports_early_starts_with_local_times(site: Path, crafted_roster: Path) -> None:
    result = run(site, "validate", "--roster", str(crafted_roster))
    assert result.returncode == 1, result.stderr
    found = {
        line.split(": ")[0]: line
        for line in result.stdout.splitlines()
        if ": early-start: " in line
    }  # fmt: skip
    assert set(found) == {"late-lander", "past-midnight"}
    assert found["late-lander"].startswith("late-lander: warning: early-start: ")
    assert "06:30 CET" in found["late-lander"] and "23:40 CET" in found["late-lander"]
    assert "06:00 CET" in found["past-midnight"] and "00:20 CET" in found["past-midnight"]
    assert "Traceback" not in result.stderr


def test_without_the_plugin_there_is_no_early_start_check(site: Path, crafted_roster: Path) -> None:
    result = run(site, "validate", "--roster", str(crafted_roster), allow="")
    assert result.returncode in (0, 1), result.stderr
    assert "early-start" not in result.stdout


def test_the_coordinators_copy_lists_the_early_start(site: Path, crafted_roster: Path) -> None:
    result = run(
        site, "itinerary", "late-lander", "--roster", str(crafted_roster), "--format",
        "markdown", "--problems",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    problems = result.stdout.split("## Problems found by the checks")[1]
    assert re.search(r"^- \*\*warning\*\* `early-start`: .*06:30 CET", problems, re.M)
    plain = run(
        site, "itinerary", "late-lander", "--roster", str(crafted_roster), "--format", "markdown"
    )
    assert "early-start" not in plain.stdout


def test_the_tutorial_shows_the_real_plugin() -> None:
    """docs/plugin-tutorial.md includes the package's files, so the two cannot drift."""
    page = (ROOT / "docs" / "plugin-tutorial.md").read_text(encoding="utf-8")
    for name in ("pyproject.toml", f"{MODULE}.py"):
        assert f"examples/icssi-itinerary-markdown/{name}" in page
    assert "pip install -e examples/icssi-itinerary-markdown" in page
