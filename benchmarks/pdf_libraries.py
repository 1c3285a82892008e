"""Which PDF library: our fpdf2 exporter against a WeasyPrint rendering of the same agenda.

    python benchmarks/pdf_libraries.py              # 5 rounds of the sample delegates
    python benchmarks/pdf_libraries.py --rounds 1   # quick

Both sides draw the same rows (``icssi_itinerary_plugins.agenda``) for every delegate of
the sample roster, in one run on one machine: the A4 page with both clocks, the nights by
city, venues and contacts, the Arabic name shaped right to left (HarfBuzz in both). Then
the throughput of the fpdf2 exporter on every core with a process pool, as ``build``
would use it. Prints a table; asserts nothing (docs/pdf.md keeps the numbers of a run).
Needs the ``benchmark`` extra (WeasyPrint) for the comparison.
"""

from __future__ import annotations

import argparse
import html
import os
import platform
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from icssi_itinerary import (
    Itinerary,
    RenderOptions,
    build_itinerary,
    load_programme,
    load_roster,
    reader,
    render_itinerary,
)
from icssi_itinerary.plugins import get_exporters
from icssi_itinerary_plugins.agenda import agenda

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "icssi-2014" / "roster.csv"
FEED = "https://example.org/icssi/feeds/3f9a1c/{id}.ics"


def itineraries() -> list[Itinerary]:
    programme = load_programme()
    roster = load_roster(SAMPLE, programme)
    return [build_itinerary(programme, delegate) for delegate in roster.delegates]


def options(itinerary: Itinerary) -> RenderOptions:
    return RenderOptions(links={"feed": FEED.format(id=itinerary.delegate.id)})


def fpdf2_pdf(itinerary: Itinerary) -> bytes:
    return render_itinerary(get_exporters()["pdf"], itinerary, options(itinerary))


_CSS = """
@page { size: A4; margin: 14mm 14mm 16mm 14mm;
        @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 7.5pt; } }
body { font-family: "DejaVu Sans", "Noto Naskh Arabic", sans-serif; font-size: 9pt; }
h1 { font-size: 17pt; margin: 0; } h1 .native { float: right; font-family: "Noto Naskh Arabic"; }
h2 { font-size: 12pt; color: #005493; }
table { width: 100%; border-collapse: collapse; }
th { background: #f0f0f0; text-align: left; font-size: 8pt; color: #606060; }
td { vertical-align: top; border-bottom: 0.2mm solid #d2d2d2; padding: 0.8mm 1mm; }
tr { page-break-inside: avoid; } td.day { background: #e2eaf3; font-weight: bold; }
.place { color: #606060; font-size: 8.5pt; } .now { color: #005493; font-weight: bold; }
.qr { float: right; width: 30mm; }
"""


def weasyprint_html(itinerary: Itinerary) -> str:
    """The same page as simple HTML: what a WeasyPrint exporter would render."""
    import segno

    delegate, programme = itinerary.delegate, itinerary.programme
    other = delegate.home_zone
    esc = html.escape
    qr = segno.make(FEED.format(id=delegate.id), error="m").svg_inline(scale=2)
    parts = [
        f"<html lang='en'><head><meta charset='utf-8'><style>{_CSS}</style></head><body>",
        f"<div class='qr'>{qr}</div>",
        f"<h1>{esc(delegate.name)} <span class='native' dir='rtl'>"
        f"{esc(delegate.name_native or '')}</span></h1>",
        f"<p>{esc(delegate.organisation or '')}<br>{esc(programme.title)}</p>",
        "<h2>Day by day</h2><table><tr><th>At the place</th><th>Home</th>"
        "<th>What and where</th></tr>",
    ]
    for day in agenda(itinerary.items, programme, other, reader("en")):
        parts.append(f"<tr><td class='day' colspan='3'>{esc(day.heading)}</td></tr>")
        for row in day.rows:
            now = f"<div class='now'>» Now in {esc(row.now_in)}</div>" if row.now_in else ""
            parts.append(
                f"<tr><td>{esc(row.when)}</td><td>{esc(row.when_elsewhere or '')}</td>"
                f"<td><b>{esc(row.title)}</b><div class='place'>{esc(row.place)}</div>{now}</td>"
                "</tr>"
            )
    parts.append("</table><h2>Nights by city</h2><table>")
    for stay in delegate.stays:
        parts.append(
            f"<tr><td>{esc(stay.city)}</td><td>{stay.check_in} – {stay.check_out}</td>"
            f"<td>{esc(stay.name)}<div class='place'>{esc(stay.address or '')}</div></td></tr>"
        )
    parts.append("</table></body></html>")
    return "".join(parts)


def weasyprint_pdf(itinerary: Itinerary) -> bytes:
    import weasyprint

    pdf = weasyprint.HTML(string=weasyprint_html(itinerary)).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def per_document(
    render: Callable[[Itinerary], bytes], plans: list[Itinerary], rounds: int
) -> tuple[float, float]:
    """Median wall-clock and CPU seconds per document over *rounds* passes over every
    delegate (warm). CPU time is what a busy machine does not inflate."""
    render(plans[0])  # fonts, templates, imports: once per process
    wall, cpu = [], []
    for _ in range(rounds):
        for plan in plans:
            start, start_cpu = time.perf_counter(), time.process_time()
            render(plan)
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def first_document(render: Callable[[Itinerary], bytes], plan: Itinerary) -> float:
    start = time.perf_counter()
    render(plan)
    return time.perf_counter() - start


_PLANS: list[Itinerary] = []


def _worker_start() -> None:
    _PLANS.extend(itineraries())


def _worker_render(number: int) -> int:
    return len(fpdf2_pdf(_PLANS[number % len(_PLANS)]))


def pool_throughput(documents: int, workers: int) -> tuple[float, float]:
    """Delegate PDFs per second on *workers* processes: including the pool's start (fonts
    parsed in every worker), and once the workers are warm."""
    start = time.perf_counter()
    with ProcessPoolExecutor(workers, initializer=_worker_start) as pool:
        list(pool.map(_worker_render, range(documents), chunksize=4))
        cold = documents / (time.perf_counter() - start)
        start = time.perf_counter()
        list(pool.map(_worker_render, range(documents), chunksize=4))
        warm = documents / (time.perf_counter() - start)
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over the sample roster")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    plans = itineraries()
    rows: list[tuple[str, str]] = []
    first_fpdf = first_document(fpdf2_pdf, plans[0])
    fpdf, fpdf_cpu = per_document(fpdf2_pdf, plans, args.rounds)
    rows.append(("fpdf2, first PDF in a process (fonts parsed)", f"{first_fpdf:.3f} s"))
    rows.append(("fpdf2 (our exporter), per PDF", f"{fpdf:.3f} s ({fpdf_cpu:.3f} s CPU)"))
    try:
        import weasyprint  # noqa: F401
    except ImportError:
        rows.append(("WeasyPrint", "not installed (pip install '.[benchmark]')"))
    else:
        first_weasy = first_document(weasyprint_pdf, plans[0])
        weasy, weasy_cpu = per_document(weasyprint_pdf, plans, args.rounds)
        rows.append(("WeasyPrint, first PDF in a process", f"{first_weasy:.3f} s"))
        rows.append(
            (
                "WeasyPrint (same agenda as HTML), per PDF",
                f"{weasy:.3f} s ({weasy_cpu:.3f} s CPU)",
            )
        )
        rows.append(
            ("WeasyPrint / fpdf2", f"{weasy / fpdf:.1f}× ({weasy_cpu / fpdf_cpu:.1f}× CPU)")
        )
    documents = max(48, 12 * args.rounds * args.workers)
    cold, warm = pool_throughput(documents, args.workers)
    rows.append((f"fpdf2, {args.workers} processes, pool start included", f"{cold:.1f} PDFs/s"))
    rows.append((f"fpdf2, {args.workers} processes, warm", f"{warm:.1f} PDFs/s"))
    print(
        f"{len(plans)} sample delegates, {args.rounds} rounds; Python {platform.python_version()},"
        f" {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
    )
    width = max(len(name) for name, _ in rows)
    print(f"{'measure':<{width}}  result")
    print(f"{'-' * width}  ------")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
