"""The errors the library raises for input a person must fix."""

from __future__ import annotations

import re

__all__ = ["InputError", "InputWarning", "PluginError"]

_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class InputError(Exception):
    """Input that cannot be used: says what is wrong, where, and how to fix it.

    ``str()`` gives one line: ``file:line: field: what; hint`` (line breaks and other
    control characters in any part are shown escaped, as ``\\x0a``).
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
        text = ": ".join([*parts, message])
        return _BREAKS.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


class InputWarning(UserWarning):
    """Input that was used, but should be changed (an old zone name, say); the message
    names the file, line or row and field like an :class:`InputError`."""


class PluginError(Exception):
    """A plugin raised; the message names the plugin."""
