"""The bundled ICSSI 2014 programme, fact by fact against the press statement.

Each fact is asserted twice: it must be in the statement (read from the file, so the
test is tied to its source) and it must be in the programme the library loads. Instants
are checked with the stdlib ``zoneinfo``, in UTC and in Baghdad time.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conftest import press_statement
from icssi_itinerary import (
    DateSpan,
    Event,
    Programme,
    TimeSpan,
    bundled_programmes,
    load_programme,
)

BAGHDAD = ZoneInfo("Asia/Baghdad")
CITY_ZONES = {"Oslo": "Europe/Oslo", "Geneva": "Europe/Zurich", "Brussels": "Europe/Brussels"}


@pytest.fixture(scope="module")
def statement() -> str:
    """The press statement, with typographic apostrophes and line breaks flattened."""
    text = press_statement().replace("\u2019", "'")
    return re.sub(r"\s+", " ", text)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'"))


def titled(programme: Programme, words: str) -> Event:
    """The one event whose title contains *words*."""
    found = [event for event in programme.events if words.lower() in event.title.lower()]
    assert len(found) == 1, f"{len(found)} events titled like {words!r}"
    return found[0]


def dates_of(event: Event) -> tuple[date, date]:
    assert isinstance(event.span, DateSpan), f"{event.id} should be date-precision"
    return event.span.first_day, event.span.last_day


def instants(event: Event, wall_start: datetime, wall_end: datetime) -> None:
    """*event* is timed, on its venue's clock, and starts/ends at these wall times there."""
    span = event.span
    assert isinstance(span, TimeSpan), f"{event.id} should have published times"
    venue_zone = ZoneInfo(CITY_ZONES[event.city])
    expected_start = wall_start.replace(tzinfo=venue_zone)
    expected_end = wall_end.replace(tzinfo=venue_zone)
    assert span.start.replace(tzinfo=None) == wall_start
    assert span.end.replace(tzinfo=None) == wall_end
    assert span.start.astimezone(UTC) == expected_start.astimezone(UTC)
    assert span.end.astimezone(UTC) == expected_end.astimezone(UTC)


# --- Oslo: the ICSSI conference, 27-29 October ------------------------------------------


def test_oslo_conference_dates_and_hall(programme: Programme, statement: str) -> None:
    assert "conference from October 27-29" in statement
    assert "The conference takes place in the hall of St. Olav Church" in statement

    conference = programme.event("icssi-oslo-conference")
    assert conference.parent is None
    assert dates_of(conference) == (date(2014, 10, 27), date(2014, 10, 29))
    assert conference.span.all_day is True
    assert isinstance(conference.span, DateSpan)
    assert conference.span.part_of_day is None  # no time, no label invented
    assert "St. Olav Church" in conference.venue.name
    assert conference.venue.name.lower().startswith("hall")
    assert conference.city == "Oslo" and conference.venue.country == "Norway"
    assert conference.venue.zone.key == "Europe/Oslo"


def test_social_event_on_the_evening_of_27_october(programme: Programme, statement: str) -> None:
    assert "start with a social event in the evening of October 27" in statement
    assert "connect with the Iraqi community in Norway" in statement

    social = titled(programme, "social event")
    assert social.parent == "icssi-oslo-conference"
    assert dates_of(social) == (date(2014, 10, 27), date(2014, 10, 27))
    assert isinstance(social.span, DateSpan)
    assert social.span.part_of_day == "evening"  # kept as a label, not an hour
    assert social.status == "tentative"  # its time is not published
    assert social.venue == programme.event("icssi-oslo-conference").venue


def test_sessions_and_workshops_on_the_six_campaigns(programme: Programme, statement: str) -> None:
    assert "The next two days will feature sessions and workshops on ICSSI's campaigns" in statement
    listed = re.search(r"major campaigns which are supported by ICSSI: (.+?)\.", statement)
    assert listed is not None
    campaigns = [name.strip() for name in listed.group(1).split(",")]
    assert len(campaigns) == 6
    assert "Save the Tigris and Iraqi Marshes" in campaigns

    sessions = titled(programme, "campaigns")
    assert sessions.parent == "icssi-oslo-conference"
    assert dates_of(sessions) == (date(2014, 10, 28), date(2014, 10, 29))
    assert sorted(flat(tag) for tag in sessions.tags) == sorted(campaigns)


def test_afternoon_of_29_october(programme: Programme, statement: str) -> None:
    assert (
        "The afternoon of October 29 will feature sessions on ICSSI's internal structure, "
        "as well as a session on the future course of the Iraqi Social Forum" in statement
    )
    for words in ("internal structure", "future course of the Iraqi Social Forum"):
        session = titled(programme, words)
        assert session.parent == "icssi-oslo-conference"
        assert dates_of(session) == (date(2014, 10, 29), date(2014, 10, 29))
        assert isinstance(session.span, DateSpan)
        assert session.span.part_of_day == "afternoon"
        assert session.status == "tentative"


# --- Oslo: the Globalization Conference, 30 October - 2 November ------------------------


def test_globalization_conference_with_an_isf_session(programme: Programme, statement: str) -> None:
    assert (
        "The ICSSI conference is followed by the Globalization Conference of the Norwegian "
        "Social Forum, from 30 October-2 November, during which the Iraqi Social Forum will "
        "conduct a session" in statement
    )
    conference = titled(programme, "Globalization Conference")
    assert dates_of(conference) == (date(2014, 10, 30), date(2014, 11, 2))
    assert conference.city == "Oslo"
    assert conference.follows == "icssi-oslo-conference"

    sessions = [
        event for event in programme.children(conference.id) if "Iraqi Social Forum" in event.title
    ]
    assert len(sessions) == 1
    session = sessions[0]
    first, last = dates_of(session)  # the day is not published: within the conference
    assert date(2014, 10, 30) <= first <= last <= date(2014, 11, 2)
    assert session.status == "tentative"


# --- Geneva: the UPR of Iraq, 3 November -------------------------------------------------


def test_upr_of_iraq_in_geneva(programme: Programme, statement: str) -> None:
    assert (
        "The Globalization conference is followed on November 3 in Geneva, Switzerland, "
        "by the Universal Periodic Review (UPR)" in statement
    )
    upr = titled(programme, "Universal Periodic Review")
    assert dates_of(upr) == (date(2014, 11, 3), date(2014, 11, 3))
    assert upr.city == "Geneva" and upr.venue.country == "Switzerland"
    assert upr.venue.zone.key == "Europe/Zurich"


def test_icssi_session_at_the_palais_des_nations(programme: Programme, statement: str) -> None:
    assert "A session will be held by ICSSI in the Palais des Nations, from 10-12 a.m." in statement
    session = titled(programme, "Palais des Nations")
    assert session.venue.name == "Palais des Nations"
    assert session.parent == titled(programme, "Universal Periodic Review").id
    assert session.venue.zone.key == "Europe/Zurich"
    instants(session, datetime(2014, 11, 3, 10), datetime(2014, 11, 3, 12))
    span = session.span
    assert span.start.astimezone(UTC) == datetime(2014, 11, 3, 9, tzinfo=UTC)
    assert span.end.astimezone(UTC) == datetime(2014, 11, 3, 11, tzinfo=UTC)
    in_baghdad = span.start.astimezone(BAGHDAD), span.end.astimezone(BAGHDAD)
    assert [moment.replace(tzinfo=None) for moment in in_baghdad] == [
        datetime(2014, 11, 3, 12),
        datetime(2014, 11, 3, 14),
    ]


# --- Brussels: the MEP meeting, 5 November -----------------------------------------------


def test_meeting_with_meps_in_the_paul_henri_spaak_building(
    programme: Programme, statement: str
) -> None:
    assert (
        "meeting with European Members of Parliament in Brussels on November 5, "
        "in the Paul-Henri Spaak Building from 3-5 p.m." in statement
    )
    meeting = titled(programme, "Members of the European Parliament")
    assert "Paul-Henri Spaak Building" in meeting.venue.name
    assert meeting.city == "Brussels" and meeting.venue.zone.key == "Europe/Brussels"
    instants(meeting, datetime(2014, 11, 5, 15), datetime(2014, 11, 5, 17))
    span = meeting.span
    assert span.start.astimezone(UTC) == datetime(2014, 11, 5, 14, tzinfo=UTC)
    assert span.end.astimezone(UTC) == datetime(2014, 11, 5, 16, tzinfo=UTC)
    in_baghdad = span.start.astimezone(BAGHDAD), span.end.astimezone(BAGHDAD)
    assert [moment.replace(tzinfo=None) for moment in in_baghdad] == [
        datetime(2014, 11, 5, 17),
        datetime(2014, 11, 5, 19),
    ]


# --- links, publicity, contacts ----------------------------------------------------------


def test_follows_chain_is_the_order_of_the_statement(programme: Programme, statement: str) -> None:
    mentions = [
        statement.index("2014 Iraqi Civil Society Solidarity Initiative (ICSSI) conference"),
        statement.index("followed by the Globalization Conference"),
        statement.index("followed on November 3 in Geneva"),
        statement.index("meeting with European Members of Parliament in Brussels"),
    ]
    assert mentions == sorted(mentions)

    chain = ["icssi-oslo-conference"]
    following = {event.follows: event.id for event in programme.events if event.follows}
    while chain[-1] in following:
        chain.append(following[chain[-1]])
    assert [programme.event(event_id).title for event_id in chain] == [
        titled(programme, "ICSSI 2014 Oslo Conference").title,
        titled(programme, "Globalization Conference").title,
        titled(programme, "Universal Periodic Review").title,
        titled(programme, "Members of the European Parliament").title,
    ]
    # Each link goes forward in time.
    starts = [programme.event(event_id).span.start.astimezone(UTC) for event_id in chain]
    assert starts == sorted(starts)


def test_livestream_and_hashtag(programme: Programme, statement: str) -> None:
    assert "will be livestreamed via the ICSSI Youtube channel" in statement
    assert "#ICSSI_Oslo will be the #hashtag" in statement
    assert programme.hashtag == "#ICSSI_Oslo"
    assert programme.livestream is not None
    assert "livestream" in programme.livestream.lower()
    assert "youtube" in programme.livestream.lower()


def published_contacts(statement: str, about: str) -> list[tuple[str, str]]:
    """(name, phone) pairs listed after 'For more information about <about>'."""
    block = statement.split(f"For more information about {about}, please contact:")[1]
    block = block.split("For more information")[0]
    return re.findall(r"([A-Z][A-Za-z. ]+?) (\+\d[\d ]*\d)", block)


def test_the_four_contacts_exactly_as_published(programme: Programme, statement: str) -> None:
    oslo = published_contacts(statement, "the ICSSI 2014 Oslo Conference")
    geneva_brussels = published_contacts(statement, "the Geneva and Brussels sessions")
    assert oslo == [("Toon Bijnens", "+47 451 02 574"), ("Johanna L. Rivera", "+47 925 08 900")]
    assert [name for name, _ in geneva_brussels] == ["Florent Schaeffer", "Ismaeel Dawood"]

    assert sorted((c.name, c.phone) for c in programme.contacts) == sorted(oslo + geneva_brussels)

    def named(event: Event) -> list[tuple[str, str | None]]:
        return [(c.name, c.phone) for c in event.contacts]

    assert named(programme.event("icssi-oslo-conference")) == oslo
    assert named(titled(programme, "Palais des Nations")) == geneva_brussels
    assert named(titled(programme, "Members of the European Parliament")) == geneva_brussels


# --- rules every event keeps --------------------------------------------------------------


def test_only_the_published_times_are_timed(programme: Programme, statement: str) -> None:
    """The statement gives two clock times (10-12 a.m., 3-5 p.m.); everything else is dates."""
    assert len(re.findall(r"\d+-\d+ [ap]\.m\.", statement)) == 2
    timed = {event.title for event in programme.events if isinstance(event.span, TimeSpan)}
    assert timed == {
        titled(programme, "Palais des Nations").title,
        titled(programme, "Members of the European Parliament").title,
    }
    for event in programme.events:
        if event.title not in timed:
            assert isinstance(event.span, DateSpan)
            assert event.span.all_day is True
            assert event.span.last_day >= event.span.first_day


def test_timed_events_are_on_their_venues_iana_clock(programme: Programme) -> None:
    for event in programme.events:
        assert event.venue.zone.key == CITY_ZONES[event.city], event.id
        if isinstance(event.span, TimeSpan):
            for moment in (event.span.start, event.span.end):
                assert isinstance(moment.tzinfo, ZoneInfo)
                assert moment.tzinfo.key == event.venue.zone.key, event.id  # not a fixed offset
        else:
            assert event.span.zone.key == event.venue.zone.key, event.id


def test_every_event_of_the_tour_is_in_cet(programme: Programme, statement: str) -> None:
    """EU summer time ended on 26 Oct 2014, the day of the statement: all is UTC+1."""
    assert "(October 26 2014)" in statement
    oslo = ZoneInfo("Europe/Oslo")
    assert datetime(2014, 10, 26, 0, tzinfo=oslo).utcoffset() == timedelta(hours=2)
    assert datetime(2014, 10, 26, 12, tzinfo=oslo).utcoffset() == timedelta(hours=1)

    one_hour = timedelta(hours=1)
    for event in programme.events:
        venue_zone = ZoneInfo(event.venue.zone.key)
        if isinstance(event.span, TimeSpan):
            assert event.span.start.utcoffset() == one_hour, event.id
            assert event.span.end.utcoffset() == one_hour, event.id
            walls: list[datetime] = [
                event.span.start.replace(tzinfo=None),
                event.span.end.replace(tzinfo=None),
            ]
        else:
            walls = [
                datetime.combine(day, datetime.min.time()) + timedelta(hours=hour)
                for day in event.span.days()
                for hour in (0, 12, 23)
            ]
        for wall in walls:
            assert wall.replace(tzinfo=venue_zone).utcoffset() == one_hour, (event.id, wall)
            assert date(2014, 10, 27) <= wall.date() <= date(2014, 11, 5), (event.id, wall)


def test_nested_events_lie_within_their_parents(programme: Programme) -> None:
    for event in programme.events:
        if event.parent is None:
            continue
        parent = programme.event(event.parent)
        assert parent.span.start.astimezone(UTC) <= event.span.start.astimezone(UTC), event.id
        assert event.span.end.astimezone(UTC) <= parent.span.end.astimezone(UTC), event.id


# --- loading ------------------------------------------------------------------------------


def test_the_bundled_programme_is_the_default() -> None:
    assert "icssi-2014" in bundled_programmes()
    default = load_programme()
    assert default == load_programme("icssi-2014")
    assert default.id == "icssi-2014"
    assert len(default.events) == len({event.id for event in default.events})
