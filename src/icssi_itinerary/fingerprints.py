"""A hash of what a reader would see of a value: the same data, the same hash, in every
process. It tells the ledger that an item changed, and the publisher that a file's inputs
did not."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date
from functools import cache
from typing import Any

from .timing import Timezone

__all__ = ["fingerprint"]


@cache
def _field_names(kind: type) -> tuple[str, ...]:
    """The dataclass fields of *kind* (none for other types), looked up once per type."""
    fields = getattr(kind, "__dataclass_fields__", None)
    return tuple(f.name for f in dataclasses.fields(kind)) if fields else ()


def _plain(value: Any) -> Any:
    """Plain JSON data for a dataclass tree: a faster, copy-free ``dataclasses.asdict``."""
    names = _field_names(type(value))  # type: ignore[arg-type]
    if names:
        return {"type": type(value).__name__, **{n: _plain(getattr(value, n)) for n in names}}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, Timezone):
        return value.key
    return value


def fingerprint(value: object) -> str:
    """A hash of everything a reader would see of *value* (an item, a programme, a
    delegate): equal data gives an equal hash in every process."""
    data = json.dumps(_plain(value), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()
