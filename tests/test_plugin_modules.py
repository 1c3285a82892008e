"""The built-in plugin modules: cheap to import, so they can be registered at start-up.

Oracle: a fresh interpreter's ``sys.modules`` after importing every plugin module.
"""

from __future__ import annotations

import ast
import subprocess
import sys

from icssi_itinerary.plugins import get_exporters

PLUGINS = ("text", "ical", "html", "pdf", "frab")
HEAVY = (
    "pendulum",
    "icalendar",
    "jinja2",
    "markupsafe",
    "segno",
    "fpdf",
    "fontTools",
    "uharfbuzz",
    "xml.etree.ElementTree",
    "json",
)


def test_importing_every_plugin_module_imports_no_heavy_library() -> None:
    code = "\n".join(
        [
            "import sys",
            *(f"import icssi_itinerary_plugins.{name}" for name in PLUGINS),
            f"print(repr([m for m in {HEAVY!r} if m in sys.modules]))",
        ]
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert ast.literal_eval(done.stdout) == []


def test_each_module_registers_its_formats_with_their_purpose() -> None:
    exporters = get_exporters()
    owners = {name: exporter.plugin for name, exporter in exporters.items()}
    for name in ("text", "ical", "html", "pdf", "frab", "frab-json"):
        assert name in owners
    purposes = {name: exporters[name].purpose for name in ("ical", "html", "pdf", "text")}
    assert purposes == {"ical": "feed", "html": "page", "pdf": "printout", "text": "data"}
