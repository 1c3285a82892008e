"""The words of the built-in formats, in every language they are translated into.

The catalogue is ``locale/<language>/LC_MESSAGES/icssi_itinerary_plugins.po``; see
docs/translating.md for adding a language.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from icssi_itinerary import Catalogue, hookimpl

LOCALE = Path(__file__).parent / "locale"
"""The folder of the built-in catalogues (and of the template, ``<domain>.pot``)."""
DOMAIN = "icssi_itinerary_plugins"
"""The gettext domain of the built-in formats' words."""


@hookimpl
def register_translations(register: Callable[[Catalogue], None]) -> None:
    """The built-in catalogue."""
    register(Catalogue(LOCALE, DOMAIN))
