"""CSV cells a spreadsheet opens as text, never as a formula."""

from __future__ import annotations

__all__ = ["spreadsheet_cell"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_cell(value: str) -> str:
    """*value*, with a leading ``'`` when it starts like a formula (``=``, ``+``, ``-``,
    ``@``, a tab or a line break), as OWASP advises against CSV injection: Excel,
    LibreOffice and Google Sheets then show the text instead of running it."""
    return f"'{value}" if value.startswith(_FORMULA_START) else value
