"""docs/architecture.md names every module of the core and of the built-in plugins, and
nothing that no longer exists: the page is the map a new developer reads first."""

from __future__ import annotations

import re

from conftest import ROOT

PAGE = ROOT / "docs" / "architecture.md"
PACKAGES = {
    "The core": ROOT / "src" / "icssi_itinerary",
    "The built-in plugins": ROOT / "plugins" / "icssi_itinerary_plugins",
}


def _sections() -> dict[str, set[str]]:
    """Per ``##`` section of the page, the module names in its table."""
    found: dict[str, set[str]] = {}
    heading = ""
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            heading = line[3:]
            found[heading] = set()
        elif heading and line.startswith("| `"):
            found[heading] |= set(re.findall(r"`([\w/]+\.py)`", line.split("|")[1]))
    return found


def test_every_module_is_on_the_architecture_page_once_and_only_those() -> None:
    sections = _sections()
    for title, folder in PACKAGES.items():
        modules = {
            path.relative_to(folder).as_posix()
            for path in folder.rglob("*.py")
            if "__pycache__" not in path.parts
        }
        listed = next(names for heading, names in sections.items() if heading.startswith(title))
        assert listed == modules, (title, sorted(modules ^ listed))
