"""Unpickling a frozen dataclass with ``__slots__`` from the state pickled now, or from
the ``__dict__`` an object of version 0.1.0 was pickled with."""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any

__all__ = ["set_state"]


def set_state(self: Any, state: object) -> None:
    """A ``__setstate__``: *state* is the field values in order, or a ``__dict__``, whose
    missing fields (those added since) take their defaults."""
    if not isinstance(state, dict):
        for field, value in zip(fields(self), state, strict=True):  # type: ignore[call-overload]
            object.__setattr__(self, field.name, value)
        return
    for field in fields(self):
        if field.name in state:
            object.__setattr__(self, field.name, state[field.name])
        elif field.default is not MISSING:
            object.__setattr__(self, field.name, field.default)
        elif field.default_factory is not MISSING:
            object.__setattr__(self, field.name, field.default_factory())
