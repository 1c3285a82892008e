"""The reader's language: translated words, and dates, times and digits as CLDR has them.

Words come from gettext catalogues that plugins register (``register_translations``):
``<directory>/<language>/LC_MESSAGES/<domain>.po``, compiled to ``.mo`` when the package
is built or installed. Dates, times, zone names and digits come from Babel's CLDR data
for the reader's full locale (``ar-IQ`` has تشرين الأول for October and Arabic-Indic
digits), while the words come from the closest catalogue (``ar``). A language with no
catalogue is read in English, dates included, so a page never mixes two languages.
"""

from __future__ import annotations

import functools
import gettext
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Babel is imported on first use: registering catalogues needs none
    import babel
    from babel.support import Translations

__all__ = [
    "DEFAULT_LANGUAGE",
    "Catalogue",
    "Reader",
    "available_languages",
    "catalogue_language",
    "reader",
]

DEFAULT_LANGUAGE = "en"
"""The language of the messages in the code: used when no catalogue serves the reader."""

# The first digit (zero) of each CLDR numbering system a locale may default to.
_ZEROS = {
    "latn": "0",
    "arab": "\u0660",
    "arabext": "\u06f0",
    "beng": "\u09e6",
    "deva": "\u0966",
    "mymr": "\u1040",
    "tibt": "\u0f20",
}
_DIGIT = re.compile("[0-9]")
_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class Catalogue:
    """A gettext domain a plugin ships: ``directory/<language>/LC_MESSAGES/domain.po``."""

    directory: Path
    domain: str

    def languages(self) -> frozenset[str]:
        """The languages this catalogue has a translation for (``ar``, ``ar_IQ`` …),
        looked up once per process (the roster loader asks for every row)."""
        return _languages(self.directory, self.domain)

    def translations(self, language: str) -> Translations | None:
        """The compiled messages for *language*: the ``.mo`` file where it is at least as
        new as the ``.po`` file, else the ``.po`` file compiled in memory (fuzzy and
        untranslated messages left out, as ``pybabel compile`` does)."""
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po
        from babel.support import Translations

        po = self.directory / language / "LC_MESSAGES" / f"{self.domain}.po"
        if not po.is_file():
            return None
        mo = po.with_suffix(".mo")
        if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
            with mo.open("rb") as compiled:
                return Translations(compiled, domain=self.domain)
        with po.open("rb") as source:
            catalog = read_po(source, locale=language, domain=self.domain)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return Translations(buffer, domain=self.domain)


@functools.cache
def _languages(directory: Path, domain: str) -> frozenset[str]:
    return frozenset(
        path.parent.parent.name for path in directory.glob(f"*/LC_MESSAGES/{domain}.po")
    )


def _catalogues() -> tuple[Catalogue, ...]:
    from .plugins import get_catalogues

    return tuple(get_catalogues())


def available_languages(catalogues: tuple[Catalogue, ...] | None = None) -> frozenset[str]:
    """Every language some catalogue (by default, every registered one) translates, and
    :data:`DEFAULT_LANGUAGE`."""
    found = {DEFAULT_LANGUAGE}
    for catalogue in _catalogues() if catalogues is None else catalogues:
        found |= catalogue.languages()
    return frozenset(found)


def _locale(tag: str) -> babel.Locale | None:
    """*tag* (``ar-IQ``, ``ar_IQ``, ``en``) as a Babel locale, or ``None`` if CLDR has none."""
    import babel

    if not _TAG.match(tag):
        return None
    try:
        return babel.Locale.parse(tag.replace("-", "_"))
    except (ValueError, babel.UnknownLocaleError):
        return None


def catalogue_language(tag: str, catalogues: tuple[Catalogue, ...] | None = None) -> str | None:
    """The catalogue language that serves *tag*: itself (``ar_IQ``), else its language
    (``ar``); :data:`DEFAULT_LANGUAGE` for English; ``None`` where there is none."""
    return _served(tag, _catalogues() if catalogues is None else catalogues)


@functools.cache
def _served(tag: str, catalogues: tuple[Catalogue, ...]) -> str | None:
    locale = _locale(tag)
    if locale is None:
        return None
    languages = available_languages(catalogues)
    for candidate in (str(locale), locale.language):
        if candidate in languages:
            return candidate
    return None


@dataclass(frozen=True)
class Reader:
    """What a format needs to know about its reader's language."""

    locale: babel.Locale
    """The locale dates, times and digits follow (the reader's, e.g. ``ar_IQ``)."""
    translations: gettext.NullTranslations
    """The words, merged from every registered catalogue."""

    @property
    def tag(self) -> str:
        """The BCP 47 tag, for ``<html lang>``: ``ar-IQ``."""
        return str(self.locale).replace("_", "-")

    @property
    def direction(self) -> str:
        """``rtl`` or ``ltr``: the direction the locale's script is written in."""
        return "rtl" if self.locale.character_order == "right-to-left" else "ltr"

    def gettext(self, message: str, **values: Any) -> str:
        """*message* in the reader's language, with ``%(name)s`` filled from *values*."""
        text = self.translations.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, count: int, **values: Any) -> str:
        """The form of *singular*/*plural* for *count*; ``%(count)s`` (or ``%(num)s``, as
        Jinja2 names it) is the number in the locale's digits."""
        text = self.translations.ngettext(singular, plural, count)
        number = self.digits(str(count))
        return text % {"count": number, "num": number, **values}

    def digits(self, text: str) -> str:
        """*text* with ASCII digits written in the locale's own digits."""
        zero = _ZEROS.get(self.locale.default_numbering_system, "0")
        if zero == "0":
            return text
        return _DIGIT.sub(lambda match: chr(ord(zero) + int(match.group())), text)

    def date(self, day: date, pattern: str = "full") -> str:
        """*day* in a CLDR format (``full``, ``long``, ``medium``, ``short``) or skeleton
        (``MMMEd``, ``yMMMd`` …), in the locale's words and digits."""
        return _date(self, day, pattern)

    def time(self, moment: datetime) -> str:
        """The wall-clock time of *moment*, hours and minutes in the locale's 24-hour
        form (``09:05``), in its digits."""
        return _time(self, moment.hour, moment.minute, moment)

    def city(self, zone: tzinfo, name: str | None = None) -> str:
        """The city *zone* is named after, in the reader's language (``بغداد``). With
        *name*, a city the data names in that zone: translated where it is the zone's
        own city (``Oslo`` → ``أوسلو``), else kept (``Geneva`` in ``Europe/Zurich``)."""
        own = _zone_city(zone, "en")
        if name is not None and name.casefold() != own.casefold():
            return name
        return _zone_city(zone, self.locale)

    def zone_words(self, zone: tzinfo, city: str | None = None) -> str:
        """*zone* in words, after *city* (where the data names one) or the zone's own
        city: ``Geneva time``, ``توقيت بغداد``; never an IANA name."""
        return self.gettext("%(city)s time", city=self.city(zone, city))


# What Babel makes of a date, a time of day or a zone depends on nothing else, and takes
# it a thousand lookups in CLDR's data: each is made once per process (bounded).


@functools.lru_cache(maxsize=4096)
def _date(words: Reader, day: date, pattern: str) -> str:
    import babel.dates

    if pattern in ("full", "long", "medium", "short"):
        text = babel.dates.format_date(day, pattern, locale=words.locale)
    else:
        text = babel.dates.format_skeleton(pattern, day, locale=words.locale)
    return words.digits(text)


def _time(words: Reader, hour: int, minute: int, moment: datetime) -> str:
    """*moment*'s ``Hm`` (24-hour hours and minutes: nothing but *hour* and *minute*
    shows), made for the first moment of each."""
    key = (words, hour, minute)
    text = _TIMES.get(key)
    if text is None:
        import babel.dates

        if len(_TIMES) >= 4096:
            _TIMES.clear()
        formatted = babel.dates.format_skeleton("Hm", moment, locale=words.locale)
        text = _TIMES[key] = words.digits(formatted)
    return text


_TIMES: dict[tuple[Reader, int, int], str] = {}


@functools.lru_cache(maxsize=1024)
def _zone_city(zone: tzinfo, locale: babel.Locale | str) -> str:
    import babel.dates

    return babel.dates.get_timezone_location(zone, locale=locale, return_city=True)


@functools.cache
def _reader(language: str, catalogues: tuple[Catalogue, ...]) -> Reader:
    import babel
    from babel.support import Translations

    served = catalogue_language(language, catalogues)
    if served is None:
        return Reader(babel.Locale.parse(DEFAULT_LANGUAGE), gettext.NullTranslations())
    locale = _locale(language)
    assert locale is not None
    merged: gettext.NullTranslations = gettext.NullTranslations()
    for catalogue in catalogues:
        found = catalogue.translations(served)
        if found is None:
            continue
        if isinstance(merged, Translations):
            merged.merge(found)
        else:
            merged = found
    return Reader(locale, merged)


def reader(language: str | None = None) -> Reader:
    """The :class:`Reader` for *language* (a BCP 47 tag such as ``ar-IQ``); English
    where no catalogue serves it (the roster loader warns about that row)."""
    return _reader(language or DEFAULT_LANGUAGE, _catalogues())
