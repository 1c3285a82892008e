"""The sample roster, and the roster formats: CSV (with legs and stays beside it) and TOML.

Oracles: the CSV files read with the stdlib ``csv`` module, and UTC instants computed with
the stdlib ``zoneinfo``.
"""

from __future__ import annotations

import csv
import json
import shutil
import unicodedata
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import SAMPLE_ROSTER
from icssi_itinerary import EventSelection, Programme, Roster, load_roster

SAMPLE = SAMPLE_ROSTER.parent
BAGHDAD = ZoneInfo("Asia/Baghdad")


def rows(name: str) -> list[dict[str, str]]:
    with (SAMPLE / name).open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def wall(text: str, zone_name: str) -> datetime:
    """A local wall-clock time in an IANA zone, as an aware stdlib datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone_name))


def is_arabic_script(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all(unicodedata.name(ch).startswith("ARABIC") for ch in letters)


# --- the sample roster --------------------------------------------------------------


def test_sample_roster_has_the_twelve_delegates_of_roster_csv_in_file_order(
    roster: Roster,
) -> None:
    expected = rows("roster.csv")
    assert len(roster.delegates) == 12
    assert [d.id for d in roster.delegates] == [row["id"] for row in expected]
    for delegate, row in zip(roster.delegates, expected, strict=True):
        assert delegate.name == row["name"]
        assert delegate.name_native == (row["name_native"] or None)
        assert delegate.organisation == row["organisation"]
        assert delegate.email == row["email"]
        assert delegate.language == row["language"]
        assert delegate.home_zone is not None
        assert delegate.home_zone.key == row["home_timezone"]
        entries = row["events"].split(";")
        assert delegate.events == EventSelection(
            listed=tuple(e for e in entries if e != "*" and not e.startswith("-")),
            everything="*" in entries,
            excluded=tuple(e.removeprefix("-") for e in entries if e.startswith("-")),
        )
        assert roster.delegate(delegate.id) is delegate


def test_native_names_are_arabic_script_and_baghdad_delegates_have_them(roster: Roster) -> None:
    native = [d for d in roster.delegates if d.name_native]
    assert len(native) >= 5
    for delegate in native:
        assert is_arabic_script(delegate.name_native or ""), delegate.name_native
        # nothing was transliterated or reversed on the way in
        assert delegate.name_native
        assert unicodedata.bidirectional(delegate.name_native[0]) == "AL"
    from_baghdad = [
        d for d in roster.delegates if d.home_zone is not None and d.home_zone.key == "Asia/Baghdad"
    ]
    assert len(from_baghdad) >= 5
    assert all(d.name_native and is_arabic_script(d.name_native) for d in from_baghdad)
    # the international delegates have no native name, and it stays None (not "")
    assert roster.delegate("hanne-lie").name_native is None
    assert is_arabic_script(roster.delegate("amal-karim").name_native or "")
    assert roster.delegate("amal-karim").name_native == "أمل كريم"


def test_an_unknown_delegate_is_a_key_error(roster: Roster) -> None:
    with pytest.raises(KeyError):
        roster.delegate("nobody")


def test_legs_and_stays_are_attached_to_their_own_delegate(roster: Roster) -> None:
    legs: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows("legs.csv"):
        legs[row["delegate"]].append(row)
    stays: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows("stays.csv"):
        stays[row["delegate"]].append(row)
    assert sum(len(d.legs) for d in roster.delegates) == len(rows("legs.csv"))
    assert sum(len(d.stays) for d in roster.delegates) == len(rows("stays.csv"))
    for delegate in roster.delegates:
        assert all(leg.delegate_id == delegate.id for leg in delegate.legs)
        assert all(stay.delegate_id == delegate.id for stay in delegate.stays)
        assert [(leg.origin, leg.destination, leg.reference) for leg in delegate.legs] == [
            (row["from"], row["to"], row["reference"]) for row in legs[delegate.id]
        ]
        assert [(s.name, s.city, s.check_in, s.check_out) for s in delegate.stays] == [
            (
                row["name"],
                row["city"],
                date.fromisoformat(row["check_in"]),
                date.fromisoformat(row["check_out"]),
            )
            for row in stays[delegate.id]
        ]
    # some delegates travel nowhere: they live where the events are
    assert roster.delegate("hanne-lie").legs == ()
    assert roster.delegate("hanne-lie").stays == ()
    ids = [leg.id for d in roster.delegates for leg in d.legs]
    assert len(ids) == len(set(ids)), "leg ids must be unique across the roster"


def test_every_leg_time_is_the_local_time_in_its_own_zone(roster: Roster) -> None:
    legs: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows("legs.csv"):
        legs[row["delegate"]].append(row)
    for delegate in roster.delegates:
        for leg, row in zip(delegate.legs, legs[delegate.id], strict=True):
            departs = wall(row["departs"], row["from_timezone"])
            arrives = wall(row["arrives"], row["to_timezone"])
            assert leg.span.start.astimezone(UTC) == departs.astimezone(UTC)
            assert leg.span.end.astimezone(UTC) == arrives.astimezone(UTC)
            start_zone, end_zone = leg.span.start.tzinfo, leg.span.end.tzinfo
            assert isinstance(start_zone, ZoneInfo) and isinstance(end_zone, ZoneInfo)
            assert start_zone.key == row["from_timezone"]
            assert end_zone.key == row["to_timezone"]
            assert leg.span.start.strftime("%Y-%m-%d %H:%M") == row["departs"]
            assert leg.span.end.strftime("%Y-%m-%d %H:%M") == row["arrives"]


def test_baghdad_to_istanbul_on_the_morning_turkish_clocks_went_back(roster: Roster) -> None:
    leg = next(
        leg
        for leg in roster.delegate("amal-karim").legs
        if (leg.origin, leg.destination) == ("Baghdad", "Istanbul")
        and leg.span.start.date() == date(2014, 10, 26)
    )
    # the oracle: stdlib zoneinfo
    departs = datetime(2014, 10, 26, 4, 10, tzinfo=BAGHDAD)
    arrives = datetime(2014, 10, 26, 6, 25, tzinfo=ZoneInfo("Europe/Istanbul"))
    assert departs.astimezone(UTC) == datetime(2014, 10, 26, 1, 10, tzinfo=UTC)
    offset = arrives.utcoffset()
    assert offset is not None and offset.total_seconds() == 2 * 3600
    assert arrives.astimezone(UTC) == datetime(2014, 10, 26, 4, 25, tzinfo=UTC)

    start, end = leg.span.start, leg.span.end
    assert (start.hour, start.minute) == (4, 10)
    assert (end.hour, end.minute) == (6, 25)
    assert start.astimezone(UTC) == datetime(2014, 10, 26, 1, 10, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2014, 10, 26, 4, 25, tzinfo=UTC)
    # on the traveller's home clock: left 04:10, landed 07:25, 3 h 15 min in the air
    assert end.astimezone(BAGHDAD).strftime("%H:%M") == "07:25"
    assert start.astimezone(BAGHDAD).strftime("%H:%M") == "04:10"
    assert leg.span.duration.total_seconds() == 3 * 3600 + 15 * 60


# --- the TOML roster ------------------------------------------------------------------


def _toml_value(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string


def _toml_table(name: str, fields: dict[str, str]) -> str:
    return f"[[{name}]]\n" + "".join(f"{key} = {value}\n" for key, value in fields.items())


def sample_as_toml() -> str:
    """The sample CSV roster, legs and stays rewritten as one TOML file."""
    tables: list[str] = []
    for row in rows("roster.csv"):
        fields = {
            key: _toml_value(value) for key, value in row.items() if value and key not in {"events"}
        }
        fields["events"] = _toml_value(row["events"].split(";"))
        tables.append(_toml_table("delegates", fields))
    for row in rows("legs.csv"):
        fields = {
            key: _toml_value(value)
            for key, value in row.items()
            if key not in {"departs", "arrives"} and value
        }
        # TOML local date-time literals, not strings
        fields["departs"] = row["departs"].replace(" ", "T") + ":00"
        fields["arrives"] = row["arrives"].replace(" ", "T") + ":00"
        tables.append(_toml_table("legs", fields))
    for row in rows("stays.csv"):
        fields = {
            key: _toml_value(value)
            for key, value in row.items()
            if key not in {"check_in", "check_out"} and value
        }
        fields["check_in"] = row["check_in"]  # a TOML local date literal
        fields["check_out"] = row["check_out"]
        tables.append(_toml_table("stays", fields))
    return "\n".join(tables)


def test_a_toml_roster_with_the_same_data_loads_to_equal_delegates(
    tmp_path: Path, programme: Programme, roster: Roster
) -> None:
    path = tmp_path / "roster.toml"
    path.write_text(sample_as_toml(), encoding="utf-8")
    from_toml = load_roster(path, programme)
    assert from_toml.delegates == roster.delegates
    assert from_toml.source == str(path)


@pytest.mark.parametrize("kind", ["csv", "toml"])
def test_a_value_repeated_across_rows_is_kept_in_memory_once(
    tmp_path: Path, programme: Programme, kind: str
) -> None:
    """A forum's roster repeats cities, modes and each delegate's id in every leg and
    stay: one string object each, and the programme's own event ids, not a copy per
    row (docs/performance.md, a forum-sized build)."""
    path = SAMPLE_ROSTER
    if kind == "toml":
        path = tmp_path / "roster.toml"
        path.write_text(sample_as_toml(), encoding="utf-8")
    loaded = load_roster(path, programme)
    texts = [
        text
        for delegate in loaded.delegates
        for leg in delegate.legs
        for text in (leg.mode, leg.origin, leg.destination)
    ] + [stay.city for delegate in loaded.delegates for stay in delegate.stays]
    for delegate in loaded.delegates:
        owners = [leg.delegate_id for leg in delegate.legs]
        owners += [stay.delegate_id for stay in delegate.stays]
        assert all(owner is delegate.id for owner in owners)
    assert len(set(texts)) < len(texts)  # values repeat ...
    assert len({id(text) for text in texts}) == len(set(texts))  # ... as one object each
    event_ids = {event.id: event.id for event in programme.events}
    for delegate in loaded.delegates:
        for event_id in (*delegate.events.listed, *delegate.events.excluded):
            assert event_id is event_ids[event_id]


def test_the_hand_written_toml_fixture_matches_its_csv_twin(
    tmp_path: Path, programme: Programme
) -> None:
    fixture = Path(__file__).parent / "data" / "rosters" / "two-delegates.toml"
    csv_folder = Path(__file__).parent / "data" / "rosters" / "two-delegates"
    from_toml = load_roster(fixture, programme)
    from_csv = load_roster(csv_folder / "roster.csv", programme)
    assert from_toml.delegates == from_csv.delegates
    leila = from_toml.delegate("leila-hassan")
    assert leila.name_native is not None and is_arabic_script(leila.name_native)
    assert leila.events == EventSelection(
        listed=("icssi-oslo-conference", "upr-iraq"), excluded=("social-evening",)
    )
    assert [leg.span.start.astimezone(UTC) for leg in leila.legs] == [
        datetime(2014, 10, 26, 1, 10, tzinfo=UTC),
        datetime(2014, 11, 2, 16, 35, tzinfo=UTC),
    ]
    assert [stay.city for stay in leila.stays] == ["Oslo", "Geneva"]
    # 02:30 happened twice in Oslo that night; fold = "later" means the second, CET one
    (train,) = from_toml.delegate("tom-berg").legs
    assert train.id == "tom-night-train"
    assert train.span.end.astimezone(UTC) == datetime(2014, 10, 26, 1, 30, tzinfo=UTC)
    oracle = datetime(2014, 10, 26, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Oslo"))
    assert train.span.end.astimezone(UTC) == oracle.astimezone(UTC)


# --- CSV as spreadsheets write it -----------------------------------------------------


def copy_sample(folder: Path, *names: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(SAMPLE / name, folder / name)
    return folder / "roster.csv"


def test_csv_saved_by_excel_with_a_byte_order_mark_loads(
    tmp_path: Path, programme: Programme, roster: Roster
) -> None:
    path = copy_sample(tmp_path, "roster.csv", "legs.csv", "stays.csv")
    for name in ("roster.csv", "legs.csv", "stays.csv"):
        file = tmp_path / name
        raw = file.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        file.write_bytes(b"\xef\xbb\xbf" + raw.replace(b"\n", b"\r\n"))
    loaded = load_roster(path, programme)
    assert loaded.delegates == roster.delegates
    assert loaded.delegates[0].id == "amal-karim"


def test_blank_lines_in_csv_are_skipped(
    tmp_path: Path, programme: Programme, roster: Roster
) -> None:
    path = copy_sample(tmp_path, "roster.csv", "legs.csv", "stays.csv")
    for name in ("roster.csv", "legs.csv", "stays.csv"):
        file = tmp_path / name
        lines = file.read_text(encoding="utf-8").splitlines()
        columns = lines[0].count(",")
        padded = [lines[0], "", *lines[1:3], "," * columns, "", *lines[3:], "", ""]
        file.write_text("\n".join(padded) + "\n", encoding="utf-8")
    loaded = load_roster(path, programme)
    assert loaded.delegates == roster.delegates


def test_legs_and_stays_files_are_optional(
    tmp_path: Path, programme: Programme, roster: Roster
) -> None:
    path = copy_sample(tmp_path / "only-roster", "roster.csv")
    loaded = load_roster(path, programme)
    assert [d.id for d in loaded.delegates] == [d.id for d in roster.delegates]
    assert all(d.legs == () and d.stays == () for d in loaded.delegates)

    path = copy_sample(tmp_path / "no-stays", "roster.csv", "legs.csv")
    loaded = load_roster(path, programme)
    assert [d.legs for d in loaded.delegates] == [d.legs for d in roster.delegates]
    assert all(d.stays == () for d in loaded.delegates)
