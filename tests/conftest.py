"""Shared fixtures. Tests never load third-party plugins from entry points by accident."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from icssi_itinerary import Programme, Roster, load_programme, load_roster

if TYPE_CHECKING:  # conftest is imported by every test: icalendar only where used
    from icalendar.cal import Component

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_ROSTER = ROOT / "examples" / "icssi-2014" / "roster.csv"
PRESS_STATEMENT = ROOT.parent / "shared" / "seed" / "icssi-2014-press-statement.txt"


SHARED = ROOT.parent / "shared"
"""The project's shared folder (the press statement, schemas), beside the clone."""
REQUIRE_SHARED = "ICSSI_ITINERARY_REQUIRE_SHARED"
"""Set (by .ci/run) where ``shared/`` must be present: a missing file then fails."""


def needs_shared(path: Path) -> Path:
    """*path* under ``shared/``; the test skips with the reason when it is missing, or
    fails where :data:`REQUIRE_SHARED` is set."""
    if not path.exists():
        reason = f"{path} is missing: shared/ is not beside this clone"
        if os.environ.get(REQUIRE_SHARED):
            pytest.fail(f"{reason} ({REQUIRE_SHARED} is set)")
        pytest.skip(reason)
    return path


def press_statement() -> str:
    """The text of the press statement the bundled programme comes from."""
    return needs_shared(PRESS_STATEMENT).read_text(encoding="utf-8")


def sequence_of(component: Component) -> int:
    """The SEQUENCE of a parsed iCalendar component (KeyError when it has none)."""
    value = component["SEQUENCE"]
    assert isinstance(value, int), value
    return value


def pytest_configure(config: pytest.Config) -> None:
    sys._called_from_test = True  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def programme() -> Programme:
    """The bundled ICSSI 2014 programme."""
    return load_programme()


@pytest.fixture(scope="session")
def roster(programme: Programme) -> Roster:
    """The sample roster shipped in examples/icssi-2014."""
    return load_roster(SAMPLE_ROSTER, programme)
