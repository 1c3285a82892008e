"""Whatever formats are published, no link in the site is dead: every ``href`` and ``src``
of every HTML page, and the links in ``links.csv``, lead to a file that was published.

A page offers its delegate a feed (and a QR code for it) only when a feed was published;
the publisher hands each output the URLs of what it actually wrote (issue 13, point 2).
"""

from __future__ import annotations

import csv
import html.parser
import itertools
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import ROOT
from icssi_itinerary import Programme, Roster, load_programme, load_roster
from icssi_itinerary.plugins import get_exporters
from icssi_itinerary.publishing import publish

BASE_URL = "https://itinerary.example.org/icssi"
BUILT_IN = ("text", "ical", "html", "pdf", "frab", "frab-json")
ROSTER = ROOT / "tests" / "data" / "rosters" / "two-delegates.toml"


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [value for name, value in attrs if name in ("href", "src") and value]


def _target(site: Path, page: Path, link: str) -> Path | None:
    """The site file *link* on *page* points to; ``None`` for a link off the site."""
    absolute = urllib.parse.urljoin(f"{BASE_URL}/{page.relative_to(site).as_posix()}", link)
    parts = urllib.parse.urlsplit(absolute)
    if parts.scheme in ("data", "mailto", "tel", "geo") or not absolute.startswith(BASE_URL):
        if parts.scheme == "webcal":
            return site / urllib.parse.unquote(
                absolute.removeprefix("webcal://" + BASE_URL.split("://")[1] + "/")
            )
        return None
    path = urllib.parse.unquote(parts.path.removeprefix(urllib.parse.urlsplit(BASE_URL).path))
    target = site / path.lstrip("/")
    return target / "index.html" if path.endswith("/") or path == "" else target


def _subsets() -> list[tuple[str, ...]]:
    return [s for n in range(1, len(BUILT_IN) + 1) for s in itertools.combinations(BUILT_IN, n)]


@pytest.fixture(scope="module")
def people() -> tuple[Programme, Roster]:
    programme = load_programme()
    return programme, load_roster(ROSTER, programme)


@pytest.mark.parametrize("formats", _subsets(), ids="+".join)
def test_no_link_in_the_site_is_dead(
    tmp_path: Path, people: tuple[Programme, Roster], formats: tuple[str, ...]
) -> None:
    programme, roster = people
    exporters = [get_exporters()[name] for name in formats]
    out = tmp_path / "site"
    now = datetime(2026, 1, 10, tzinfo=UTC)
    publish(programme, roster, exporters, out, BASE_URL, now=now)
    site = out.resolve()
    checked = 0
    for page in site.rglob("*.html"):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for link in parser.found:
            if link.startswith("#"):
                continue
            target = _target(site, page, link)
            if target is not None:
                assert target.is_file(), f"{page.relative_to(site)} links to missing {link}"
                checked += 1
    with (tmp_path / "site.private" / "links.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            for column in ("page_url", "feed_url", "webcal_url", "printout_url"):
                if row[column]:
                    target = _target(site, site / "index.html", row[column])
                    assert target is not None and target.is_file(), (column, row[column])
                    checked += 1
            assert bool(row["feed_url"]) == ("ical" in formats)
    assert checked > 0 or not {"html", "ical", "pdf"} & set(formats)
