"""What a sync of a site version to object storage does, and in which order.

Pure: from the version's manifest, the record of what the bucket holds and a listing
of it, the objects to upload, stage by stage, and the ones to delete. A stage holds only
objects that link to objects of earlier stages (or of none), so an object never links to
one not yet uploaded; deletes come last, pages before the files they link to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypedDict

from .manifest import FileFacts
from .publishing import DIGEST_PAGE
from .serve import PERSONAL_CACHE, is_personal

__all__ = [
    "PERSONAL_CACHE",
    "PUBLIC_CACHE",
    "Plan",
    "Stored",
    "cache_control",
    "plan_sync",
    "stage_of",
]

PUBLIC_CACHE = "public, max-age=3600"
"""The public programme: the same for everyone, so a CDN may keep it an hour (purge the
changed paths after a publish to show a change sooner)."""

STAGES = 5
"""Personal files that are not pages (feeds, printouts, text); personal pages; the
digest page (it links to the page); public files that are not pages; public pages."""


class Stored(TypedDict):
    """What the publisher knows of one object it wrote (or was writing) to the bucket."""

    etag: str
    """The manifest's ETag of the bytes uploaded (from their SHA-256)."""
    type: str
    cache: str
    stored: str | None
    """The ETag the store gave the object; ``None`` while its upload is under way (the
    object may or may not be there: it is uploaded again, or deleted)."""


@dataclass
class Plan:
    """The uploads, stage by stage (each stage's names sorted), and the deletes in order."""

    stages: list[list[str]] = field(default_factory=lambda: [[] for _ in range(STAGES)])
    deletes: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def uploads(self) -> list[str]:
        return [name for stage in self.stages for name in stage]


def stage_of(name: str) -> int:
    """The stage *name* (a path in the site) is uploaded in (and deleted in, backwards)."""
    page = name.endswith(".html")
    if is_personal(name):
        if not page:
            return 0
        return 2 if name.rsplit("/", 1)[-1] == DIGEST_PAGE else 1
    return 4 if page else 3


def cache_control(name: str) -> str:
    """The ``Cache-Control`` of the object for *name*."""
    return PERSONAL_CACHE if is_personal(name) else PUBLIC_CACHE


def plan_sync(
    files: Mapping[str, FileFacts],
    record: Mapping[str, Stored],
    listed: Mapping[str, str],
) -> Plan:
    """What to upload and delete so that the bucket holds exactly *files* (by name in the
    site) of what this publisher wrote: *record* is what it wrote, by name; *listed* the
    store's ETag of each name the bucket lists. An object is uploaded again unless the
    record has its bytes, type and cache control and the bucket still holds that very
    object; a recorded name the site no longer has is deleted. Objects the publisher did
    not write are left alone."""
    plan = Plan()
    for name in sorted(files):
        facts = files[name]
        known = record.get(name)
        if (
            known is not None
            and known["stored"] is not None
            and listed.get(name) == known["stored"]
            and (known["etag"], known["type"], known["cache"])
            == (facts["etag"], facts["type"], cache_control(name))
        ):
            plan.unchanged += 1
        else:
            plan.stages[stage_of(name)].append(name)
    gone = [name for name in record if name not in files]
    plan.deletes = sorted(gone, key=lambda name: (-stage_of(name), name))
    return plan
