"""The plugin system, seen from a third-party plugin and from the people who run it.

A plugin defined here (``ThirdParty``) implements every hook: it adds an output format,
an itinerary check and commands written only against the public API. It is registered
on the plugin manager for one test at a time; pluggy calls the hooks, in the order it
documents (wrappers around, ``tryfirst`` first, ``trylast`` last). Entry-point loading
and the ``ICSSI_ITINERARY_LOAD_PLUGINS`` allow-list are tested in real subprocesses,
with a tiny installed-looking package in ``tmp_path``.
"""

from __future__ import annotations

import csv
import importlib
import inspect
import json
import os
import subprocess
import sys
import textwrap
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
import pytest
from click.testing import CliRunner

from conftest import ROOT, SAMPLE_ROSTER, press_statement
from icssi_itinerary import (
    Catalogue,
    Check,
    DateSpan,
    Digest,
    DigestWriter,
    Exporter,
    Invitation,
    Itinerary,
    Letter,
    PluginError,
    Problem,
    Programme,
    RenderOptions,
    Roster,
    Session,
    TravelLeg,
    available_languages,
    build_itinerary,
    get_checks,
    get_digest_writer,
    get_exporter,
    get_exporters,
    hookimpl,
    load_programme,
    reader,
    render_itinerary,
    validate,
    zone,
)
from icssi_itinerary import plugins as plugin_module
from icssi_itinerary.cli import _Group, cli
from icssi_itinerary.plugins import BUILT_IN_PLUGINS, describe_plugins, pm

BUNDLED = ROOT / "src" / "icssi_itinerary" / "data" / "icssi-2014.toml"
THIRD_PARTY_LOCALE = ROOT / "tests" / "data" / "third-party-locale"
GENEVA_SESSION = "icssi-geneva-session"
MEP_MEETING = "mep-meeting"


# --- a third-party plugin ---------------------------------------------------------


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def _line(item_id: str, span: Any, other: Any) -> str:
    """``id first..last`` for dates; ``id start-UTC [start in the other zone]`` for times."""
    if isinstance(span, DateSpan):
        return f"{item_id} {span.first_day}..{span.last_day}"
    shown = f" {span.start.in_timezone(other):%Y-%m-%dT%H:%M%z}" if other is not None else ""
    return f"{item_id} {_utc(span.start)}{shown}"


def _render_programme(programme: Programme, options: RenderOptions) -> bytes:
    other = options.display_zone()
    return "\n".join(_line(e.id, e.span, other) for e in programme.events).encode()


def _render_itinerary(itinerary: Itinerary, options: RenderOptions) -> bytes:
    other = options.display_zone(itinerary)
    lines = [f"delegate {itinerary.delegate.id}"]
    lines += [_line(item.id, item.span, other) for item in itinerary.items]
    return "\n".join(lines).encode()


def _early_departures(itinerary: Itinerary) -> Iterator[Problem]:
    """Legs that leave before 06:00 on the clock where they leave."""
    for item in itinerary.items:
        if isinstance(item, TravelLeg) and item.span.start.hour < 6:
            yield Problem("warning", "early-departure", f"{item.title} leaves early", (item.id,))


def _digest_lines(digest: Digest) -> list[str]:
    return [f"{change.kind} {change.uid}" for change in digest.changes]


def _digest_page(digest: Digest) -> bytes:
    import html

    items = "".join(f"<li>{html.escape(line)}</li>" for line in _digest_lines(digest))
    return f"<!DOCTYPE html><title>changes</title><ul>{items}</ul>".encode()


def _digest_letter(digest: Digest) -> Letter:
    text = "\n".join(_digest_lines(digest))
    return Letter(f"{digest.programme}: {len(digest.changes)} changes", text, f"<pre>{text}</pre>")


def _no_invitations(digest: Digest, coordinator: str) -> list[Invitation]:
    return []


class ThirdParty:
    """What a plugin package would hold: one function per hook."""

    @hookimpl
    def register_exporters(self, register: Callable[[Exporter], None]) -> None:
        register(
            Exporter(
                name="utc-lines",
                suffix=".utc",
                media_type="text/plain",
                render_programme=_render_programme,
                render_itinerary=_render_itinerary,
                description="One line per item, start in UTC",
            )
        )

    @hookimpl
    def register_checks(self, register: Callable[[Check], None]) -> None:
        register(Check("early-departure", _early_departures, "Legs leaving before 06:00"))

    @hookimpl
    def register_commands(self, cli: click.Group) -> None:
        @cli.command(name="count-events")
        @click.pass_obj
        def count_events(session: Session) -> None:
            """How many events the programme has."""
            programme = session.programme
            click.echo(f"{len(programme.events)} events in {programme.id}")

        @cli.command(name="problem-report")
        @click.option("--roster", type=click.Path(path_type=Path), required=True)
        @click.pass_obj
        def problem_report(session: Session, roster: Path) -> None:
            """What the checks find, then the first delegate's itinerary in text."""
            people = session.roster(roster)
            found = validate(session.programme, people, get_checks().values())
            for delegate, problems in found.items():
                for problem in problems:
                    click.echo(f"{delegate}: {problem.severity}: {problem.code}: {problem.message}")
            plan = build_itinerary(session.programme, people.delegates[0])
            click.echo(render_itinerary(get_exporter("text"), plan, RenderOptions()).decode())

    @hookimpl
    def register_translations(self, register: Callable[[Catalogue], None]) -> None:
        register(Catalogue(THIRD_PARTY_LOCALE, "third_party"))

    @hookimpl
    def register_digests(self, register: Callable[[DigestWriter], None]) -> None:
        register(DigestWriter("lines", _digest_page, _digest_letter, _no_invitations))


class BrokenExporters:
    @hookimpl
    def register_exporters(self, register: Callable[[Exporter], None]) -> None:
        raise ValueError("exporter table is missing")


class BrokenRendering:
    @hookimpl
    def register_exporters(self, register: Callable[[Exporter], None]) -> None:
        def fail(*_: Any) -> bytes:
            raise RuntimeError("renderer exploded")

        register(Exporter("fragile", ".frag", "text/plain", fail, fail))


class BrokenCheck:
    @hookimpl
    def register_checks(self, register: Callable[[Check], None]) -> None:
        def fail(_: Itinerary) -> list[Problem]:
            raise KeyError("no such field")

        register(Check("fragile-check", fail))


class TextOverride:
    @hookimpl
    def register_exporters(self, register: Callable[[Exporter], None]) -> None:
        register(
            Exporter(
                "text",
                ".txt",
                "text/plain",
                lambda *_: b"overridden programme\n",
                lambda *_: b"overridden itinerary\n",
                "Replacement text format",
            )
        )


@pytest.fixture
def install() -> Iterator[Callable[[object, str], object]]:
    """Register plugins for one test; unregister them and their commands afterwards."""
    added: list[object] = []
    commands_before = set(cli.commands)

    def register(plugin: object, name: str) -> object:
        pm.register(plugin, name=name)
        added.append(plugin)
        _Group._plugins_added = False  # let the CLI collect register_commands again
        return plugin

    yield register
    for plugin in added:
        pm.unregister(plugin)
    for name in set(cli.commands) - commands_before:
        del cli.commands[name]
    _Group._plugins_added = False


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def expected_utc(wall: datetime, zone_name: str) -> str:
    """Independent oracle: the stdlib's zoneinfo, not the library."""
    return wall.replace(tzinfo=ZoneInfo(zone_name)).astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def in_baghdad(wall: datetime, zone_name: str) -> str:
    moment = wall.replace(tzinfo=ZoneInfo(zone_name)).astimezone(ZoneInfo("Asia/Baghdad"))
    return moment.strftime("%Y-%m-%dT%H:%M%z")


def test_press_statement_times_used_below() -> None:
    text = " ".join(press_statement().split())
    assert "from 10-12 a.m." in text and "November 3" in text
    assert "November 5, in the Paul-Henri Spaak Building from 3-5 p.m." in text


# --- exporters ------------------------------------------------------------------------


def test_plugin_format_is_listed(install: Callable[[object, str], object]) -> None:
    assert "utc-lines" not in run("formats").output
    install(ThirdParty(), "third-party")
    result = run("formats")
    assert result.exit_code == 0
    row = next(line for line in result.output.splitlines() if line.startswith("utc-lines"))
    assert ".utc" in row and "One line per item, start in UTC" in row
    assert any(line.startswith("text ") for line in result.output.splitlines())


def test_plugin_format_exports_the_programme(install: Callable[[object, str], object]) -> None:
    install(ThirdParty(), "third-party")
    result = run("export", "utc-lines", "--tz", "Asia/Baghdad")
    assert result.exit_code == 0, result.output
    lines = dict(line.split(" ", 1) for line in result.output.splitlines())
    geneva = datetime(2014, 11, 3, 10, 0)
    brussels = datetime(2014, 11, 5, 15, 0)
    assert lines[GENEVA_SESSION] == (
        f"{expected_utc(geneva, 'Europe/Zurich')} {in_baghdad(geneva, 'Europe/Zurich')}"
    )
    assert lines[GENEVA_SESSION] == "2014-11-03T09:00Z 2014-11-03T12:00+0300"
    assert lines[MEP_MEETING].startswith(expected_utc(brussels, "Europe/Brussels"))
    assert lines[MEP_MEETING].endswith(in_baghdad(brussels, "Europe/Brussels"))
    assert lines["icssi-oslo-conference"] == "2014-10-27..2014-10-29"
    events = tomllib.loads(BUNDLED.read_text(encoding="utf-8"))["events"]
    assert set(lines) == {event["id"] for event in events}


def test_plugin_format_renders_an_itinerary(install: Callable[[object, str], object]) -> None:
    install(ThirdParty(), "third-party")
    result = run("itinerary", "amal-karim", "--roster", str(SAMPLE_ROSTER), "--format", "utc-lines")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "delegate amal-karim"
    # amal-karim's home zone (Asia/Baghdad) is the second clock by default.
    geneva = datetime(2014, 11, 3, 10, 0)
    assert (
        f"{GENEVA_SESSION} {expected_utc(geneva, 'Europe/Zurich')} "
        f"{in_baghdad(geneva, 'Europe/Zurich')}"
    ) in lines
    with SAMPLE_ROSTER.with_name("legs.csv").open(encoding="utf-8") as file:
        departures = [
            expected_utc(datetime.fromisoformat(row["departs"]), row["from_timezone"])
            for row in csv.DictReader(file)
            if row["delegate"] == "amal-karim"
        ]
    leg_times = [line.split()[1] for line in lines[1:] if line.split()[1].endswith("Z")]
    # every leg appears, and timed items come out in time order
    assert set(departures) <= set(leg_times)
    assert leg_times == sorted(leg_times)


def test_plugin_format_is_built_for_every_delegate(
    install: Callable[[object, str], object], tmp_path: Path, roster: Roster
) -> None:
    install(ThirdParty(), "third-party")
    out = tmp_path / "out"
    result = run(
        "build", "--roster", str(SAMPLE_ROSTER), "--out", str(out), "--format", "utc-lines"
    )
    assert result.exit_code == 0, result.output
    assert (out / "programme.utc").read_text().count("\n") == len(load_programme().events) - 1
    for delegate in roster.delegates:
        text = (out / delegate.id / "itinerary.utc").read_text()
        assert text.splitlines()[0] == f"delegate {delegate.id}"
    assert not list(out.rglob("*.txt"))


def test_a_later_plugin_overrides_a_built_in_format(
    install: Callable[[object, str], object],
) -> None:
    install(TextOverride(), "text-override")
    result = run("export", "text")
    assert result.output == "overridden programme\n"
    assert "Replacement text format" in run("formats").output


# --- commands -------------------------------------------------------------------------


def test_plugin_command_appears_in_help_and_runs(
    install: Callable[[object, str], object], tmp_path: Path
) -> None:
    assert "count-events" not in run("--help").output
    install(ThirdParty(), "third-party")
    assert "count-events" in run("--help").output
    assert "How many events the programme has." in run("--help").output
    result = run("count-events")
    assert result.exit_code == 0, result.output
    events = tomllib.loads(BUNDLED.read_text(encoding="utf-8"))["events"]
    assert result.output == f"{len(events)} events in icssi-2014\n"
    # The command sees the programme chosen with --programme.
    small = tmp_path / "small.toml"
    small.write_text(
        textwrap.dedent(
            """\
            [programme]
            id = "small"
            title = "Small"
            [[venues]]
            id = "v"
            name = "Hall"
            city = "Geneva"
            country = "Switzerland"
            timezone = "Europe/Zurich"
            [[events]]
            id = "only"
            title = "Only event"
            venue = "v"
            start = 2014-11-03
            """
        ),
        encoding="utf-8",
    )
    assert run("--programme", str(small), "count-events").output == "1 events in small\n"


def test_a_plugin_command_does_what_built_in_ones_do_with_the_public_api(
    install: Callable[[object, str], object],
) -> None:
    install(ThirdParty(), "third-party")
    ours = run("problem-report", "--roster", str(SAMPLE_ROSTER))
    assert ours.exit_code == 0, ours.output
    validated = run("validate", "--roster", str(SAMPLE_ROSTER))
    text = run("itinerary", _first_delegate(), "--roster", str(SAMPLE_ROSTER)).stdout
    assert "early-departure" in validated.stdout
    assert ours.stdout == validated.stdout + text + "\n"


def _first_delegate() -> str:
    with SAMPLE_ROSTER.open(encoding="utf-8") as file:
        return next(csv.DictReader(file))["id"]


def test_no_plugin_command_without_the_plugin() -> None:
    # After the test above, this also shows that the fixture took the command away.
    assert "count-events" not in run("--help").output
    assert run("count-events").exit_code == 2


# --- checks ---------------------------------------------------------------------------


def _early_legs(delegate_id: str) -> set[str]:
    with SAMPLE_ROSTER.with_name("legs.csv").open(encoding="utf-8") as file:
        return {
            row["reference"]
            for row in csv.DictReader(file)
            if row["delegate"] == delegate_id and datetime.fromisoformat(row["departs"]).hour < 6
        }


def test_plugin_check_reports_problems(
    install: Callable[[object, str], object], programme: Programme, roster: Roster
) -> None:
    amal = roster.delegate("amal-karim")
    before = build_itinerary(programme, amal, get_checks().values()).problems
    assert not [p for p in before if p.code == "early-departure"]
    install(ThirdParty(), "third-party")
    assert "early-departure" in get_checks()
    assert list(get_checks())[-1] == "early-departure"  # after the built-in ones
    assert get_checks()["early-departure"].plugin == "third-party"
    for delegate in roster.delegates:
        problems = build_itinerary(programme, delegate, get_checks().values()).problems
        early = [p for p in problems if p.code == "early-departure"]
        expected = _early_legs(delegate.id)
        assert len(early) == len(expected), delegate.id
        assert all(any(ref in p.message for p in early) for ref in expected), delegate.id
        assert all(p.severity == "warning" for p in early)
    assert _early_legs("amal-karim") == {"TK 789"}
    assert _early_legs("giulia-conti") == set()


def test_plugin_check_makes_validate_fail(install: Callable[[object, str], object]) -> None:
    assert run("validate", "--roster", str(SAMPLE_ROSTER)).exit_code == 0
    install(ThirdParty(), "third-party")
    result = run("validate", "--roster", str(SAMPLE_ROSTER))
    assert result.exit_code == 1
    assert "amal-karim: warning: early-departure: Flight TK 789" in result.output
    assert "giulia-conti:" not in result.output


def test_plugin_check_shows_in_the_coordinators_copy(
    install: Callable[[object, str], object],
) -> None:
    install(ThirdParty(), "third-party")
    args = ("itinerary", "amal-karim", "--roster", str(SAMPLE_ROSTER))
    assert "early-departure" in run(*args, "--problems").output
    assert "early-departure" not in run(*args).output


# --- failing plugins ------------------------------------------------------------------


def test_failing_register_exporters_is_one_line_naming_the_plugin(
    install: Callable[[object, str], object], tmp_path: Path
) -> None:
    install(BrokenExporters(), "broken-exporters")
    out = tmp_path / "out"
    build = ("build", "--roster", str(SAMPLE_ROSTER), "--out", str(out))
    for args in (("formats",), ("export", "text"), build):
        result = run(*args)
        assert result.exit_code == 1, args
        assert "Traceback" not in result.output
        [line] = result.output.splitlines()
        assert line.startswith("Error: plugin 'broken-exporters' failed in register_exporters")
        assert "exporter table is missing" in line
    assert not out.exists() or not any(out.iterdir())


def test_failing_renderer_names_the_plugin(install: Callable[[object, str], object]) -> None:
    install(BrokenRendering(), "fragile-plugin")
    result = run("export", "fragile")
    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert "plugin 'fragile-plugin'" in line and "renderer exploded" in line


def test_failing_check_is_named(install: Callable[[object, str], object]) -> None:
    install(BrokenCheck(), "broken-check")
    result = run("validate", "--roster", str(SAMPLE_ROSTER))
    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert line.startswith("Error: check 'fragile-check' of plugin 'broken-check' failed")
    assert "no such field" in line


class BrokenCommands:
    @hookimpl
    def register_commands(self, cli: click.Group) -> None:
        raise RuntimeError("no commands today")


def test_failing_register_commands_is_one_line_naming_the_plugin(
    install: Callable[[object, str], object],
) -> None:
    install(BrokenCommands(), "broken-commands")
    result = run("formats")
    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert line.startswith("Error: plugin 'broken-commands' failed in register_commands")


def test_failing_register_commands_under_help_is_one_line(
    install: Callable[[object, str], object],
) -> None:
    install(BrokenCommands(), "broken-commands")
    result = run("--help")
    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert line.startswith("Error: plugin 'broken-commands' failed in register_commands")


class NoArguments:
    """pluggy lets a hook function leave out arguments it does not use."""

    calls = 0

    @hookimpl
    def register_exporters(self) -> None:
        NoArguments.calls += 1


def test_hook_function_may_leave_out_its_arguments(
    install: Callable[[object, str], object],
) -> None:
    install(NoArguments(), "no-arguments")
    result = run("formats")
    assert result.exit_code == 0, result.output
    assert NoArguments.calls == 1
    assert any(line.startswith("text ") for line in result.output.splitlines())


# --- the order pluggy documents -------------------------------------------------------

CALLS: list[str] = []


def _stand_in(name: str, made_by: str) -> Exporter:
    return Exporter(name, ".txt", "text/plain", lambda *_: made_by.encode(), lambda *_: b"")


class Early:
    @hookimpl(tryfirst=True)
    def register_exporters(self, register: Callable[[Exporter], None]) -> None:
        CALLS.append("tryfirst")
        register(_stand_in("text", "early"))


class Plain:
    @hookimpl
    def register_exporters(self, register: Callable[[Exporter], None]) -> None:
        CALLS.append("plain")
        register(_stand_in("text", "plain"))


class Late:
    @hookimpl(trylast=True)
    def register_exporters(self, register: Callable[[Exporter], None]) -> None:
        CALLS.append("trylast")
        register(_stand_in("html", "late"))
        register(_stand_in("fallback", "late"))


class Around:
    @hookimpl(wrapper=True)
    def register_exporters(self, register: Callable[[Exporter], None]) -> Iterator[None]:
        CALLS.append("wrapper before")
        result = yield
        CALLS.append("wrapper after")
        register(_stand_in("wrapped", "around"))
        return result


def test_pluggy_calls_wrappers_around_tryfirst_first_and_trylast_last(
    install: Callable[[object, str], object],
) -> None:
    """pluggy's documented order: a wrapper runs around all the others, tryfirst ones
    run first and trylast ones last, whatever the order of registration (Early is
    registered before Plain, Late after the built-in html)."""
    CALLS.clear()
    for plugin, name in ((Early(), "early"), (Plain(), "plain"), (Late(), "late")):
        install(plugin, name)
    install(Around(), "around")
    exporters = get_exporters()
    assert CALLS == ["wrapper before", "tryfirst", "plain", "trylast", "wrapper after"]
    # the first one called wins a name: tryfirst beats a plugin registered after it,
    # and trylast gives only a fallback, never overriding a built-in format
    assert exporters["text"].plugin == "early"
    assert exporters["html"].plugin == "icssi_itinerary_plugins.html"
    assert exporters["fallback"].plugin == "late"
    assert exporters["wrapped"].plugin == "around"  # registered after its yield
    assert run("export", "text").output == "early"
    assert "Self-contained HTML page" in run("formats").output


class FailsFirst:
    @hookimpl(tryfirst=True)
    def register_exporters(self, register: Callable[[Exporter], None]) -> None:
        raise LookupError("first and broken")


class FailsAround:
    @hookimpl(wrapper=True)
    def register_exporters(self) -> Iterator[None]:
        yield
        raise OSError("broken after the others")


@pytest.mark.parametrize(
    ("plugin", "message"),
    [(FailsFirst(), "first and broken"), (FailsAround(), "broken after the others")],
)
def test_a_failing_tryfirst_or_wrapper_plugin_is_named(
    install: Callable[[object, str], object], plugin: object, message: str
) -> None:
    install(Plain(), "innocent")
    install(plugin, "culprit")
    result = run("formats")
    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert line.startswith("Error: plugin 'culprit' failed in register_exporters")
    assert message in line


# --- listing plugins ------------------------------------------------------------------


def _hooks_of(module_name: str) -> list[str]:
    module = sys.modules[module_name]
    return sorted(
        name
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if hasattr(function, "icssi_itinerary_impl")
    )


def test_plugins_all_lists_the_built_ins_with_their_hooks() -> None:
    result = run("plugins", "--all")
    assert result.exit_code == 0
    listed = {entry["name"]: entry["hooks"] for entry in json.loads(result.output)}
    assert set(BUILT_IN_PLUGINS) <= set(listed)
    for name in BUILT_IN_PLUGINS:
        assert listed[name] == _hooks_of(name)
        assert listed[name]
    assert listed["icssi_itinerary_plugins.text"] == ["register_exporters"]
    assert listed["icssi_itinerary_plugins.checks"] == ["register_checks"]


def test_plugins_lists_only_third_party(install: Callable[[object, str], object]) -> None:
    assert json.loads(run("plugins").output) == []
    install(ThirdParty(), "third-party")
    assert json.loads(run("plugins").output) == [
        {
            "name": "third-party",
            "hooks": [
                "register_checks",
                "register_commands",
                "register_digests",
                "register_exporters",
                "register_translations",
            ],
        }
    ]
    everything = json.loads(run("plugins", "--all").output)
    assert [entry["name"] for entry in everything] == [*BUILT_IN_PLUGINS, "third-party"]
    assert describe_plugins() == json.loads(run("plugins").output)


# --- entry points and the allow-list, in real processes -------------------------------

_TINY_PLUGIN = '''\
"""A tiny third-party plugin, installed through an entry point."""
import os

from icssi_itinerary import Exporter, hookimpl


@hookimpl
def register_exporters(register):
    if os.environ.get("TINY_FAIL"):
        raise RuntimeError("tiny is broken")
    register(Exporter("tiny", ".tiny", "text/plain", lambda p, o: b"tiny programme\\n",
                      lambda i, o: b"tiny itinerary\\n", "Tiny test format"))
'''


@pytest.fixture
def tiny_plugin(tmp_path: Path) -> Path:
    """``tinyplug`` with entry point ``tiny`` in group ``icssi_itinerary``, on a fresh path."""
    (tmp_path / "tinyplug").mkdir()
    (tmp_path / "tinyplug" / "__init__.py").write_text(_TINY_PLUGIN, encoding="utf-8")
    info = tmp_path / "tinyplug-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tinyplug\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[icssi_itinerary]\ntiny = tinyplug\n")
    return tmp_path


def _env(path: Path, allow: str | None, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "ICSSI_ITINERARY_LOAD_PLUGINS"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(path), env.get("PYTHONPATH")]))
    if allow is not None:
        env["ICSSI_ITINERARY_LOAD_PLUGINS"] = allow
    env.update(extra or {})
    return env


def _loaded(path: Path, allow: str | None, under_tests: bool = False) -> list[str]:
    code = textwrap.dedent(
        f"""\
        import json, sys
        if {under_tests!r}:
            sys._called_from_test = True
        from icssi_itinerary.plugins import describe_plugins, get_exporters
        print(json.dumps([[p["name"] for p in describe_plugins()], sorted(get_exporters())]))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=_env(path, allow),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    names, formats = json.loads(result.stdout)
    assert ("tiny" in names) == ("tiny" in formats)
    return list(names)


@pytest.mark.parametrize(
    ("allow", "under_tests", "loads"),
    [
        ("tiny", False, True),
        (" other , tiny ", False, True),
        ("tiny", True, True),
        ("", False, False),
        ("other", False, False),
        (None, False, True),
        (None, True, False),
    ],
)
def test_allow_list_decides_which_entry_points_load(
    tiny_plugin: Path, allow: str | None, under_tests: bool, loads: bool
) -> None:
    assert _loaded(tiny_plugin, allow, under_tests) == (["tiny"] if loads else [])


def test_this_test_process_loaded_no_entry_points() -> None:
    assert hasattr(sys, "_called_from_test")
    assert (
        "ICSSI_ITINERARY_LOAD_PLUGINS" not in os.environ
        or os.environ["ICSSI_ITINERARY_LOAD_PLUGINS"] == ""
    )
    assert [name for name, _ in pm.list_name_plugin()] == list(BUILT_IN_PLUGINS)
    assert plugin_module.ENTRY_POINT_GROUP == "icssi_itinerary"


def _cli(path: Path, *args: str, extra: dict[str, str] | None = None) -> Any:
    """``python -m icssi_itinerary ARGS`` with the tiny plugin allowed."""
    return subprocess.run(
        [sys.executable, "-m", "icssi_itinerary", *args],
        env=_env(path, "tiny", extra),
        capture_output=True,
        text=True,
        check=False,
    )


def test_entry_point_plugin_works_from_the_command_line(tiny_plugin: Path) -> None:
    listed = _cli(tiny_plugin, "formats")
    assert listed.returncode == 0, listed.stderr
    assert any(line.startswith("tiny ") for line in listed.stdout.splitlines())
    exported = _cli(tiny_plugin, "export", "tiny")
    assert (exported.returncode, exported.stdout) == (0, "tiny programme\n")
    assert json.loads(_cli(tiny_plugin, "plugins").stdout) == [
        {"name": "tiny", "hooks": ["register_exporters"]}
    ]


def test_failing_entry_point_plugin_is_one_line_in_a_real_process(tiny_plugin: Path) -> None:
    result = _cli(tiny_plugin, "formats", extra={"TINY_FAIL": "1"})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: plugin 'tiny' failed in register_exporters")
    assert "tiny is broken" in line


def test_plugin_with_an_unknown_hook_is_named(tiny_plugin: Path) -> None:
    module = tiny_plugin / "tinyplug" / "__init__.py"
    module.write_text(
        _TINY_PLUGIN + "\n\n@hookimpl\ndef register_exporter(register):\n    pass\n",
        encoding="utf-8",
    )
    result = _cli(tiny_plugin, "formats")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: plugin 'tiny' failed to load")
    assert "register_exporter" in line


def test_the_built_in_plugins_are_the_entry_points_this_project_declares() -> None:
    """The core names no plugin module: the built-in ones are entry points of the
    ``icssi_itinerary`` group in pyproject.toml, like a third party's, loaded first."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = project["project"]["entry-points"]["icssi_itinerary"]
    assert sorted(BUILT_IN_PLUGINS) == sorted(declared)
    assert all(declared[name] == name for name in declared)
    # every module of the plugins package that implements a hook is declared
    folder = ROOT / "plugins" / "icssi_itinerary_plugins"
    with_hooks = set()
    for path in sorted(folder.glob("[!_]*.py")):
        module = importlib.import_module(f"icssi_itinerary_plugins.{path.stem}")
        if any(hasattr(value, "icssi_itinerary_impl") for value in vars(module).values()):
            with_hooks.add(module.__name__)
    assert with_hooks == set(declared)
    core = ROOT / "src" / "icssi_itinerary"
    assert not [p.name for p in core.glob("*.py") if "icssi_itinerary_plugins" in p.read_text()]


def test_help_imports_no_exporter_or_time_library() -> None:
    """--help loads every plugin (one may add a command), but no time zones, iCalendar,
    templates or the PDF library: plugin modules import those inside render functions."""
    code = (
        "import sys\n"
        "from icssi_itinerary.cli import cli\n"
        "try:\n"
        "    cli(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "assert 'icssi_itinerary_plugins.text' in sys.modules\n"
        "heavy = ('pendulum', 'icalendar', 'jinja2', 'fpdf', 'segno', 'uharfbuzz', 'fontTools',\n"
        "         'importlib.metadata')\n"
        "print(sorted({m for m in sys.modules if m.startswith(heavy)}))\n"
    )
    env = {**os.environ, "ICSSI_ITINERARY_LOAD_PLUGINS": ""}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert "Commands:" in result.stdout and "publish" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_entry_points_are_found_as_importlib_metadata_finds_them(tiny_plugin: Path) -> None:
    """Plugins are found by reading entry_points.txt files, without importlib.metadata
    (which alone costs as long as importing click); the oracle is importlib.metadata."""
    code = textwrap.dedent(
        """\
        import json, sys
        from icssi_itinerary.discovery import entry_points
        ours = [[e.name, e.value] for e in entry_points()]
        assert "importlib.metadata" not in sys.modules
        from importlib import metadata
        theirs = [[e.name, e.value] for e in metadata.entry_points(group="icssi_itinerary")]
        print(json.dumps([ours, theirs]))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=_env(tiny_plugin, None),
        capture_output=True,
        text=True,
        check=True,
    )
    ours, theirs = json.loads(result.stdout)
    assert sorted(ours) == sorted(theirs)
    assert ["tiny", "tinyplug"] in ours
    assert [name for name, _ in ours[: len(BUILT_IN_PLUGINS)]] == list(BUILT_IN_PLUGINS)


def test_a_plugin_catalogue_adds_a_language(
    install: Callable[[object, str], object], tmp_path: Path
) -> None:
    assert "fr" not in available_languages()
    assert reader("fr-CA").zone_words(zone("Europe/Paris")) == "Paris time"  # English
    install(ThirdParty(), "third-party")
    assert "fr" in available_languages()
    french = reader("fr-CA")
    assert french.zone_words(zone("Europe/Paris")) == "heure de Paris"
    assert french.ngettext("%(count)s night", "%(count)s nights", 2) == "2 nuits"
    assert french.date(datetime(2014, 10, 30).date()) == "jeudi 30 octobre 2014"  # CLDR
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name,language,events\nx,X Y,fr,*\n", encoding="utf-8")
    result = run("itinerary", "x", "--roster", str(roster), "--format", "text")
    assert result.exit_code == 0 and "no translation" not in result.output


def test_a_later_plugin_catalogue_wins(install: Callable[[object, str], object]) -> None:
    assert reader("ar").zone_words(zone("Asia/Baghdad")) == "توقيت بغداد"
    install(ThirdParty(), "third-party")
    assert reader("ar").zone_words(zone("Asia/Baghdad")) == "بتوقيت بغداد"


def test_registering_something_else_as_a_catalogue_names_the_plugin(
    install: Callable[[object, str], object],
) -> None:
    class WrongCatalogue:
        @hookimpl
        def register_translations(self, register: Callable[[object], None]) -> None:
            register(THIRD_PARTY_LOCALE)

    install(WrongCatalogue(), "wrong-catalogue")
    with pytest.raises(
        PluginError, match=r"plugin 'wrong-catalogue' registered .* give a Catalogue"
    ):
        available_languages()


# --- digests ------------------------------------------------------------------------------


class OwnDigest:
    @hookimpl
    def register_digests(self, register: Callable[[DigestWriter], None]) -> None:
        register(DigestWriter("digest", _digest_page, _digest_letter, _no_invitations))


def test_a_plugin_digest_writer_is_registered_beside_the_built_in_one(
    install: Callable[[object, str], object],
) -> None:
    install(ThirdParty(), "third-party")
    assert get_digest_writer("lines").plugin == "third-party"
    assert get_digest_writer().plugin == "icssi_itinerary_plugins.digest"
    with pytest.raises(PluginError, match="no plugin registers the digest writer 'nothing'"):
        get_digest_writer("nothing")


def test_a_plugin_digest_named_digest_writes_every_changes_page(
    install: Callable[[object, str], object], tmp_path: Path
) -> None:
    from icssi_itinerary import load_roster, publish

    install(OwnDigest(), "own-digest")
    programme = load_programme(BUNDLED)
    roster = load_roster(SAMPLE_ROSTER, programme)
    out = tmp_path / "site"
    publish(programme, roster, [get_exporter("ical")], out, "https://example.org/i")
    pages = sorted(out.glob("*/changes.html"))
    assert len(pages) == len(roster.delegates)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert text.startswith("<!DOCTYPE html><title>changes</title><ul><li>added ")
        assert "@icssi-2014.icssi-itinerary</li>" in text
