"""Pickling model objects for another process of this run: zones by name, times whole.

Plain :mod:`pickle` gets two things wrong for a model object. It copies a zone's whole
TZif file into every pickle (4 kB a delegate) and unpickles it as a new zone object,
whose caches start cold; and :class:`pendulum.DateTime` pickles without its ``fold``,
so 02:30 the second time round, when clocks go back, comes back an hour early. Here a
zone travels as its name and comes back as this process's own object for that name
(:func:`.timing.zone`), and a time keeps its fold.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

import pendulum

from .timing import Timezone, zone

__all__ = ["dumps", "loads"]


def _moment(
    year: int,
    month: int,
    day: int,
    hour: int,
    minute: int,
    second: int,
    microsecond: int,
    tz: Timezone,
    fold: int,
) -> pendulum.DateTime:
    return pendulum.DateTime(year, month, day, hour, minute, second, microsecond, tz, fold=fold)


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, Timezone) and obj.key is not None:
            return zone, (obj.key,)
        if isinstance(obj, pendulum.DateTime):
            fields = (obj.year, obj.month, obj.day, obj.hour, obj.minute, obj.second)
            return _moment, (*fields, obj.microsecond, obj.tzinfo, obj.fold)
        return NotImplemented


def dumps(obj: object) -> bytes:
    """*obj* pickled, with each zone as its name and each time with its fold."""
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buffer.getvalue()


def loads(data: bytes) -> Any:
    """The object :func:`dumps` pickled; its zones are this process's own."""
    return pickle.loads(data)
