"""What an output format is: an exporter and the options every format shares."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .errors import InputError, PluginError

if TYPE_CHECKING:
    from .model import Itinerary, Programme
    from .timing import Timezone

__all__ = ["Exporter", "Purpose", "RenderOptions", "render_itinerary", "render_programme"]

Purpose = Literal["feed", "page", "printout", "data"]
"""What an output is for: a calendar ``feed`` to subscribe to, a ``page`` to read in a
browser, a ``printout`` to carry, or ``data`` for other programs (conference apps)."""


@dataclass(frozen=True)
class RenderOptions:
    """Options shared by all formats; a format ignores what it has no use for."""

    zone: Timezone | None = None
    """A zone to show beside venue time; ``None``: the delegate's home zone, if any."""
    language: str | None = None
    """Language of the reader; ``None``: the delegate's language, or English."""
    base_url: str | None = None
    """Where the published feeds live, e.g. ``https://example.org/icssi``."""
    links: Mapping[str, str] = field(default_factory=dict)
    """What was published beside this output, by :data:`Purpose`: the absolute URL of
    the reader's ``feed``, ``page`` and ``printout`` (the programme's, or the delegate's
    own). Empty when nothing is published (``build``, ``itinerary``); a format links
    only to what is in it, so a page never offers a feed that was not published."""
    ledger: Mapping[str, Any] | None = None
    """Change tracking per UID (``sequence``, ``last_modified``), when publishing."""
    show_problems: bool = False
    """Include what the checks found (the coordinator's copy)."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Options for one format, by name."""

    @property
    def feed_url(self) -> str | None:
        """The published calendar feed's URL (``links["feed"]``), if there is one."""
        return self.links.get("feed")

    def display_zone(self, itinerary: Itinerary | None = None) -> Timezone | None:
        """The second zone to show: this option, else the delegate's home zone."""
        if self.zone is not None or itinerary is None:
            return self.zone
        return itinerary.delegate.home_zone


@dataclass(frozen=True)
class Exporter:
    """An output format, registered through the ``register_exporters`` hook."""

    name: str
    suffix: str
    media_type: str
    render_programme: Callable[[Programme, RenderOptions], bytes]
    render_itinerary: Callable[[Itinerary, RenderOptions], bytes]
    description: str = ""
    purpose: Purpose = "data"
    """What the output is for; the publisher links outputs to each other by it."""
    plugin: str = ""
    """The plugin that registered it (filled in on registration)."""


def render_programme(exporter: Exporter, programme: Programme, options: RenderOptions) -> bytes:
    """The whole programme in *exporter*'s format.

    A failing plugin is named; an :class:`InputError` it raises (input the user gave it,
    such as a template) passes through as bad input.
    """
    try:
        return exporter.render_programme(programme, options)
    except InputError:
        raise
    except Exception as error:
        raise PluginError(_failed(exporter, error)) from error


def render_itinerary(exporter: Exporter, itinerary: Itinerary, options: RenderOptions) -> bytes:
    """One itinerary in *exporter*'s format; a failing plugin is named."""
    try:
        return exporter.render_itinerary(itinerary, options)
    except InputError:
        raise
    except Exception as error:
        raise PluginError(_failed(exporter, error)) from error


def _failed(exporter: Exporter, error: Exception) -> str:
    return f"plugin '{exporter.plugin}' failed to render {exporter.name}: {error!r}"
