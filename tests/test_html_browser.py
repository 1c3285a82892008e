"""The HTML pages in a real browser: Debian's Chromium, headless, driven by Playwright.

Nothing is downloaded: Playwright drives ``/usr/bin/chromium`` (``.ci/run`` installs it
from Debian) and axe-core comes from ``tests/consumers`` (npm, pinned by its lock file).
Where either is absent the tests skip, except in CI (``CI=true``), where they fail.
Set ``ICSSI_UPDATE_SCREENSHOTS=1`` to rewrite the screenshots under docs/images/.

One browser serves the module; each page is opened once per test and resized, not
reopened per width.
"""

from __future__ import annotations

import io
import itertools
import os
import re
import shutil
import struct
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

import pytest

from conftest import ROOT
from icssi_itinerary import (
    DateSpan,
    Delegate,
    Event,
    EventSelection,
    Programme,
    RenderOptions,
    Roster,
    TimeSpan,
    Venue,
    build_itinerary,
    localize,
    zone,
)
from icssi_itinerary.plugins import get_exporters

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "tests" / "consumers" / "node_modules" / "axe-core" / "axe.min.js"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FEED = "https://example.org/icssi/feeds/4f9c2a71d0e3b8a5/amal-karim.ics"
PROGRAMME_FEED = "https://example.org/icssi/programme.ics"
SCREENSHOTS = ROOT / "docs" / "images"
MM = 96 / 25.4  # CSS px per millimetre
A4_POINTS = (595.28, 841.89)
PRINT_MARGIN_MM = 15  # the @page margin of the built-in stylesheet
WIDTHS = (320, 360, 390, 768, 1280)
PAGES = ("programme", "amal-karim", "mustafa-hussein")
"""The programme (with Baghdad time), an Arabic delegate and an English one."""
IN_CI = os.environ.get("CI") == "true"

if not CHROMIUM.exists():
    if IN_CI:
        raise RuntimeError(f"{CHROMIUM} is missing in CI: .ci/run installs Debian's chromium")
    pytest.skip(
        f"{CHROMIUM} not found: install Debian's chromium to run the browser tests",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Headless Chromium, one for the module."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def browser(chromium: Browser) -> Iterator[BrowserContext]:
    """A browser context in UTC, as a desktop at first (tests resize it)."""
    context = chromium.new_context(
        viewport={"width": 1000, "height": 800}, locale="en-GB", timezone_id="UTC"
    )
    try:
        yield context
    finally:
        context.close()


def render_pages(programme: Programme, roster: Roster, folder: Path) -> dict[str, Path]:
    html = get_exporters()["html"]
    made = {
        "programme": html.render_programme(
            programme, RenderOptions(zone=zone("Asia/Baghdad"), links={"feed": PROGRAMME_FEED})
        ),
        "amal-karim": html.render_itinerary(
            build_itinerary(programme, roster.delegate("amal-karim")),
            RenderOptions(links={"feed": FEED}),
        ),
        "mustafa-hussein": html.render_itinerary(
            build_itinerary(programme, roster.delegate("mustafa-hussein")), RenderOptions()
        ),
    }
    paths = {}
    for name, data in made.items():
        paths[name] = folder / f"{name}.html"
        paths[name].write_bytes(data)
    return paths


@pytest.fixture(scope="module")
def pages(
    programme: Programme, roster: Roster, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """The programme page (with Baghdad time and the feed) and two delegate pages."""
    return render_pages(programme, roster, tmp_path_factory.mktemp("pages"))


def open_page(browser: BrowserContext, path: Path) -> tuple[Page, list[str], list[str]]:
    """Open *path*; return the page, the console errors and the URLs it requested."""
    page = browser.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri(), wait_until="networkidle")
    return page, errors, requests


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_with_no_errors_and_no_requests(
    browser: BrowserContext, pages: dict[str, Path], name: str
) -> None:
    page, errors, requests = open_page(browser, pages[name])
    try:
        assert errors == []  # the inline script runs under the page's own CSP
        assert requests == [pages[name].as_uri()]
        # the page really rendered: a heading and the day tables are there
        assert page.locator("h1").count() == 1
        assert page.locator("section.day table").count() >= 5
        fonts = page.evaluate("() => [...document.fonts].map(f => f.family)")
        assert fonts == []  # no web fonts, local ones only
        # every day of the index leads to its day
        targets = page.evaluate(
            """() => [...document.querySelectorAll('nav.day-index a')].map(a =>
                 document.getElementById(a.hash.slice(1)) !== null)"""
        )
        assert targets and all(targets)
    finally:
        page.close()


# --- layout from phone to desktop -----------------------------------------------------

LAYOUT = """() => {
  const lines = [], words = [], broken = [];
  const visible = el => {
    for (let at = el; at; at = at.parentElement) {
      const style = getComputedStyle(at);
      if (style.clip === 'rect(0px, 0px, 0px, 0px)' || style.visibility === 'hidden') return false;
    }
    return true;
  };
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node; (node = walk.nextNode()); ) {
    if (!node.textContent.trim() || !visible(node.parentElement)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects())
      if (r.width > 1 && r.height > 1)
        lines.push([r.left, r.top, r.right, r.bottom, node.textContent.trim().slice(0, 30)]);
    const url = node.parentElement.closest('.url, a[href^="http"], svg');
    // a word: letters, digits and the marks inside them; a break after a dash, slash or
    // arrow is a line-break opportunity, not a broken word
    for (const m of node.textContent.matchAll(/[^\\s\\-–—\\/→·]+/gu)) {
      if (url || m[0].includes('@')) continue;
      const word = document.createRange();
      word.setStart(node, m.index);
      word.setEnd(node, m.index + m[0].length);
      const tops = new Set([...word.getClientRects()].filter(r => r.width > 0)
        .map(r => Math.round(r.top / 4)));
      if (tops.size > 1) broken.push(m[0]);
    }
  }
  const overlaps = [];
  for (let i = 0; i < lines.length; i++)
    for (let j = i + 1; j < lines.length; j++) {
      const a = lines[i], b = lines[j];
      const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
      const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
      if (w > 1 && h > 1) overlaps.push([a[4], b[4]]);
    }
  return {
    width: document.documentElement.scrollWidth,
    height: document.documentElement.scrollHeight,
    lines: lines.length, overlaps: overlaps.slice(0, 5), broken: broken.slice(0, 5),
  };
}"""


@pytest.mark.parametrize("name", PAGES)
def test_pages_fit_every_screen_from_phone_to_desktop(
    browser: BrowserContext, pages: dict[str, Path], name: str
) -> None:
    page, _, _ = open_page(browser, pages[name])
    heights = {}
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            found: dict[str, Any] = page.evaluate(LAYOUT)
            assert found["lines"] > 100
            assert found["width"] <= width, f"{name} scrolls sideways at {width} px"
            assert found["overlaps"] == [], f"{name} at {width} px: text overlaps"
            assert found["broken"] == [], f"{name} at {width} px: words broken"
            heights[width] = found["height"]
    finally:
        page.close()
    # a phone scrolls, but not endlessly: at most three desktop pages' worth
    assert heights[390] <= 3 * heights[1280], heights


def test_on_a_phone_a_day_is_a_list_and_subscribing_comes_after_it(
    browser: BrowserContext, pages: dict[str, Path]
) -> None:
    page, _, _ = open_page(browser, pages["amal-karim"])
    try:
        page.set_viewport_size({"width": 390, "height": 800})
        found = page.evaluate(
            """() => {
              const row = document.querySelector('tr.item');
              const when = row.querySelector('.when').getBoundingClientRect();
              const what = row.querySelector('.what').getBoundingClientRect();
              const last = [...document.querySelectorAll('section.day')].pop();
              const sub = document.querySelector('section.subscribe').getBoundingClientRect();
              return {
                stacked: what.top >= when.bottom - 1, whatWidth: what.width,
                columnHeads: getComputedStyle(document.querySelector('tr.columns')).display,
                subscribeAfterDays: sub.top > last.getBoundingClientRect().bottom,
              };
            }"""
        )
        assert found["stacked"] and found["whatWidth"] > 300
        assert found["columnHeads"] == "none"
        assert found["subscribeAfterDays"]
    finally:
        page.close()


# --- right to left --------------------------------------------------------------------


def test_right_to_left_page_is_laid_out_right_to_left(
    browser: BrowserContext, pages: dict[str, Path]
) -> None:
    def layout(path: Path, width: int) -> dict[str, Any]:
        page, _, _ = open_page(browser, path)
        try:
            page.set_viewport_size({"width": width, "height": 800})
            found: dict[str, Any] = page.evaluate(
                """() => {
                  const h1 = document.querySelector('h1');
                  const range = document.createRange();
                  range.selectNodeContents(h1);
                  const text = range.getBoundingClientRect(), box = h1.getBoundingClientRect();
                  const row = document.querySelector('tr.item.event');
                  const time = row.querySelector('.when time').getBoundingClientRect();
                  const title = row.querySelector('.title').getBoundingClientRect();
                  const route = document.querySelector('tr.leg .route');
                  const [from, to] = route.querySelectorAll('bdi');
                  const native = document.querySelector('bdi.native');
                  const organisation = document.querySelector('bdi.organisation');
                  return {
                    direction: getComputedStyle(document.body).direction,
                    textLeftGap: text.left - box.left, textRightGap: box.right - text.right,
                    timeRightOfTitle: time.left > title.right,
                    route: route.textContent, routeReadsInOrder:
                      from.getBoundingClientRect().right <= to.getBoundingClientRect().left,
                    nativeIsRtl: native.matches(':dir(rtl)'),
                    nativeFirst: native.getBoundingClientRect().left >
                                 organisation.getBoundingClientRect().right,
                  };
                }"""
            )
        finally:
            page.close()
        return found

    for width in (768, 1280):
        arabic = layout(pages["amal-karim"], width)
        assert arabic["direction"] == "rtl"
        assert arabic["textRightGap"] < 2 < arabic["textLeftGap"]  # the title sits right
        assert arabic["timeRightOfTitle"]  # the time column is the rightmost
        # "Baghdad → Istanbul" reads in order, the arrow pointing the way, on both pages
        assert arabic["route"] == "Baghdad → Istanbul" and arabic["routeReadsInOrder"]
        # name · organisation: the name comes first, on the right
        assert arabic["nativeFirst"]
        english = layout(pages["mustafa-hussein"], width)
        assert english["direction"] == "ltr"
        assert english["textLeftGap"] < 2 < english["textRightGap"]
        assert not english["timeRightOfTitle"]
        assert english["routeReadsInOrder"]
        assert not english["nativeFirst"]
        # the Arabic name is isolated and runs right to left inside the left-to-right page
        assert english["nativeIsRtl"] and arabic["nativeIsRtl"]


def test_tags_keep_their_order_right_to_left(chromium: Browser, tmp_path: Path) -> None:
    """Multi-word English tags on an Arabic page: each tag reads as written, and they
    follow each other right to left, separated outside the tags."""
    tz = zone("Europe/Zurich")
    venue = Venue("v", "Palais des Nations", "Geneva", tz, "Switzerland")
    event = Event(
        "e", "Session", "session", venue, DateSpan(date(2014, 11, 3), date(2014, 11, 3), tz),
        tags=("human rights", "civil society", "UN review"),
    )  # fmt: skip
    plan = build_itinerary(
        Programme("p", "P", (event,), (venue,), ()),
        Delegate("d", "D", EventSelection(("e",)), language="ar"),
    )
    path = tmp_path / "tags.html"
    path.write_bytes(get_exporters()["html"].render_itinerary(plan, RenderOptions()))
    context = chromium.new_context(viewport={"width": 1000, "height": 800})
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        tags = page.evaluate(
            """() => [...document.querySelectorAll('.tags .tag bdi')].map(b => {
                 const r = b.getBoundingClientRect();
                 return [b.textContent, r.left, r.right];
               })"""
        )
    finally:
        context.close()
    assert [tag[0] for tag in tags] == ["human rights", "civil society", "UN review"]
    for earlier, later in itertools.pairwise(tags):
        assert later[2] < earlier[1]  # each next tag to the left of the one before


# --- now and next, tonight's hotel ----------------------------------------------------

BAGHDAD = ZoneInfo("Asia/Baghdad")


def _at(text: str, zone_name: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone_name)).astimezone(UTC)


# Instants from legs.csv, stays.csv and the press statement (converted with zoneinfo);
# what the block must name then: (now, next, tonight's hotel, over).
MOMENTS = {
    "before the tour": (
        _at("2014-10-25 12:00", "Asia/Baghdad"),
        (None, "Baghdad → Istanbul", None, False),
    ),
    "on the first flight": (
        _at("2014-10-26 05:00", "Asia/Baghdad"),
        # the Oslo hotel's first night is already tonight's, on the day of arrival
        ("Baghdad → Istanbul", "Istanbul → Oslo", "Hotel Akersgata (sample)", False),
    ),
    # the Oslo conference is known to the day only: it is on today, in Oslo
    "at the Oslo conference": (
        _at("2014-10-28 12:00", "Europe/Oslo"),
        (
            "Sessions and workshops on ICSSI's campaigns",
            "Oslo → Geneva",
            "Hotel Akersgata (sample)",
            False,
        ),
    ),
    "during the Geneva session": (
        _at("2014-11-03 10:30", "Europe/Zurich"),
        (
            "ICSSI session at the Palais des Nations",
            "Geneva → Brussels",
            "Hôtel des Nations (sample)",
            False,
        ),
    ),
    # 23:30 in Geneva is already 4 November in Baghdad: in Geneva it is still the day
    # of the review (all day on the 3rd) and Geneva's night
    "late evening in Geneva": (
        _at("2014-11-03 23:30", "Europe/Zurich"),
        (
            "Universal Periodic Review of Iraq, UN Human Rights Council",
            "Geneva → Brussels",
            "Hôtel des Nations (sample)",
            False,
        ),
    ),
    "between events in Brussels": (
        _at("2014-11-04 14:00", "Europe/Brussels"),
        (
            None,
            "Meeting with Members of the European Parliament",
            "Hotel Quartier Léopold (sample)",
            False,
        ),
    ),
    "after the tour": (_at("2014-11-07 12:00", "Asia/Baghdad"), (None, None, None, True)),
}

NEXT_BLOCK = """() => {
  const block = document.getElementById('next');
  const part = name => {
    const p = block.querySelector('.' + name);
    if (p.hidden) return null;
    const title = p.querySelector('.title, .hotel-name');
    return title ? title.textContent.trim() : p.textContent.trim();
  };
  const over = !block.querySelector('.over').hidden;
  return [block.hidden, part('now'), part('soon'), part('tonight'), over];
}"""


@pytest.mark.parametrize("browser_zone", ["UTC", "Asia/Baghdad"])
def test_now_and_next_name_the_right_items(
    chromium: Browser, pages: dict[str, Path], browser_zone: str
) -> None:
    """The block is computed from the instants: the browser's own zone changes nothing,
    and tonight's hotel is found by the date where the hotel is."""
    context = chromium.new_context(timezone_id=browser_zone, locale="en-GB")
    try:
        page = context.new_page()
        for when, (now, soon, tonight, over) in MOMENTS.values():
            page.clock.set_fixed_time(when)
            page.goto(pages["mustafa-hussein"].as_uri())
            hidden, *found = page.evaluate(NEXT_BLOCK)
            assert not hidden
            assert found == [now, soon, tonight, over], when
        # the Arabic page says the same, in Arabic
        when, (now, soon, tonight, _) = MOMENTS["during the Geneva session"]
        page.clock.set_fixed_time(when)
        page.goto(pages["amal-karim"].as_uri())
        assert page.evaluate(NEXT_BLOCK)[1:4] == [now, soon, tonight]
        assert page.locator("#next h2").inner_text() == "الآن والتالي"
        # the programme page has no legs and no hotels: its next item is the next event
        page.goto(pages["programme"].as_uri())
        assert page.evaluate(NEXT_BLOCK)[1:4] == [
            now,
            "Meeting with Members of the European Parliament",
            None,
        ]
    finally:
        context.close()


def test_without_javascript_the_whole_list_still_reads(
    chromium: Browser, pages: dict[str, Path]
) -> None:
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(pages["mustafa-hussein"].as_uri())
        assert not page.locator("#next").is_visible()
        items = page.locator("tr.item")
        assert items.count() > 10
        assert all(items.nth(i).is_visible() for i in range(items.count()))
        assert page.locator("li.hotel").count() == 3
    finally:
        context.close()


# --- accessibility --------------------------------------------------------------------


def _axe_source() -> str:
    if not AXE.exists():
        if IN_CI:
            pytest.fail(f"{AXE} is missing in CI: .ci/run runs npm ci in tests/consumers")
        pytest.skip("axe-core not installed: run npm ci in tests/consumers")
    return AXE.read_text(encoding="utf-8")


def _serious_violations(page: Page) -> list[Any]:
    """What axe-core (already evaluated into *page*) finds serious or critical."""
    found: list[Any] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']}))
             .violations.filter(v => ['serious', 'critical'].includes(v.impact))
             .map(v => [v.id, v.nodes.length, v.nodes[0].target.join(' ')])"""
    )
    return found


@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_serious_violation(
    browser: BrowserContext, pages: dict[str, Path], name: str
) -> None:
    """axe-core, evaluated into the page through the DevTools protocol (a script tag
    would be refused by the page's Content-Security-Policy, as it should be)."""
    source = _axe_source()
    page, _, _ = open_page(browser, pages[name])
    try:
        page.evaluate(source)
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 800})
            violations = _serious_violations(page)
            assert violations == [], f"{name} at {width} px"
    finally:
        page.close()


def _luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG 2 relative luminance of an sRGB colour (0-255 channels)."""

    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(one: tuple[float, float, float], two: tuple[float, float, float]) -> float:
    light, dark = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("name", ["programme", "amal-karim"])
def test_text_has_sufficient_contrast(
    browser: BrowserContext, pages: dict[str, Path], name: str
) -> None:
    page, _, _ = open_page(browser, pages[name])
    try:
        # every element that holds text: its colour, and the first opaque background
        # behind it (the page is white where nothing else is painted)
        pairs = page.evaluate(
            """() => {
              const rgb = s => s.match(/[\\d.]+/g).map(Number);
              const out = new Map();
              const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
              for (let node; (node = walk.nextNode()); ) {
                if (!node.textContent.trim()) continue;
                const el = node.parentElement;
                let bg = [255, 255, 255];
                for (let at = el; at; at = at.parentElement) {
                  const c = rgb(getComputedStyle(at).backgroundColor);
                  if (c.length < 4 || c[3] > 0) { bg = c.slice(0, 3); break; }
                }
                const fg = rgb(getComputedStyle(el).color).slice(0, 3);
                out.set(fg + '/' + bg, [fg, bg, node.textContent.trim().slice(0, 40)]);
              }
              return [...out.values()];
            }"""
        )
    finally:
        page.close()
    assert len(pairs) >= 3
    for foreground, background, sample in pairs:
        ratio = _contrast(tuple(foreground), tuple(background))
        assert ratio >= 4.5, f"{sample!r}: {foreground} on {background} is {ratio:.2f}:1"


# --- QR codes -------------------------------------------------------------------------


def test_qr_codes_on_screen_scan_to_subscriptions(
    browser: BrowserContext, pages: dict[str, Path], tmp_path: Path
) -> None:
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        if IN_CI:
            pytest.fail("zbarimg is missing in CI: .ci/run installs Debian's zbar-tools")
        pytest.skip("zbarimg not found: install Debian's zbar-tools")
    for name, feed in [("amal-karim", FEED), ("programme", PROGRAMME_FEED)]:
        webcal = "webcal://" + feed.removeprefix("https://")
        google = "https://calendar.google.com/calendar/render?cid=" + quote_plus(webcal)
        page, _, _ = open_page(browser, pages[name])
        try:
            codes = page.locator("figure.qr svg")
            found = []
            for index in range(codes.count()):
                shot = tmp_path / f"{name}-qr-{index}.png"
                codes.nth(index).screenshot(path=str(shot))
                result = subprocess.run(
                    [zbarimg, "--quiet", "--raw", str(shot)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                assert result.returncode == 0, result.stderr
                found.append(result.stdout.strip())
        finally:
            page.close()
        assert found == [webcal, google]


# --- printing -------------------------------------------------------------------------


def _print(page: Page, target: Path) -> Any:
    page.emulate_media(media="print")
    page.pdf(path=str(target), format="A4", print_background=True)
    page.emulate_media(media="screen")
    pypdf = pytest.importorskip("pypdf")
    return pypdf.PdfReader(str(target))


@pytest.mark.parametrize("name", PAGES)
def test_print_layout_fits_a4(
    browser: BrowserContext, pages: dict[str, Path], tmp_path: Path, name: str
) -> None:
    pdfplumber = pytest.importorskip("pdfplumber")
    printable = round((210 - 2 * PRINT_MARGIN_MM) * MM)  # 180 mm of A4 width, in CSS px
    page, _, _ = open_page(browser, pages[name])
    try:
        page.emulate_media(media="print")
        page.set_viewport_size({"width": printable, "height": round(297 * MM)})
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.body.scrollWidth]"
        )
        assert max(widths) <= printable, f"print layout is {widths} px wide, A4 gives {printable}"
        # scrollWidth misses overflow towards the start of a right-to-left page: look at
        # every line of text instead
        outside = page.evaluate(
            """() => {
              const box = document.body.getBoundingClientRect(), out = [];
              const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
              for (let node; (node = walk.nextNode()); ) {
                const range = document.createRange();
                range.selectNodeContents(node);
                for (const r of range.getClientRects())
                  if (r.width && (r.left < box.left - 0.5 || r.right > box.right + 0.5))
                    out.push([node.textContent.trim(), r.left, r.right]);
              }
              return out;
            }"""
        )
        assert outside == [], f"text outside the {printable} px of A4's printable width"
        pdf = tmp_path / f"{name}.pdf"
        reader = _print(page, pdf)
    finally:
        page.close()

    assert len(reader.pages) >= 1
    for sheet in reader.pages:
        size = (float(sheet.mediabox.width), float(sheet.mediabox.height))
        assert size == pytest.approx(A4_POINTS, abs=1.0)
    margin = PRINT_MARGIN_MM * 72 / 25.4
    with pdfplumber.open(str(pdf)) as document:
        words = 0
        for sheet in document.pages:
            for char in sheet.chars:
                words += 1
                assert char["x0"] >= margin - 1, (char["text"], char["x0"])
                assert char["x1"] <= sheet.width - margin + 1, (char["text"], char["x1"])
        assert words > 500
        text = "".join(sheet.extract_text() or "" for sheet in document.pages)
    assert "Palais des Nations" in text


@pytest.mark.parametrize("name", ["amal-karim", "mustafa-hussein"])
def test_a_delegate_page_prints_on_no_more_pages_than_the_pdf(
    browser: BrowserContext,
    programme: Programme,
    roster: Roster,
    pages: dict[str, Path],
    tmp_path: Path,
    name: str,
) -> None:
    pypdf = pytest.importorskip("pypdf")
    printout = get_exporters()["pdf"].render_itinerary(
        build_itinerary(programme, roster.delegate(name)), RenderOptions(links={"feed": FEED})
    )
    sheets = len(pypdf.PdfReader(io.BytesIO(printout)).pages)
    page, _, _ = open_page(browser, pages[name])
    try:
        printed = len(_print(page, tmp_path / f"{name}.pdf").pages)
    finally:
        page.close()
    assert printed <= sheets, f"the page prints on {printed} A4 pages, the PDF on {sheets}"


def test_a_day_continued_on_a_new_page_repeats_its_date(
    browser: BrowserContext, tmp_path: Path
) -> None:
    """A day with 60 sessions fills more than a page: every page it is printed on starts
    with its date (the day's table head)."""
    tz = zone("Europe/Zurich")
    venue = Venue("v", "Palais des Nations", "Geneva", tz, "Switzerland")
    start = localize(datetime(2014, 11, 3, 8, 0), tz)
    events = tuple(
        Event(
            f"s{i}",
            f"Session number {i}",
            "session",
            venue,
            TimeSpan(start.add(minutes=10 * i), start.add(minutes=10 * i + 10)),
        )
        for i in range(60)
    )
    plan = build_itinerary(
        Programme("p", "P", events, (venue,), ()),
        Delegate("d", "D", EventSelection(tuple(e.id for e in events)), language="en"),
    )
    path = tmp_path / "long-day.html"
    path.write_bytes(get_exporters()["html"].render_itinerary(plan, RenderOptions()))
    page, _, _ = open_page(browser, path)
    try:
        reader = _print(page, tmp_path / "long-day.pdf")
    finally:
        page.close()
    texts = [sheet.extract_text() for sheet in reader.pages]
    on_pages = [t for t in texts if "Session number" in t]
    assert len(on_pages) >= 2
    assert all("Monday, November 3, 2014" in t for t in on_pages)
    # and no session is cut in two: each is printed once, whole
    printed = [int(n) for t in texts for n in re.findall(r"Session number (\d+)\b", t)]
    assert sorted(printed) == list(range(60))


# --- screenshots ----------------------------------------------------------------------


def _shrink(path: Path) -> None:
    """Fewer colours, same pixels: keeps the committed screenshots small (if Pillow is there)."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=32, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


SHOTS = [
    # (page, image, width, height or None for the full page)
    ("programme", "html-programme.png", 1024, None),
    ("amal-karim", "html-itinerary.png", 1024, 1400),
    ("amal-karim", "html-itinerary-phone-ar.png", 390, 844),
    ("mustafa-hussein", "html-itinerary-phone.png", 390, 844),
]
SHOT_TIME = _at("2014-11-03 10:30", "Europe/Zurich")
"""Screenshots show the page as it reads during the Geneva session."""


@pytest.mark.parametrize(("name", "image", "width", "height"), SHOTS)
def test_screenshots(
    chromium: Browser,
    pages: dict[str, Path],
    tmp_path: Path,
    name: str,
    image: str,
    width: int,
    height: int | None,
) -> None:
    update = os.environ.get("ICSSI_UPDATE_SCREENSHOTS") == "1"
    target = (SCREENSHOTS if update else tmp_path) / image
    target.parent.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(
        viewport={"width": width, "height": height or 768}, timezone_id="Asia/Baghdad"
    )
    try:
        page = context.new_page()
        page.clock.set_fixed_time(SHOT_TIME)
        page.goto(pages[name].as_uri())
        page.screenshot(path=str(target), full_page=height is None)
        full = page.evaluate("() => document.documentElement.scrollHeight")
    finally:
        context.close()
    assert _png_size(target) == (width, height or full)
    if update:
        _shrink(target)
    else:
        assert (SCREENSHOTS / image).exists(), "run with ICSSI_UPDATE_SCREENSHOTS=1 once"


# --- the change digest (changes.html in a delegate's folder) ---------------------------


@pytest.fixture(scope="module")
def digests(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """changes.html of an English and an Arabic delegate after the Geneva session moved."""
    from test_digest import _page
    from test_notify import MOVED, _site
    from test_publish import T2, _programme_with

    folder = tmp_path_factory.mktemp("digests")
    site = _site(folder)
    site.publish(_programme_with(folder, *MOVED), T2)
    return {who: _page(site, who) for who in ("mustafa-hussein", "amal-karim")}


@pytest.mark.parametrize("who", ["mustafa-hussein", "amal-karim"])
def test_change_digests_fit_every_screen_and_pass_axe(
    browser: BrowserContext, digests: dict[str, Path], who: str
) -> None:
    source = _axe_source()
    page, errors, requests = open_page(browser, digests[who])
    try:
        assert errors == [] and requests == [digests[who].as_uri()]
        assert page.locator("li.change").count() >= 1
        page.evaluate(source)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            found: dict[str, Any] = page.evaluate(LAYOUT)
            assert found["width"] <= width, f"{who}'s digest scrolls sideways at {width} px"
            assert found["overlaps"] == [], f"{who}'s digest at {width} px: text overlaps"
            assert found["broken"] == [], f"{who}'s digest at {width} px: words broken"
            violations = _serious_violations(page)
            assert violations == [], f"{who}'s digest at {width} px"
    finally:
        page.close()
