"""Which events a delegate attends, and the order of the items in an itinerary.

Oracles: the programme file read with ``tomllib`` (for nesting), the sample CSV files read
with ``csv``, and UTC instants computed with ``zoneinfo``.
"""

from __future__ import annotations

import csv
import tomllib
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import ROOT, SAMPLE_ROSTER
from icssi_itinerary import (
    DateSpan,
    Delegate,
    Event,
    EventSelection,
    Programme,
    Roster,
    Stay,
    TimeSpan,
    TravelLeg,
    attended_events,
    build_itinerary,
    load_roster,
)
from icssi_itinerary.timing import Fold

PROGRAMME_FILE = ROOT / "src" / "icssi_itinerary" / "data" / "icssi-2014.toml"


@pytest.fixture(scope="module")
def raw_events() -> list[dict[str, object]]:
    """The programme's events as the TOML file states them."""
    events: list[dict[str, object]] = tomllib.loads(PROGRAMME_FILE.read_text(encoding="utf-8"))[
        "events"
    ]
    return events


def nested_under(raw_events: list[dict[str, object]], root: str) -> set[str]:
    """*root* and every event whose chain of parents leads to it (the oracle)."""
    parents = {str(e["id"]): e.get("parent") for e in raw_events}
    found = set()
    for event_id in parents:
        current: object = event_id
        while current is not None:
            if current == root:
                found.add(event_id)
                break
            current = parents[str(current)]
    return found


def person(
    *events: str, legs: tuple[TravelLeg, ...] = (), stays: tuple[Stay, ...] = ()
) -> Delegate:
    """A delegate whose ``events`` are given in the roster's syntax: ids, ``-id``, ``*``."""
    selection = EventSelection(
        listed=tuple(e for e in events if e != "*" and not e.startswith("-")),
        everything="*" in events,
        excluded=tuple(e.removeprefix("-") for e in events if e.startswith("-")),
    )
    return Delegate(id="someone", name="Someone", events=selection, legs=legs, stays=stays)


def ids(events: tuple[Event, ...]) -> set[str]:
    return {event.id for event in events}


# --- attended_events --------------------------------------------------------------


def test_listing_a_parent_includes_its_sessions(
    programme: Programme, raw_events: list[dict[str, object]]
) -> None:
    chosen = ids(attended_events(programme, person("icssi-oslo-conference")))
    expected = nested_under(raw_events, "icssi-oslo-conference")
    assert chosen == expected
    # the press statement's programme for Oslo: social evening, campaign sessions, the
    # afternoon sessions of 29 October
    assert {"social-evening", "campaign-sessions", "internal-structure", "isf-future"} <= chosen
    assert "globalization-conference" not in chosen

    geneva = ids(attended_events(programme, person("upr-iraq")))
    assert geneva == {"upr-iraq", "icssi-geneva-session"}


def test_a_session_alone_does_not_bring_its_parent(programme: Programme) -> None:
    assert ids(attended_events(programme, person("icssi-geneva-session"))) == {
        "icssi-geneva-session"
    }


def test_minus_id_excludes_an_event_and_its_sessions(
    programme: Programme, raw_events: list[dict[str, object]]
) -> None:
    everything = {str(e["id"]) for e in raw_events}
    chosen = ids(attended_events(programme, person("*", "-upr-iraq")))
    assert chosen == everything - nested_under(raw_events, "upr-iraq")
    assert "icssi-geneva-session" not in chosen
    assert "mep-meeting" in chosen

    one_session = ids(
        attended_events(programme, person("icssi-oslo-conference", "-social-evening"))
    )
    assert one_session == nested_under(raw_events, "icssi-oslo-conference") - {"social-evening"}

    # the order of the entries does not matter: an exclusion wins
    assert ids(attended_events(programme, person("-upr-iraq", "*"))) == chosen


def test_star_is_the_whole_programme(
    programme: Programme, raw_events: list[dict[str, object]]
) -> None:
    chosen = attended_events(programme, person("*"))
    assert ids(chosen) == {str(e["id"]) for e in raw_events}
    assert len(chosen) == len(raw_events)  # nothing twice
    assert len(attended_events(programme, person("*", "upr-iraq"))) == len(raw_events)


def test_sample_delegates_attend_what_their_row_says(
    programme: Programme, roster: Roster, raw_events: list[dict[str, object]]
) -> None:
    with SAMPLE_ROSTER.open(encoding="utf-8", newline="") as stream:
        rows = {row["id"]: row for row in csv.DictReader(stream)}
    everything = {str(e["id"]) for e in raw_events}
    for delegate in roster.delegates:
        expected: set[str] = set()
        entries = rows[delegate.id]["events"].split(";")
        for entry in entries:
            if entry == "*":
                expected |= everything
            elif not entry.startswith("-"):
                expected |= nested_under(raw_events, entry)
        for entry in entries:
            if entry.startswith("-"):
                expected -= nested_under(raw_events, entry[1:])
        itinerary = build_itinerary(programme, delegate)
        assert ids(itinerary.events) == expected, delegate.id
    mustafa = build_itinerary(programme, roster.delegate("mustafa-hussein"))
    assert "social-evening" not in ids(mustafa.events)
    assert "campaign-sessions" in ids(mustafa.events)


# --- order ----------------------------------------------------------------------------


def utc_start(item: Event | TravelLeg | Stay) -> datetime:
    return item.span.start.astimezone(UTC)


def local_first_day(item: Event | TravelLeg | Stay) -> date:
    """The day an item begins, on the clocks where it begins (zoneinfo as oracle)."""
    if isinstance(item, Stay):
        return item.check_in
    if item.span.all_day:
        assert isinstance(item.span, DateSpan)
        return item.span.first_day
    assert isinstance(item.span, TimeSpan) and isinstance(item.span.start.tzinfo, ZoneInfo)
    key = item.span.start.tzinfo.key
    return item.span.start.astimezone(ZoneInfo(key)).date()


def test_timed_items_are_in_order_of_their_utc_instants(
    programme: Programme, roster: Roster
) -> None:
    with (SAMPLE_ROSTER.parent / "legs.csv").open(encoding="utf-8", newline="") as stream:
        legs_csv: dict[str, list[datetime]] = defaultdict(list)
        for row in csv.DictReader(stream):
            departs = datetime.fromisoformat(row["departs"])
            legs_csv[row["delegate"]].append(
                departs.replace(tzinfo=ZoneInfo(row["from_timezone"])).astimezone(UTC)
            )
    for delegate in roster.delegates:
        itinerary = build_itinerary(programme, delegate)
        timed = [item for item in itinerary.items if not item.span.all_day]
        instants = [utc_start(item) for item in timed]
        assert instants == sorted(instants), delegate.id
        leg_instants = [utc_start(item) for item in timed if isinstance(item, TravelLeg)]
        assert leg_instants == sorted(legs_csv[delegate.id]), delegate.id


def test_legs_in_different_zones_are_ordered_by_real_time_not_wall_clock(
    programme: Programme,
) -> None:
    """On the night clocks went back: Istanbul 02:30 EEST is 23:30 UTC the day before,
    Oslo 02:45 (the second one, CET) is 01:45 UTC, Baghdad 05:00 is 02:00 UTC."""
    from icssi_itinerary import TimeSpan, localize, zone

    def leg(leg_id: str, tz: str, hour: int, minute: int, fold: Fold | None = None) -> TravelLeg:
        start = localize(datetime(2014, 10, 26, hour, minute), zone(tz), fold)
        end = localize(datetime(2014, 10, 26, 12, 0), zone(tz))
        return TravelLeg(leg_id, "someone", "flight", "A", "B", TimeSpan(start, end))

    baghdad = leg("baghdad", "Asia/Baghdad", 5, 0)
    istanbul = leg("istanbul", "Europe/Istanbul", 2, 30)
    oslo = leg("oslo", "Europe/Oslo", 2, 45, "later")
    itinerary = build_itinerary(programme, person("mep-meeting", legs=(baghdad, istanbul, oslo)))
    order = [item.id for item in itinerary.items if isinstance(item, TravelLeg)]
    oracle = sorted(
        [
            ("baghdad", datetime(2014, 10, 26, 5, 0, tzinfo=ZoneInfo("Asia/Baghdad"))),
            ("istanbul", datetime(2014, 10, 26, 2, 30, tzinfo=ZoneInfo("Europe/Istanbul"))),
            ("oslo", datetime(2014, 10, 26, 2, 45, fold=1, tzinfo=ZoneInfo("Europe/Oslo"))),
        ],
        key=lambda pair: pair[1].astimezone(UTC),
    )
    assert order == [name for name, _ in oracle] == ["istanbul", "oslo", "baghdad"]


def test_whole_day_items_come_first_within_their_day(programme: Programme, roster: Roster) -> None:
    for delegate in roster.delegates:
        items = build_itinerary(programme, delegate).items
        for i, whole in enumerate(items):
            if isinstance(whole, Stay) or not whole.span.all_day:
                continue
            for j, timed in enumerate(items):
                if timed.span.all_day or isinstance(timed, Stay):
                    continue
                if local_first_day(timed) == local_first_day(whole):
                    assert i < j, (delegate.id, whole.id, timed.id)
    # the concrete case: the review of Iraq (3 November, all day) before its 10:00 session
    ids = [item.id for item in build_itinerary(programme, roster.delegate("amal-karim")).items]
    assert ids.index("upr-iraq") < ids.index("icssi-geneva-session")
    # and a conference spanning days before a session of one day that starts with it
    assert ids.index("icssi-oslo-conference") < ids.index("social-evening")


def test_a_stay_comes_last_on_its_check_in_day(programme: Programme, roster: Roster) -> None:
    checked = 0
    for delegate in roster.delegates:
        items = build_itinerary(programme, delegate).items
        for i, stay in enumerate(items):
            if not isinstance(stay, Stay):
                continue
            for j, other in enumerate(items):
                if isinstance(other, Stay):
                    continue
                day = local_first_day(other)
                if day <= stay.check_in:
                    assert j < i, (delegate.id, stay.id, other.id)
                    checked += 1
                else:
                    assert j > i, (delegate.id, stay.id, other.id)
    assert checked > 0
    # amal-karim lands in Geneva at 20:05 on 2 November, then checks in
    items = build_itinerary(programme, roster.delegate("amal-karim")).items
    landing = next(
        i
        for i, item in enumerate(items)
        if isinstance(item, TravelLeg) and item.destination == "Geneva"
    )
    hotel = next(
        i for i, item in enumerate(items) if isinstance(item, Stay) and item.city == "Geneva"
    )
    assert hotel == landing + 1


def test_an_itinerary_holds_only_the_delegates_own_legs_and_stays(
    programme: Programme, roster: Roster
) -> None:
    with (SAMPLE_ROSTER.parent / "legs.csv").open(encoding="utf-8", newline="") as stream:
        leg_count: dict[str, int] = defaultdict(int)
        for row in csv.DictReader(stream):
            leg_count[row["delegate"]] += 1
    with (SAMPLE_ROSTER.parent / "stays.csv").open(encoding="utf-8", newline="") as stream:
        stay_count: dict[str, int] = defaultdict(int)
        for row in csv.DictReader(stream):
            stay_count[row["delegate"]] += 1
    all_legs = {leg.id: d.id for d in roster.delegates for leg in d.legs}
    for delegate in roster.delegates:
        itinerary = build_itinerary(programme, delegate)
        assert itinerary.delegate is delegate
        legs = [item for item in itinerary.items if isinstance(item, TravelLeg)]
        stays = [item for item in itinerary.items if isinstance(item, Stay)]
        assert len(legs) == leg_count[delegate.id]
        assert len(stays) == stay_count[delegate.id]
        assert all(all_legs[leg.id] == delegate.id for leg in legs)
        personal: list[TravelLeg | Stay] = [*legs, *stays]
        assert all(item.delegate_id == delegate.id for item in personal)
        assert len(itinerary.items) == len(itinerary.events) + len(legs) + len(stays)


def test_two_delegates_on_the_same_flights_keep_their_own_legs(
    tmp_path: Path, programme: Programme
) -> None:
    folder = tmp_path / "twins"
    folder.mkdir()
    (folder / "roster.csv").write_text(
        "id,name,events\none,One,upr-iraq\ntwo,Two,upr-iraq\nthree,Three,upr-iraq\n",
        encoding="utf-8",
    )
    flight = "flight,Oslo,Europe/Oslo,2014-11-02 17:35,Geneva,Europe/Zurich,2014-11-02 20:05"
    (folder / "legs.csv").write_text(
        "delegate,mode,from,from_timezone,departs,to,to_timezone,arrives\n"
        f"one,{flight}\ntwo,{flight}\n",
        encoding="utf-8",
    )
    (folder / "stays.csv").write_text(
        "delegate,name,city,timezone,check_in,check_out\n"
        "two,Hotel,Geneva,Europe/Zurich,2014-11-02,2014-11-04\n",
        encoding="utf-8",
    )
    twins = load_roster(folder / "roster.csv", programme)
    one, two, three = (build_itinerary(programme, d) for d in twins.delegates)
    one_legs = [item for item in one.items if isinstance(item, TravelLeg)]
    two_legs = [item for item in two.items if isinstance(item, TravelLeg)]
    assert [leg.delegate_id for leg in one_legs] == ["one"]
    assert [leg.delegate_id for leg in two_legs] == ["two"]
    assert one_legs[0].id != two_legs[0].id
    assert not any(isinstance(item, Stay) for item in one.items)
    assert [item.delegate_id for item in two.items if isinstance(item, Stay)] == ["two"]
    assert all(isinstance(item, Event) for item in three.items)


def test_a_stay_sorts_after_a_late_arrival_on_the_day_clocks_went_back(
    programme: Programme,
) -> None:
    """26 October 2014 had 25 hours in Oslo: a train leaving at 23:10 CET (22:10 UTC) is
    still on the check-in day, so the night's hotel comes after it."""
    from icssi_itinerary import TimeSpan, localize, zone

    oslo = zone("Europe/Oslo")
    train = TravelLeg(
        "late-train",
        "someone",
        "train",
        "Bergen",
        "Oslo",
        TimeSpan(
            localize(datetime(2014, 10, 26, 23, 10), oslo),
            localize(datetime(2014, 10, 26, 23, 50), oslo),
        ),
    )
    assert train.span.start.astimezone(UTC) == datetime(
        2014, 10, 26, 23, 10, tzinfo=ZoneInfo("Europe/Oslo")
    ).astimezone(UTC)
    hotel = Stay(
        "a-hotel", "someone", "Hotel", "Oslo", oslo, date(2014, 10, 26), date(2014, 10, 28)
    )
    items = build_itinerary(
        programme, person("icssi-oslo-conference", legs=(train,), stays=(hotel,)), checks=[]
    ).items
    order = [item.id for item in items]
    assert order.index("late-train") < order.index("a-hotel") < order.index("icssi-oslo-conference")
