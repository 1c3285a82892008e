"""A seeded, reproducible conference of any size: programme TOML and roster CSVs.

    python benchmarks/synthetic.py --events 300 --delegates 2000 --out /tmp/forum

writes ``programme.toml``, ``roster.csv``, ``legs.csv`` and ``stays.csv``. Events spread
over several venues in several zones (with DST changes inside the range), with sessions
nested under conferences; each delegate attends a random subset, flies in from one of
several home zones and stays in a hotel.
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

CITIES = [
    ("oslo", "Oslo", "Norway", "Europe/Oslo", 59.91, 10.75),
    ("geneva", "Geneva", "Switzerland", "Europe/Zurich", 46.22, 6.14),
    ("brussels", "Brussels", "Belgium", "Europe/Brussels", 50.84, 4.37),
    ("new-york", "New York", "United States", "America/New_York", 40.75, -73.97),
    ("sao-paulo", "São Paulo", "Brazil", "America/Sao_Paulo", -23.55, -46.63),
    ("nairobi", "Nairobi", "Kenya", "Africa/Nairobi", -1.29, 36.82),
]
HOMES = ["Asia/Baghdad", "Europe/Istanbul", "Asia/Kolkata", "America/Chicago", "Africa/Cairo"]
FIRST_DAY = date(2014, 10, 20)
"""The range crosses the end of EU (26 Oct) and US (2 Nov) summer time."""


def programme_toml(events: int, rng: random.Random) -> tuple[str, list[tuple[str, str, date]]]:
    """The programme text and, per event, its id, city id and day."""
    lines = ["[programme]", 'id = "synthetic"', f'title = "Synthetic forum ({events} events)"', ""]
    for venue, city, country, zone, lat, lon in CITIES:
        lines += [
            "[[venues]]",
            f'id = "{venue}"',
            f'name = "{city} Congress Centre"',
            f'address = "Main Street 1, {city}"',
            f'city = "{city}"',
            f'country = "{country}"',
            f'timezone = "{zone}"',
            f"latitude = {lat}",
            f"longitude = {lon}",
            "",
        ]
    made: list[tuple[str, str, date]] = []
    conferences = max(1, events // 20)
    for number in range(events):
        venue_index = (number % conferences) % len(CITIES)
        venue, _, _, zone, _, _ = CITIES[venue_index]
        day = FIRST_DAY + timedelta(days=(number % conferences) * 2)
        event_id = f"e{number:05d}"
        lines += [
            "[[events]]",
            f'id = "{event_id}"',
            f'title = "Session {number}"',
            f'venue = "{venue}"',
        ]
        if number < conferences:
            lines += [f"start = {day}", f"end = {day + timedelta(days=1)}", 'kind = "conference"']
        else:
            lines.append(f'parent = "e{number % conferences:05d}"')
            hour = rng.randrange(8, 18)
            start = datetime(day.year, day.month, day.day, hour, rng.choice((0, 30)))
            start += timedelta(days=rng.randrange(2))
            end = start + timedelta(minutes=rng.choice((45, 60, 90)))
            if _repeats(start, zone) or _repeats(end, zone):
                start, end = start.replace(hour=12), end.replace(hour=13)
            lines += [f"start = {start:%Y-%m-%dT%H:%M:%S}", f"end = {end:%Y-%m-%dT%H:%M:%S}"]
            lines.append(f'status = "{rng.choice(("confirmed", "confirmed", "tentative"))}"')
        lines.append("")
        made.append((event_id, venue, day))
    return "\n".join(lines), made


def _repeats(moment: datetime, zone: str) -> bool:
    tz = ZoneInfo(zone)
    return (
        moment.replace(tzinfo=tz, fold=0).utcoffset()
        != moment.replace(tzinfo=tz, fold=1).utcoffset()
    )


FLIGHT = timedelta(hours=10)


def _elsewhere(wall: datetime, zone: str, other: str, shift: timedelta) -> datetime:
    """The wall time in *other* of the instant *shift* after *wall* in *zone*."""
    instant = wall.replace(tzinfo=ZoneInfo(zone)) + shift
    return instant.astimezone(ZoneInfo(other))


def _wall(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"


def _fold(moment: datetime, zone: str) -> str:
    """``earlier``/``later`` where the wall time happens twice in *zone*."""
    if not _repeats(moment.replace(tzinfo=None), zone):
        return ""
    return "later" if moment.fold else "earlier"


def write(out: Path, events: int, delegates: int, seed: int = 2014) -> Path:
    """Write the programme and roster into *out*; returns the roster path."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    text, made = programme_toml(events, rng)
    (out / "programme.toml").write_text(text, encoding="utf-8")
    conferences = list(made[: max(1, events // 20)])
    with (
        (out / "roster.csv").open("w", newline="", encoding="utf-8") as roster_file,
        (out / "legs.csv").open("w", newline="", encoding="utf-8") as legs_file,
        (out / "stays.csv").open("w", newline="", encoding="utf-8") as stays_file,
    ):
        roster, legs, stays = (csv.writer(f) for f in (roster_file, legs_file, stays_file))
        roster.writerow(["id", "name", "name_native", "home_timezone", "language", "events"])
        legs.writerow(
            [
                "delegate",
                "mode",
                "from",
                "from_timezone",
                "departs",
                "to",
                "to_timezone",
                "arrives",
                "fold",
            ]
        )
        stays.writerow(["delegate", "name", "city", "timezone", "check_in", "check_out"])
        for number in range(delegates):
            delegate_id = f"d{number:05d}"
            home = rng.choice(HOMES)
            event_id, venue, day = rng.choice(conferences)
            chosen = [event_id] + [
                f"-{e}" for e, _, _ in rng.sample(made, k=min(3, len(made))) if e != event_id
            ]
            roster.writerow(
                [
                    delegate_id,
                    f"Delegate {number}",
                    "مندوب" if number % 3 == 0 else "",
                    home,
                    "ar" if number % 3 == 0 else "en",
                    ";".join(chosen),
                ]
            )
            city = next(c for c in CITIES if c[0] == venue)
            arrive = datetime(day.year, day.month, day.day, 6, 0) - timedelta(days=1)
            leave = arrive + timedelta(days=3, hours=12)
            out_start = _elsewhere(arrive, city[3], home, -FLIGHT)
            back_end = _elsewhere(leave, city[3], home, FLIGHT)
            legs.writerow(
                [
                    delegate_id,
                    "flight",
                    "Home",
                    home,
                    _wall(out_start),
                    city[1],
                    city[3],
                    _wall(arrive),
                    _fold(out_start, home),
                ]
            )
            legs.writerow(
                [
                    delegate_id,
                    "flight",
                    city[1],
                    city[3],
                    _wall(leave),
                    "Home",
                    home,
                    _wall(back_end),
                    _fold(back_end, home),
                ]
            )
            stays.writerow([delegate_id, "Hotel", city[1], city[3], arrive.date(), leave.date()])
    return out / "roster.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--delegates", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2014)
    parser.add_argument("--out", type=Path, required=True)
    arguments = parser.parse_args()
    write(arguments.out, arguments.events, arguments.delegates, arguments.seed)


if __name__ == "__main__":
    main()
