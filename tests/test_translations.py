"""The shipped catalogues: complete, current, and read through Babel's CLDR data.

The oracle for completeness is pybabel's own extractor run over the code and templates
with ``babel.cfg``, the configuration a translator uses (docs/translating.md).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import babel.dates
import pendulum
import pytest
from babel.messages.catalog import Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from icssi_itinerary import available_languages, localize, reader, zone
from icssi_itinerary.translation import catalogue_language
from icssi_itinerary_plugins.translations import DOMAIN, locale_folder

LOCALE = locale_folder()

SHIPPED = sorted(LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def extracted_messages() -> set[str]:
    """Every message id in the code and templates, as pybabel extract finds them."""
    method_map = [
        ("plugins/**.py", "python"),
        ("src/icssi_itinerary/translation.py", "python"),
        ("plugins/**/templates/**.html", "jinja2"),
    ]
    options = {"plugins/**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found: set[str] = set()
    for _, _, message, _, _ in extract_from_dir(
        str(ROOT),
        method_map,
        options_map=options,
        keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None},
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def catalogue_ids(path: Path) -> dict[str, Message]:
    with path.open("rb") as source:
        catalog = read_po(source)
    return {str(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}


def test_arabic_ships() -> None:
    assert {"ar", "en"} <= available_languages()
    assert [path.parent.parent.name for path in SHIPPED] == ["ar"]


def test_the_template_lists_every_message_of_the_code() -> None:
    template = set(catalogue_ids(LOCALE / f"{DOMAIN}.pot"))
    assert template == extracted_messages(), "run pybabel extract (docs/translating.md)"


@pytest.mark.parametrize("po", SHIPPED, ids=lambda path: path.parent.parent.name)
def test_every_message_is_translated_and_none_is_fuzzy(po: Path) -> None:
    messages = catalogue_ids(po)
    missing = extracted_messages() - set(messages)
    assert not missing, f"{po.name} lacks {sorted(missing)}: run pybabel update"
    for message_id, message in messages.items():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{po}: {message_id!r} is untranslated"
        assert not message.fuzzy, f"{po}: {message_id!r} is fuzzy"
        filled = set(PLACEHOLDER.findall(message_id)) | {"count", "num"}
        for string in strings:
            unknown = set(PLACEHOLDER.findall(str(string))) - filled
            assert not unknown, f"{po}: {message_id!r} has placeholders {unknown} never filled"


def test_a_fuzzy_or_untranslated_message_is_not_shown(tmp_path: Path) -> None:
    from icssi_itinerary import Catalogue

    folder = tmp_path / "locale" / "ar" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "d.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: ar\\n"\n\n'
        '#, fuzzy\nmsgid "Flight"\nmsgstr "غلط"\n\nmsgid "Stay"\nmsgstr ""\n',
        encoding="utf-8",
    )
    translations = Catalogue(tmp_path / "locale", "d").translations("ar")
    assert translations is not None
    assert translations.gettext("Flight") == "Flight"
    assert translations.gettext("Stay") == "Stay"


def test_iraqi_arabic_has_iraqi_months_and_arabic_indic_digits() -> None:
    iraqi, arabic = reader("ar-IQ"), reader("ar")
    october = date(2014, 10, 30)
    assert "تشرين الأول" in iraqi.date(october) and "٣٠" in iraqi.date(october)
    assert "أكتوبر" in arabic.date(october)
    assert iraqi.tag == "ar-IQ" and iraqi.direction == "rtl"
    assert reader("en").direction == "ltr"


def test_times_are_on_the_24_hour_clock_in_the_locale_digits() -> None:
    moment = localize(datetime(2014, 10, 30, 21, 5), zone("Asia/Baghdad"))
    assert reader("en").time(moment) == "21:05"
    assert reader("ar-IQ").time(moment) == "٢١:٠٥"


def test_zones_are_named_after_their_city_in_words() -> None:
    assert reader("en").zone_words(zone("Asia/Baghdad")) == "Baghdad time"
    assert reader("ar").zone_words(zone("Asia/Baghdad")) == "توقيت بغداد"
    assert reader("en").zone_words(zone("Europe/Oslo")) == "Oslo time"


@pytest.mark.parametrize("tag", ["fr", "de-CH", "zz", "not a tag", "x"])
def test_a_language_without_a_catalogue_is_read_in_english(tag: str) -> None:
    english = reader(tag)
    assert catalogue_language(tag) is None
    assert english.tag == "en" and english.date(date(2014, 10, 30)).startswith("Thursday")


@pytest.mark.parametrize("tag", ["ar", "ar-IQ", "ar_IQ", "AR-iq", "ar-SA"])
def test_every_arabic_tag_is_served_by_the_arabic_catalogue(tag: str) -> None:
    assert catalogue_language(tag) == "ar"
    assert reader(tag).zone_words(zone("Asia/Baghdad")) == "توقيت بغداد"


@settings(max_examples=300, deadline=None)
@given(
    instant=st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2037, 12, 31)),
    place=st.sampled_from(["Asia/Baghdad", "Europe/Oslo", "America/St_Johns", "Asia/Kathmandu"]),
    language=st.sampled_from(["en", "ar", "ar-IQ", "nb"]),
)
def test_remembered_dates_times_and_cities_read_as_babel_writes_them(
    instant: datetime, place: str, language: str
) -> None:
    """Each date, time of day and zone's city is made once per process: every later one
    reads as Babel itself writes it for that instant (as UTC), in that zone and language,
    the second time round a clock change included."""
    words, there = reader(language), zone(place)
    at = pendulum.instance(instant.replace(tzinfo=UTC)).in_timezone(there)
    digits = words.digits
    assert words.time(at) == digits(babel.dates.format_skeleton("Hm", at, locale=words.locale))
    assert words.date(at.date(), "full") == digits(
        babel.dates.format_date(at.date(), "full", locale=words.locale)
    )
    assert words.date(at, "MMMEd") == digits(
        babel.dates.format_skeleton("MMMEd", at, locale=words.locale)
    )
    city = babel.dates.get_timezone_location(there, locale=words.locale, return_city=True)
    assert words.city(there) == city
    assert words.city(there, "Somewhere") == "Somewhere"
