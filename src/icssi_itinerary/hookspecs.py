"""Hook specifications: everything a plugin can add to icssi-itinerary."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from .checks import Check
    from .digests import DigestWriter
    from .exporters import Exporter
    from .translation import Catalogue

hookspec = pluggy.HookspecMarker("icssi_itinerary")
"""Marks a function below as a hook specification."""
hookimpl = pluggy.HookimplMarker("icssi_itinerary")
"""Marks a plugin's function as the implementation of the hook of the same name."""


@hookspec
def register_exporters(register: Callable[[Exporter], None]) -> None:
    """Add output formats: call ``register(Exporter(...))`` once for each."""


@hookspec
def register_checks(register: Callable[[Check], None]) -> None:
    """Add itinerary checks: call ``register(Check(...))`` once for each."""


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``icssi-itinerary`` command group."""


@hookspec
def register_translations(register: Callable[[Catalogue], None]) -> None:
    """Add gettext catalogues of the words a plugin shows: ``register(Catalogue(...))``."""


@hookspec
def register_digests(register: Callable[[DigestWriter], None]) -> None:
    """Add how delegates are told what changed: ``register(DigestWriter(...))``."""
