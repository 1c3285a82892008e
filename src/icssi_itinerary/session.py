"""What a command of ``icssi-itinerary`` works on: the programme chosen with
``--programme`` and the rosters read against it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from .model import Programme, Roster

__all__ = ["Session"]


@dataclass
class Session:
    """The command line's state, on click's ``ctx.obj`` for every command (a plugin's
    too): take it with ``@click.pass_obj``.

    The programme is loaded when first asked for, so a command that needs none (or
    fails on its arguments first) does not wait for it.
    """

    source: str | None = None
    """The ``--programme`` given (a file or a bundled name); ``None``: the default."""

    @cached_property
    def programme(self) -> Programme:
        """The chosen programme (an :class:`InputError` if it cannot be read)."""
        from .programme import load_programme

        return load_programme(self.source)

    def roster(self, path: Path) -> Roster:
        """The roster at *path* (``roster.csv`` or ``roster.toml``), checked against
        :attr:`programme`."""
        from .roster import load_roster

        return load_roster(path, self.programme)
