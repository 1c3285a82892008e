"""Reading input files (TOML tables, CSV rows) field by field, with errors that say where."""

from __future__ import annotations

import codecs
import csv
import gc
import io
import math
import os
import re
import stat
import tomllib
import warnings
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, cast, get_args

import pendulum

from .errors import InputError, InputWarning
from .timing import Fold, Timezone, TimingError, current_name, localize, zone

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_ENTRIES",
    "Lines",
    "Record",
    "csv_records",
    "read_bytes",
    "read_text",
    "shown",
    "toml_records",
    "toml_tables",
    "without_cycle_collection",
]

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_HEADER = re.compile(r"\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?")
_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_LONG_NUMBER = re.compile(r"[0-9_]{4000,}")
_TIME_WITHOUT_SECONDS = re.compile(r"=\s*(?:\d{4}-\d{2}-\d{2}[T ])?(\d{2}:\d{2})\s*(?:#.*)?$")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""C0 and C1 control characters other than tab, line feed and carriage return: no
output format allows them (iCalendar forbids them, HTML calls them errors)."""
_DECIMAL = re.compile(
    r"^\s*[+-]?(?:\d{1,300}(?:\.\d{0,300})?|\.\d{1,300})(?:[eE][+-]?\d{1,3})?\s*$"
)
_INTEGER = re.compile(r"^\s*[+-]?\d{1,18}\s*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:[Zz]|[+-]\d{2}:?\d{2})?$"
)
_SHOWN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_BREAKS = str.maketrans({"\r": "\n", "\u2028": "\n", "\u2029": "\n"})

MAX_BYTES = 64 * 1024 * 1024
"""The largest input file read (64 MiB); a larger one is refused, not read."""
MAX_ENTRIES = 1_000_000
"""The most rows of a CSV file, or tables of one kind in a TOML file."""
MAX_DEPTH = 32
"""The deepest nesting of arrays and inline tables in a TOML file."""
FIRST_YEAR, LAST_YEAR = 1900, 2199
"""The years a date may fall in (time-zone rules are known for them)."""


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Loading makes many objects and no reference cycles: the cyclic garbage collector
    would only walk them again and again, making a large file load more than linearly
    slower. Collection resumes (as it was) afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def shown(value: object, limit: int = 60) -> str:
    """*value* quoted for a one-line message: line breaks escaped, long text cut."""
    text = f"'{value}'" if isinstance(value, str) else repr(value)
    text = _SHOWN.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text if len(text) <= limit else text[: limit - 2] + "…" + text[-1]


def _too_large(source: str) -> InputError:
    return InputError(
        f"larger than {MAX_BYTES // (1024 * 1024)} MiB",
        source=source,
        hint="split the file, or check that it is the file you meant",
    )


def read_bytes(path: Path, label: str | None = None) -> bytes:
    """The bytes of the regular file *path*, at most :data:`MAX_BYTES`.

    A missing, unreadable or oversized file, a folder, and a pipe or device (which could
    block or never end) are each an :class:`InputError`; nothing waits on a pipe.
    """
    source = label or str(path)
    try:
        # O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer.
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        broken = path.is_symlink()
        raise InputError(
            "a link to a file that does not exist" if broken else "file not found",
            source=source,
            hint="check the path",
        ) from None
    except PermissionError:
        raise InputError(
            "cannot read: permission denied", source=source, hint="check the file's permissions"
        ) from None
    except OSError as error:
        raise InputError(
            f"cannot read: {error.strerror}", source=source, hint="check the path"
        ) from None
    try:
        status = os.fstat(handle)
        if stat.S_ISDIR(status.st_mode):
            raise InputError("is a folder, not a file", source=source, hint="give a file's path")
        if not stat.S_ISREG(status.st_mode):
            raise InputError(
                "not a regular file (a pipe, device or socket)",
                source=source,
                hint="save the input to a file and give that file's path",
            )
        if status.st_size > MAX_BYTES:
            raise _too_large(source)
        with os.fdopen(handle, "rb", closefd=False) as stream:
            raw = stream.read(MAX_BYTES + 1)  # a file that grows is read only so far
    except OSError as error:
        raise InputError(
            f"cannot read: {error.strerror}", source=source, hint="check the file"
        ) from None
    finally:
        os.close(handle)
    if len(raw) > MAX_BYTES:
        raise _too_large(source)
    return raw


def read_text(path: Path, label: str | None = None) -> str:
    """The file's text (UTF-8, or UTF-16 with a byte-order mark); see :func:`read_bytes`.

    Text that is not valid in its encoding, or holds control characters other than
    tab and line breaks, is an :class:`InputError` naming the line.
    """
    source = label or str(path)
    raw = read_bytes(path, source)
    utf16 = raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    try:
        text = raw.decode("utf-16") if utf16 else raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InputError(
            f"not {'UTF-16' if utf16 else 'UTF-8'} text (byte {error.start + 1})",
            source=source,
            line=line,
            hint="save the file as UTF-8 (in a spreadsheet: 'CSV UTF-8')",
        ) from None
    control = _CONTROL.search(text)
    if control:
        raise InputError(
            f"control character U+{ord(control.group()):04X} in the text",
            source=source,
            line=text.count("\n", 0, control.start()) + 1,
            hint="remove it (is this a text file?)",
        )
    return text


_STRINGS = r"""(?P<ml>""\"|''')|(?P<str>"(?:[^"\\\n]|\\.)*"|'[^'\n]*')|(?P<comment>#[^\n]*)"""
_BRACKETS = r"|(?P<open>[\[{])|(?P<close>[\]}])"
_TOP = re.compile(
    r"(?m)^[ \t]*(?P<header>\[)|^[ \t]*(?P<key>[A-Za-z0-9_-]+)[ \t]*[.=]|" + _STRINGS + _BRACKETS
)
_INNER = re.compile(_STRINGS + _BRACKETS)
_CLOSE = {
    '"""': re.compile(r'(?s)(?:[^"\\]|\\.|"{1,2}(?!"))*"{3,5}'),
    "'''": re.compile(r"(?s)(?:[^']|'{1,2}(?!'))*'{3,5}"),
}


@dataclass
class _Found:
    tables: dict[tuple[str, int], int] = field(default_factory=dict)
    keys: dict[tuple[str, int], dict[str, int]] = field(default_factory=dict)
    too_deep: int | None = None


class Lines:
    """Where each table and key of a TOML text starts, for error messages.

    The text is scanned (outside strings and comments) only when a line is first asked
    for: a file that loads without error is never scanned.
    """

    def __init__(self, text: str = "") -> None:
        self._text = text
        self._found: _Found | None = None

    @classmethod
    def scan(cls, text: str) -> Lines:
        """The lines of *text* (scanned when first needed)."""
        return cls(text)

    @property
    def tables(self) -> dict[tuple[str, int], int]:
        """The line of each table, by name and index (``[[events]]``: 0, 1, …)."""
        return self._scanned().tables

    @property
    def too_deep(self) -> int | None:
        """The line where nesting first goes deeper than :data:`MAX_DEPTH`."""
        return self._scanned().too_deep

    def of(self, table: str, index: int = 0) -> dict[str, int]:
        """The line of each key of the *index*-th table called *table* ("": the top)."""
        return self._scanned().keys.get((table, index), {})

    def line(self, table: str, index: int, key: str | None) -> int | None:
        """The line of *key* in a table, else of the table (an inline table: its key)."""
        found = self.of(table, index).get(key) if key else None
        return found or self.tables.get((table, index)) or self.of("").get(table)

    def _scanned(self) -> _Found:
        if self._found is None:
            self._found = _scan(self._text)
        return self._found


def _scan(text: str) -> _Found:
    found = _Found()
    counts: dict[str, int] = {}
    current = found.keys.setdefault(("", 0), {})
    depth, pos, line, counted = 0, 0, 1, 0
    while match := (_TOP if depth == 0 else _INNER).search(text, pos):
        line += text.count("\n", counted, match.start())
        counted, pos, kind = match.start(), match.end(), match.lastgroup
        if kind == "header" and (header := _HEADER.match(text, match.start(kind))):
            name = header.group(1)
            index = counts.get(name, -1) + 1 if header.group().startswith("[[") else 0
            counts[name] = index
            found.tables[name, index] = line
            current = found.keys.setdefault((name, index), {})
            pos = header.end()
        elif kind == "key":
            current.setdefault(match.group(kind), line)
            pos = match.end(kind)
        elif kind == "ml":
            closed = _CLOSE[match.group()].match(text, pos)
            if closed is None:
                break
            pos = closed.end()
        elif kind in ("open", "header"):
            depth += 1
            if depth > MAX_DEPTH:
                found.too_deep = line
                break
        elif kind == "close":
            depth = max(0, depth - 1)
    return found


def _depth(value: object) -> int:
    """How deeply arrays and tables nest in *value* (without recursion)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack += [
                (child, depth + 1) for child in item.values() if isinstance(child, dict | list)
            ]
        elif isinstance(item, list):
            stack += [(child, depth + 1) for child in item if isinstance(child, dict | list)]
    return deepest


@dataclass
class Record:
    """One table of a TOML file or one row of a CSV file.

    Every accessor raises an :class:`InputError` that names the file, the line (or
    row) and the field path, e.g. ``events[3].venue``.
    """

    data: Mapping[str, Any]
    source: str
    path: str
    line: int | None = None
    key_lines: Mapping[str, int] = field(default_factory=dict)
    row: bool = False
    lines: Lines | None = None
    """For a TOML table: where its keys are (``line`` and ``key_lines`` are then unused)."""
    table: tuple[str, int] = ("", 0)
    shared: dict[str, str] | None = None
    """Text values already read in the same load, shared by its records: a value that
    repeats across rows (a city, a mode, a delegate's id in each of their legs) is then
    kept in memory once, however many rows give it."""

    def _line(self, key: str | None) -> int | None:
        if self.lines is not None:
            return self.lines.line(*self.table, key)
        return self.key_lines.get(key, self.line) if key else self.line

    def where(self, key: str | None = None) -> str:
        """Where *key* of this record is, e.g. ``row 12`` or ``line 40``."""
        line = self._line(key)
        return f"{'row' if self.row else 'line'} {line}" if line else f"'{self.path}'"

    def error(self, key: str | None, what: str, hint: str | None = None) -> InputError:
        """An :class:`InputError` about *key* of this record."""
        line = self._line(key)
        where = f"row {line}" if self.row and line else line
        if self.row:
            name = key or None
        else:
            name = f"{self.path}.{key}" if key else self.path
        return InputError(what, source=self.source, line=where, field=name, hint=hint)

    def only(self, allowed: set[str] | frozenset[str]) -> None:
        """Refuse keys outside *allowed* (usually a typo)."""
        for key in self.data:
            if key not in allowed:
                raise self.error(key, "unknown field", "use one of: " + ", ".join(sorted(allowed)))

    def has(self, key: str) -> bool:
        """Whether *key* is present and not blank."""
        value = self.data.get(key)
        return value is not None and value != ""

    def text(self, key: str, *, required: bool = False) -> str | None:
        """A string field, stripped; blank is ``None``.

        Line and paragraph separators (and carriage returns) become line feeds; a
        control character (which only an escape such as ``\\u0000`` can bring in) is an
        error, since no output format may carry it.
        """
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.error(key, "missing", f"give a value for '{key}'")
            return None
        if not isinstance(value, str):
            raise self.error(key, f"expected text, found {shown(value)}", "put the value in quotes")
        return self._clean(key, value)

    def _clean(self, key: str, value: str) -> str:
        if not _SHOWN.search(value):  # the usual case: nothing to refuse or change
            cleaned = value.strip()
        elif control := _CONTROL.search(value):
            raise self.error(
                key, f"control character U+{ord(control.group()):04X} in the text", "remove it"
            )
        else:
            cleaned = value.replace("\r\n", "\n").translate(_BREAKS).strip()
        return cleaned if self.shared is None else self.shared.setdefault(cleaned, cleaned)

    def required(self, key: str) -> str:
        """A string field that must be present."""
        value = self.text(key, required=True)
        assert value is not None
        return value

    def identifier(self, key: str = "id") -> str:
        """A required id usable in file names and URLs."""
        value = self.required(key)
        if not _ID.match(value):
            raise self.error(
                key,
                f"{shown(value)} is not a usable id",
                "use up to 64 letters, digits, '-' or '_', starting with a letter or digit",
            )
        return value

    def number(self, key: str) -> float | None:
        """A finite number field (text in a CSV cell is converted)."""
        value = self.data.get(key)
        if value is None or value == "":
            return None
        number: float | None = None
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = float(value) if abs(value) < 1e300 else math.inf
        elif isinstance(value, str) and _DECIMAL.match(value):
            number = float(value)
        if number is None or not math.isfinite(number):
            raise self.error(
                key, f"expected a number, found {shown(value)}", "write it like 46.2266"
            )
        return number

    def integer(self, key: str, low: int, high: int) -> int | None:
        """A whole number from *low* to *high* (text in a CSV cell is converted)."""
        value = self.data.get(key)
        if value is None or value == "":
            return None
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and _INTEGER.match(value):
            number = int(value)
        if number is None or not low <= number <= high:
            raise self.error(
                key,
                f"{shown(value)} is not a whole number from {low} to {high}",
                f"write a whole number such as {low}",
            )
        return number

    def strings(self, key: str, separator: str = ";") -> tuple[str, ...]:
        """A list of strings: a TOML array, or a CSV cell split on *separator*."""
        value = self.data.get(key)
        if value is None or value == "":
            return ()
        if isinstance(value, str):
            parts = value.split(separator)
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            parts = value
        else:
            raise self.error(
                key, f"expected a list of text, found {shown(value)}", 'write ["a", "b"]'
            )
        return tuple(item for part in parts if (item := self._clean(key, part)))

    def moment(self, key: str, *, required: bool = False) -> date | datetime | None:
        """A local date or local date-time (TOML literal, or ISO 8601 text)."""
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise self.error(key, "missing", f"give '{key}' as a local date or date-time")
            return None
        if isinstance(value, str):
            value = self._parse_moment(key, value.strip())
        if isinstance(value, time):
            raise self.error(key, "a time without a date", "give a date: 2014-11-03T10:00")
        if isinstance(value, datetime) and value.tzinfo is not None:
            raise self.error(
                key,
                f"{value.isoformat()} has a fixed UTC offset",
                "write the local wall-clock time without offset; the zone comes from the place",
            )
        if not isinstance(value, date):
            raise self.error(
                key,
                f"expected a date or date-time, found {shown(value)}",
                "write it as 2014-11-03 or 2014-11-03 10:00",
            )
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise self.error(
                key,
                f"the year {value.year} is out of range",
                f"give a date from {FIRST_YEAR} to {LAST_YEAR}",
            )
        return value

    def zone(self, key: str, *, required: bool = False) -> Timezone | None:
        """The IANA zone named by *key* (``None`` if absent and not required)."""
        name = self.text(key, required=required)
        if name is None:
            return None
        try:
            found = zone(name)
        except TimingError as error:
            raise self.error(key, str(error)) from None
        if current_name(name) != name:
            warning = self.error(
                key, f"'{name}' is an old name of {found.key}", f"write {found.key} instead"
            )
            warnings.warn(str(warning), InputWarning, stacklevel=2)
        return found

    def fold(self) -> Fold | None:
        """The optional ``fold`` field: which of two repeated wall-clock times is meant."""
        fold = self.text("fold")
        if fold is not None and fold not in get_args(Fold):
            raise self.error("fold", f"'{fold}' is not a fold", 'use "earlier" or "later"')
        return cast("Fold | None", fold)

    def localize(
        self, key: str, wall: datetime, zone: Timezone, fold: Fold | None
    ) -> pendulum.DateTime:
        """The wall-clock time *wall* of field *key*, on the clocks of *zone*."""
        try:
            return localize(wall, zone, fold)
        except TimingError as error:
            raise self.error(key, str(error)) from None

    def _parse_moment(self, key: str, value: str) -> date | datetime:
        """ISO 8601 in its extended form only: 20141026 is not read as a midnight."""
        try:
            if _DATE.match(value):
                return date.fromisoformat(value)
            if _DATE_TIME.match(value):
                return datetime.fromisoformat(value.replace("z", "Z"))
        except ValueError:
            pass
        raise self.error(
            key,
            f"{shown(value)} is not a date or date-time",
            "write it as 2014-11-03 or 2014-11-03 10:00",
        )


def toml_tables(path: Path, label: str | None = None) -> tuple[dict[str, Any], Lines]:
    """Parse a TOML file; a syntax error is an :class:`InputError` with its line.

    Nesting deeper than :data:`MAX_DEPTH` is refused before parsing.
    """
    source = label or str(path)
    text = read_text(path, source)
    lines = Lines(text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None)
        message = getattr(error, "msg", str(error))
        at = _TOML_AT.search(message)
        if line is None and at:  # Python < 3.14 puts the place only in the message
            line, message = int(at.group(1)), f"{message[: at.start()]} (column {at.group(2)})"
        hint = "fix the syntax"
        short = _TIME_WITHOUT_SECONDS.search(_line(text, line)) if line else None
        if short:
            hint = f"TOML times need seconds: write {short[1]}:00, not {short[1]}"
        raise InputError(
            f"not valid TOML: {message}", source=source, line=line, hint=hint
        ) from None
    except RecursionError:
        raise _too_deep(source, lines) from None
    except ValueError:
        # tomllib refuses integers of more than 4300 digits with a bare ValueError.
        number = _LONG_NUMBER.search(text)
        raise InputError(
            "not valid TOML: a number too long to read" if number else "not valid TOML",
            source=source,
            line=text.count("\n", 0, number.start()) + 1 if number else None,
            hint="write numbers with at most 300 digits",
        ) from None
    if _depth(data) > MAX_DEPTH and lines.too_deep is not None:  # scanned only then
        raise _too_deep(source, lines)
    return data, lines


def _too_deep(source: str, lines: Lines) -> InputError:
    return InputError(
        f"nested deeper than {MAX_DEPTH} arrays or inline tables",
        source=source,
        line=lines.too_deep,
        hint="write the data as [[tables]] instead",
    )


def _line(text: str, number: int) -> str:
    lines = text.splitlines()
    return lines[number - 1] if 0 < number <= len(lines) else ""


def toml_records(
    data: Mapping[str, Any],
    lines: Lines,
    name: str,
    source: str,
    shared: dict[str, str] | None = None,
) -> Iterator[Record]:
    """The entries of the array of tables ``[[name]]`` (or of an inline array of tables
    ``name = [...]``, whose entries are all placed on the line of ``name``), sharing
    *shared* (:attr:`Record.shared`)."""
    tables = data.get(name, [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise InputError(
            f"expected an array of tables, found {shown(tables)}",
            source=source,
            line=lines.of("").get(name),
            field=name,
            hint=f"write [[{name}]]",
        )
    if len(tables) > MAX_ENTRIES:
        raise InputError(
            f"more than {MAX_ENTRIES:,} entries", source=source, field=name, hint="split the file"
        )
    for index, table in enumerate(tables):
        yield Record(
            table, source, f"{name}[{index}]", lines=lines, table=(name, index), shared=shared
        )


def _sniffed_separator(header: str) -> str | None:
    """A separator other than the comma that the header row uses (Excel in many European
    locales writes ';'), or ``None``."""
    counts = {separator: header.count(separator) for separator in ";\t|"}
    best = max(counts, key=lambda separator: counts[separator])
    return best if counts[best] > header.count(",") else None


_SEPARATOR_NAMES = {";": "semicolons", "\t": "tabs", "|": "'|'"}


def csv_records(
    path: Path,
    required: set[str],
    optional: set[str],
    shared: dict[str, str] | None = None,
) -> Iterator[Record]:
    """The rows of a CSV file whose header has at least *required* columns, sharing
    *shared* (:attr:`Record.shared`).

    Rows are numbered as a spreadsheet numbers them (the header is row 1), even when
    a quoted cell spans several lines of the file.
    """
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    number = 0

    def bad(what: str, hint: str) -> InputError:
        return InputError(what, source=str(path), line=f"row {number}", hint=hint)

    def next_row() -> list[str] | None:
        nonlocal number
        number += 1
        if number > MAX_ENTRIES + 1:
            raise bad(f"more than {MAX_ENTRIES:,} rows", "split the file")
        try:
            return next(reader, None)
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise bad(
                    f"a cell longer than {csv.field_size_limit():,} characters",
                    "check the quotes: an unclosed quote makes the rest of the file one cell",
                ) from None
            raise bad(f"not valid CSV: {error}", "quote cells as a spreadsheet does") from None

    header = [name.strip() for name in next_row() or []]
    separator = _sniffed_separator(text.split("\n", 1)[0])
    if separator is not None and len(header) < len(required):
        raise bad(
            f"the columns are separated by {_SEPARATOR_NAMES[separator]}, not commas",
            "save as 'CSV UTF-8 (comma delimited)', or export with ',' as the separator",
        )
    repeated = sorted(name for name, count in Counter(header).items() if count > 1)
    if repeated:
        raise bad(
            "column " + ", ".join(f"'{name}'" for name in repeated) + " given twice",
            "keep one column of each name",
        )
    missing = sorted(required - set(header))
    if missing:
        raise bad(
            "missing column " + ", ".join(shown(name) for name in missing),
            "the first row must name the columns: " + ", ".join(sorted(required)),
        )
    unknown = sorted(set(header) - required - optional)
    if unknown:
        raise bad(
            "unknown column " + ", ".join(shown(name) for name in unknown),
            "use only: " + ", ".join(sorted(required | optional)),
        )
    while (cells := next_row()) is not None:
        if len(cells) > len(header):
            raise bad("more cells than columns", "quote cells that contain commas")
        if any(cell.strip() for cell in cells):
            row = dict(zip(header, cells, strict=False))
            yield Record(row, str(path), "", number, row=True, shared=shared)
