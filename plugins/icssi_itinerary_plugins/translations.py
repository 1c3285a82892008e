"""The words of the built-in formats, in every language they are translated into.

The catalogue is ``locale/<language>/LC_MESSAGES/icssi_itinerary_plugins.po``; see
docs/translating.md for adding a language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from icssi_itinerary import hookimpl

if TYPE_CHECKING:
    from pathlib import Path

    from icssi_itinerary import Catalogue

DOMAIN = "icssi_itinerary_plugins"
"""The gettext domain of the built-in formats' words."""


def locale_folder() -> Path:
    """The folder of the built-in catalogues (and of the template, ``<domain>.pot``)."""
    from pathlib import Path

    return Path(__file__).parent / "locale"


@hookimpl
def register_translations(register: Callable[[Catalogue], None]) -> None:
    """The built-in catalogue (the translation module is loaded here, on first use, not
    when ``--help`` loads the plugins)."""
    from icssi_itinerary import Catalogue

    register(Catalogue(locale_folder(), DOMAIN))
