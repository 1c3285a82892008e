"""The plugin manager: every plugin, the built-in ones first, is an entry point of the
``icssi_itinerary`` group, and pluggy calls the hooks (in its documented order)."""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Iterable
from dataclasses import replace
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar

import pluggy

from . import hookspecs
from .discovery import ENTRY_POINT_GROUP, HOME, EntryPoint, entry_points
from .errors import InputError, PluginError

if TYPE_CHECKING:
    from .checks import Check
    from .digests import DigestWriter
    from .exporters import Exporter
    from .translation import Catalogue

__all__ = [
    "BUILT_IN_PLUGINS",
    "ENTRY_POINT_GROUP",
    "add_commands",
    "describe_plugins",
    "get_catalogues",
    "get_checks",
    "get_digest_writer",
    "get_exporter",
    "get_exporters",
    "pm",
]

_Registered = TypeVar("_Registered", "Exporter", "Check", "DigestWriter")
_Item = TypeVar("_Item")


def _allowed(entry: EntryPoint) -> bool:
    """The built-in plugins always load; others as ``ICSSI_ITINERARY_LOAD_PLUGINS``
    (comma list, empty for none) allows: all of them unless it is set, none under tests."""
    if entry.distribution == HOME:
        return True
    allowed = os.environ.get("ICSSI_ITINERARY_LOAD_PLUGINS")
    if allowed is None:
        return not hasattr(sys, "_called_from_test")
    return entry.name in {part.strip() for part in allowed.split(",")}


def _load(manager: pluggy.PluginManager, entries: Iterable[EntryPoint]) -> None:
    for entry in entries:
        if _allowed(entry) and manager.get_plugin(entry.name) is None:
            try:
                manager.register(entry.load(), name=entry.name)
                manager.check_pending()  # a hook name that no spec knows, e.g. a typo
            except Exception as error:
                raise PluginError(f"plugin '{entry.name}' failed to load: {error!r}") from error


_ENTRY_POINTS = entry_points()
BUILT_IN_PLUGINS = tuple(entry.name for entry in _ENTRY_POINTS if entry.distribution == HOME)
"""The names of the built-in plugins (the modules of the plugins package, each
declared as an entry point in this project's ``pyproject.toml``), in loading order."""
if not BUILT_IN_PLUGINS:
    raise PluginError(
        "the built-in plugins are not installed (no 'icssi_itinerary' entry points); "
        "install the package, e.g. pip install -e ."
    )

pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
"""The plugin manager; a program may register a plugin object on it directly."""
pm.add_hookspecs(hookspecs)
_load(pm, _ENTRY_POINTS)


def _plugin_of(hook: str, frames: Iterable[FrameType]) -> str | None:
    """The plugin whose implementation of *hook* runs in the first of *frames* that is
    one (a frame of a method counts for the instance it was called on)."""
    impls = getattr(pm.hook, hook).get_hookimpls()
    for frame in frames:
        for impl in impls:
            function = impl.function
            if getattr(function, "__code__", None) is not frame.f_code:
                continue
            owner = getattr(function, "__self__", None)
            if owner is None or frame.f_locals.get("self", owner) is owner:
                return str(impl.plugin_name)
    return None


def _call(hook: str, **kwargs: Any) -> None:
    """Call *hook* through pluggy; a plugin that raises is named in a PluginError."""
    try:
        getattr(pm.hook, hook)(**kwargs)
    except Exception as error:
        import traceback  # only on failure: start-up (--help) calls a hook too

        raised = [frame for frame, _ in traceback.walk_tb(error.__traceback__)]
        plugin = _plugin_of(hook, reversed(raised))  # the innermost implementation
        who = f"plugin '{plugin}'" if plugin else "a plugin"
        raise PluginError(f"{who} failed in {hook}: {error!r}") from error


def _calling_frames() -> Iterable[FrameType]:
    frame = inspect.currentframe()
    while frame is not None:
        yield frame
        frame = frame.f_back


def _registered(hook: str) -> list[tuple[str, Any]]:
    """``(plugin, item)`` for each ``register(item)`` made during *hook*, in the order
    pluggy called the implementations (the last registered plugin first, but
    ``tryfirst`` ones before and ``trylast`` ones after the others)."""
    calls: list[tuple[str, Any]] = []

    def register(item: object) -> None:
        calls.append((_plugin_of(hook, _calling_frames()) or "", item))

    _call(hook, register=register)
    return calls


def _checked(hook: str, kind: type[_Item]) -> list[tuple[str, _Item]]:
    """``(plugin, item)`` for each item *hook* registered, each checked to be a *kind*."""
    calls = _registered(hook)
    for plugin, item in calls:
        if not isinstance(item, kind):
            raise PluginError(
                f"plugin '{plugin}' registered {item!r} in {hook}; give a {kind.__name__}"
            )
    return calls


def _in_registration_order(plugin: str) -> int:
    """Sort key: where *plugin* was registered (the built-in ones first)."""
    names = [name for name, _ in pm.list_name_plugin()]
    return names.index(plugin) if plugin in names else len(names)


def _by_name(hook: str, kind: type[_Registered]) -> dict[str, _Registered]:
    """What *hook* registered, by name, in the plugins' registration order; where two
    register one name, the one pluggy called first wins (see :func:`get_exporters`)."""
    found: dict[str, _Registered] = {}
    for plugin, item in _checked(hook, kind):
        found.setdefault(item.name, replace(item, plugin=plugin))
    return dict(sorted(found.items(), key=lambda pair: _in_registration_order(pair[1].plugin)))


def get_exporters() -> dict[str, Exporter]:
    """Every registered output format by name, in the order the plugins were registered.

    Where two plugins register the same name, the one pluggy calls first wins: the one
    registered later (a third-party plugin overrides a built-in format), unless the
    other's hook is marked ``tryfirst``; a ``trylast`` hook gives a fallback.
    """
    from .exporters import Exporter

    return _by_name("register_exporters", Exporter)


def get_exporter(name: str, field: str | None = "--format") -> Exporter:
    """The registered output format *name*; an :class:`InputError` naming *field* (the
    option it came from) and the formats there are, if there is none."""
    exporters = get_exporters()
    if name not in exporters:
        raise InputError(
            f"unknown format '{name}'",
            field=field,
            hint="use one of: " + ", ".join(sorted(exporters)),
        )
    return exporters[name]


def get_checks() -> dict[str, Check]:
    """Every registered itinerary check by name, in the order they run (built-in ones
    first); a name registered twice is resolved as in :func:`get_exporters`."""
    from .checks import Check

    return _by_name("register_checks", Check)


DIGEST_WRITER = "digest"
"""The name of the digest writer publish and notify use (a plugin may replace it)."""


def get_digest_writer(name: str = DIGEST_WRITER) -> DigestWriter:
    """The registered digest writer *name*; a name registered twice is resolved as in
    :func:`get_exporters` (a third-party ``digest`` replaces the built-in one)."""
    from .digests import DigestWriter

    writers = _by_name("register_digests", DigestWriter)
    if name not in writers:
        raise PluginError(f"no plugin registers the digest writer '{name}'")
    return writers[name]


def get_catalogues() -> list[Catalogue]:
    """Every registered translation catalogue, in the plugins' registration order (a
    later plugin's messages win where two translate the same words)."""
    from .translation import Catalogue

    calls = _checked("register_translations", Catalogue)
    return [item for _, item in sorted(calls, key=lambda call: _in_registration_order(call[0]))]


def add_commands(cli: Any) -> None:
    """Let every plugin add its commands to the *cli* group (``register_commands``)."""
    _call("register_commands", cli=cli)


def describe_plugins(include_built_in: bool = False) -> list[dict[str, Any]]:
    """Name and hooks of each plugin (third-party only, unless *include_built_in*)."""
    return [
        {"name": name, "hooks": sorted(hook.name for hook in pm.get_hookcallers(plugin) or [])}
        for name, plugin in pm.list_name_plugin()
        if include_built_in or name not in BUILT_IN_PLUGINS
    ]
