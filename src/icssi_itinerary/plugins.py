"""The plugin manager: built-in plugins, then third-party ones from entry points."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pluggy

from . import hookspecs
from .discovery import BUILT_IN_HOOKS, ENTRY_POINT_GROUP, third_party_installed
from .errors import PluginError

if TYPE_CHECKING:
    from .exporters import Exporter
    from .itinerary import Check

DEFAULT_PLUGINS = tuple(BUILT_IN_HOOKS)


class _BuiltIn:
    """A built-in plugin whose module is imported when one of its hooks is first called,
    so that start-up (``--help``) does not import iCalendar, Jinja2 or the PDF library."""

    def __init__(self, module: str) -> None:
        self.module = module

    def _forward(self, hook: str, argument: object) -> None:
        getattr(importlib.import_module(self.module), hook)(argument)

    @hookspecs.hookimpl
    def register_exporters(self, register: object) -> None:
        self._forward("register_exporters", register)

    @hookspecs.hookimpl
    def register_checks(self, register: object) -> None:
        self._forward("register_checks", register)

    @hookspecs.hookimpl
    def register_commands(self, cli: object) -> None:
        self._forward("register_commands", cli)


class _Manager(pluggy.PluginManager):
    def parse_hookimpl_opts(self, plugin: Any, name: str) -> Any:
        if isinstance(plugin, _BuiltIn) and name not in BUILT_IN_HOOKS[plugin.module]:
            return None
        return super().parse_hookimpl_opts(plugin, name)


pm = _Manager("icssi_itinerary")
pm.add_hookspecs(hookspecs)
for _name in DEFAULT_PLUGINS:
    pm.register(_BuiltIn(_name), name=_name)


def _allowed(name: str) -> bool:
    """``ICSSI_ITINERARY_LOAD_PLUGINS`` (comma list, empty for none) limits what loads."""
    allowed = os.environ.get("ICSSI_ITINERARY_LOAD_PLUGINS")
    if allowed is None:
        return not hasattr(sys, "_called_from_test")
    return name in {part.strip() for part in allowed.split(",")}


def _entry_points() -> list[Any]:
    if not third_party_installed():
        return []
    from importlib import metadata

    return list(metadata.entry_points(group=ENTRY_POINT_GROUP))


for _entry in _entry_points():
    if _allowed(_entry.name) and pm.get_plugin(_entry.name) is None:
        try:
            pm.register(_entry.load(), name=_entry.name)
            pm.check_pending()  # a hook name that no spec knows, e.g. a typo
        except Exception as _error:
            raise PluginError(f"plugin '{_entry.name}' failed to load: {_error!r}") from _error
pm.check_pending()


def call_each(hook: str, make_kwargs: Callable[[str], dict[str, Any]]) -> None:
    """Call *hook* on each plugin in registration order, naming a plugin that raises."""
    for impl in getattr(pm.hook, hook).get_hookimpls():
        try:
            kwargs = make_kwargs(impl.plugin_name)
            impl.function(*(kwargs[name] for name in impl.argnames))  # as pluggy does
        except Exception as error:
            raise PluginError(f"plugin '{impl.plugin_name}' failed in {hook}: {error!r}") from error


def get_exporters() -> dict[str, Exporter]:
    """Every registered output format by name (a later plugin overrides an earlier one)."""
    found: dict[str, Exporter] = {}

    def kwargs(plugin: str) -> dict[str, Any]:
        return {"register": lambda e: found.__setitem__(e.name, replace(e, plugin=plugin))}

    call_each("register_exporters", kwargs)
    return found


def get_checks() -> dict[str, Check]:
    """Every registered itinerary check by name."""
    found: dict[str, Check] = {}

    def kwargs(plugin: str) -> dict[str, Any]:
        return {"register": lambda c: found.__setitem__(c.name, replace(c, plugin=plugin))}

    call_each("register_checks", kwargs)
    return found


def describe_plugins(include_built_in: bool = False) -> list[dict[str, Any]]:
    """Name and hooks of each plugin (third-party only, unless *include_built_in*)."""
    return [
        {"name": name, "hooks": sorted(hook.name for hook in pm.get_hookcallers(plugin) or [])}
        for name, plugin in pm.list_name_plugin()
        if include_built_in or name not in DEFAULT_PLUGINS
    ]
