"""The errors the library raises for input a person must fix."""

from __future__ import annotations

__all__ = ["InputError", "PluginError"]


class InputError(Exception):
    """Input that cannot be used: says what is wrong, where, and how to fix it.

    ``str()`` gives one line: ``file:line: field: what; hint``.
    """

    def __init__(
        self,
        what: str,
        *,
        source: str | None = None,
        line: int | str | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.what = what
        self.source = source
        self.line = line
        self.field = field
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.source, self.line) if part is not None)
        parts = [part for part in (where, self.field) if part]
        message = self.what if not self.hint else f"{self.what}; {self.hint}"
        return ": ".join([*parts, message])


class PluginError(Exception):
    """A plugin raised; the message names the plugin."""
