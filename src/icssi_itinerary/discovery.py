"""What plugins there are, found without importing them (start-up stays fast)."""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["BUILT_IN_HOOKS", "ENTRY_POINT_GROUP", "third_party_installed"]

ENTRY_POINT_GROUP = "icssi_itinerary"
BUILT_IN_HOOKS: dict[str, tuple[str, ...]] = {
    "icssi_itinerary.checks": ("register_checks",),
    "icssi_itinerary_plugins.text": ("register_exporters",),
    "icssi_itinerary_plugins.ical": ("register_exporters",),
    "icssi_itinerary_plugins.html": ("register_exporters",),
    "icssi_itinerary_plugins.pdf": ("register_exporters",),
    "icssi_itinerary_plugins.frab": ("register_exporters",),
}
"""The built-in plugins and the hooks each implements (a test keeps this true)."""


def _may_declare_plugins(folder: str) -> bool:
    """Whether an installed distribution in *folder* may declare our entry points: a fast
    look that spares start-up importlib.metadata when no third-party plugin exists."""
    path = Path(folder or ".")
    if path.is_file():
        return True  # a zip archive: let importlib.metadata read it
    try:
        found = [p for p in path.iterdir() if p.name.endswith((".dist-info", ".egg-info"))]
    except OSError:
        return False
    marker = f"[{ENTRY_POINT_GROUP}]".encode()
    for distribution in found:
        try:
            if marker in (distribution / "entry_points.txt").read_bytes():
                return True
        except OSError:
            continue
    return False


def third_party_installed() -> bool:
    """Whether any installed distribution may declare an ``icssi_itinerary`` entry point."""
    return any(_may_declare_plugins(folder) for folder in sys.path)
