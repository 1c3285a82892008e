"""Splitting the delegates among several machines: shard *K* of *N* holds the delegates
whose id hashes to it, the same on every machine and every run."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .errors import InputError

__all__ = ["Shard"]

_FORM = re.compile(r"^\s*(\d{1,6})\s*/\s*(\d{1,6})\s*$")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (from 1) of ``count``."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str, field: str = "--shard") -> Shard:
        """``K/N`` with 1 ≤ K ≤ N; anything else is one line of bad input."""
        found = _FORM.match(text)
        if found is None or not 1 <= int(found[1]) <= int(found[2]):
            raise InputError(
                f"'{text}' is not a shard",
                field=field,
                hint="give K/N with 1 <= K <= N, e.g. 2/4 for the second of four machines",
            )
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def of(cls, delegate_id: str, count: int) -> Shard:
        """The shard of *count* that holds the delegate *delegate_id* (by SHA-256 of the
        id, so that the split does not depend on the roster's order or Python's hash)."""
        digest = hashlib.sha256(delegate_id.encode("utf-8")).digest()
        return cls(int.from_bytes(digest[:8], "big") % count + 1, count)

    def holds(self, delegate_id: str) -> bool:
        """Whether the delegate *delegate_id* belongs to this shard (:meth:`of`)."""
        return Shard.of(delegate_id, self.count) == self

    @property
    def suffix(self) -> str:
        """``3-of-4``: how this shard's own files are told apart from the others'."""
        return f"{self.index}-of-{self.count}"
