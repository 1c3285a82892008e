"""Read a schedule.json with two real schedule tools, in their own virtualenv.

Run by ``.venv-consumers/bin/python`` (``.ci/run`` makes it: c3voc-schedule-tools pins
icalendar 5, which the project cannot share). Input on stdin: ``{"schedule": <the
schedule.json document>, "ends": {guid: ISO end}}``. Output on stdout, one JSON object:

- ``c3voc``: the schedule as c3voc's ``voc.Schedule`` re-exports it to schedule.xml and
  schedule.json, and each event's guid with the start it read;
- ``pyfahrplan``: per guid, what pyfahrplan's ``is_talk_in_past`` says at the event's
  end and a minute later (from the event's date and duration, as its CLI does).
"""

import datetime as dt
import json
import sys
import types
from typing import Any


def c3voc(document: dict[str, Any]) -> dict[str, Any]:
    from voc import Schedule

    schedule = Schedule(json=document)
    events: list[list[str]] = []
    schedule.foreach_event(lambda event: events.append([event["guid"], event.start.isoformat()]))
    return {"xml": schedule.xml(), "json": schedule.json(), "events": events}


def pyfahrplan(document: dict[str, Any], ends: dict[str, str]) -> dict[str, list[bool]]:
    # pyfahrplan installs an HTTP cache at import; requests-cache 0.8, which it pins,
    # no longer imports on Python 3.11. Nothing is downloaded here, so the cache is
    # left out; the reading code is pyfahrplan's own.
    cache = types.ModuleType("requests_cache")
    cache.install_cache = lambda *args, **kwargs: None  # type: ignore[attr-defined]
    cache.clear = lambda: None  # type: ignore[attr-defined]
    sys.modules["requests_cache"] = cache
    from pyfahrplan import lib

    plan = lib.Fahrplan.__new__(lib.Fahrplan)
    plan.fahrplans = [document["schedule"]]
    plan.flatten_fahrplans()
    minute = dt.timedelta(minutes=1)
    found: dict[str, list[bool]] = {}
    for talk in plan.flat_plans:
        end = dt.datetime.fromisoformat(ends[talk["talk_guid"]])
        found[talk["talk_guid"]] = [
            lib.is_talk_in_past(talk, end),
            lib.is_talk_in_past(talk, end + minute),
        ]
    return found


def main() -> None:
    request = json.load(sys.stdin)
    answer: dict[str, Any] = {}
    for name, reader in (
        ("c3voc", lambda: c3voc(request["schedule"])),
        ("pyfahrplan", lambda: pyfahrplan(request["schedule"], request["ends"])),
    ):
        try:
            answer[name] = reader()
        except Exception as error:  # reported to the test, which fails on it
            answer[name] = {"error": f"{type(error).__name__}: {error}"}
    json.dump(answer, sys.stdout, default=str)


if __name__ == "__main__":
    main()
