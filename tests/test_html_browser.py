"""The HTML pages in a real browser: Debian's Chromium, headless, driven by Playwright.

Nothing is downloaded: Playwright drives ``/usr/bin/chromium`` (``.ci/run`` installs it
from Debian). Where it is absent the tests skip, except in CI (``CI=true``), where they
fail. Set ``ICSSI_UPDATE_SCREENSHOTS=1`` to rewrite the screenshots under docs/images/.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT
from icssi_itinerary import Programme, RenderOptions, Roster, build_itinerary, zone
from icssi_itinerary.plugins import get_exporters

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FEED = "https://example.org/icssi/feeds/4f9c2a71d0e3b8a5/amal-karim.ics"
SCREENSHOTS = ROOT / "docs" / "images"
MM = 96 / 25.4  # CSS px per millimetre
A4_POINTS = (595.28, 841.89)
PRINT_MARGIN_MM = 15  # the @page margin of the built-in stylesheet

if not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"{CHROMIUM} is missing in CI: .ci/run installs Debian's chromium")
    pytest.skip(
        f"{CHROMIUM} not found: install Debian's chromium to run the browser tests",
        allow_module_level=True,
    )

from playwright.sync_api import BrowserContext, Page, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """Headless Chromium with a fresh profile of its own."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=ARGS,
            headless=True,
            viewport={"width": 1000, "height": 800},
            locale="en-GB",
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def pages(
    programme: Programme, roster: Roster, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """The programme page (with Baghdad time and the feed) and two delegate pages."""
    html = get_exporters()["html"]
    folder = tmp_path_factory.mktemp("pages")
    made = {
        "programme": html.render_programme(
            programme,
            RenderOptions(
                zone=zone("Asia/Baghdad"),
                links={"feed": "https://example.org/icssi/programme.ics"},
            ),
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


@pytest.mark.parametrize("name", ["programme", "amal-karim", "mustafa-hussein"])
def test_page_loads_with_no_errors_and_no_requests(
    browser: BrowserContext, pages: dict[str, Path], name: str
) -> None:
    page, errors, requests = open_page(browser, pages[name])
    try:
        assert errors == []
        assert requests == [pages[name].as_uri()]
        # the page really rendered: a heading and the day tables are there
        assert page.locator("h1").count() == 1
        assert page.locator("section.day table").count() >= 5
        fonts = page.evaluate("() => [...document.fonts].map(f => f.family)")
        assert fonts == []  # no web fonts, local ones only
    finally:
        page.close()


def test_right_to_left_page_is_laid_out_right_to_left(
    browser: BrowserContext, pages: dict[str, Path]
) -> None:
    def layout(path: Path) -> dict[str, Any]:
        page, _, _ = open_page(browser, path)
        try:
            found: dict[str, Any] = page.evaluate(
                """() => {
                  const h1 = document.querySelector('h1');
                  const range = document.createRange();
                  range.selectNodeContents(h1);
                  const text = range.getBoundingClientRect(), box = h1.getBoundingClientRect();
                  const row = document.querySelector('section.day thead tr');
                  const first = row.cells[0].getBoundingClientRect();
                  const last = row.cells[row.cells.length - 1].getBoundingClientRect();
                  const native = document.querySelector('bdi.native');
                  return {
                    direction: getComputedStyle(document.body).direction,
                    textLeftGap: text.left - box.left, textRightGap: box.right - text.right,
                    firstColumnOnTheRight: first.left > last.left,
                    nativeIsRtl: native.matches(':dir(rtl)'),
                  };
                }"""
            )
        finally:
            page.close()
        return found

    arabic = layout(pages["amal-karim"])
    assert arabic["direction"] == "rtl"
    assert arabic["textRightGap"] < 2 < arabic["textLeftGap"]  # the title sits on the right
    assert arabic["firstColumnOnTheRight"]  # "At the place" is the rightmost column
    english = layout(pages["mustafa-hussein"])
    assert english["direction"] == "ltr"
    assert english["textLeftGap"] < 2 < english["textRightGap"]
    assert not english["firstColumnOnTheRight"]
    # the Arabic name is isolated and runs right to left inside the left-to-right page
    assert english["nativeIsRtl"] and arabic["nativeIsRtl"]


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


@pytest.mark.parametrize(
    ("name", "image"), [("programme", "html-programme.png"), ("amal-karim", "html-itinerary.png")]
)
def test_screenshots(
    browser: BrowserContext, pages: dict[str, Path], tmp_path: Path, name: str, image: str
) -> None:
    update = os.environ.get("ICSSI_UPDATE_SCREENSHOTS") == "1"
    target = (SCREENSHOTS if update else tmp_path) / image
    target.parent.mkdir(parents=True, exist_ok=True)
    page, _, _ = open_page(browser, pages[name])
    try:
        page.set_viewport_size({"width": 1024, "height": 768})
        page.screenshot(path=str(target), full_page=True)
        height = page.evaluate("() => document.documentElement.scrollHeight")
    finally:
        page.close()
    assert _png_size(target) == (1024, height)
    if update:
        _shrink(target)
    if not update:
        assert (SCREENSHOTS / image).exists(), "run with ICSSI_UPDATE_SCREENSHOTS=1 once"


def test_qr_code_on_screen_scans_to_the_feed(
    browser: BrowserContext, pages: dict[str, Path], tmp_path: Path
) -> None:
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        if os.environ.get("CI") == "true":
            pytest.fail("zbarimg is missing in CI: .ci/run installs Debian's zbar-tools")
        pytest.skip("zbarimg not found: install Debian's zbar-tools")
    for name, expected in [
        ("amal-karim", FEED),
        ("programme", "https://example.org/icssi/programme.ics"),
    ]:
        page, _, _ = open_page(browser, pages[name])
        try:
            shot = tmp_path / f"{name}-qr.png"
            page.locator("figure.qr svg").screenshot(path=str(shot))
        finally:
            page.close()
        result = subprocess.run(
            [zbarimg, "--quiet", "--raw", str(shot)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == expected


@pytest.mark.parametrize("name", ["programme", "amal-karim", "mustafa-hussein"])
def test_print_layout_fits_a4(
    browser: BrowserContext, pages: dict[str, Path], tmp_path: Path, name: str
) -> None:
    pypdf = pytest.importorskip("pypdf")
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
        page.pdf(path=str(pdf), format="A4", print_background=True)
    finally:
        page.close()

    reader = pypdf.PdfReader(str(pdf))
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
