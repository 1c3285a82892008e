"""changes.html: each delegate's digest page, in their secret folder and their language.

Pages are parsed with html5lib; who holds the moved event comes from notify's own
oracle (the roster CSV and the programme TOML); the Arabic words from the catalogue
read by Babel.
"""

from __future__ import annotations

import csv
from pathlib import Path
from xml.etree.ElementTree import Element

import html5lib
import pytest

from conftest import SAMPLE_ROSTER
from icssi_itinerary import load_programme
from test_notify import MOVED, Site, _attendees_of, _catalogue, _site
from test_publish import BUNDLED, GENEVA, T2, _programme_with

NS = {"h": "http://www.w3.org/1999/xhtml"}


def _page(site: Site, delegate: str) -> Path:
    token = site.rows()[delegate]["feed_url"].split("/")[-2]
    return site.out / token / "changes.html"


def _parsed(path: Path) -> Element:
    tree: Element = html5lib.parse(path.read_bytes(), treebuilder="etree")
    return tree


def _changes(tree: Element) -> list[str]:
    return [
        " ".join("".join(item.itertext()).split())
        for item in tree.iterfind(".//h:li", NS)
        if "change" in (item.get("class") or "")
    ]


@pytest.fixture
def moved(tmp_path: Path) -> Site:
    site = _site(tmp_path)
    site.publish(_programme_with(tmp_path, *MOVED), T2)
    return site


def test_each_holder_of_the_moved_event_reads_the_move_before_and_after(moved: Site) -> None:
    with moved.roster.open(encoding="utf-8") as stream:
        english = {row["id"] for row in csv.DictReader(stream) if row["language"] == "en"}
    assert english & _attendees_of(GENEVA)
    for delegate in english & _attendees_of(GENEVA):
        tree = _parsed(_page(moved, delegate))
        (entry,) = _changes(tree)
        assert entry.startswith("Moved: ICSSI session at the Palais des Nations")
        before, after = entry.split("Before:")[1].split("Now:")
        assert "10:00" in before and "11:00" in after


def test_the_others_keep_the_page_of_the_publish_that_changed_something_for_them(
    tmp_path: Path,
) -> None:
    site = _site(tmp_path)
    others = set(site.rows()) - _attendees_of(GENEVA)
    assert others
    first = {who: _page(site, who).read_bytes() for who in others}
    site.publish(_programme_with(tmp_path, *MOVED), T2)
    for who in others:
        assert _page(site, who).read_bytes() == first[who]
        entries = _changes(_parsed(_page(site, who)))
        new = ("New: ", f"{_catalogue()['New']}: ")
        assert entries and all(entry.startswith(new) for entry in entries)


def test_an_arabic_delegates_page_is_in_arabic_right_to_left(moved: Site) -> None:
    words = _catalogue()
    tree = _parsed(_page(moved, "amal-karim"))
    root = tree if tree.tag.endswith("html") else tree.find("h:html", NS)
    assert root is not None
    assert root.get("dir") == "rtl" and (root.get("lang") or "").startswith("ar")
    (entry,) = _changes(tree)
    assert entry.startswith(f"{words['Moved']}:") and f"{words['Before']}:" in entry
    assert "Moved" not in entry


def test_no_page_names_an_address_or_another_delegate(moved: Site) -> None:
    rows = moved.rows()
    with (moved.roster.parent / "legs.csv").open(encoding="utf-8") as stream:
        references = {row["delegate"]: row["reference"] for row in csv.DictReader(stream)}
    for delegate in rows:
        text = _page(moved, delegate).read_text(encoding="utf-8")
        for other, row in rows.items():
            assert not row["email"] or row["email"] not in text
            if other != delegate:
                assert row["name"] not in text
                token = row["feed_url"].split("/")[-2]
                assert token not in text
                reference = references.get(other)
                assert (
                    not reference or reference == references.get(delegate) or reference not in text
                )


def test_a_delegate_new_to_the_roster_reads_every_item_as_new(tmp_path: Path) -> None:
    site = _site(tmp_path)
    with site.roster.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    header = rows[0]
    newcomer = dict.fromkeys(header, "")
    newcomer |= {"id": "dana-aziz", "name": "Dana Aziz", "events": "mep-meeting", "calendar": ""}
    rows.append([newcomer[column] for column in header])
    with site.roster.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(rows)
    site.publish(load_programme(BUNDLED), T2)
    entries = _changes(_parsed(_page(site, "dana-aziz")))
    assert entries and all(entry.startswith("New: ") for entry in entries)
    assert any("MEP" in entry or "Parliament" in entry for entry in entries)


def test_the_page_links_only_to_what_was_published(tmp_path: Path) -> None:
    from icssi_itinerary import get_exporter, load_roster, publish

    programme = load_programme(BUNDLED)
    roster = load_roster(SAMPLE_ROSTER, programme)
    out = tmp_path / "site"
    publish(programme, roster, [get_exporter("html")], out, "https://example.org/i")
    for page in out.glob("*/changes.html"):
        links = {a.get("href") for a in _parsed(page).iterfind(".//h:a", NS)}
        token = page.parent.name
        assert links == {
            f"https://example.org/i/{token}/itinerary.html",
            f"https://example.org/i/{token}/changes.html",
        }
