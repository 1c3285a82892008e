"""What the PDF pages say: the header with the feed's QR code, the day-by-day table with
both clocks, nights by city, venues, contacts and, for coordinators, the problems.

Drawn with :mod:`.pdf_layout`; the rows come from :mod:`.agenda`. Every word is the
reader's (:func:`icssi_itinerary.reader`): for a reader of Arabic the pages are Arabic and
laid out right to left, with the programme's own names (venues, hotels, flight numbers)
isolated so that they read in their own direction. The delegate's e-mail address is never
printed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields, is_dataclass
from datetime import date, datetime

from icssi_itinerary import (
    Contact,
    Itinerary,
    Programme,
    Reader,
    RenderOptions,
    Stay,
    Timezone,
    Venue,
    google_subscribe_url,
    reader,
    safe_url,
    sort_key,
    webcal_url,
)

from .agenda import Day, Row, agenda
from .formatting import N_
from .pdf_fonts import NoFontFor
from .pdf_layout import (
    ACCENT,
    CODE_SIZE,
    FILL_DAY,
    GREY,
    INK,
    MARGIN,
    WARN,
    Document,
    Part,
    Table,
)
from .stamps import generated
from .titles import isolated

__all__ = ["itinerary_pdf", "programme_pdf"]


_STATUS = {"tentative": N_("to be confirmed"), "cancelled": N_("CANCELLED")}


class _Words:
    """The reader's words, with the programme's own text isolated in right-to-left pages."""

    def __init__(self, language: str | None) -> None:
        self.reader: Reader = reader(language)
        self.rtl = self.reader.direction == "rtl"

    def gettext(self, message: str, **values: str) -> str:
        """*message* in the reader's language, the *values* isolated (:meth:`own`)."""
        return self.reader.gettext(message, **{k: self.own(v) for k, v in values.items()})

    def own(self, text: str) -> str:
        """*text* (a name from the input, a URL) read in its own direction: a first-strong
        isolate in right-to-left pages, where the bidirectional algorithm needs one."""
        return isolated(text, self.reader) if text else text

    def day(self, day: date) -> str:
        return self.reader.date(day, "yMMMd")


def _title_parts(row: Row, words: _Words) -> list[Part]:
    indent = 4.0 * row.depth
    status = _STATUS.get(row.status)
    title = (
        words.gettext("%(title)s (%(status)s)", title=row.title, status=words.gettext(status))
        if status
        else row.title
    )
    parts = [Part(title, 9.5, True, WARN if status else INK, indent)]
    if row.place:
        parts.append(Part(row.place, 8.5, False, GREY, indent))
    if row.now_in:
        clocks = row.clocks
        if row.arrival:
            clocks = f"{clocks} ({row.arrival.tzname()})"
        line = words.gettext(
            "» Now in %(city)s · clocks: %(clocks)s", city=row.now_in, clocks=clocks
        )
        parts.append(Part(line, 8.5, True, ACCENT, indent))
    return parts


def _day_table(pdf: Document, days: Sequence[Day], other: Timezone | None, words: _Words) -> None:
    content = pdf.epw
    place, what = words.gettext("At the place"), words.gettext("What and where")
    if other is not None:
        home = words.gettext("Home: %(zone)s", zone=words.reader.zone_words(other))
        table = Table((place, home, what), (40.0, 40.0, content - 80.0))
    else:
        table = Table((place, what), (40.0, content - 40.0))
    day_height = pdf.line_height(10) + 2.5
    shown: list[Day] = []  # the day whose rows are being drawn, once its heading is

    def heading(day: Day, continued: bool = False) -> None:
        pdf.ln(1)
        top = pdf.get_y()
        pdf.set_fill_color(*FILL_DAY)
        pdf.rect(pdf.l_margin, top, content, day_height - 1, style="F")
        pdf.set_y(top + 0.5)
        pdf.set_text_color(*INK)
        text = words.gettext("%(day)s (continued)", day=day.heading) if continued else day.heading
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
                [*times, _title_parts(row, words)],
                keep_with=day_height + 1 if first else 0.0,
                before=first_heading if first else None,
            )
    pdf.on_new_page = None


def _nights_table(
    pdf: Document, programme: Programme, stays: Sequence[Stay], words: _Words
) -> None:
    countries = {venue.city.casefold(): venue.country for venue in programme.venues}
    table = Table(
        (
            words.gettext("City"),
            words.gettext("Country"),
            words.gettext("Nights"),
            words.gettext("Where staying"),
        ),
        (30.0, 28.0, 52.0, pdf.epw - 110.0),
    )
    rows = []
    for stay in sorted(stays, key=lambda s: (s.check_in, s.check_out, s.city)):
        nights = len(stay.nights)
        dates = words.reader.gettext(
            "%(check_in)s – %(check_out)s",
            check_in=words.day(stay.check_in),
            check_out=words.day(stay.check_out),
        )
        count = words.reader.ngettext("%(count)s night", "%(count)s nights", nights)
        where = [Part(stay.name, 9, True)]
        if stay.address:
            where.append(Part(stay.address, 8.5, False, GREY))
        rows.append(
            [
                [Part(stay.city, 9)],
                [Part(countries.get(stay.city.casefold()) or "", 9)],
                [Part(dates, 9), Part(count, 8.5, False, GREY)],
                where,
            ]
        )
    table.section(pdf, words.gettext("Nights by city"), rows)


def _venues(pdf: Document, venues: Iterable[Venue], words: _Words) -> None:
    table = Table(
        (words.gettext("Venue"), words.gettext("Address"), words.gettext("Clocks")),
        (62.0, pdf.epw - 104.0, 42.0),
    )
    rows = [
        [
            [Part(venue.name, 9, True)],
            [Part(", ".join(p for p in (venue.address, venue.city, venue.country) if p), 8.5)],
            [Part(words.reader.zone_words(venue.zone, venue.city), 8.5)],
        ]
        for venue in venues
    ]
    table.section(pdf, words.gettext("Venues"), rows)


def _contacts(pdf: Document, contacts: Iterable[Contact], words: _Words) -> None:
    table = Table(
        (words.gettext("Name"), words.gettext("For"), words.gettext("Phone / e-mail")),
        (48.0, pdf.epw - 100.0, 52.0),
    )
    rows = [
        [
            [Part(contact.name, 9, True)],
            [Part(contact.role or "", 8.5)],
            [Part(p, 8.5) for p in (contact.phone, contact.email) if p] or "",
        ]
        for contact in contacts
    ]
    table.section(pdf, words.gettext("Contacts"), rows)


def _feed_block(pdf: Document, url: str, label: str, words: _Words) -> float:
    """In the top corner where lines end, two QR codes that subscribe to the feed at
    *url* from a phone's camera — ``webcal://`` for an iPhone, Google Calendar's page for
    Android (see docs/subscribing.md) — and the feed's address under them; the bottom."""
    size, gap = CODE_SIZE, 4.0
    block = 2 * size + gap
    x = MARGIN if pdf.rtl else pdf.w - MARGIN - block
    codes = (
        (webcal_url(url), words.gettext("iPhone, iPad")),
        (google_subscribe_url(url), words.gettext("Android")),
    )
    bottom = MARGIN
    for number, (target, phone) in enumerate(codes):
        left = x + number * (size + gap)
        pdf.qr(target, left, MARGIN, size)
        pdf.set_y(MARGIN + size)
        pdf.paragraph(left, size, Part(phone, 7, True, GREY), align="C")
        bottom = max(bottom, pdf.get_y())
    pdf.set_y(bottom)
    pdf.paragraph(x - 5, block + 10, Part(label, 7, True, GREY), align="C")
    pdf.paragraph(x - 5, block + 10, Part(url, 6.5, False, ACCENT), align="C")
    return pdf.get_y()


def _header(
    pdf: Document,
    title: str,
    native: str | None,
    lines: Sequence[Part],
    feed: tuple[str, str] | None,
    words: _Words,
) -> None:
    bottom = _feed_block(pdf, *feed, words) if feed is not None else MARGIN
    beside = 2 * CODE_SIZE + 4 + 14 if feed is not None else 0
    left, width = pdf.l_margin + (beside if pdf.rtl else 0), pdf.epw - beside
    pdf.set_y(MARGIN)
    top = pdf.get_y()
    pdf.paragraph(left, width, Part(title, 17, True), align="L" if native else None)
    if native:
        # On the same line, right-aligned: the reader of the native script starts there.
        name_bottom = pdf.get_y()
        pdf.set_y(top)
        pdf.paragraph(left, width, Part(native, 17, True), align="R")
        pdf.set_y(max(name_bottom, pdf.get_y()))
    pdf.ln(1)
    for part in lines:
        pdf.paragraph(left, width, part)
    pdf.set_y(max(pdf.get_y(), bottom) + 3)


def _clock_note(other: Timezone | None, words: _Words) -> Part:
    if other is None:
        text = words.gettext("All times are local to where each thing happens.")
    else:
        text = words.gettext(
            "Times are local to where each thing happens; the second column gives the same "
            "moment in %(zone)s where it differs.",
            zone=words.reader.zone_words(other),
        )
    return Part(text, 8.5, False, GREY)


def _problems(pdf: Document, itinerary: Itinerary, words: _Words) -> None:
    if not itinerary.problems:
        return
    pdf.heading(words.gettext("Problems found by the checks"))
    for problem in itinerary.problems:
        part = Part(f"{problem.severity}: {problem.code}: {problem.message}", 9, False, WARN)
        pdf.keep(pdf.parts_height(pdf.epw, [part]))
        pdf.paragraph(pdf.l_margin, pdf.epw, part)


def _feed(options: RenderOptions, label: str) -> tuple[str, str] | None:
    """The published feed's URL and its label, for the QR code; none if none was published."""
    url = safe_url(options.links.get("feed"))
    return (url, label) if url is not None else None


def _page_link(options: RenderOptions, words: _Words) -> list[Part]:
    """The published page this printout belongs to, if there is one."""
    url = safe_url(options.links.get("page"))
    if not url:
        return []
    return [Part(words.gettext("Online, always up to date: %(url)s", url=url), 8.5, False, ACCENT)]


def _document(title: str, made: datetime, source: str, words: _Words) -> Document:
    def footer(page: int, pages: int) -> tuple[str, str]:
        stamp = words.gettext(
            "Generated %(date)s by icssi-itinerary from %(source)s",
            date=words.day(made.date()),
            source=source,
        )
        digits = words.reader.digits
        return stamp, words.reader.gettext(
            "Page %(page)s of %(pages)s", page=digits(str(page)), pages=digits(str(pages))
        )

    return Document(title, made, source, footer=footer, rtl=words.rtl)


def _drawn(draw: Callable[[], bytes], roots: Sequence[tuple[str, object]]) -> bytes:
    """*draw*, with a missing font's error naming the input field that holds the text."""
    try:
        return draw()
    except NoFontFor as error:
        for source, root in roots:
            field = _field_holding(root, error.chars)
            if field is not None:
                raise error.at(source, field) from None
        raise


def _field_holding(value: object, chars: str, path: str = "") -> str | None:
    """The dotted name of the first text field under *value* holding any of *chars*."""
    if isinstance(value, str):
        return path if any(char in value for char in chars) else None
    if isinstance(value, tuple):
        for number, item in enumerate(value):
            found = _field_holding(item, chars, f"{path}[{number}]")
            if found is not None:
                return found
        return None
    if is_dataclass(value) and not isinstance(value, type):
        for spec in fields(value):
            inner = f"{path}.{spec.name}" if path else spec.name
            found = _field_holding(getattr(value, spec.name), chars, inner)
            if found is not None:
                return found
    return None


def itinerary_pdf(itinerary: Itinerary, options: RenderOptions) -> bytes:
    """One delegate's itinerary as an A4 PDF, in the reader's language."""
    delegate = itinerary.delegate
    roots: list[tuple[str, object]] = [(f"delegate {delegate.id!r}", delegate)]
    roots += [(f"event {event.id!r}", event) for event in itinerary.events]
    roots.append(("programme", itinerary.programme))
    return _drawn(lambda: _itinerary_pdf(itinerary, options), roots)


def _itinerary_pdf(itinerary: Itinerary, options: RenderOptions) -> bytes:
    delegate, programme = itinerary.delegate, itinerary.programme
    words = _Words(options.language or delegate.language)
    other = options.display_zone(itinerary)
    pdf = _document(
        # the document's title (metadata): no bidi isolates, shown by viewers as text
        words.reader.gettext("Itinerary for %(name)s", name=delegate.name),
        generated(options, itinerary.items),
        programme.title,
        words,
    )
    lines = [Part(delegate.organisation, 10)] if delegate.organisation else []
    lines.append(Part(programme.title, 10, False, ACCENT))
    if delegate.home_zone is not None:
        home = words.reader.zone_words(delegate.home_zone)
        lines.append(Part(words.gettext("Home time zone: %(zone)s", zone=home), 9))
    lines.append(_clock_note(other, words))
    lines += _page_link(options, words)
    feed = _feed(options, words.gettext("Your calendar feed"))
    _header(pdf, delegate.name, delegate.name_native, lines, feed, words)
    pdf.heading(words.gettext("Day by day"))
    _day_table(pdf, agenda(itinerary.items, programme, other, words.reader), other, words)
    _nights_table(pdf, programme, delegate.stays, words)
    events = itinerary.events
    _venues(pdf, {event.venue.id: event.venue for event in events}.values(), words)
    _contacts(pdf, {c.id: c for event in events for c in event.contacts}.values(), words)
    if options.show_problems:
        _problems(pdf, itinerary, words)
    return pdf.pdf_bytes()


def programme_pdf(programme: Programme, options: RenderOptions) -> bytes:
    """The whole public programme as an A4 PDF (no personal data), in the reader's
    language (``options.language``)."""
    roots = [(f"event {event.id!r}", event) for event in programme.events]
    return _drawn(lambda: _programme_pdf(programme, options), [*roots, ("programme", programme)])


def _programme_pdf(programme: Programme, options: RenderOptions) -> bytes:
    words = _Words(options.language)
    other = options.display_zone()
    events = sorted(programme.events, key=sort_key)
    pdf = _document(programme.title, generated(options, events), programme.title, words)
    lines = []
    if programme.organiser:
        lines.append(
            Part(words.gettext("Organised by %(organiser)s", organiser=programme.organiser), 10)
        )
    if programme.description:
        lines.append(Part(programme.description, 8.5))
    for extra in (programme.livestream, programme.hashtag):
        if extra:
            lines.append(Part(extra, 8.5, False, ACCENT))
    lines.append(_clock_note(other, words))
    lines += _page_link(options, words)
    feed = _feed(options, words.gettext("Programme calendar feed"))
    _header(pdf, programme.title, None, lines, feed, words)
    pdf.heading(words.gettext("Day by day"))
    _day_table(pdf, agenda(events, programme, other, words.reader), other, words)
    _venues(pdf, programme.venues, words)
    _contacts(pdf, programme.contacts, words)
    return pdf.pdf_bytes()
