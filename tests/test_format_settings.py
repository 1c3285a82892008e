"""``--option FORMAT.NAME=VALUE``: a setting reaches its format's plugin, the command
line knows none of them, and a malformed or unknown one is one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from icssi_itinerary.cli import cli


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("template_dir", "is not FORMAT.NAME=VALUE"),
        ("html.template_dir", "is not FORMAT.NAME=VALUE"),
        ("=x", "is not FORMAT.NAME=VALUE"),
        ("html.=x", "is not FORMAT.NAME=VALUE"),
        ("nosuchformat.x=1", "nosuchformat"),
    ],
)
def test_a_malformed_or_unknown_setting_is_one_line(setting: str, words: str) -> None:
    result = CliRunner().invoke(cli, ["export", "text", "--option", setting])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "--option" in lines[0], result.output


def test_a_setting_reaches_its_format_only(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "programme.html").write_text("<p>{{ programme.title }} (ours)</p>", "utf-8")
    runner = CliRunner()
    page = runner.invoke(cli, ["export", "html", "-O", f"html.template_dir={folder}"])
    assert page.exit_code == 0 and "(ours)" in page.output
    text = runner.invoke(cli, ["export", "text", "-O", f"html.template_dir={folder}"])
    plain = runner.invoke(cli, ["export", "text"])
    assert text.exit_code == 0 and text.output == plain.output  # text ignores html's
