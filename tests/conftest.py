"""Shared fixtures. Tests never load third-party plugins from entry points by accident."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from icssi_itinerary import Programme, Roster, load_programme, load_roster

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_ROSTER = ROOT / "examples" / "icssi-2014" / "roster.csv"
PRESS_STATEMENT = ROOT.parent / "shared" / "seed" / "icssi-2014-press-statement.txt"


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
