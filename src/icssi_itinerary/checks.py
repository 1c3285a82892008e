"""What a check is: a named test of an itinerary, the problems it reports, and running them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .errors import PluginError

if TYPE_CHECKING:
    from .model import Itinerary

__all__ = ["Check", "Problem", "Severity", "run_checks"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """Something a coordinator should look at, found by a check."""

    severity: Severity
    code: str
    """The name of the check that found it."""
    message: str
    items: tuple[str, ...] = ()
    """The ids of the events, legs and stays concerned."""


@dataclass(frozen=True)
class Check:
    """A named check that looks at an itinerary and reports problems, registered through
    the ``register_checks`` hook."""

    name: str
    run: Callable[[Itinerary], Iterable[Problem]]
    description: str = ""
    plugin: str = ""
    """The plugin that registered it (filled in on registration)."""


def run_checks(itinerary: Itinerary, checks: Iterable[Check]) -> tuple[Problem, ...]:
    """Every problem the *checks* find in *itinerary*, in the order of the checks; a
    failing check is named, with its plugin."""
    found: list[Problem] = []
    for check in checks:
        try:
            found.extend(check.run(itinerary))
        except Exception as error:
            source = f" of plugin '{check.plugin}'" if check.plugin else ""
            raise PluginError(f"check '{check.name}'{source} failed: {error!r}") from error
    return tuple(found)
