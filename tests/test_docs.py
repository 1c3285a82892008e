"""The documentation keeps up with the code: hooks, commands, formats, checks, fields.

Each test reads the code for what exists (hook specifications, CLI commands and their
options, exporters, checks, dataclass fields, file columns) and fails when the docs
under ``docs/`` have no place for it — the way datasette keeps its hooks documented.
"""

from __future__ import annotations

import ast
import dataclasses
import html
import importlib.util
import inspect
import itertools
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import click
import pytest

import icssi_itinerary
from conftest import ROOT
from icssi_itinerary import Check, Exporter, Problem, RenderOptions, hookspecs
from icssi_itinerary import programme as programme_module
from icssi_itinerary import roster as roster_module
from icssi_itinerary.cli import cli
from icssi_itinerary.plugins import get_checks, get_exporters

DOCS = ROOT / "docs"
PACKAGE = ROOT / "src" / "icssi_itinerary"
TESTS = ROOT / "tests"

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def sections(page: str, level: int = 2) -> dict[str, str]:
    """Headings of *level* in a docs page (outside code blocks), each with its text
    up to the next heading of the same or a higher level."""
    found: dict[str, list[str]] = {}
    current: str | None = None
    fenced = False
    for line in (DOCS / page).read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        heading = None if fenced else _HEADING.match(line)
        if heading and len(heading.group(1)) <= level:
            current = heading.group(2).strip("` ") if len(heading.group(1)) == level else None
            if current is not None:
                found[current] = []
            continue
        if current is not None:
            found[current].append(line)
    return {title: "\n".join(body) for title, body in found.items()}


def hook_specs() -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(function)
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, "icssi_itinerary_spec")
    }


def test_there_are_hooks_to_document() -> None:
    assert set(hook_specs()) >= {"register_exporters", "register_checks", "register_commands"}


@pytest.mark.parametrize("hook", sorted(hook_specs()))
def test_every_hook_has_a_section_in_plugins_md(hook: str) -> None:
    heading = f"{hook}({', '.join(hook_specs()[hook].parameters)})"
    documented = sections("plugins.md")
    assert heading in documented, f"docs/plugins.md needs a section '## {heading}'"
    body = documented[heading]
    assert f"def {hook}(" in body, f"the '{heading}' section needs an example"
    for parameter in hook_specs()[hook].parameters:
        assert f"`{parameter}`" in body, f"the '{heading}' section should say what {parameter} is"


def _typed_signature(name: str) -> str:
    """``def name(param: Annotation) -> Return``, as written in hookspecs.py."""
    signature = hook_specs()[name]  # annotations are strings (postponed evaluation)
    params = ", ".join(f"{p.name}: {p.annotation}" for p in signature.parameters.values())
    return f"def {name}({params}) -> {signature.return_annotation}"


@pytest.mark.parametrize("hook", sorted(hook_specs()))
def test_every_hook_section_opens_with_its_exact_typed_signature(hook: str) -> None:
    heading = f"{hook}({', '.join(hook_specs()[hook].parameters)})"
    body = sections("plugins.md")[heading]
    first_block = re.search(r"```python\n(.*?)```", body, re.DOTALL)
    assert first_block, f"'## {heading}' should open with its signature in a python block"
    assert first_block.group(1).strip() == _typed_signature(hook)
    assert body.lstrip().startswith("```python"), "the signature comes first"


def test_plugins_md_documents_no_hook_that_does_not_exist() -> None:
    specs = {f"{name}({', '.join(sig.parameters)})" for name, sig in hook_specs().items()}
    hook_like = {title for title in sections("plugins.md") if re.fullmatch(r"\w+\(.*\)", title)}
    assert hook_like == specs


@pytest.mark.parametrize("hook", sorted(hook_specs()))
def test_every_hook_is_exercised_by_the_plugin_tests(hook: str) -> None:
    source = (TESTS / "test_plugins.py").read_text(encoding="utf-8")
    assert re.search(rf"@hookimpl\s+def {hook}\(", source), f"no test plugin implements {hook}"


def test_every_hookspec_has_a_docstring() -> None:
    for name, function in inspect.getmembers(hookspecs, inspect.isfunction):
        if hasattr(function, "icssi_itinerary_spec"):
            assert (function.__doc__ or "").strip(), name


# --- the command line -----------------------------------------------------------------


def cli_commands() -> dict[str, click.Command]:
    """Every command of the tool: the built-ins and any a plugin registered."""
    context = click.Context(cli)
    names = cli.list_commands(context)
    commands = {name: cli.get_command(context, name) for name in names}
    return {name: command for name, command in commands.items() if command is not None}


def test_the_cli_has_the_documented_core_commands() -> None:
    assert set(cli_commands()) >= {"events", "validate", "itinerary", "export", "build"}


@pytest.mark.parametrize("name", sorted(cli_commands()))
def test_every_command_has_a_section_in_cli_md(name: str) -> None:
    documented = sections("cli.md")
    assert name in documented, f"docs/cli.md needs a section '## {name}'"
    body = documented[name]
    command = cli_commands()[name]
    for parameter in command.params:
        if isinstance(parameter, click.Option):
            longest = max(parameter.opts, key=len)
            if longest != "--help":
                assert longest in body, f"'## {name}' does not mention {longest}"
        elif isinstance(parameter, click.Argument):
            assert parameter.make_metavar(click.Context(command)).strip(".") in body


def test_global_options_are_documented() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for parameter in cli.params:
        if isinstance(parameter, click.Option):
            assert max(parameter.opts, key=len) in text
            if parameter.envvar:
                assert str(parameter.envvar) in text


def test_cli_md_documents_the_exit_statuses() -> None:
    table = sections("cli.md")["Exit status"]
    for status in ("0", "1", "2"):
        assert re.search(rf"^\|\s*{status}\s*\|", table, re.MULTILINE), status


# --- formats, checks, fields ----------------------------------------------------------


@pytest.mark.parametrize("name", sorted(get_exporters()))
def test_every_format_has_a_section_in_formats_md(name: str) -> None:
    headings = sections("formats.md")
    assert any(re.search(rf"\b{re.escape(name)}\b", title) for title in headings), name


@pytest.mark.parametrize("name", sorted(get_checks()))
def test_every_built_in_check_has_a_section_in_checks_md(name: str) -> None:
    documented = sections("checks.md")
    assert name in documented, f"docs/checks.md needs a section '## {name}'"
    assert re.search(r"\*\*Severity:\*\* (error|warning)", documented[name]), name


@pytest.mark.parametrize("cls", [Exporter, RenderOptions, Check, Problem])
def test_plugin_facing_dataclass_fields_are_documented(cls: type) -> None:
    text = (DOCS / "plugins.md").read_text(encoding="utf-8")
    for field in dataclasses.fields(cls):
        assert f"| `{field.name}`" in text, f"{cls.__name__}.{field.name}"


_PROGRAMME_TABLES = {
    "[programme]": programme_module._PROGRAMME_FIELDS,
    "[[contacts]]": programme_module._CONTACT_FIELDS,
    "[[venues]]": programme_module._VENUE_FIELDS,
    "[[events]]": programme_module._EVENT_FIELDS,
}


@pytest.mark.parametrize("table", sorted(_PROGRAMME_TABLES))
def test_every_programme_field_is_documented(table: str) -> None:
    body = sections("programme-format.md")[table]
    rows = set(re.findall(r"^\|\s*`(\w+)`", body, re.MULTILINE))
    assert rows == set(_PROGRAMME_TABLES[table])


def _roster_sections() -> dict[str, tuple[str, set[str], set[str]]]:
    return {
        "roster.csv": (
            "delegates",
            roster_module._DELEGATE_REQUIRED,
            roster_module._DELEGATE_OPTIONAL,
        ),
        "legs.csv": ("legs", roster_module._LEG_REQUIRED, roster_module._LEG_OPTIONAL),
        "stays.csv": ("stays", roster_module._STAY_REQUIRED, roster_module._STAY_OPTIONAL),
    }


@pytest.mark.parametrize("file_name", sorted(_roster_sections()))
def test_every_roster_column_is_documented_with_whether_it_is_required(file_name: str) -> None:
    _, required, optional = _roster_sections()[file_name]
    body = next(
        text for title, text in sections("roster-format.md", level=3).items()
        if title.startswith(file_name)
    )  # fmt: skip
    rows = dict(re.findall(r"^\|\s*`(\w+)`\s*\|\s*(yes|)\s*\|", body, re.MULTILINE))
    assert set(rows) == required | optional
    assert {column for column, mark in rows.items() if mark == "yes"} == required


# --- the public API -------------------------------------------------------------------


def _attribute_docstrings() -> dict[str, str]:
    """``NAME = value`` followed by a string literal, at module level in the package."""
    found: dict[str, str] = {}
    for path in PACKAGE.glob("*.py"):
        body = ast.parse(path.read_text(encoding="utf-8")).body
        for statement, following in itertools.pairwise(body):
            targets = (
                statement.targets
                if isinstance(statement, ast.Assign)
                else [statement.target]
                if isinstance(statement, ast.AnnAssign)
                else []
            )
            if (
                isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                for target in targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = following.value.value
    return found


def _own_docstring(obj: object) -> str:
    if isinstance(obj, type):
        doc = vars(obj).get("__doc__") or ""
        if dataclasses.is_dataclass(obj) and doc.startswith(f"{obj.__name__}("):
            return ""  # the signature dataclasses writes when there is no docstring
        return doc
    return getattr(obj, "__doc__", None) or ""


@pytest.mark.parametrize("name", icssi_itinerary.__all__)
def test_every_public_name_has_a_docstring(name: str) -> None:
    obj = getattr(icssi_itinerary, name)
    module = getattr(obj, "__module__", "") or ""
    if isinstance(obj, type) or inspect.isfunction(obj) or hasattr(obj, "__wrapped__"):
        if module.startswith("icssi_itinerary"):
            assert _own_docstring(obj).strip(), name
        else:  # re-exported from a dependency, e.g. pendulum's Timezone
            assert inspect.getdoc(obj), f"{name} (from {module})"
    else:
        # an alias or an instance: the string literal under its assignment documents it
        assert _attribute_docstrings().get(name, "").strip(), name


@pytest.mark.parametrize(
    "name",
    [n for n in icssi_itinerary.__all__ if isinstance(getattr(icssi_itinerary, n), type)],
)
def test_every_public_method_has_a_docstring(name: str) -> None:
    cls = getattr(icssi_itinerary, name)
    if not cls.__module__.startswith("icssi_itinerary"):
        pytest.skip(f"{name} comes from {cls.__module__}")
    for attribute, value in vars(cls).items():
        if attribute.startswith("_"):
            continue
        function = value.fget if isinstance(value, property) else value
        if callable(function):
            assert (function.__doc__ or "").strip(), f"{name}.{attribute}"


def test_the_test_for_docstrings_can_fail() -> None:
    @dataclasses.dataclass
    class Undocumented:
        x: int

    assert _own_docstring(Undocumented) == ""
    assert "Span" in _attribute_docstrings()


# --- the site ---------------------------------------------------------------------------


def _nav_pages() -> list[str]:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    return re.findall(r"^\s*-\s*[^:\n]+:\s*(\S+\.md)\s*$", config, re.MULTILINE)


def test_every_page_is_in_the_nav_and_every_nav_entry_exists() -> None:
    pages = sorted(path.name for path in DOCS.glob("*.md"))
    assert sorted(_nav_pages()) == pages
    assert "index.md" in pages


def test_links_between_pages_point_to_pages_that_exist() -> None:
    for page in DOCS.glob("*.md"):
        for target in re.findall(r"\]\(([\w-]+\.md)(?:#[\w-]*)?\)", page.read_text("utf-8")):
            assert (DOCS / target).exists(), f"{page.name} links to missing {target}"


_DOCS_MODULES = ("mkdocs", "material", "mkdocstrings_handlers.python", "mkdocs_click")


def _missing_docs_modules() -> list[str]:
    missing = []
    for name in _DOCS_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:  # the parent package of a dotted name is missing
            found = False
        if not found:
            missing.append(name)
    return missing


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once with ``mkdocs build --strict``: any warning fails it.

    Skipped where the ``docs`` extra is not installed, except under CI (``CI`` set),
    which installs ``.[test,docs]``: there a missing tool is a failure.
    """
    missing = _missing_docs_modules()
    if missing:
        message = f"the docs extra is not installed (missing {', '.join(missing)})"
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(message + "; CI must run the documentation build")
        pytest.skip(message)
    out = tmp_path_factory.mktemp("docs") / "site"
    # only the built-in plugins, whatever else is installed here
    env = {**os.environ, "ICSSI_ITINERARY_LOAD_PLUGINS": "", "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return out


def _page_text(site: Path, page: str) -> str:
    """The text of a built page's article, without tags."""
    markup = (site / page / "index.html").read_text(encoding="utf-8")
    article = markup[markup.index("<article") : markup.index("</article>")]
    return html.unescape(re.sub(r"<[^>]+>", "", article))


def test_mkdocs_builds_in_strict_mode(site: Path) -> None:
    assert (site / "index.html").exists()
    assert (site / "plugins" / "index.html").exists()
    for page in _nav_pages():
        built = site / ("" if page == "index.md" else page.removesuffix(".md"))
        assert (built / "index.html").exists(), page


def test_the_docs_tools_are_declared_in_the_docs_extra() -> None:
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]["docs"]
    names = {re.split(r"[<>=!~ ]", requirement)[0] for requirement in extra}
    assert {"mkdocs", "mkdocs-material", "mkdocstrings[python]", "mkdocs-click"} <= names


@pytest.mark.parametrize("name", icssi_itinerary.__all__)
def test_the_api_reference_documents_every_public_name(site: Path, name: str) -> None:
    obj = getattr(icssi_itinerary, name)
    external = isinstance(obj, type) or inspect.isfunction(obj)
    if external and not obj.__module__.startswith("icssi_itinerary"):
        pytest.skip(f"{name} is re-exported from {obj.__module__}; api.md links to its docs")
    markup = (site / "api" / "index.html").read_text(encoding="utf-8")
    assert f'id="icssi_itinerary.{name}"' in markup, f"docs/api.md does not render {name}"


def test_the_api_reference_renders_the_docstrings(site: Path) -> None:
    text = _page_text(site, "api")
    for obj in (icssi_itinerary.build_itinerary, icssi_itinerary.localize, hookspecs):
        doc = inspect.getdoc(obj)
        assert doc is not None, obj
        first_line = doc.splitlines()[0]
        plain = re.sub(r":\w+:`([^`]+)`|``([^`]+)``|\*([^*]+)\*", r"\1\2\3", first_line)
        assert plain.split(";")[0].strip() in " ".join(text.split()), first_line
    assert not re.search(r":(class|func|meth|mod):", text), "a Sphinx role was left as text"


def test_the_cli_reference_is_generated_from_every_command(site: Path) -> None:
    markup = (site / "cli-reference" / "index.html").read_text(encoding="utf-8")
    text = _page_text(site, "cli-reference")
    for name, command in cli_commands().items():
        assert f'id="icssi-itinerary-{name}"' in markup, name
        for parameter in command.params:
            if isinstance(parameter, click.Option):
                assert max(parameter.opts, key=len) in text, f"{name} {parameter.opts}"
    source = (DOCS / "cli-reference.md").read_text(encoding="utf-8")
    assert "::: mkdocs-click" in source  # generated, not copied
    assert ":module: icssi_itinerary.cli" in source


def test_the_plugin_tutorial_shows_the_example_package_as_it_is(site: Path) -> None:
    text = _page_text(site, "plugin-tutorial")
    assert "--8<--" not in text  # every snippet was included
    package = ROOT / "examples" / "icssi-itinerary-markdown"
    for line in (package / "pyproject.toml").read_text(encoding="utf-8").splitlines():
        assert line in text
    module = (package / "icssi_itinerary_markdown.py").read_text(encoding="utf-8")
    functions = re.findall(r"^def (\w+)\(", module, re.MULTILINE)
    shown = [name for name in functions if f"def {name}(" in text]
    hooks = {name for name in functions if name.startswith("register_")}
    assert hooks <= set(shown) and "check_early_start" in shown and "markdown_itinerary" in shown


def test_the_developers_page_examples_run_and_print_what_the_page_shows() -> None:
    page = (DOCS / "developers.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(python|text)\n(.*?)```", page, re.DOTALL)
    assert [kind for kind, _ in blocks].count("python") >= 2
    env = {**os.environ, "ICSSI_ITINERARY_LOAD_PLUGINS": ""}
    for (kind, code), following in zip(blocks, [*blocks[1:], ("", "")], strict=True):
        if kind != "python":
            continue
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, f"{code}\n{result.stderr}"
        if following[0] == "text":  # the output the page shows for this code
            printed = result.stdout.splitlines()
            for line in following[1].splitlines():
                if line.strip() not in ("", "…"):
                    assert line in printed, f"developers.md shows {line!r}; printed: {printed}"
