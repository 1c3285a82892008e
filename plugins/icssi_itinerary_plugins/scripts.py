"""Text split into runs of one writing system each, from the Unicode script data.

A run is the stretch of text one font draws. Characters every script uses (spaces,
digits, punctuation: script ``Zyyy``) and combining marks (``Zinh``) belong to the run
around them, as Unicode Standard Annex #24 suggests; they only start a run of their own
when the text has no other script. Script codes are ISO 15924 (``Latn``, ``Arab``,
``Deva``, ``Hani`` …), from fontTools' copy of the Unicode Character Database.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from fontTools import unicodedata as ucd  # type: ignore[import-untyped]

__all__ = [
    "COMMON",
    "INHERITED",
    "NEUTRAL",
    "Run",
    "is_rtl",
    "script_extensions",
    "script_name",
    "script_of",
    "script_runs",
]

COMMON = "Zyyy"
INHERITED = "Zinh"
NEUTRAL = frozenset({COMMON, INHERITED, "Zzzz"})
"""Characters of no one script: common, inherited (combining marks), unassigned."""

Run = tuple[str, str]
"""A script code and the text written in it."""


@lru_cache(maxsize=4096)
def script_of(char: str) -> str:
    """The ISO 15924 code of *char*'s script (``Zyyy`` for spaces, digits, symbols)."""
    return str(ucd.script(char))


def script_runs(text: str) -> list[Run]:
    """*text* as consecutive runs, each in one script (neutral characters joined to the
    run before them, or at the start to the first run after them)."""
    runs: list[list[str]] = []  # [script, text]
    pending = ""  # neutral characters before the first run with a script
    for char in text:
        script = script_of(char)
        if script in NEUTRAL:
            if runs:
                runs[-1][1] += char
            else:
                pending += char
            continue
        if runs and runs[-1][0] == script:
            runs[-1][1] += char
        else:
            runs.append([script, pending + char])
            pending = ""
    if pending:
        runs.append([COMMON, pending])
    return [(script, part) for script, part in runs]


def script_extensions(char: str) -> frozenset[str]:
    """The scripts *char* is used with (``،`` is used with Arabic, Syriac, Thaana …)."""
    return frozenset(ucd.script_extension(char))


def script_name(code: str) -> str:
    """``Devanagari`` for ``Deva``: the script's name in the Unicode data (``symbol``
    for the characters of no one script)."""
    if code in NEUTRAL:
        return "symbol"
    return str(ucd.script_name(code)).replace("_", " ")


def is_rtl(text: str) -> bool:
    """Whether *text* holds a right-to-left letter or Arabic digit (bidi class R, AL, AN)."""
    return any(unicodedata.bidirectional(char) in ("R", "AL", "AN") for char in text)
