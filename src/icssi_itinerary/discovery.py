"""Finding the plugins' entry points without importing :mod:`importlib.metadata`.

Every plugin, the built-in ones included, is an entry point of the ``icssi_itinerary``
group. ``icssi-itinerary --help`` must find them all, and importing
:mod:`importlib.metadata` alone costs about as long as importing click; so this reads
the ``entry_points.txt`` of the installed distributions on :data:`sys.path` itself, as
importlib.metadata would, and falls back to it only for a zip archive on the path.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from dataclasses import dataclass

__all__ = ["ENTRY_POINT_GROUP", "HOME", "EntryPoint", "entry_points"]

ENTRY_POINT_GROUP = "icssi_itinerary"
HOME = "icssi_itinerary"
"""This project's distribution (normalized name): its plugins are the built-in ones."""

_METADATA = (".dist-info", ".egg-info")


@dataclass(frozen=True)
class EntryPoint:
    """``name = module[:attribute]`` in the ``icssi_itinerary`` group of *distribution*."""

    name: str
    value: str
    distribution: str
    """The normalized name of the distribution that declares it (``my_plugin``)."""

    def load(self) -> object:
        """Import the module and return the object the entry point names."""
        module, _, attribute = self.value.partition(":")
        found: object = importlib.import_module(module.strip())
        for part in filter(None, attribute.split("[")[0].strip().split(".")):
            found = getattr(found, part)
        return found


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _declared(text: str, distribution: str) -> list[EntryPoint]:
    """The entry points of our group in the text of an ``entry_points.txt``."""
    found: list[EntryPoint] = []
    section = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif section == ENTRY_POINT_GROUP and "=" in line:
            name, _, value = line.partition("=")
            found.append(EntryPoint(name.strip(), value.strip(), distribution))
    return found


def _from_metadata() -> list[EntryPoint]:
    from importlib import metadata

    return [
        EntryPoint(entry.name, entry.value, _normalized(entry.dist.name if entry.dist else ""))
        for entry in metadata.entry_points(group=ENTRY_POINT_GROUP)
    ]


def entry_points() -> list[EntryPoint]:
    """Every entry point of the ``icssi_itinerary`` group: this project's (the built-in
    plugins) first, then the others in :data:`sys.path` order; a distribution found
    twice counts once, where first found, as with :mod:`importlib.metadata`."""
    seen: set[str] = set()
    found: list[EntryPoint] = []
    for folder in sys.path:
        if os.path.isfile(folder or "."):  # noqa: PTH113 (pathlib costs start-up time)
            return sorted(_from_metadata(), key=lambda entry: entry.distribution != HOME)
        try:
            names = sorted(os.listdir(folder or "."))  # noqa: PTH208
        except OSError:
            continue
        for name in names:
            if not name.endswith(_METADATA):
                continue
            distribution = _normalized(name.rsplit(".", 1)[0].split("-")[0])
            if distribution in seen:
                continue
            seen.add(distribution)
            try:
                path = os.path.join(folder or ".", name, "entry_points.txt")  # noqa: PTH118
                with open(path, "rb") as file:  # noqa: PTH123
                    text = file.read().decode("utf-8", "replace")
            except OSError:
                continue
            found += _declared(text, distribution)
    return sorted(found, key=lambda entry: entry.distribution != HOME)
