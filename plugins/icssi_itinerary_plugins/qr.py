"""QR codes of feed addresses, drawn the same way on a page (SVG) and on paper (PDF).

segno makes the code; error correction ``M`` keeps it readable when printed small.
Imported only when a feed is drawn.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import segno

__all__ = ["QUIET_ZONE", "qr_matrix", "qr_runs", "qr_svg"]

QUIET_ZONE = 4
"""Modules of white border on each side, as the QR standard asks."""


def _code(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False)


def qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code of *url*: segno's module matrix, without the quiet zone."""
    return tuple(tuple(bool(module) for module in line) for line in _code(url).matrix)


def qr_runs(matrix: Sequence[Sequence[bool]]) -> Iterator[tuple[int, int, int]]:
    """The dark modules of a :func:`qr_matrix` as horizontal runs: ``(row, column, length)``."""
    for row, line in enumerate(matrix):
        column = 0
        while column < len(line):
            if not line[column]:
                column += 1
                continue
            run = column
            while run < len(line) and line[run]:
                run += 1
            yield row, column, run - column
            column = run


def qr_svg(url: str, title: str = "QR code of the feed address") -> str:
    """The code of *url* as an inline ``<svg>`` element (class ``qr``, titled *title*),
    with a ``viewBox`` so a stylesheet can scale it."""
    code = _code(url)
    width, height = code.symbol_size(scale=4)
    svg = str(code.svg_inline(scale=4, title=title, svgclass="qr"))
    return svg.replace("<svg ", f'<svg viewBox="0 0 {width} {height}" ', 1)
