"""Reading input files (TOML tables, CSV rows) field by field, with errors that say where."""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, cast, get_args

import pendulum

from .errors import InputError
from .timing import Fold, Timezone, TimingError, localize, zone

__all__ = ["Lines", "Record", "csv_records", "read_text", "toml_records", "toml_tables"]

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")
_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def read_text(path: Path) -> str:
    """The file's text; a missing or non-UTF-8 file is an :class:`InputError`."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", source=str(path), hint="check the path") from None
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror}", source=str(path)) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 text (byte {error.start + 1})",
            source=str(path),
            line=line,
            hint="save the file as UTF-8 (in a spreadsheet: 'CSV UTF-8')",
        ) from None


@dataclass
class Lines:
    """Where each table and key of a TOML text starts, for error messages."""

    tables: dict[tuple[str, int], int] = field(default_factory=dict)
    keys: dict[tuple[str, int, str], int] = field(default_factory=dict)

    @classmethod
    def scan(cls, text: str) -> Lines:
        lines = cls()
        counts: dict[str, int] = {}
        current = ("", 0)
        inside: str | None = None  # the quotes of a multi-line string being read
        for number, line in enumerate(text.splitlines(), start=1):
            if inside is not None:  # text, not keys: stay in it until it closes
                inside = inside if line.count(inside) % 2 == 0 else None
                continue
            inside = next((q for q in ('"""', "'''") if line.count(q) % 2 == 1), None)
            header = _HEADER.match(line)
            if header:
                name = header.group(1)
                index = counts.get(name, -1) + 1 if line.lstrip().startswith("[[") else 0
                counts[name] = index
                current = (name, index)
                lines.tables[current] = number
                continue
            key = _KEY.match(line)
            if key:
                lines.keys.setdefault((*current, key.group(1)), number)
        return lines


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

    def error(self, key: str | None, what: str, hint: str | None = None) -> InputError:
        """An :class:`InputError` about *key* of this record."""
        line = self.key_lines.get(key, self.line) if key else self.line
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
        """A string field, stripped; blank is ``None``."""
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.error(key, "missing", f"give a value for '{key}'")
            return None
        if not isinstance(value, str):
            raise self.error(key, f"expected text, found {value!r}", "put the value in quotes")
        return value.strip()

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
                f"'{value}' is not a usable id",
                "use up to 64 letters, digits, '-' or '_', starting with a letter or digit",
            )
        return value

    def number(self, key: str) -> float | None:
        """A number field (text in a CSV cell is converted)."""
        value = self.data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise self.error(key, f"expected a number, found {value!r}")
        if isinstance(value, int | float):
            return float(value)
        try:
            return float(str(value))
        except ValueError:
            raise self.error(key, f"expected a number, found {value!r}") from None

    def strings(self, key: str, separator: str = ";") -> tuple[str, ...]:
        """A list of strings: a TOML array, or a CSV cell split on *separator*."""
        value = self.data.get(key)
        if value is None or value == "":
            return ()
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(separator) if part.strip())
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return tuple(item.strip() for item in value)
        raise self.error(key, f"expected a list of text, found {value!r}")

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
            raise self.error(key, f"expected a date or date-time, found {value!r}")
        return value

    def zone(self, key: str, *, required: bool = False) -> Timezone | None:
        """The IANA zone named by *key* (``None`` if absent and not required)."""
        name = self.text(key, required=required)
        if name is None:
            return None
        try:
            return zone(name)
        except TimingError as error:
            raise self.error(key, str(error)) from None

    def fold(self) -> Fold | None:
        """The optional ``fold`` field: which of two repeated wall-clock times is meant."""
        fold = self.text("fold")
        if fold is not None and fold not in get_args(Fold):
            raise self.error("fold", f"'{fold}' is not a fold", 'use "earlier" or "later"')
        return cast("Fold | None", fold)

    def localize(
        self, key: str, wall: datetime, tz: Timezone, fold: Fold | None
    ) -> pendulum.DateTime:
        """The wall-clock time *wall* of field *key*, on the clocks of *tz*."""
        try:
            return localize(wall, tz, fold)
        except TimingError as error:
            raise self.error(key, str(error)) from None

    def _parse_moment(self, key: str, value: str) -> date | datetime:
        try:
            return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            raise self.error(
                key,
                f"'{value}' is not a date or date-time",
                "write it as 2014-11-03 or 2014-11-03 10:00",
            ) from None


def toml_tables(path: Path) -> tuple[dict[str, Any], Lines]:
    """Parse a TOML file; a syntax error is an :class:`InputError` with its line."""
    text = read_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None)
        message = getattr(error, "msg", str(error))
        at = _TOML_AT.search(message)
        if line is None and at:  # Python < 3.14 puts the place only in the message
            line, message = int(at.group(1)), f"{message[: at.start()]} (column {at.group(2)})"
        raise InputError(
            f"not valid TOML: {message}", source=str(path), line=line, hint="fix the syntax"
        ) from None
    return data, Lines.scan(text)


def toml_records(data: Mapping[str, Any], lines: Lines, name: str, source: str) -> Iterator[Record]:
    """The entries of the array of tables ``[[name]]``."""
    tables = data.get(name, [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise InputError(
            "expected an array of tables", source=source, field=name, hint=f"write [[{name}]]"
        )
    for index, table in enumerate(tables):
        keys = {
            key: line
            for (table_name, i, key), line in lines.keys.items()
            if table_name == name and i == index
        }
        yield Record(table, source, f"{name}[{index}]", lines.tables.get((name, index)), keys)


def csv_records(path: Path, required: set[str], optional: set[str]) -> Iterator[Record]:
    """The rows of a CSV file whose header has at least *required* columns.

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
        try:
            return next(reader, None)
        except csv.Error as error:
            raise bad(f"not valid CSV: {error}", "quote cells as a spreadsheet does") from None

    header = [name.strip() for name in next_row() or []]
    missing = sorted(required - set(header))
    if missing:
        raise bad(
            "missing column " + ", ".join(f"'{name}'" for name in missing),
            "the first row must name the columns: " + ", ".join(sorted(required)),
        )
    unknown = sorted(set(header) - required - optional)
    if unknown:
        raise bad(
            "unknown column " + ", ".join(f"'{name}'" for name in unknown),
            "use only: " + ", ".join(sorted(required | optional)),
        )
    while (cells := next_row()) is not None:
        if len(cells) > len(header):
            raise bad("more cells than columns", "quote cells that contain commas")
        if any(cell.strip() for cell in cells):
            yield Record(dict(zip(header, cells, strict=False)), str(path), "", number, row=True)
