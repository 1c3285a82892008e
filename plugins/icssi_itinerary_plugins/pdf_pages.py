"""What the PDF pages say: the header with the feed's QR code, the day-by-day table with
both clocks, nights by city, venues, contacts and, for coordinators, the problems.

Drawn with :mod:`.pdf_layout`; the rows come from :mod:`.agenda`. The delegate's e-mail
address is never printed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from icssi_itinerary import (
    Contact,
    Itinerary,
    Programme,
    Reader,
    RenderOptions,
    Stay,
    Timezone,
    Venue,
    reader,
    safe_url,
    sort_key,
)

from .agenda import Day, Row, agenda
from .formatting import zone_label
from .pdf_layout import ACCENT, FILL_DAY, GREY, INK, MARGIN, QR_SIZE, WARN, Document, Part, Table
from .stamps import generated

__all__ = ["itinerary_pdf", "programme_pdf"]

_STATUS = {"tentative": "to be confirmed", "cancelled": "CANCELLED"}


def _title_parts(row: Row) -> list[Part]:
    indent = 4.0 * row.depth
    status = _STATUS.get(row.status)
    title = f"{row.title} ({status})" if status else row.title
    parts = [Part(title, 9.5, True, WARN if status else INK, indent)]
    if row.place:
        parts.append(Part(row.place, 8.5, False, GREY, indent))
    if row.now_in:
        clocks = f"{row.clocks} ({row.arrival.tzname()})" if row.arrival else row.clocks
        parts.append(Part(f"» Now in {row.now_in} · clocks: {clocks}", 8.5, True, ACCENT, indent))
    return parts


def _day_table(pdf: Document, days: Sequence[Day], other: Timezone | None, words: Reader) -> None:
    content = pdf.epw
    if other is not None:
        table = Table(
            ("At the place", f"Home: {zone_label(other, words)}", "What and where"),
            (40.0, 40.0, content - 80.0),
        )
    else:
        table = Table(("At the place", "What and where"), (40.0, content - 40.0))
    day_height = pdf.line_height(10) + 2.5
    shown: list[Day] = []  # the day whose rows are being drawn, once its heading is

    def heading(day: Day, continued: bool = False) -> None:
        pdf.ln(1)
        top = pdf.get_y()
        pdf.set_fill_color(*FILL_DAY)
        pdf.rect(pdf.l_margin, top, content, day_height - 1, style="F")
        pdf.set_y(top + 0.5)
        pdf.set_text_color(*INK)
        text = f"{day.heading} (continued)" if continued else day.heading
        pdf.one_line(pdf.l_margin, content, text, 10, bold=True)
        pdf.set_y(top + day_height - 1)

    def new_page() -> None:
        table.header(pdf)
        if shown:
            heading(shown[-1], continued=True)

    table.begin(pdf, new_page)
    for day in days:
        shown.clear()

        def first_heading(day: Day = day) -> None:
            heading(day)
            shown.append(day)

        for number, row in enumerate(day.rows):
            times: list[Sequence[Part] | str] = [row.when]
            if other is not None:
                times.append(row.when_elsewhere or "")
            first = number == 0
            table.row(
                pdf,
                [*times, _title_parts(row)],
                keep_with=day_height + 1 if first else 0.0,
                before=first_heading if first else None,
            )
    pdf.on_new_page = None


def _nights_table(pdf: Document, programme: Programme, stays: Sequence[Stay]) -> None:
    countries = {venue.city.casefold(): venue.country for venue in programme.venues}
    table = Table(
        ("City", "Country", "Nights", "Where staying"),
        (30.0, 28.0, 52.0, pdf.epw - 110.0),
    )
    rows = []
    for stay in sorted(stays, key=lambda s: (s.check_in, s.check_out, s.city)):
        nights = len(stay.nights)
        dates = f"{_day(stay.check_in)} – {_day(stay.check_out)}"
        where = [Part(stay.name, 9, True)]
        if stay.address:
            where.append(Part(stay.address, 8.5, False, GREY))
        rows.append(
            [
                [Part(stay.city, 9)],
                [Part(countries.get(stay.city.casefold()) or "", 9)],
                [Part(dates, 9), Part(f"{nights} night{'s' * (nights != 1)}", 8.5, False, GREY)],
                where,
            ]
        )
    table.section(pdf, "Nights by city", rows)


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _venues(pdf: Document, venues: Iterable[Venue]) -> None:
    table = Table(("Venue", "Address", "Clocks"), (62.0, pdf.epw - 104.0, 42.0))
    rows = [
        [
            [Part(venue.name, 9, True)],
            [Part(", ".join(p for p in (venue.address, venue.city, venue.country) if p), 8.5)],
            [Part(venue.zone.key, 8.5)],
        ]
        for venue in venues
    ]
    table.section(pdf, "Venues", rows)


def _contacts(pdf: Document, contacts: Iterable[Contact]) -> None:
    table = Table(("Name", "For", "Phone / e-mail"), (48.0, pdf.epw - 100.0, 52.0))
    rows = [
        [
            [Part(contact.name, 9, True)],
            [Part(contact.role or "", 8.5)],
            [Part(p, 8.5) for p in (contact.phone, contact.email) if p] or "",
        ]
        for contact in contacts
    ]
    table.section(pdf, "Contacts", rows)


def _feed_block(pdf: Document, url: str, label: str) -> float:
    """QR code at the top right with the URL under it; returns the block's bottom."""
    x = pdf.w - MARGIN - QR_SIZE
    top = MARGIN
    pdf.qr(url, x, top, QR_SIZE)
    pdf.set_y(top + QR_SIZE)
    pdf.paragraph(x - 10, QR_SIZE + 10, Part(label, 7, True, GREY), align="C")
    pdf.paragraph(x - 10, QR_SIZE + 10, Part(url, 6.5, False, ACCENT), align="C")
    return pdf.get_y()


def _header(
    pdf: Document,
    title: str,
    native: str | None,
    lines: Sequence[Part],
    feed: tuple[str, str] | None,
) -> None:
    bottom = _feed_block(pdf, *feed) if feed is not None else MARGIN
    width = pdf.epw - (QR_SIZE + 14 if feed is not None else 0)
    pdf.set_y(MARGIN)
    top = pdf.get_y()
    pdf.paragraph(pdf.l_margin, width, Part(title, 17, True))
    if native:
        # Right-aligned on the same line: the reader of the native script starts there.
        name_bottom = pdf.get_y()
        pdf.set_y(top)
        pdf.paragraph(pdf.l_margin, width, Part(native, 17, True), align="R")
        pdf.set_y(max(name_bottom, pdf.get_y()))
    pdf.ln(1)
    for part in lines:
        pdf.paragraph(pdf.l_margin, width, part)
    pdf.set_y(max(pdf.get_y(), bottom) + 3)


def _clock_note(other: Timezone | None, words: Reader) -> Part:
    if other is None:
        text = "All times are local to where each thing happens."
    else:
        text = (
            "Times are local to where each thing happens; the second column gives the same "
            f"moment in {zone_label(other, words)} where it differs."
        )
    return Part(text, 8.5, False, GREY)


def _problems(pdf: Document, itinerary: Itinerary) -> None:
    if not itinerary.problems:
        return
    pdf.heading("Problems found by the checks")
    for problem in itinerary.problems:
        part = Part(f"{problem.severity}: {problem.code}: {problem.message}", 9, False, WARN)
        pdf.keep(pdf.parts_height(pdf.epw, [part]))
        pdf.paragraph(pdf.l_margin, pdf.epw, part)


def _feed(options: RenderOptions, label: str) -> tuple[str, str] | None:
    """The published feed's URL and its label, for the QR code; none if none was published."""
    url = safe_url(options.links.get("feed"))
    return (url, label) if url is not None else None


def _page_link(options: RenderOptions) -> list[Part]:
    """The published page this printout belongs to, if there is one."""
    url = safe_url(options.links.get("page"))
    return [Part(f"Online, always up to date: {url}", 8.5, False, ACCENT)] if url else []


def _output(pdf: Document) -> bytes:
    return bytes(pdf.output())


def itinerary_pdf(itinerary: Itinerary, options: RenderOptions) -> bytes:
    """One delegate's itinerary as an A4 PDF."""
    delegate, programme = itinerary.delegate, itinerary.programme
    other = options.display_zone(itinerary)
    words = reader(options.language or delegate.language)
    pdf = Document(
        f"Itinerary for {delegate.name}",
        generated(options, itinerary.items),
        programme.title,
    )
    lines = [Part(delegate.organisation, 10)] if delegate.organisation else []
    lines.append(Part(programme.title, 10, False, ACCENT))
    if delegate.home_zone is not None:
        lines.append(Part(f"Home time zone: {zone_label(delegate.home_zone, words)}", 9))
    lines.append(_clock_note(other, words))
    lines += _page_link(options)
    _header(pdf, delegate.name, delegate.name_native, lines, _feed(options, "Your calendar feed"))
    pdf.heading("Day by day")
    _day_table(pdf, agenda(itinerary.items, programme, other, words), other, words)
    _nights_table(pdf, programme, delegate.stays)
    events = itinerary.events
    _venues(pdf, {event.venue.id: event.venue for event in events}.values())
    _contacts(pdf, {c.id: c for event in events for c in event.contacts}.values())
    if options.show_problems:
        _problems(pdf, itinerary)
    return _output(pdf)


def programme_pdf(programme: Programme, options: RenderOptions) -> bytes:
    """The whole public programme as an A4 PDF (no personal data)."""
    other = options.display_zone()
    words = reader(options.language)
    events = sorted(programme.events, key=sort_key)
    pdf = Document(programme.title, generated(options, events), programme.title)
    lines = [Part(f"Organised by {programme.organiser}", 10)] if programme.organiser else []
    if programme.description:
        lines.append(Part(programme.description, 8.5))
    for extra in (programme.livestream, programme.hashtag):
        if extra:
            lines.append(Part(extra, 8.5, False, ACCENT))
    lines.append(_clock_note(other, words))
    lines += _page_link(options)
    _header(pdf, programme.title, None, lines, _feed(options, "Programme calendar feed"))
    pdf.heading("Day by day")
    _day_table(pdf, agenda(events, programme, other, words), other, words)
    _venues(pdf, programme.venues)
    _contacts(pdf, programme.contacts)
    return _output(pdf)
